from suite_shared.settings import ServiceSettings


class OrdersSettings(ServiceSettings):
    service_name: str = "orders"
    port: int = 8005
    # Prices come from the catalog's quote, asked with the caller's own token.
    catalog_url: str = "http://127.0.0.1:8004"
    catalog_timeout_s: float = 5.0
    # Points and vouchers at placement are held by loyalty, asked only when an order uses them.
    loyalty_url: str = "http://127.0.0.1:8007"
    loyalty_timeout_s: float = 5.0
