from pathlib import Path

from suite_shared.events import EVENT_TYPES

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "events.md"


def test_every_registered_event_type_is_documented():
    text = CATALOGUE.read_text()
    missing = [t for t in EVENT_TYPES if not t.startswith("test.") and f"`{t}`" not in text]
    assert missing == []
