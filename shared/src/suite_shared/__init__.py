"""The platform library every suite service stands on.

Nothing here knows about customers, orders or any other domain: it holds settings, database
and unit-of-work plumbing, the event envelope and payload registry, the outbox/inbox messaging,
auth, errors, pagination, observability and the test fixtures.
"""
