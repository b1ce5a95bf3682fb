import re
from pathlib import Path

from suite_shared.events import EVENT_TYPES
from suite_shared.messaging.subscriptions import consumers_of

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "events.md"
TYPES = [t for t in EVENT_TYPES if not t.startswith("test.")]


def test_every_registered_event_type_is_documented():
    text = CATALOGUE.read_text()
    missing = [t for t in EVENT_TYPES if not t.startswith("test.") and f"`{t}`" not in text]
    assert missing == []


def _documented_consumers() -> dict[str, set[str]]:
    """type → the services the catalogue's consumers column names (notes in brackets aside)."""
    found = {}
    for line in CATALOGUE.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`") or cells[0].strip("`") not in TYPES:
            continue
        column = re.sub(r"\([^)]*\)", "", cells[2])
        found[cells[0].strip("`")] = {n.strip() for n in column.split(",") if n.strip() != "—"}
    return found


def test_the_catalogue_names_every_consumer_the_subscriptions_have():
    documented = _documented_consumers()
    wrong = {
        event_type: (documented.get(event_type), set(consumers_of(event_type)))
        for event_type in TYPES
        if documented.get(event_type) != set(consumers_of(event_type))
    }
    assert wrong == {}, "docs/events.md (documented, subscribed)"
