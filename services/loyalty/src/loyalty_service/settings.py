from suite_shared.settings import ServiceSettings


class LoyaltySettings(ServiceSettings):
    service_name: str = "loyalty"
    port: int = 8007
    # A hold whose order never arrives (orders crashed between the hold and its commit) lets
    # its points and voucher use go after this long.
    hold_ttl_s: float = 900.0
    # How often the background jobs look for holds to expire, points to mature and batches
    # to expire (each job also runs once at start).
    jobs_interval_s: float = 60.0
