from suite_shared.settings import ServiceSettings


class CustomersSettings(ServiceSettings):
    service_name: str = "customers"
    port: int = 8002

    # Bulk messages (CUS-9). E-mail goes through SMTP; SMS through a provider by name
    # ("logging" writes each message to the log: development and tests).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_sender: str = "no-reply@suite.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    sms_provider: str = "logging"
    # The sender works through pending recipients in batches; off only in tests that need to
    # stage a campaign before anything is sent.
    campaign_sender_enabled: bool = True
    campaign_batch_size: int = 50
    campaign_poll_interval_s: float = 1.0
