"""Growing delays between attempts at something that keeps failing (a broker or database
outage): doubling from ``initial`` to ``maximum``, with jitter so replicas do not retry in step."""

from __future__ import annotations

import random


class Backoff:
    def __init__(self, initial: float = 0.5, maximum: float = 30.0):
        self.initial = initial
        self.maximum = maximum
        self.failures = 0

    def next_delay(self) -> float:
        base = min(self.maximum, self.initial * 2**self.failures)
        self.failures += 1
        return base * random.uniform(0.8, 1.0)

    def reset(self) -> None:
        self.failures = 0
