from portal_service.models import Base
from suite_shared.migrations import run_env

run_env(Base.metadata)
