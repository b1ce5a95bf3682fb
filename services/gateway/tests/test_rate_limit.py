from gateway_service.rate_limit import RateLimiter


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_burst_then_refill_at_the_rate():
    clock = Clock()
    limiter = RateLimiter(rate=2.0, burst=3, clock=clock)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert 0.49 < wait <= 0.5  # half a second until the next token at 2/s
    clock.now += 0.5
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0


def test_clients_have_separate_buckets():
    clock = Clock()
    limiter = RateLimiter(rate=1.0, burst=1, clock=clock)
    assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    assert limiter.take("b") == 0.0


def test_bucket_never_exceeds_burst_after_a_long_idle():
    clock = Clock()
    limiter = RateLimiter(rate=10.0, burst=2, clock=clock)
    limiter.take("a")
    clock.now += 3600
    assert [limiter.take("a") == 0.0 for _ in range(3)] == [True, True, False]


def test_many_clients_drop_idle_full_buckets():
    clock = Clock()
    limiter = RateLimiter(rate=100.0, burst=1, clock=clock)
    limiter.MAX_CLIENTS = 10
    for i in range(10):
        limiter.take(f"c{i}")
    clock.now += 1.0  # every bucket refilled: they are forgotten
    limiter.take("new")
    assert len(limiter._buckets) == 1
