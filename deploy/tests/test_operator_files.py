"""No Docker engine runs here, so check the operators' files for what would break them:
every service of the suite is in docker-compose.yml and the Kubernetes manifests, with a
command that really starts it and a health check, and only the gateway is published."""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
import yaml

from suite_shared.devrun import GATEWAY, SERVICES

ROOT = Path(__file__).resolve().parents[2]
ALL = [*SERVICES, GATEWAY]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def workspace_packages() -> set[str]:
    names = set()
    for path in (ROOT / "services").glob("*/pyproject.toml"):
        names.add(tomllib.loads(path.read_text())["project"]["name"])
    return names


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_every_service_is_composed_with_a_real_command_and_health_check(compose, spec):
    service = compose["services"][spec.name]
    assert service["command"] == ["python", "-m", spec.module]
    assert importlib.util.find_spec(spec.module) is not None, spec.module
    assert importlib.util.find_spec(f"{spec.module}.__main__") is not None
    args = service["build"]["args"]
    assert args["MODULE"] == spec.module
    assert args["PACKAGE"] in workspace_packages()
    check = " ".join(service["healthcheck"]["test"])
    assert "/ready" in check
    assert service["environment"]["PORT"] == "8000"


def test_infrastructure_has_health_checks_and_only_the_gateway_is_published(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in " ".join(services["rabbitmq"]["healthcheck"]["test"])
    assert "management" in services["rabbitmq"]["image"]
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"gateway"}
    init = (ROOT / "deploy/postgres/init-databases.sql").read_text()
    for spec in SERVICES:
        assert f"suite_{spec.name.replace('-', '_')}" in init


@pytest.mark.parametrize("spec", ALL, ids=lambda s: s.name)
def test_kubernetes_runs_replicas_with_readiness_on_ready(spec):
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert f"{spec.name}.yaml" in kustomization["resources"]
    deployment, service = yaml.safe_load_all((ROOT / f"deploy/k8s/{spec.name}.yaml").read_text())
    assert deployment["spec"]["replicas"] >= 2
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", spec.module]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert service["spec"]["ports"][0]["port"] == 8000
