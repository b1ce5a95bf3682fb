"""``python -m gateway_service``: serve the gateway (it has no database)."""

from gateway_service.settings import GatewaySettings
from suite_shared.runner import serve

if __name__ == "__main__":
    serve(GatewaySettings(), "gateway_service.app:create_app", None)
