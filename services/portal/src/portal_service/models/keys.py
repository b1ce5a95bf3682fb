"""The key the portal signs customer tokens with (suite_shared.signing_keys)."""

from portal_service.models.base import Base
from suite_shared.signing_keys import signing_key_table

signing_keys = signing_key_table(Base.metadata)
