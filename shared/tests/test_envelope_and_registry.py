import uuid

import pytest
from pydantic import ValidationError

from suite_shared import context
from suite_shared.events import Envelope, new_envelope, payload_model
from suite_shared.events.registry import EventPayload, UnknownEventType, event_type


def test_envelope_has_cloudevents_attributes_and_round_trips():
    context.bind(correlation="corr-1", causation="cause-1", who="user-1")
    data = {
        "customer_id": str(uuid.uuid4()),
        "owner_id": str(uuid.uuid4()),
        "rule_id": str(uuid.uuid4()),
        "rule_name": "r",
        "department_id": None,
        "based_on_version": 1,
    }
    envelope = new_envelope(
        source="rules-engine", type="rules.owner_decision.made", data=data, subject="c1", version=3
    )
    body = envelope.to_json_bytes()
    again = Envelope.from_json_bytes(body)
    assert again == envelope
    assert again.specversion == "1.0"
    assert again.correlationid == "corr-1"
    assert again.causationid == "cause-1"
    assert again.actor == "user-1"
    assert again.version == 3
    assert again.datacontenttype == "application/json"


def test_payloads_ignore_unknown_fields_but_reject_missing_ones():
    model = payload_model("identity.department.deleted")
    department = uuid.uuid4()
    parsed = model.model_validate({"department_id": str(department), "added_later": 1})
    assert parsed.department_id == department
    with pytest.raises(ValidationError):
        model.model_validate({})


def test_unknown_type_and_double_registration_are_errors():
    with pytest.raises(UnknownEventType):
        payload_model("nobody.nothing.happened")

    with pytest.raises(ValueError):

        @event_type("identity.department.deleted")
        class Other(EventPayload):
            pass
