"""Kafka security in the deployment files against the one access table
(hourbank_shared.kafka_access): the prod overlay's KafkaUsers are the table's, every process
connects over TLS as its own service's user, and the table's reads are what the consumers read."""

from pathlib import PurePosixPath

from hourbank_disputes.consumers import TOPICS as DISPUTES_TOPICS
from hourbank_escrow.consumers import TOPICS as ESCROW_TOPICS
from hourbank_notifications.app import APP_ID
from hourbank_notifications.app import TOPICS as NOTIFICATIONS_TOPICS
from hourbank_requests.consumers import TOPICS as REQUESTS_TOPICS
from hourbank_shared.kafka import replay_topic
from hourbank_shared.kafka_access import ACCESS, CLUSTER, kafka_user, kafka_users_yaml
from hourbank_stack.topology import SERVICES

from .manifests import K8S, Object, kind, load_compose, main_container, ours, pod_spec, service_of

KAFKA_USERS = K8S / "components/kafka-auth/kafka-users.yaml"


def _configured(objects: list[Object]) -> dict[str, str]:
    (shared,) = [
        c for c in kind(objects, "ConfigMap") if "KAFKA_BOOTSTRAP_SERVERS" in c.get("data", {})
    ]
    data: dict[str, str] = shared["data"]
    return data


def test_the_table_covers_every_service_and_reads_what_its_consumer_reads() -> None:
    assert set(ACCESS) == set(SERVICES)
    consumed = {
        "requests": REQUESTS_TOPICS,
        "escrow": ESCROW_TOPICS,
        "disputes": DISPUTES_TOPICS,
        "notifications": tuple(
            t for t in NOTIFICATIONS_TOPICS if t != replay_topic("notifications")
        ),
    }
    for service, topics in consumed.items():
        assert sorted(ACCESS[service].reads) == sorted(topics), service
    assert ACCESS["notifications"].group == APP_ID
    assert all(ACCESS[service].group == service for service in set(SERVICES) - {"notifications"})


def test_the_committed_kafka_users_are_generated_from_the_table() -> None:
    assert KAFKA_USERS.read_text() == kafka_users_yaml(), (
        f"run: uv run python -m hourbank_shared.kafka_access strimzi --write {KAFKA_USERS}"
    )


def test_prod_has_the_tables_kafka_user_per_service(rendered: dict[str, list[Object]]) -> None:
    users = {u["metadata"]["name"]: u for u in kind(rendered["prod"], "KafkaUser")}
    assert set(users) == set(ACCESS)
    for service, user in users.items():
        wanted = kafka_user(service)
        assert user["spec"] == wanted["spec"], service
        assert user["metadata"]["labels"]["strimzi.io/cluster"] == CLUSTER
    assert kind(rendered["dev"], "KafkaUser") == [], "dev keeps the plaintext listener"


def test_prod_kafka_speaks_only_tls_with_scram_and_authorizes_by_acls(
    rendered: dict[str, list[Object]],
) -> None:
    (cluster,) = kind(rendered["prod"], "Kafka")
    assert cluster["metadata"]["name"] == CLUSTER
    listeners = cluster["spec"]["kafka"]["listeners"]
    assert listeners and all(listener["tls"] for listener in listeners)
    assert all(lst.get("authentication") == {"type": "scram-sha-512"} for lst in listeners)
    assert cluster["spec"]["kafka"]["authorization"] == {"type": "simple"}
    assert "userOperator" in cluster["spec"]["entityOperator"], "it makes the KafkaUsers"
    config = _configured(rendered["prod"])
    assert config["HOURBANK_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["HOURBANK_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512"


def test_every_prod_process_connects_as_its_services_user_with_the_cluster_ca(
    rendered: dict[str, list[Object]],
) -> None:
    prod = rendered["prod"]
    ca = PurePosixPath(_configured(prod)["HOURBANK_KAFKA_SSL_CA_LOCATION"])
    for workload in ours(prod, "Deployment") + ours(prod, "Job"):
        name, service = workload["metadata"]["name"], service_of(workload)
        container = main_container(workload)
        env = {e["name"]: e for e in container.get("env", [])}
        assert env["HOURBANK_KAFKA_SASL_USERNAME"]["value"] == service, name
        password = env["HOURBANK_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert password == {"name": service, "key": "password"}, f"{name}: the KafkaUser's Secret"
        mounts = {m["name"]: m for m in container["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_spec(workload)["volumes"]}
        (volume,) = [v for n, v in volumes.items() if n in mounts and "secret" in v]
        assert volume["secret"]["secretName"] == f"{CLUSTER}-cluster-ca-cert", name
        assert volume["secret"]["items"] == [{"key": "ca.crt", "path": ca.name}], name
        mount = mounts[volume["name"]]
        assert PurePosixPath(mount["mountPath"]) == ca.parent and mount["readOnly"], name


def test_compose_passes_the_kafka_security_settings_to_every_process() -> None:
    services = load_compose()["services"]
    shared = ("HOURBANK_KAFKA_SECURITY_PROTOCOL", "HOURBANK_KAFKA_SASL_MECHANISM")
    per_principal = ("HOURBANK_KAFKA_SASL_USERNAME", "HOURBANK_KAFKA_SASL_PASSWORD")
    for name, container in services.items():
        if name in {"kafka", "postgres", "gateway"}:
            continue
        environment = container["environment"]
        for variable in (*shared, *per_principal, "HOURBANK_KAFKA_SSL_CA_LOCATION"):
            assert variable in environment, f"compose {name}: no {variable}"
    # empty (plaintext) unless the operator sets the service's own user
    assert services["escrow-relay"]["environment"]["HOURBANK_KAFKA_SASL_USERNAME"] == ""
    secured = load_compose({"HOURBANK_KAFKA_ESCROW_USERNAME": "escrow"})["services"]
    assert secured["escrow-relay"]["environment"]["HOURBANK_KAFKA_SASL_USERNAME"] == "escrow"
    assert secured["requests-relay"]["environment"]["HOURBANK_KAFKA_SASL_USERNAME"] == ""
