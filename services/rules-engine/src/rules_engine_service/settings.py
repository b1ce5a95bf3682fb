from suite_shared.settings import ServiceSettings


class RulesSettings(ServiceSettings):
    service_name: str = "rules-engine"
    port: int = 8003
