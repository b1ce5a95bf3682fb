"""The chaos gate runs last: it restarts the machine's PostgreSQL and RabbitMQ, which the other
tests of the run use (pytest runs files one after another, so nothing else runs meanwhile). Its
recovery table is printed at the end of the run, whatever the verbosity."""

from __future__ import annotations

import pytest

REPORT = pytest.StashKey[list[str]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: kills and restarts processes and servers; runs last")
    config.stash[REPORT] = []


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    chaos = [item for item in items if item.get_closest_marker("chaos")]
    if chaos:
        others = [item for item in items if not item.get_closest_marker("chaos")]
        items[:] = others + chaos


@pytest.fixture
def chaos_report(request) -> list[str]:
    """Lines for the end-of-run summary."""
    return request.config.stash[REPORT]


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    lines = config.stash.get(REPORT, [])
    if lines:
        terminalreporter.section("chaos gate")
        for line in lines:
            terminalreporter.write_line(line)
