import uuid

from customers_service.domain.ownership import can_see, decision_applies, default_owner, may_assign
from suite_shared.auth import Principal


def person(*perms: str) -> Principal:
    return Principal(id=uuid.uuid4(), kind="staff", name="x", permissions=frozenset(perms))


def test_sales_sees_only_own_customers_and_view_all_sees_every_one():
    sales, manager = person(), person("customers.view_all")
    assert can_see(sales, sales.id)
    assert not can_see(sales, uuid.uuid4())
    assert not can_see(sales, None)  # the pool is for managers
    assert can_see(manager, uuid.uuid4()) and can_see(manager, None)


def test_new_customer_owner_defaults():
    sales, manager = person(), person("customers.view_all")
    assert default_owner(sales, None) == sales.id
    assert default_owner(manager, None) is None
    other = uuid.uuid4()
    assert default_owner(sales, other) == other


def test_assigning_to_others_needs_handover():
    sales, lead = person(), person("customers.handover")
    assert may_assign(sales, sales.id)
    assert not may_assign(sales, uuid.uuid4())
    assert may_assign(lead, uuid.uuid4())


def test_decision_on_an_older_version_does_not_override_a_later_owner_change():
    assert decision_applies(owner_version=0, based_on_version=1)
    assert decision_applies(owner_version=1, based_on_version=1)
    assert not decision_applies(owner_version=3, based_on_version=2)
