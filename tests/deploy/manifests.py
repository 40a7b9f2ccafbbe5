"""What tests/deploy reads: the rendered Kubernetes overlays, docker-compose.yml, Dockerfiles."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from hourbank_stack.topology import SERVICES

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy/k8s"
OVERLAYS = ("dev", "prod")
COMPOSE = REPO / "docker-compose.yml"
GATEWAY_TEMPLATE = REPO / "deploy/gateway/hourbank.conf.template"
SERVICE_DOCKERFILE = REPO / "deploy/docker/service.Dockerfile"

Object = dict[str, Any]


def kustomize_binary() -> str | None:
    """$KUSTOMIZE, then `kustomize` on PATH, then where infra/install-kustomize puts it."""
    tools = Path(os.environ.get("HOURBANK_TOOLS", Path.home() / ".cache/hourbank/bin"))
    candidates = (os.environ.get("KUSTOMIZE"), shutil.which("kustomize"), str(tools / "kustomize"))
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def render(binary: str, kustomization: Path) -> list[Object]:
    """`kustomize build` of a directory, as a list of objects."""
    result = subprocess.run(
        [binary, "build", str(kustomization)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"kustomize build {kustomization} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def dockerfile() -> str:
    """The one recipe of the four service images (`--build-arg SERVICE=<service>`)."""
    return SERVICE_DOCKERFILE.read_text()


_VARIABLE = re.compile(r"\$\{(\w+)(?::?([-?])([^}]*))?\}")


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}`, `${NAME-default}` and `${NAME:?error}` (an
    error if NAME is not set), as `docker compose` does."""

    def value(match: re.Match[str]) -> str:
        name, kind, argument = match.groups()
        if env.get(name):
            return env[name]
        if kind == "?":
            raise KeyError(f"{name}: {argument}")
        return argument or ""

    return _VARIABLE.sub(value, text)


def load_compose(env: Mapping[str, str] | None = None) -> Object:
    """docker-compose.yml with its variables at their defaults (or `env`), anchors merged."""
    loaded: Object = yaml.safe_load(interpolate(COMPOSE.read_text(), env or {}))
    return loaded


def kind(objects: Iterable[Object], wanted: str) -> list[Object]:
    return [o for o in objects if o["kind"] == wanted]


def named(objects: Iterable[Object], wanted_kind: str, name: str) -> Object | None:
    return next((o for o in kind(objects, wanted_kind) if o["metadata"]["name"] == name), None)


def labels(obj: Object) -> dict[str, str]:
    found: dict[str, str] = obj["metadata"].get("labels") or {}
    return found


def pod_spec(workload: Object) -> Object:
    spec: Object = workload["spec"]["template"]["spec"]
    return spec


def main_container(workload: Object) -> Object:
    container: Object = pod_spec(workload)["containers"][0]
    return container


def ours(objects: Iterable[Object], wanted_kind: str) -> list[Object]:
    """The services' objects of a kind (not the dev overlay's PostgreSQL, not Strimzi's)."""
    return [o for o in kind(objects, wanted_kind) if service_of(o) in SERVICES]


def service_of(obj: Object) -> str:
    return labels(obj).get("app.kubernetes.io/name", "")
