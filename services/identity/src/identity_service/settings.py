"""Identity settings: token lifetimes, lock-out policy, password hashing, first admin."""

from suite_shared.settings import ServiceSettings


class IdentitySettings(ServiceSettings):
    service_name: str = "identity"
    port: int = 8001

    # Access tokens are short-lived; refresh tokens carry the session. Other services verify
    # them offline and learn revocations (deactivation, role, password) within seconds
    # (suite_shared.revocations); the TTL also bounds how long identity lists a revocation.
    access_token_ttl_s: int = 15 * 60
    refresh_token_ttl_s: int = 14 * 24 * 3600

    # Lock-out: this many consecutive wrong passwords lock the account for login_lockout_s.
    login_max_failures: int = 5
    login_lockout_s: int = 15 * 60

    password_min_length: int = 8
    # argon2id cost (argon2-cffi's defaults); tests lower them so hashing takes microseconds.
    argon2_time_cost: int = 3
    argon2_memory_cost_kib: int = 65_536
    argon2_parallelism: int = 4

    # The Ed25519 signing key (PKCS#8 PEM). When unset, one is generated at first start and
    # kept in the database, so every replica signs with the same key.
    identity_signing_key_pem: str | None = None
    identity_signing_key_kid: str | None = None

    # The first administrator, created at start when no user has this e-mail (IDN-4).
    admin_email: str = "admin@suite.local"
    admin_password: str = "admin12345"
    admin_name: str = "Administrator"
