from suite_shared.settings import ServiceSettings


class CustomersSettings(ServiceSettings):
    service_name: str = "customers"
    port: int = 8002
