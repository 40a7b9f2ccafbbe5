"""The deployment files against the code: processes, ports, commands, settings, topics, routes.

The code is the source of truth: hourbank_stack.topology (processes, ports, routes), each
service's settings class (environment variable names and values), and
hourbank_shared.topics.all_specs() (topics). Each check returns the differences it found,
empty when the files are in step, so a test can also show that a wrong file is caught.
"""

import base64
import importlib
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlparse

from pydantic import AliasChoices, ValidationError

from hourbank_shared.settings import ServiceSettings
from hourbank_shared.topics import all_specs
from hourbank_stack.topology import API_PORTS, METRICS_PORTS, ROLES, ROUTES, SERVICES, Role

from .manifests import Object, kind, labels, main_container, named, ours, service_of

API_ARGS = ["api", "--host", "0.0.0.0"]  # noqa: S104 (in a container, the API listens on all)
SERVICE_DOCKERFILE = "deploy/docker/service.Dockerfile"
"""The one recipe of the service images, as docker-compose.yml names it (repository-relative)."""


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"hourbank_{service}.settings")
    found = [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    ]
    assert len(found) == 1, f"hourbank_{service}.settings: expected one settings class"
    return found[0]


def setting_names(service: str) -> set[str]:
    """Every environment variable the service's settings read (upper case)."""
    cls = settings_class(service)
    prefix = cls.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field_name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names |= {choice.upper() for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


@contextmanager
def _environment(env: Mapping[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update({name: str(value) for name, value in env.items()})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def unknown_settings(where: str, service: str, names: Iterable[str]) -> list[str]:
    """Names neither the service's settings nor the OpenTelemetry SDK read (`OTEL_*`, the
    standard variables `hourbank_shared.tracing_setup` leaves to the SDK)."""
    known = setting_names(service)
    return [
        f"{where}: {name} is not a setting of {service} ({settings_class(service).__name__})"
        for name in sorted(names)
        if name.upper() not in known and not name.upper().startswith("OTEL_")
    ]


def rejected_settings(where: str, service: str, env: Mapping[str, str]) -> list[str]:
    """The service's settings, built from exactly this environment, fail validation."""
    try:
        with _environment(env):
            settings_class(service)()
    except ValidationError as exc:
        return [f"{where}: {service}'s settings reject the environment: {exc}"]
    return []


def settings_problems(where: str, service: str, env: Mapping[str, str]) -> list[str]:
    """Unknown variable names, and whether the service's settings accept the values."""
    return unknown_settings(where, service, env) + rejected_settings(where, service, env)


def expected_args(role: Role) -> list[str]:
    return API_ARGS if role.command == "api" else [role.command]


def image_name(image: str) -> str:
    return image.rsplit("/", 1)[-1].split(":", 1)[0]


# --- Kubernetes ----------------------------------------------------------------------------


def k8s_process_problems(objects: list[Object]) -> list[str]:
    """One Deployment per process of topology.ROLES, with its command, port, image, replicas."""
    problems: list[str] = []
    deployed = {o["metadata"]["name"] for o in ours(objects, "Deployment")}
    wanted = {role.name for role in ROLES}
    problems += [f"no Deployment for process {name}" for name in sorted(wanted - deployed)]
    problems += [f"Deployment {name} is no process of the topology" for name in deployed - wanted]
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in kind(objects, "HorizontalPodAutoscaler")
    }
    for role in ROLES:
        deployment = named(objects, "Deployment", role.name)
        if deployment is None:
            continue
        where = f"Deployment {role.name}"
        container = main_container(deployment)
        args = container.get("args", [])
        if args[: len(expected_args(role))] != expected_args(role):
            problems.append(f"{where}: runs {args}, the topology says {role.argv}")
        ports = [p["containerPort"] for p in container.get("ports", [])]
        if ports != [role.port]:
            problems.append(f"{where}: container ports {ports}, the topology says {role.port}")
        if image_name(container["image"]) != f"hourbank-{role.service}":
            problems.append(f"{where}: image {container['image']}, not hourbank-{role.service}")
        if labels(deployment).get("app.kubernetes.io/component") != role.command:
            problems.append(f"{where}: component label is not {role.command}")
        if service_of(deployment) != role.service:
            problems.append(f"{where}: name label is not {role.service}")
        if not role.scalable:
            if deployment["spec"].get("replicas") != 1:
                problems.append(
                    f"{where}: {deployment['spec'].get('replicas')} replicas, but "
                    f"it must run alone ({role.why})"
                )
            if role.name in autoscaled:
                problems.append(f"{where}: autoscaled, but it must run alone ({role.why})")
        if role.command != "api":
            scalable = labels(deployment).get("hourbank.dev/scalable")
            if scalable != str(role.scalable).lower():
                problems.append(
                    f"{where}: hourbank.dev/scalable={scalable}, topology says {role.scalable}"
                )
    for service in SERVICES:
        job = named(objects, "Job", f"{service}-migrate")
        if job is None:
            problems.append(f"no migration Job for {service}")
        elif main_container(job).get("args") != ["migrate"]:
            problems.append(f"Job {service}-migrate does not run `migrate`")
    return problems


def _environment_of(objects: list[Object], container: Object) -> dict[str, dict[str, str]]:
    """The variables of each envFrom source found among the objects (by source), and `env`."""
    sources: dict[str, dict[str, str]] = {}
    for source in container.get("envFrom", []):
        for ref_kind, object_kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
            found = named(objects, object_kind, source.get(ref_kind, {}).get("name", ""))
            if found is not None:
                data = found.get("data", {})
                if object_kind == "Secret":
                    data = {k: base64.b64decode(v).decode() for k, v in data.items()}
                sources[f"{object_kind} {found['metadata']['name']}"] = data
    plain = {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}
    if plain:
        sources["env"] = plain
    # a key of a Secret the operator's cluster makes (Strimzi's KafkaUser password)
    keys = [e["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    if keys:
        sources["env from Secret keys"] = dict.fromkeys(keys, "stand-in")
    return sources


def _mounted_files_stand_in(env: dict[str, str], container: Object) -> dict[str, str]:
    """A variable naming a file in a mounted volume (Strimzi's cluster CA) names an existing
    file instead, so the settings' checks of their files pass offline."""
    mounts = [m["mountPath"].rstrip("/") + "/" for m in container.get("volumeMounts", [])]
    return {
        name: __file__ if any(value.startswith(mount) for mount in mounts) else value
        for name, value in env.items()
    }


def k8s_settings_problems(objects: list[Object]) -> list[str]:
    """Each process's environment: real settings of its service, and accepted by them.

    A secret the overlay does not render (prod: the operator creates it) stands in with the
    variable deploy/README.md tells the operator to put there.
    """
    problems: list[str] = []
    for workload in ours(objects, "Deployment") + ours(objects, "Job"):
        service = service_of(workload)
        where = f"{workload['kind']} {workload['metadata']['name']}"
        env: dict[str, str] = {}
        sources = _environment_of(objects, main_container(workload))
        for source, variables in sources.items():
            problems += unknown_settings(f"{where} ({source})", service, variables)
            env.update(variables)
        if not any(source.startswith(f"Secret {service}-secrets") for source in sources):
            env[f"HOURBANK_{service.upper()}_DATABASE_URL"] = f"postgresql://db/{service}"
        env = _mounted_files_stand_in(env, main_container(workload))
        problems += rejected_settings(where, service, env)
    return problems


def topic_problems(objects: list[Object]) -> list[str]:
    """The KafkaTopics are all_specs(): names, partitions, configs, on the one cluster."""
    problems: list[str] = []
    wanted = {spec.name: spec for spec in all_specs()}
    topics = {
        t["spec"].get("topicName", t["metadata"]["name"]): t for t in kind(objects, "KafkaTopic")
    }
    problems += [f"no KafkaTopic {name}" for name in sorted(set(wanted) - set(topics))]
    problems += [f"KafkaTopic {name} is not in all_specs()" for name in set(topics) - set(wanted)]
    clusters = {k["metadata"]["name"] for k in kind(objects, "Kafka")}
    for name in set(wanted) & set(topics):
        spec, topic = wanted[name], topics[name]
        if topic["spec"].get("partitions") != spec.partitions:
            problems.append(
                f"KafkaTopic {name}: {topic['spec'].get('partitions')} partitions, "
                f"all_specs() says {spec.partitions}"
            )
        config = {k: str(v) for k, v in (topic["spec"].get("config") or {}).items()}
        if config != spec.config:
            problems.append(f"KafkaTopic {name}: config {config}, all_specs() says {spec.config}")
        if labels(topic).get("strimzi.io/cluster") not in clusters:
            problems.append(f"KafkaTopic {name}: not on the Kafka cluster {sorted(clusters)}")
    return problems


def route_problems(objects: list[Object]) -> list[str]:
    """The Ingress sends each topology.ROUTES prefix (and below) to its service's API."""
    problems: list[str] = []
    routes: dict[str, str] = {}
    for ingress in kind(objects, "Ingress"):
        for rule in ingress["spec"].get("rules", []):
            for path in rule.get("http", {}).get("paths", []):
                backend = path["backend"]["service"]
                routes[path["path"]] = backend["name"]
                if path.get("pathType") != "Prefix":
                    problems.append(f"Ingress path {path['path']}: pathType is not Prefix")
                service = named(objects, "Service", backend["name"])
                port_names = [
                    p.get("name") for p in (service or {}).get("spec", {}).get("ports", [])
                ]
                if backend.get("port", {}).get("name") not in port_names:
                    problems.append(
                        f"Ingress path {path['path']}: no such port on {backend['name']}"
                    )
    wanted = {prefix: f"{service}-api" for prefix, service in ROUTES.items()}
    if routes != wanted:
        problems.append(f"Ingress routes {routes} differ from topology.ROUTES {wanted}")
    return problems


def kafka_problems(objects: list[Object]) -> list[str]:
    """KAFKA_BOOTSTRAP_SERVERS names the Strimzi cluster's bootstrap service and the listener
    of the clients' protocol (TLS or not)."""
    clusters = kind(objects, "Kafka")
    if len(clusters) != 1:
        return [f"expected one Kafka cluster, found {len(clusters)}"]
    cluster = clusters[0]
    shared = [
        c for c in kind(objects, "ConfigMap") if "KAFKA_BOOTSTRAP_SERVERS" in c.get("data", {})
    ]
    protocols = {c["data"].get("HOURBANK_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT") for c in shared}
    tls = any(protocol.upper().endswith("SSL") for protocol in protocols)
    listeners = cluster["spec"]["kafka"]["listeners"]
    port = next((lst["port"] for lst in listeners if bool(lst.get("tls")) == tls), None)
    bootstrap = f"{cluster['metadata']['name']}-kafka-bootstrap:{port}"
    return [
        f"ConfigMap {c['metadata']['name']}: KAFKA_BOOTSTRAP_SERVERS is "
        f"{c['data']['KAFKA_BOOTSTRAP_SERVERS']}, the cluster's is {bootstrap}"
        for c in shared
        if c["data"]["KAFKA_BOOTSTRAP_SERVERS"] != bootstrap
    ] or ([] if shared else ["no ConfigMap sets KAFKA_BOOTSTRAP_SERVERS"])


def k8s_problems(objects: list[Object]) -> list[str]:
    return (
        k8s_process_problems(objects)
        + k8s_settings_problems(objects)
        + topic_problems(objects)
        + route_problems(objects)
        + kafka_problems(objects)
    )


# --- docker-compose ------------------------------------------------------------------------

INFRASTRUCTURE = {"kafka", "postgres", "topics", "gateway"}


def compose_problems(compose: Object, dev_jwt_secret: str) -> list[str]:
    """docker-compose.yml runs topology.ROLES, each service's migration, topics, the gateway."""
    services: dict[str, Any] = compose.get("services", {})
    problems: list[str] = []
    wanted = {r.name for r in ROLES} | {f"{s}-migrate" for s in SERVICES} | INFRASTRUCTURE
    problems += [f"compose: no service {name}" for name in sorted(wanted - set(services))]
    problems += [
        f"compose: {name} is no process of the topology" for name in set(services) - wanted
    ]
    for role in ROLES:
        container = services.get(role.name)
        if container is not None:
            problems += _compose_process_problems(role, container)
    for service in SERVICES:
        migrate = services.get(f"{service}-migrate")
        if migrate is None:
            continue
        if migrate.get("command") != ["migrate"]:
            problems.append(f"compose: {service}-migrate runs {migrate.get('command')}")
        problems += settings_problems(f"compose {service}-migrate", service, migrate["environment"])
        database = urlparse(
            migrate["environment"].get(f"HOURBANK_{service.upper()}_DATABASE_URL", "")
        )
        if database.path.strip("/") != service:
            problems.append(f"compose: {service}'s database is {database.path!r}, not its own")
        secret = migrate["environment"].get("HOURBANK_JWT_SECRET")
        if secret != dev_jwt_secret:
            problems.append(
                "compose: HOURBANK_JWT_SECRET's default is not the development "
                "secret `make token`/`make demo` sign with"
            )
        if migrate["environment"].get("HOURBANK_DEV_MODE") != "true":
            problems.append(
                "compose: HOURBANK_DEV_MODE is not true: the services refuse to start with "
                "the published development secret"
            )
    databases = services.get("postgres", {}).get("environment", {}).get("HOURBANK_DATABASES", "")
    if sorted(databases.split()) != sorted(SERVICES):
        problems.append(f"compose: PostgreSQL creates {databases!r}, not one database per service")
    topics = services.get("topics", {})
    if topics.get("entrypoint") != ["hourbank-topics"]:
        problems.append("compose: `topics` does not run hourbank-topics")
    return problems + _gateway_problems(services.get("gateway", {}))


def _compose_process_problems(role: Role, container: Object) -> list[str]:
    where = f"compose {role.name}"
    problems: list[str] = []
    if image_name(container.get("image", "")) != f"hourbank-{role.service}":
        problems.append(f"{where}: image {container.get('image')}")
    build = container.get("build", {})
    if build.get("dockerfile") != SERVICE_DOCKERFILE:
        problems.append(f"{where}: not built from {SERVICE_DOCKERFILE}")
    if build.get("args", {}).get("SERVICE") != role.service:
        problems.append(f"{where}: built with SERVICE={build.get('args', {}).get('SERVICE')}")
    if container.get("command") != expected_args(role):
        problems.append(f"{where}: runs {container.get('command')}, the topology says {role.argv}")
    depends = container.get("depends_on", {})
    for one_shot in (f"{role.service}-migrate", "topics"):
        if depends.get(one_shot, {}).get("condition") != "service_completed_successfully":
            problems.append(f"{where}: does not wait for {one_shot} to complete")
    if role.command != "api":
        check = " ".join(container.get("healthcheck", {}).get("test", []))
        if f":{role.port}/healthz" not in check:
            problems.append(f"{where}: its health check does not ask :{role.port}/healthz")
    return problems + settings_problems(where, role.service, container.get("environment", {}))


def _gateway_problems(gateway: Object) -> list[str]:
    env = gateway.get("environment", {})
    wanted = {f"{s.upper()}_API": f"{s}-api:{API_PORTS[s]}" for s in SERVICES}
    problems = [
        f"compose gateway: {name}={env.get(name)}, the API is {value}"
        for name, value in wanted.items()
        if env.get(name) != value
    ]
    if not any(
        v.endswith(":/etc/nginx/templates/hourbank.conf.template:ro")
        and v.startswith("./deploy/gateway/hourbank.conf.template")
        for v in gateway.get("volumes", [])
    ):
        problems.append("compose gateway: does not mount deploy/gateway/hourbank.conf.template")
    if not any(str(p).endswith(f":{env.get('GATEWAY_LISTEN')}") for p in gateway.get("ports", [])):
        problems.append("compose gateway: does not publish the port it listens on")
    return problems


# --- the gateway template, Dockerfiles, settings defaults ----------------------------------

_LOCATION = re.compile(
    r"location ~ \^/v1/\(?([\w|/-]+)\)?\(/\|\$\)\s*\{\s*proxy_pass http://(\w+)_api;"
)


def gateway_template_problems(template: str) -> list[str]:
    """The nginx template's /v1 routes are topology.ROUTES."""
    routes = {
        f"/v1/{prefix}": service
        for names, service in _LOCATION.findall(template)
        for prefix in names.split("|")
    }
    return [] if routes == ROUTES else [f"gateway template routes {routes} != {ROUTES}"]


def service_stage(text: str, service: str) -> str:
    """The text of the recipe's stage `FROM ... AS <service>`, up to the next FROM ('' if none)."""
    found = re.search(rf"^FROM \S+ AS {re.escape(service)}\n(.*?)(?=^FROM |\Z)", text, re.M | re.S)
    return found.group(1) if found else ""


def dockerfile_problems(service: str, text: str) -> list[str]:
    """The recipe, built with SERVICE=<service>, installs that member and ends in its stage,
    which runs `hourbank-<service>`, exposes its processes' ports and checks its API."""
    where = f"{SERVICE_DOCKERFILE} (SERVICE={service})"
    problems: list[str] = []
    if '--package "hourbank-$SERVICE"' not in text:
        problems.append(f"{where}: does not install hourbank-$SERVICE")
    if not text.rstrip().endswith("\nFROM ${SERVICE}"):
        problems.append(f"{where}: the image is not the stage named by SERVICE")
    stage = service_stage(text, service)
    if not stage:
        return [*problems, f"{where}: no stage named {service}"]
    ports = {r.port for r in ROLES if r.service == service}
    exposed = {int(p) for line in re.findall(r"^EXPOSE (.+)$", stage, re.M) for p in line.split()}
    if exposed != ports:
        problems.append(f"{where}: EXPOSE {sorted(exposed)}, processes use {sorted(ports)}")
    if f"127.0.0.1:{API_PORTS[service]}/healthz" not in stage:
        problems.append(f"{where}: HEALTHCHECK does not ask the API's :{API_PORTS[service]}")
    if f'ENTRYPOINT ["hourbank-{service}"]' not in stage:
        problems.append(f"{where}: ENTRYPOINT is not hourbank-{service}")
    if 'CMD ["api", "--host", "0.0.0.0"]' not in stage:
        problems.append(f"{where}: the default command is not the API on 0.0.0.0")
    return problems


def topology_problems() -> list[str]:
    """topology's ports are the settings' defaults (what a process binds without overrides)."""
    problems: list[str] = []
    for service in SERVICES:
        fields = settings_class(service).model_fields
        for field, table in (("api_port", API_PORTS), ("metrics_port", METRICS_PORTS)):
            if fields[field].default != table[service]:
                problems.append(
                    f"{service}: {field} defaults to {fields[field].default}, "
                    f"topology says {table[service]}"
                )
    return problems
