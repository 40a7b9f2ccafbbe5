"""Fixtures of tests/deploy: kustomize and the rendered overlays (rendered once per session)."""

import os

import pytest

from .manifests import K8S, OVERLAYS, Object, kustomize_binary, render


@pytest.fixture(scope="session")
def kustomize() -> str:
    binary = kustomize_binary()
    if binary is None:
        message = (
            "kustomize not found ($KUSTOMIZE, PATH, ~/.cache/hourbank/bin): "
            "run infra/install-kustomize (the CI script .ci/run does)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binary


@pytest.fixture(scope="session")
def rendered(kustomize: str) -> dict[str, list[Object]]:
    """Each overlay's objects, by overlay name."""
    return {name: render(kustomize, K8S / "overlays" / name) for name in OVERLAYS}


@pytest.fixture(params=OVERLAYS)
def overlay(request: pytest.FixtureRequest, rendered: dict[str, list[Object]]) -> list[Object]:
    objects: list[Object] = rendered[request.param]
    return objects
