"""No Docker engine runs here, so check the operators' files for what would break them:
every service of the suite is in docker-compose.yml and the Kubernetes manifests, with a
command that really starts it and a health check, and only the gateway is published."""

from __future__ import annotations

import copy
import importlib.util
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from gateway_service.settings import SERVICE_NAMES, GatewaySettings
from suite_shared.devrun import GATEWAY, SERVICES, env_name

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


# ---- issue 12, gate 5: the manifests against the Kubernetes schema, every service everywhere --

K8S_VERSION = "1.37.0"  # the newest schema kubernetes-validate bundles (no network needed)
NOT_KUBERNETES = {"kustomization.yaml"}  # kustomize's own file: no Kubernetes schema


def manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted((ROOT / "deploy/k8s").glob("*.yaml")):
        if path.name in NOT_KUBERNETES:
            continue
        for index, document in enumerate(yaml.safe_load_all(path.read_text())):
            if document is not None:
                found.append((f"{path.name}#{index}", document))
    return found


@pytest.mark.parametrize("document", [pytest.param(d, id=where) for where, d in manifests()])
def test_every_manifest_matches_the_kubernetes_schema(document):
    kubernetes_validate.validate(document, K8S_VERSION, strict=True)


def test_the_schema_check_refuses_what_kubernetes_would():
    (_, deployment), *_ = (m for m in manifests() if m[1]["kind"] == "Deployment")
    wrong_type = copy.deepcopy(deployment)
    wrong_type["spec"]["replicas"] = "two"
    misspelt = copy.deepcopy(deployment)
    misspelt["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    for broken in (wrong_type, misspelt):
        with pytest.raises(kubernetes_validate.ValidationError):
            kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest_and_nothing_else():
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    files = {p.name for p in (ROOT / "deploy/k8s").glob("*.yaml")} - NOT_KUBERNETES
    assert sorted(kustomization["resources"]) == sorted(files)


def test_every_service_is_in_compose_devrun_gateway_and_kubernetes(compose):
    devrun = {spec.name for spec in SERVICES}
    assert len({spec.port for spec in ALL}) == len(ALL), "devrun ports clash"
    # compose: every service, and nothing else but the infrastructure
    assert set(compose["services"]) - {"postgres", "rabbitmq"} == devrun | {GATEWAY.name}
    # the gateway routes to every service, each with its own <NAME>_URL setting
    assert set(SERVICE_NAMES) == devrun
    gateway = GatewaySettings()
    assert set(gateway.upstream_urls()) == devrun
    compose_env = compose["services"]["gateway"]["environment"]
    config = next(d for _, d in manifests() if d["kind"] == "ConfigMap")["data"]
    for name in devrun:
        variable = env_name(name) + "_URL"
        assert variable in compose_env, f"compose's gateway has no {variable}"
        assert config.get(variable) == f"http://{name}:8000", f"k8s config: {variable}"
    # Kubernetes: a Deployment and a Service of each name, the Service selecting the pods
    by_kind: dict[str, set[str]] = {}
    for _, document in manifests():
        by_kind.setdefault(document["kind"], set()).add(document["metadata"]["name"])
    assert by_kind["Deployment"] == by_kind["Service"] == devrun | {GATEWAY.name}
    for spec in ALL:
        deployment, service = yaml.safe_load_all(
            (ROOT / f"deploy/k8s/{spec.name}.yaml").read_text()
        )
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
        assert service["spec"]["selector"].items() <= labels.items()


def test_the_gateways_liveness_does_not_hang_on_the_other_services():
    # The gateway's /health is 503 while any service is down: as a liveness probe it would
    # restart every gateway whenever one service has trouble.
    deployment, _ = yaml.safe_load_all((ROOT / "deploy/k8s/gateway.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] != "/health"
