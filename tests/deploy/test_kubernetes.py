"""deploy/k8s: every overlay renders, every object is valid Kubernetes (offline schemas), and
the processes run the way the operator guide promises: non-root, read-only, probed, limited,
fenced in by network policies."""

import base64
import shutil
import subprocess
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.topology import ROLES, SERVICES

from .manifests import (
    K8S,
    OVERLAYS,
    Object,
    kind,
    labels,
    main_container,
    named,
    ours,
    pod_spec,
    render,
)

# The Kubernetes versions the manifests must be valid for: the oldest we support, the newest
# kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.utils.latest_version())

STRIMZI_KINDS = {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser"}
OPERATOR_KINDS = STRIMZI_KINDS | {"PrometheusRule"}
"""Custom resources: checked by hand-written schemas (below, and test_monitoring.py)."""


def _object(required: list[str], properties: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties or {}}


_CLUSTER_LABEL = _object(
    ["labels"],
    {"labels": _object(["strimzi.io/cluster"], {"strimzi.io/cluster": {"type": "string"}})},
)
# What Strimzi's v1 API requires of the objects we use (its CRDs are not available offline).
STRIMZI_SCHEMAS: dict[str, dict[str, Any]] = {
    "Kafka": _object(
        ["apiVersion", "metadata", "spec"],
        {
            "apiVersion": {"const": "kafka.strimzi.io/v1"},
            "spec": _object(
                ["kafka", "entityOperator"],
                {
                    "kafka": _object(
                        ["listeners"],
                        {
                            "listeners": {
                                "type": "array",
                                "minItems": 1,
                                "items": _object(
                                    ["name", "port", "type", "tls"],
                                    {
                                        "name": {"type": "string", "pattern": "^[a-z0-9]{1,11}$"},
                                        "port": {"type": "integer", "minimum": 9092},
                                        "type": {
                                            "enum": [
                                                "internal",
                                                "cluster-ip",
                                                "route",
                                                "loadbalancer",
                                                "nodeport",
                                                "ingress",
                                            ]
                                        },
                                        "tls": {"type": "boolean"},
                                    },
                                ),
                            },
                            "config": {"type": "object"},
                        },
                    ),
                    # KafkaTopics need the Topic Operator.
                    "entityOperator": _object(["topicOperator"]),
                    "zookeeper": False,
                },
            ),
        },
    ),
    "KafkaNodePool": _object(
        ["apiVersion", "metadata", "spec"],
        {
            "apiVersion": {"const": "kafka.strimzi.io/v1"},
            "metadata": _CLUSTER_LABEL,
            "spec": _object(
                ["replicas", "roles", "storage"],
                {
                    "replicas": {"type": "integer", "minimum": 1},
                    "roles": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"enum": ["controller", "broker"]},
                    },
                    "storage": _object(
                        ["type"], {"type": {"enum": ["ephemeral", "persistent-claim", "jbod"]}}
                    ),
                },
            ),
        },
    ),
    "KafkaTopic": _object(
        ["apiVersion", "metadata", "spec"],
        {
            "apiVersion": {"const": "kafka.strimzi.io/v1"},
            "metadata": _CLUSTER_LABEL,
            "spec": _object(
                ["partitions", "replicas"],
                {
                    "partitions": {"type": "integer", "minimum": 1},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
                    "topicName": {"type": "string"},
                    "config": {
                        "type": "object",
                        "additionalProperties": {"type": ["string", "integer", "boolean"]},
                    },
                },
            ),
        },
    ),
    "KafkaUser": _object(
        ["apiVersion", "metadata", "spec"],
        {
            "apiVersion": {"const": "kafka.strimzi.io/v1"},
            "metadata": _CLUSTER_LABEL,
            "spec": _object(
                ["authentication", "authorization"],
                {
                    "authentication": _object(
                        ["type"], {"type": {"enum": ["tls", "tls-external", "scram-sha-512"]}}
                    ),
                    "authorization": _object(
                        ["type", "acls"],
                        {
                            "type": {"const": "simple"},
                            "acls": {
                                "type": "array",
                                "items": _object(
                                    ["resource", "operations"],
                                    {
                                        "resource": _object(
                                            ["type", "name", "patternType"],
                                            {
                                                "type": {
                                                    "enum": [
                                                        "topic",
                                                        "group",
                                                        "cluster",
                                                        "transactionalId",
                                                    ]
                                                },
                                                "patternType": {"enum": ["literal", "prefix"]},
                                            },
                                        ),
                                        "operations": {"type": "array", "minItems": 1},
                                    },
                                ),
                            },
                        },
                    ),
                },
            ),
        },
    ),
}


def test_the_base_renders_too(kustomize: str) -> None:
    assert kind(render(kustomize, K8S / "base"), "Deployment")


def test_kubectl_apply_k_renders_the_same(rendered: dict[str, list[Object]]) -> None:
    """`kubectl apply -k` uses kubectl's own (older) kustomize: it must read ours the same."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    for name in OVERLAYS:
        result = subprocess.run(
            [kubectl, "kustomize", str(K8S / "overlays" / name)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert [d for d in yaml.safe_load_all(result.stdout) if d] == rendered[name]


def test_every_object_is_valid_kubernetes(overlay: list[Object]) -> None:
    for obj in overlay:
        if obj["kind"] in OPERATOR_KINDS:
            continue
        for version in KUBERNETES_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(
                    f"{obj['kind']} {obj['metadata']['name']} (Kubernetes {version}): {exc}"
                )


def test_strimzi_objects_have_what_the_operator_requires(overlay: list[Object]) -> None:
    for obj in overlay:
        if obj["kind"] in STRIMZI_KINDS:
            jsonschema.validate(obj, STRIMZI_SCHEMAS[obj["kind"]])
    (cluster,) = kind(overlay, "Kafka")
    pools = kind(overlay, "KafkaNodePool")
    assert {p["metadata"]["labels"]["strimzi.io/cluster"] for p in pools} == {
        cluster["metadata"]["name"]
    }
    roles = {role for pool in pools for role in pool["spec"]["roles"]}
    assert roles == {"controller", "broker"}, "KRaft needs controllers and brokers"
    brokers = sum(p["spec"]["replicas"] for p in pools if "broker" in p["spec"]["roles"])
    config = cluster["spec"]["kafka"]["config"]
    # Transactions (the relays) need their state log's in-sync minimum on live brokers.
    assert (
        config["transaction.state.log.min.isr"]
        <= config["transaction.state.log.replication.factor"]
        <= brokers
    )
    assert config["min.insync.replicas"] <= config["default.replication.factor"] <= brokers
    for topic in kind(overlay, "KafkaTopic"):
        assert topic["spec"]["replicas"] <= brokers, topic["metadata"]["name"]


def _workloads(objects: list[Object]) -> list[Object]:
    return ours(objects, "Deployment") + ours(objects, "Job")


def test_processes_run_as_non_root_on_a_read_only_root(overlay: list[Object]) -> None:
    for workload in _workloads(overlay):
        name = workload["metadata"]["name"]
        pod, container = pod_spec(workload), main_container(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] > 0, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert pod["automountServiceAccountToken"] is False, name
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        tmp = next(m for m in container["volumeMounts"] if m["mountPath"] == "/tmp")
        assert "emptyDir" in next(v for v in pod["volumes"] if v["name"] == tmp["name"]), name
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), name


def test_every_process_is_probed_where_it_listens(overlay: list[Object]) -> None:
    for role in ROLES:
        deployment = named(overlay, "Deployment", role.name)
        assert deployment is not None, role.name
        container = main_container(deployment)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        wanted = {"readinessProbe": "/readyz", "livenessProbe": "/healthz"}
        for probe, path in wanted.items():
            check = container[probe]["httpGet"]
            assert check["path"] == path, f"{role.name} {probe}"
            assert ports[check["port"]] == role.port, f"{role.name} {probe}"


def _selects(selector: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    wanted = selector.get("matchLabels", {})
    expressions = selector.get("matchExpressions", [])
    return all(pod_labels.get(k) == v for k, v in wanted.items()) and all(
        pod_labels.get(e["key"]) in e["values"] for e in expressions if e["operator"] == "In"
    )


def _pod_labels(workload: Object) -> dict[str, str]:
    found: dict[str, str] = workload["spec"]["template"]["metadata"]["labels"]
    return found


def test_every_deployment_has_a_disruption_budget(overlay: list[Object]) -> None:
    budgets = kind(overlay, "PodDisruptionBudget")
    for deployment in ours(overlay, "Deployment"):
        matching = [b for b in budgets if _selects(b["spec"]["selector"], _pod_labels(deployment))]
        assert len(matching) == 1, deployment["metadata"]["name"]
        # One replica must still be allowed to move (a node drain), so never minAvailable.
        assert matching[0]["spec"].get("maxUnavailable") == 1


def test_the_apis_autoscale_and_nothing_else_does(overlay: list[Object]) -> None:
    targets = {
        h["spec"]["scaleTargetRef"]["name"]: h for h in kind(overlay, "HorizontalPodAutoscaler")
    }
    assert set(targets) == {f"{s}-api" for s in SERVICES}
    for service in SERVICES:
        api = named(overlay, "Deployment", f"{service}-api")
        assert api is not None
        assert "replicas" not in api["spec"], "the HorizontalPodAutoscaler owns the API's replicas"
        assert named(overlay, "Service", f"{service}-api") is not None


def _policies_for(objects: list[Object], workload: Object) -> list[Object]:
    return [
        p
        for p in kind(objects, "NetworkPolicy")
        if _selects(p["spec"]["podSelector"], _pod_labels(workload))
    ]


def _ports(rules: list[dict[str, Any]]) -> set[Any]:
    return {port["port"] for rule in rules for port in rule.get("ports", [])}


def _only_to_monitoring(rule: dict[str, Any]) -> bool:
    """An egress rule whose peers are all the `monitoring` namespace."""
    peers = rule.get("to") or [{}]
    return all(
        peer.get("namespaceSelector", {}).get("matchLabels", {}).get("kubernetes.io/metadata.name")
        == "monitoring"
        for peer in peers
    )


def test_prod_exports_traces_to_the_monitoring_collector(
    rendered: dict[str, list[Object]],
) -> None:
    config = next(
        (
            c
            for c in kind(rendered["prod"], "ConfigMap")
            if c["metadata"]["name"].startswith("hourbank-")
            and "OTEL_EXPORTER_OTLP_ENDPOINT" in c.get("data", {})
        ),
        None,
    )
    assert config is not None
    endpoint = config["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"]
    assert (
        endpoint.startswith("http://") and ".monitoring" in endpoint and endpoint.endswith(":4318")
    )


def _is_api(workload: Object) -> bool:
    return labels(workload).get("app.kubernetes.io/component") == "api"


def test_network_policies_fence_every_process_in(overlay: list[Object]) -> None:
    for workload in _workloads(overlay):
        name, api = workload["metadata"]["name"], _is_api(workload)
        policies = _policies_for(overlay, workload)
        assert any("Ingress" in p["spec"]["policyTypes"] for p in policies), name
        assert any("Egress" in p["spec"]["policyTypes"] for p in policies), name
        egress = [rule for p in policies for rule in p["spec"].get("egress", [])]
        assert all(rule.get("ports") for rule in egress), f"{name}: an egress rule opens every port"
        # DNS, Kafka (9093: TLS in prod), its database; the APIs also HTTPS (prod: the JWKS).
        traces = [rule for rule in egress if _ports([rule]) == {4318}]
        assert all(_only_to_monitoring(rule) for rule in traces), f"{name}: OTLP goes elsewhere"
        rest = [rule for rule in egress if rule not in traces]
        assert _ports(rest) <= {53, 9092, 9093, 5432} | ({443} if api else set()), name
        ingress = [rule for p in policies for rule in p["spec"].get("ingress", [])]
        sources = {
            peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
            for rule in ingress
            for peer in rule["from"]
        }
        assert sources <= {"ingress-nginx", "monitoring"}, name
        if not api:
            assert "ingress-nginx" not in sources, f"{name}: only the APIs take requests"


def test_images_are_tagged_and_namespaced(overlay: list[Object]) -> None:
    for workload in kind(overlay, "Deployment") + kind(overlay, "Job"):
        image = main_container(workload)["image"]
        assert ":" in image and not image.endswith(":latest"), image
    assert all(o["metadata"].get("namespace") for o in overlay)


def _config(objects: list[Object], prefix: str) -> dict[str, str]:
    (found,) = [c for c in kind(objects, "ConfigMap") if c["metadata"]["name"].startswith(prefix)]
    data: dict[str, str] = found["data"]
    return data


def test_prod_checks_rs256_tokens_against_the_jwks_and_serves_tls(
    rendered: dict[str, list[Object]],
) -> None:
    prod = rendered["prod"]
    shared = _config(prod, "hourbank-")
    assert shared["HOURBANK_JWT_ALGORITHM"] == "RS256"
    assert shared["HOURBANK_JWT_JWKS_URL"].startswith("https://")
    assert shared["HOURBANK_JWT_ISSUER"] and shared["HOURBANK_JWT_AUDIENCE"]
    assert kind(prod, "Secret") == [], "prod secrets are the operator's, never in the manifests"
    dev_mode = [c for c in kind(prod, "ConfigMap") if "HOURBANK_DEV_MODE" in c.get("data", {})]
    assert dev_mode == [], "prod must refuse to start with a secret committed in the repository"
    (ingress,) = kind(prod, "Ingress")
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts and hosts <= {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
    for role in ROLES:
        deployment = named(prod, "Deployment", role.name)
        assert deployment is not None
        if role.scalable and role.command != "api":
            assert deployment["spec"]["replicas"] > 1, f"{role.name} may scale: more than one"


def test_dev_signs_with_the_development_secret_and_runs_one_of_each(
    rendered: dict[str, list[Object]],
) -> None:
    dev = rendered["dev"]
    assert _config(dev, "hourbank-")["HOURBANK_JWT_ALGORITHM"] == "HS256"
    secrets = {s["metadata"]["name"].rsplit("-", 1)[0]: s["data"] for s in kind(dev, "Secret")}
    assert set(secrets) == {"hourbank-jwt"} | {f"{s}-secrets" for s in SERVICES}
    signing = base64.b64decode(secrets["hourbank-jwt"]["HOURBANK_JWT_SECRET"]).decode()
    assert signing == DEV_JWT_SECRET, "`make token` must sign tokens the dev cluster accepts"
    assert _config(dev, "hourbank-")["HOURBANK_DEV_MODE"] == "true", "else it refuses that secret"
    for deployment in ours(dev, "Deployment"):
        assert deployment["spec"].get("replicas", 1) == 1, deployment["metadata"]["name"]
