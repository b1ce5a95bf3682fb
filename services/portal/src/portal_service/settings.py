"""Portal settings: customer tokens and logins, the services it calls, mail."""

from suite_shared.settings import ServiceSettings


class PortalSettings(ServiceSettings):
    service_name: str = "portal"
    port: int = 8006

    # Customer tokens: signed by the portal (its own key, JWKS at /.well-known/jwks.json),
    # issuer ``portal_issuer`` (ServiceSettings), the suite's audience, kind "customer".
    customer_access_token_ttl_s: int = 30 * 60
    customer_refresh_token_ttl_s: int = 30 * 24 * 3600
    portal_signing_key_pem: str | None = None
    portal_signing_key_kid: str | None = None

    # Lock-out of customer logins, as for staff: N wrong passwords lock the login a while.
    login_max_failures: int = 5
    login_lockout_s: int = 15 * 60
    password_min_length: int = 8
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65_536
    argon2_parallelism: int = 4

    # Placing, cancelling and quoting go to the owning services with the customer's token.
    orders_url: str = "http://127.0.0.1:8005"
    catalog_url: str = "http://127.0.0.1:8004"
    loyalty_url: str = "http://127.0.0.1:8007"
    upstream_timeout_s: float = 5.0

    # E-mail to customers (POR-7).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "no-reply@suite.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_sender_enabled: bool = True
    mail_poll_interval_s: float = 1.0
    # Order lookups are limited per client: the client's address comes from the gateway's
    # X-Forwarded-For (it replaces whatever the client sent), believed from these peers only.
    trust_proxy_headers: bool = True
    # Where the portal's pages are reached from outside (links in e-mails).
    public_base_url: str = "http://127.0.0.1:8000"
