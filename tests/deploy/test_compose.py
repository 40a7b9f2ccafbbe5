"""docker-compose.yml: valid against the Compose Specification, and the stack `make demo` needs.

The schema is vendored (no network, no Docker): compose-spec.json is schema/compose-spec.json of
the Go module github.com/compose-spec/compose-go/v2 at v2.16.2 (Apache-2.0), the schema
`docker compose` itself validates with. Refresh it from a newer version of that module.
"""

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from hourbank_shared.kafka_access import ACCESS
from hourbank_stack.topology import GATEWAY_PORT, SERVICES

from .manifests import COMPOSE, REPO, interpolate, load_compose

SCHEMA = json.loads((Path(__file__).parent / "compose-spec.json").read_text())


def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


def test_the_compose_file_follows_the_compose_specification() -> None:
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(load_compose())
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("service", "field", "value"),
    [
        ("kafka", "depends_on", {"postgres": {"condition": "when_ready"}}),
        ("gateway", "ports", "8080:8080"),
        ("requests-api", "restarts", "always"),
    ],
)
def test_the_specification_catches_a_broken_file(service: str, field: str, value: Any) -> None:
    broken = copy.deepcopy(load_compose())
    broken["services"][service][field] = value
    assert list(_validator().iter_errors(broken)) != []


def _services() -> dict[str, Any]:
    services: dict[str, Any] = load_compose()["services"]
    return services


@pytest.mark.parametrize("one_shot", ["topics", *(f"{s}-migrate" for s in SERVICES)])
def test_one_shot_steps_run_once(one_shot: str) -> None:
    service = _services()[one_shot]
    assert service["restart"] == "no"
    assert service["healthcheck"] == {"disable": True}


def test_long_running_processes_restart_and_report_health() -> None:
    for name, service in _services().items():
        if "build" in service and service.get("restart") != "no":
            assert service["restart"] == "unless-stopped", name
            assert "healthcheck" not in service or service["healthcheck"]["test"], name


def test_kafka_is_one_kraft_node_that_can_run_transactions() -> None:
    env = _services()["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 1
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics as code: hourbank-topics"


def test_the_gateway_answers_on_the_local_base_url() -> None:
    assert _services()["gateway"]["ports"] == [f"127.0.0.1:{GATEWAY_PORT}:{GATEWAY_PORT}"]
    custom = load_compose({"HOURBANK_GATEWAY_PORT": "9080"})["services"]["gateway"]["ports"]
    assert custom == [f"127.0.0.1:9080:{GATEWAY_PORT}"]


def test_third_party_images_are_pinned() -> None:
    for name, service in _services().items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1]
        assert ":" in image and tag != "latest", name
        if "build" not in service:
            assert any(ch.isdigit() for ch in tag), f"{name}: pin a version, not {tag}"


def test_base_images_are_variables_with_the_public_images_as_defaults() -> None:
    """A laptop pulls the public images; infra/compose-check points compose at local ones."""
    services = _services()
    assert services["kafka"]["image"] == "apache/kafka:4.1.2"
    assert services["postgres"]["image"] == "postgres:17.6-bookworm"
    assert services["gateway"]["image"] == "nginx:1.28.0-alpine"
    local = {
        "HOURBANK_KAFKA_IMAGE": "hourbank-local/kafka:bookworm",
        "HOURBANK_POSTGRES_IMAGE": "hourbank-local/postgres:bookworm",
        "HOURBANK_GATEWAY_IMAGE": "hourbank-local/nginx:bookworm",
        "HOURBANK_PYTHON_IMAGE": "hourbank-local/python:3.11-bookworm",
    }
    overridden = load_compose(local)["services"]
    assert overridden["kafka"]["image"] == local["HOURBANK_KAFKA_IMAGE"]
    assert overridden["postgres"]["image"] == local["HOURBANK_POSTGRES_IMAGE"]
    assert overridden["gateway"]["image"] == local["HOURBANK_GATEWAY_IMAGE"]
    for name, service in services.items():
        if "build" in service:
            assert service["build"]["args"]["PYTHON_IMAGE"] == "python:3.11.14-slim-trixie"
            built_on = overridden[name]["build"]["args"]["PYTHON_IMAGE"]
            assert built_on == local["HOURBANK_PYTHON_IMAGE"], name


def test_the_service_images_come_from_one_recipe() -> None:
    """deploy/docker/service.Dockerfile, told which service by SERVICE; one image per service."""
    images: dict[str, set[str]] = {}
    for name, service in _services().items():
        if "build" not in service:
            continue
        build = service["build"]
        assert build["context"] == "."
        assert build["dockerfile"] == "deploy/docker/service.Dockerfile", name
        assert set(build["args"]) == {"PYTHON_IMAGE", "SERVICE"}, name
        images.setdefault(build["args"]["SERVICE"], set()).add(service["image"])
    assert images == {s: {f"hourbank-{s}:dev"} for s in SERVICES}


def test_service_containers_have_a_read_only_root_filesystem() -> None:
    for name, service in _services().items():
        if "build" in service:
            assert service["read_only"] is True, name
            assert service["tmpfs"] == ["/tmp"], name


# --- docker-compose.secure.yml: the broker with SASL_SSL and ACLs ------------------------------

SECURE = COMPOSE.with_name("docker-compose.secure.yml")
SECURE_TEMPLATE = REPO / "infra/kafka/server-secure.properties.template"


def _secure() -> dict[str, Any]:
    """The override as compose reads it: YAML first (so the raw file must parse), then the
    variables."""
    assert yaml.safe_load(SECURE.read_text())["services"]
    text = interpolate(SECURE.read_text(), {"HOURBANK_COMPOSE_SECRETS": "/secrets"})
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def test_the_secure_override_follows_the_compose_specification() -> None:
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(_secure())
    ]
    assert errors == []


def test_the_secure_override_needs_its_secrets_directory() -> None:
    with pytest.raises(KeyError, match="HOURBANK_COMPOSE_SECRETS"):
        interpolate(SECURE.read_text(), {})


def _principal_of(name: str) -> str:
    """Who a compose service of the base file must authenticate as on the secure broker."""
    return "admin" if name == "topics" else name.split("-")[0]


def test_every_kafka_client_is_its_services_principal_with_a_password_file() -> None:
    override = _secure()["services"]
    clients = [
        name
        for name, service in _services().items()
        if "build" in service and not name.endswith("-migrate")
    ]
    assert "topics" in clients
    for name in [*clients, "kafka-acls"]:
        principal = _principal_of(name) if name != "kafka-acls" else "admin"
        env = override[name]["environment"]
        assert env["HOURBANK_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL", name
        assert env["HOURBANK_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512", name
        assert env["HOURBANK_KAFKA_SASL_USERNAME"] == principal, name
        assert env["HOURBANK_KAFKA_SASL_PASSWORD"] == "", f"{name}: a password file, not a value"
        secret = f"kafka-{principal}-password"
        assert env["HOURBANK_KAFKA_SASL_PASSWORD_FILE"] == f"/run/secrets/{secret}", name
        assert env["HOURBANK_KAFKA_SSL_CA_LOCATION"] == "/run/secrets/kafka-ca", name
        assert sorted(override[name]["secrets"]) == sorted(["kafka-ca", secret]), name


def test_the_principals_are_the_acl_tables() -> None:
    secrets = _secure()["secrets"]
    passwords = {
        n.removeprefix("kafka-").removesuffix("-password")
        for n in secrets
        if n.endswith("-password")
    }
    assert passwords == {"admin", *ACCESS}
    for name, secret in secrets.items():
        assert secret["file"].startswith("/secrets/"), name
        if name.endswith("-password"):
            assert (
                secret["file"]
                == f"/secrets/{name.removeprefix('kafka-').removesuffix('-password')}.password"
            )


def test_the_acls_are_set_before_any_topic_or_process() -> None:
    services = _secure()["services"]
    acls = services["kafka-acls"]
    assert acls["entrypoint"] == ["python", "-m", "hourbank_shared.kafka_access", "apply"]
    kafka = _services()["topics"]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
    assert acls["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == kafka, "not in the base file"
    assert acls["restart"] == "no" and acls["read_only"] is True
    assert acls["depends_on"] == {"kafka": {"condition": "service_healthy"}}
    assert services["topics"]["depends_on"] == {
        "kafka-acls": {"condition": "service_completed_successfully"}
    }


def _template_properties() -> dict[str, str]:
    lines = SECURE_TEMPLATE.read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_the_broker_is_secured_as_the_local_secure_broker() -> None:
    """The security settings of infra/kafka/server-secure.properties.template, as KAFKA_*
    variables; its passwords come from files, never from the environment."""
    env = _secure()["services"]["kafka"]["environment"]
    local = _template_properties()
    for key in (
        "authorizer.class.name",
        "super.users",
        "allow.everyone.if.no.acl.found",
        "sasl.enabled.mechanisms",
        "sasl.mechanism.inter.broker.protocol",
        "sasl.mechanism.controller.protocol",
        "listener.name.controller.sasl.enabled.mechanisms",
        "listener.security.protocol.map",
        "inter.broker.listener.name",
        "ssl.keystore.type",
        "ssl.truststore.type",
        "ssl.client.auth",
        "ssl.endpoint.identification.algorithm",
    ):
        variable = "KAFKA_" + key.replace(".", "_").upper()
        assert str(env[variable]) == local[key], variable
    assert env["KAFKA_LISTENERS"].startswith("SASL_SSL://:9092,CONTROLLER://127.0.0.1:")
    assert not [name for name in env if "PASSWORD" in name or "JAAS" in name]
    assert env["KAFKA_PROPERTIES_FILE_APPEND"].startswith("/run/secrets/")
    assert env["KAFKA_FORMAT_ARGS_FILE"].startswith("/run/secrets/")
