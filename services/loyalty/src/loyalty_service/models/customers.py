"""Loyalty's copy of the customers service's customers (no calls back): who owns a customer
(who may see their points), their groups (vouchers limited to groups)."""

from loyalty_service.models.base import Base
from suite_shared.readmodels.customers import CustomerReadModel, customer_table

customer_copies = customer_table(Base.metadata)
CUSTOMERS = CustomerReadModel(customer_copies)
