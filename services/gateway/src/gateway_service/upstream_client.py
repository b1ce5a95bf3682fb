"""A lean HTTP/1.1 client for the proxy hop: keep-alive pools over asyncio protocols + httptools.

Why not a general client: on this machine the hop's client is most of the gateway's CPU. With
one shared aiohttp ClientSession the gateway kept ~33% of a trivial endpoint's direct
throughput, and aiohttp's request machinery was ~45% of the gateway's CPU (py-spy). The proxy
needs very little of a general client — no redirects, cookies, decompression, proxies or TLS
(upstreams are plain HTTP inside the cluster) — so this one only writes the request bytes and
parses the answer with httptools, the C parser uvicorn already uses for the server side.

Bodies: a request body is either bytes (sent with Content-Length) or an async iterator (sent
chunked). The response body arrives through a small queue with back-pressure, so large
downloads stream without being held in memory.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

# uvicorn closes an idle keep-alive connection after 5 s; never reuse one that old, so a
# request is not written into a connection the server is closing.
MAX_IDLE_S = 4.0
MAX_IDLE_CONNECTIONS = 512
_PAUSE_AT = 16  # response chunks queued before the socket stops being read


class UpstreamError(Exception):
    """The upstream could not be reached or broke the connection (a 502)."""


class UpstreamTimeout(UpstreamError):
    """The upstream did not answer within the pool's timeout (a 504). Never retried."""


class StaleConnection(UpstreamError):
    """A pooled connection was already closed before the request was written: safe to retry."""


class ConnectFailed(UpstreamError):
    """No connection could be opened (refused, unreachable): the request was not sent."""


IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class UpstreamResponse:
    def __init__(self, connection: _Connection):
        self._connection = connection
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []

    def content_length(self) -> int | None:
        for name, value in self.headers:
            if name == b"content-length":
                try:
                    return int(value)
                except ValueError:
                    return None
        return None

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while True:
            chunk = await connection.next_chunk()
            if chunk is None:
                return
            yield chunk

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def release(self) -> None:
        """The body was read: the connection may serve the next request."""
        self._finish(reusable=True)

    def abandon(self) -> None:
        """Give up on the rest (a no-op after release): the connection is closed."""
        self._finish(reusable=False)

    def _finish(self, *, reusable: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.finished(reusable=reusable)


class _Connection(asyncio.Protocol):
    def __init__(self, pool: UpstreamPool):
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self.got_bytes = False
        self.in_use = False
        self.error: Exception | None = None
        self.deadline: asyncio.TimerHandle | None = None
        self._can_write = asyncio.Event()
        self._can_write.set()
        self._reset()

    def _reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.response: UpstreamResponse | None = None
        self.head_ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._chunks: deque[bytes | None] = deque()
        self._chunk_ready = asyncio.Event()
        self._complete = False
        self._keep_alive = False
        self._reading_paused = False
        self._informational = False
        self.got_bytes = False

    # ---- asyncio.Protocol -------------------------------------------------------------
    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        if not self.in_use:
            # Bytes on an idle connection belong to no request (a late answer to one that was
            # given up on): the connection cannot be trusted any more.
            self.transport.abort()
            return
        self.got_bytes = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as error:
            self._fail(UpstreamError(f"bad response from upstream: {error}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._can_write.set()
        if self.in_use and not self._complete:
            self._fail(UpstreamError("upstream closed the connection"))

    def pause_writing(self) -> None:
        self._can_write.clear()

    def resume_writing(self) -> None:
        self._can_write.set()

    # ---- httptools callbacks ----------------------------------------------------------
    def on_message_begin(self) -> None:
        self.response = UpstreamResponse(self)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.response.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.response.status = self.parser.get_status_code()
        if self.response.status < 200:
            self._informational = True  # e.g. 100 Continue: the real answer follows
            return
        if not self.head_ready.done():
            self.head_ready.set_result(None)

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._chunk_ready.set()
        if len(self._chunks) >= _PAUSE_AT and not self._reading_paused:
            self._reading_paused = True
            self.transport.pause_reading()

    def on_message_complete(self) -> None:
        if self._informational:
            self._informational = False
            return
        self._complete = True
        self._keep_alive = self.parser.should_keep_alive()
        self._chunks.append(None)
        self._chunk_ready.set()

    # ---- used by the pool and the response --------------------------------------------
    def _fail(self, error: Exception) -> None:
        self.error = self.error or error
        self._can_write.set()  # a writer waiting for the buffer to drain must wake and see it
        if not self.head_ready.done():
            self.head_ready.set_exception(error)
        elif not self._complete:
            self._chunks.append(error)  # type: ignore[arg-type]
            self._chunk_ready.set()
        if self.transport is not None:
            self.transport.abort()  # close() would wait for a send buffer nobody reads

    async def write(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        if self.closed:
            raise StaleConnection("upstream closed the connection")
        self.transport.write(data)
        if not self._can_write.is_set():
            await self._can_write.wait()
        if self.error is not None:
            raise self.error

    async def next_chunk(self) -> bytes | None:
        while not self._chunks:
            self._chunk_ready.clear()
            await self._chunk_ready.wait()
        chunk = self._chunks.popleft()
        if isinstance(chunk, Exception):
            raise chunk
        if self._reading_paused and len(self._chunks) < _PAUSE_AT // 2:
            self._reading_paused = False
            self.transport.resume_reading()
        return chunk

    def time_out(self) -> None:
        self._fail(UpstreamTimeout("the upstream did not answer in time"))

    def finished(self, *, reusable: bool) -> None:
        self.in_use = False
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None
        if reusable and self._complete and self._keep_alive and not self.closed:
            self._reset()
            self.idle_since = time.monotonic()
            self.pool.put_back(self)
        elif self.transport is not None:
            self.transport.close()


class UpstreamPool:
    """Keep-alive connections to one upstream (scheme http, host, port)."""

    def __init__(self, base_url: str, timeout_s: float = 30.0):
        self.timeout_s = timeout_s
        parts = urlsplit(base_url)
        if parts.scheme != "http":
            raise ValueError(f"upstreams are plain http inside the cluster: {base_url}")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.base_path = parts.path.rstrip("/").encode()
        self.host_header = parts.netloc.encode()
        self._idle: deque[_Connection] = deque()

    async def _connect(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.timeout_s):
                _, connection = await loop.create_connection(
                    lambda: _Connection(self), self.host, self.port
                )
        except TimeoutError:
            raise UpstreamTimeout(f"no connection to {self.host}:{self.port} in time") from None
        except OSError as error:
            raise ConnectFailed(f"cannot connect to {self.host}:{self.port}: {error}") from None
        return connection

    def _take_idle(self) -> _Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()  # most recently used first: warmest, least likely closed
            if not connection.closed and now - connection.idle_since < MAX_IDLE_S:
                return connection
            connection.transport.close()
        return None

    def put_back(self, connection: _Connection) -> None:
        if len(self._idle) >= MAX_IDLE_CONNECTIONS:
            connection.transport.close()
        else:
            self._idle.append(connection)

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        """Send the request; returns once the status line and headers are in.

        UpstreamTimeout when the answer (head or body) takes longer than the pool's timeout.

        The caller must read the body (``chunks``/``read``) and then ``release`` the response,
        or ``abandon`` it. A reused connection found closed is retried once on a new one: always
        when it was closed before the request went out, and for idempotent methods when it
        closed without a byte of answer. A timeout is never retried (the upstream may be
        working on it), nor a POST the upstream may have received.
        """
        head = self._head(method, target, headers, body)
        connection = self._take_idle()
        if connection is not None:
            try:
                return await self._exchange(connection, method, head, body)
            except UpstreamTimeout:
                raise
            except UpstreamError as error:
                replayable = isinstance(body, bytes | None)
                retry = isinstance(error, StaleConnection) or (
                    method in IDEMPOTENT and not connection.got_bytes
                )
                if not (replayable and retry):
                    raise
        return await self._exchange(await self._connect(), method, head, body)

    def _head(self, method, target, headers, body) -> bytes:
        lines = [b"%s %s%s HTTP/1.1" % (method.encode(), self.base_path, target),
                 b"host: " + self.host_header]  # fmt: skip
        lines.extend(name + b": " + value for name, value in headers)
        if isinstance(body, bytes):
            lines.append(b"content-length: %d" % len(body))
        elif body is not None:
            lines.append(b"transfer-encoding: chunked")
        return b"\r\n".join(lines) + b"\r\n\r\n"

    async def _exchange(self, connection: _Connection, method: str, head: bytes, body):
        # One timer per request, from the first byte written to the last byte read (cheaper
        # than asyncio.timeout around the whole exchange, which showed in the profile).
        connection.in_use = True
        connection.deadline = asyncio.get_running_loop().call_later(
            self.timeout_s, connection.time_out
        )
        try:
            if body is None or isinstance(body, bytes):
                await connection.write(head + body if body else head)
            else:
                await connection.write(head)
                async for chunk in body:
                    if chunk:
                        await connection.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                await connection.write(b"0\r\n\r\n")
            await connection.head_ready
        except BaseException:
            connection.finished(reusable=False)
            raise
        response = connection.response
        if method == "HEAD":
            # The parser would wait for a body a HEAD answer never has: end it here, and do
            # not reuse the connection.
            connection._chunks.append(None)
            connection._complete = True
            connection._keep_alive = False
        return response

    def close(self) -> None:
        while self._idle:
            self._idle.pop().transport.close()


# A replica that refused a connection is passed over for this long (unless all are).
REPLICA_SKIP_S = 1.0


class Replicas:
    """The replicas of one service, one pool each: requests go round-robin.

    A request that could not connect to a replica (ConnectFailed: it was never sent, so this
    holds for a POST too) goes to the next one, and the refusing replica is passed over for
    REPLICA_SKIP_S; a request that reached a replica and failed there is not sent elsewhere
    (the pool's own rules for stale keep-alive connections apply). One replica costs nothing
    more than its pool.
    """

    def __init__(self, urls: list[str], timeout_s: float = 30.0):
        if not urls:
            raise ValueError("a service needs at least one URL")
        self.pools = [UpstreamPool(url, timeout_s) for url in urls]
        self._next = 0
        self._skip_until = [0.0] * len(self.pools)

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        pools = self.pools
        count = len(pools)
        if count == 1:
            return await pools[0].request(method, target, headers, body)
        first = self._next
        self._next = (first + 1) % count
        now = time.monotonic()
        order = [(first + i) % count for i in range(count)]
        skip = self._skip_until
        ready = [i for i in order if skip[i] <= now]
        order = ready + [i for i in order if skip[i] > now]  # all refused lately: try anyway
        for attempt, index in enumerate(order):
            try:
                return await pools[index].request(method, target, headers, body)
            except ConnectFailed:
                skip[index] = time.monotonic() + REPLICA_SKIP_S
                last = attempt == count - 1
                if last or not isinstance(body, bytes | None):
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        for pool in self.pools:
            pool.close()
