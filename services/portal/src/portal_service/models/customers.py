"""The portal's copy of the customers service's customers: a login's phone or e-mail, the
name and groups a customer token carries, the owner who may grant the account."""

from portal_service.models.base import Base
from suite_shared.readmodels.customers import CustomerReadModel, customer_table

customer_copies = customer_table(Base.metadata)
CUSTOMERS = CustomerReadModel(customer_copies)
