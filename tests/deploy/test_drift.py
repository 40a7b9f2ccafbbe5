"""The deployment files in step with the code (drift.py), and proof that the checks bite."""

import copy

import pytest

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.topology import SERVICES

from . import drift
from .manifests import (
    GATEWAY_TEMPLATE,
    Object,
    dockerfile,
    kind,
    load_compose,
    main_container,
    named,
)


def test_kubernetes_overlays_match_the_code(overlay: list[Object]) -> None:
    assert drift.k8s_problems(overlay) == []


def test_compose_matches_the_code() -> None:
    assert drift.compose_problems(load_compose(), DEV_JWT_SECRET) == []


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_matches_the_code(service: str) -> None:
    assert drift.dockerfile_problems(service, dockerfile()) == []


def test_gateway_template_routes_are_the_topology() -> None:
    assert drift.gateway_template_problems(GATEWAY_TEMPLATE.read_text()) == []


def test_topology_ports_are_the_settings_defaults() -> None:
    assert drift.topology_problems() == []


def _named(objects: list[Object], kind_: str, name: str) -> Object:
    found = named(objects, kind_, name)
    assert found is not None
    return found


def test_a_drifted_kubernetes_manifest_is_caught(rendered: dict[str, list[Object]]) -> None:
    objects = copy.deepcopy(rendered["dev"])
    relay = _named(objects, "Deployment", "escrow-relay")
    main_container(relay)["ports"][0]["containerPort"] = 9999
    relay["spec"]["replicas"] = 2
    main_container(_named(objects, "Deployment", "requests-consume"))["args"] = ["consume-all"]
    objects.remove(_named(objects, "Deployment", "notifications-worker"))
    objects.remove(_named(objects, "KafkaTopic", "hourbank.dlq.escrow"))
    _named(objects, "KafkaTopic", "hourbank.relay.escrow.checkpoints")["spec"]["partitions"] = 3
    config = next(
        c for c in kind(objects, "ConfigMap") if c["metadata"]["name"][:13] == "escrow-config"
    )
    config["data"]["HOURBANK_ESCROW_RECONCILE_EVERY_MINUTES"] = "1"
    config["data"]["HOURBANK_ESCROW_WELCOME_BONUS"] = "lots"
    ingress = kind(objects, "Ingress")[0]
    ingress["spec"]["rules"][0]["http"]["paths"][0]["path"] = "/v1/member"

    problems = "\n".join(drift.k8s_problems(objects))

    for expected in (
        "escrow-relay: container ports [9999], the topology says 9202",
        "escrow-relay: 2 replicas, but it must run alone",
        "requests-consume: runs ['consume-all']",
        "no Deployment for process notifications-worker",
        "no KafkaTopic hourbank.dlq.escrow",
        "hourbank.relay.escrow.checkpoints: 3 partitions, all_specs() says 1",
        "HOURBANK_ESCROW_RECONCILE_EVERY_MINUTES is not a setting of escrow",
        "escrow's settings reject the environment",
        "Ingress routes",
    ):
        assert expected in problems


def test_a_drifted_compose_file_is_caught() -> None:
    compose = load_compose()
    services = compose["services"]
    services["escrow-consume"]["command"] = ["consumer"]
    services["requests-relay"]["healthcheck"]["test"][-1] = "http://127.0.0.1:9101/healthz"
    services["disputes-api"]["environment"]["HOURBANK_DISPUTE_DATABASE_URL"] = "postgresql://x/y"
    del services["notifications-relay"]
    services["gateway"]["environment"]["ESCROW_API"] = "escrow-api:8020"
    services["postgres"]["environment"]["HOURBANK_DATABASES"] = "requests escrow"

    problems = "\n".join(drift.compose_problems(compose, DEV_JWT_SECRET))

    for expected in (
        "compose escrow-consume: runs ['consumer']",
        "compose requests-relay: its health check does not ask :9201/healthz",
        "HOURBANK_DISPUTE_DATABASE_URL is not a setting of disputes",
        "compose: no service notifications-relay",
        "compose gateway: ESCROW_API=escrow-api:8020, the API is escrow-api:8002",
        "not one database per service",
    ):
        assert expected in problems
    assert "HOURBANK_JWT_SECRET" in "\n".join(drift.compose_problems(compose, "another secret"))
    del services["requests-migrate"]["environment"]["HOURBANK_DEV_MODE"]
    assert "HOURBANK_DEV_MODE" in "\n".join(drift.compose_problems(compose, DEV_JWT_SECRET))


def test_a_drifted_dockerfile_and_gateway_template_are_caught() -> None:
    text = dockerfile().replace("9302", "9303").replace('hourbank-escrow"]', 'x"]')
    problems = "\n".join(drift.dockerfile_problems("escrow", text))
    assert "EXPOSE [8002, 9102, 9202, 9303], processes use [8002, 9102, 9202, 9302]" in problems
    assert "ENTRYPOINT is not hourbank-escrow" in problems

    template = GATEWAY_TEMPLATE.read_text().replace("(accounts|escrows|ledger)", "(accounts)")
    assert drift.gateway_template_problems(template) != []
