"""Every signing secret written in the repository is in COMMITTED_SECRETS, which no process
accepts outside development mode: the list is checked against the files, so it cannot drift."""

import ast
import contextlib
import gc
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from hourbank_shared.committed_secrets import COMMITTED_SECRETS, DEV_JWT_SECRET

REPO = Path(__file__).resolve().parents[3]
SHORTEST_ACCEPTED = 32
"""The settings refuse a shorter HS256 secret, so a shorter value can never be trusted."""

_SECRET_NAME = re.compile(r"secret", re.IGNORECASE)
# NAME=value, NAME: value, "NAME": "value" in YAML, shell, env files and docs
_ASSIGNMENT = re.compile(
    r"""(?ix)\b[\w.]*(?:jwt_secret|secret)["']?\s*[:=]\s*["']?(?P<value>[^\s"',}]+(?:\})?)"""
)
_COMPOSE_DEFAULT = re.compile(r"\$\{\w+:?-(?P<default>[^}]*)\}")

Found = tuple[str, str]
"""(where, value)"""


def repository_files() -> list[Path]:
    """Tracked files and new ones not ignored: a secret in a file about to be committed counts."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [REPO / name for name in sorted(set(listed.split("\0"))) if name]


def _string_value(node: ast.AST) -> str | None:
    """A constant string, or one built of constants with + and * (e.g. "x" * 32)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _string_value(node.left), _string_value(node.right)
        return left + right if left is not None and right is not None else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        text, times = (node.left, node.right)
        if isinstance(text, ast.Constant) and isinstance(text.value, int):
            text, times = times, text
        value = _string_value(text)
        if value is not None and isinstance(times, ast.Constant) and isinstance(times.value, int):
            return value * times.value
    return None


def _name_of(target: ast.AST) -> str:
    if isinstance(target, ast.Name):
        return target.id
    if isinstance(target, ast.Attribute):
        return target.attr
    if isinstance(target, ast.Constant) and isinstance(target.value, str):
        return target.value
    return ""


def _parsed(source: str) -> ast.Module:
    # CPython 3.11.7 fails to build an AST when a garbage collection runs a finalizer meanwhile
    # (gh-106905: "AST constructor recursion depth mismatch"); other tests leave such objects.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return ast.parse(source)
    finally:
        if collecting:
            gc.enable()


def python_secrets(source: str) -> Iterator[tuple[int, str]]:
    """(line, value) of each string given to a name, keyword, dict key or variable (setenv)
    that says "secret"."""
    for node in ast.walk(_parsed(source)):
        pairs: list[tuple[str, ast.AST]] = []
        if isinstance(node, ast.Assign):
            pairs = [(_name_of(target), node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            pairs = [(_name_of(node.target), node.value)]
        elif isinstance(node, ast.keyword) and node.arg:
            pairs = [(node.arg, node.value)]
        elif isinstance(node, ast.Dict):
            pairs = [(_name_of(k), v) for k, v in zip(node.keys, node.values, strict=True) if k]
        elif isinstance(node, ast.Call) and len(node.args) >= 2:
            pairs = [(_name_of(node.args[0]), node.args[1])]
        for name, value_node in pairs:
            value = _string_value(value_node) if _SECRET_NAME.search(name) else None
            if value is not None:
                yield getattr(value_node, "lineno", 0), value


def text_secrets(text: str) -> Iterator[tuple[int, str]]:
    """(line, value) of each `…SECRET=value` / `…secret: value`, a compose default unwrapped."""
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _ASSIGNMENT.finditer(line):
            value = match.group("value")
            default = _COMPOSE_DEFAULT.fullmatch(value)
            yield number, default.group("default") if default else value


def secrets_in(path: Path) -> Iterator[Found]:
    try:
        text = path.read_text()
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        return
    where = path.relative_to(REPO)
    found = list(text_secrets(text))
    if path.suffix == ".py":
        with contextlib.suppress(SyntaxError):  # a file in the middle of an edit: read as text
            found = list(python_secrets(text))
    for line, value in found:
        if len(value) >= SHORTEST_ACCEPTED and not set(value) & set("$<>{}…"):
            yield f"{where}:{line}", value


def test_every_secret_written_in_the_repository_is_listed() -> None:
    missing = [
        f"{where}: {value!r}"
        for path in repository_files()
        for where, value in secrets_in(path)
        if value not in COMMITTED_SECRETS
    ]
    assert missing == [], (
        "secrets in the repository that hourbank_shared.committed_secrets.COMMITTED_SECRETS "
        "does not list (add them, so no deployment accepts them):\n" + "\n".join(missing)
    )


def test_the_scan_finds_the_development_secret_where_the_stacks_set_it() -> None:
    found = {
        where.split(":")[0]
        for path in repository_files()
        for where, value in secrets_in(path)
        if value == DEV_JWT_SECRET
    }
    assert {
        "docker-compose.yml",
        "deploy/k8s/overlays/dev/kustomization.yaml",
        "shared/src/hourbank_shared/committed_secrets.py",
    } <= found


@pytest.mark.parametrize(
    "source",
    [
        'SECRET = "a-new-secret-nobody-listed-0123456789"',
        'settings = Settings(jwt_secret="a-new-secret-nobody-listed-0123456789")',
        'env = {"HOURBANK_JWT_SECRET": "a-new-secret-nobody-listed-0123456789"}',
        'monkeypatch.setenv("HOURBANK_JWT_SECRET", "a-new-secret-nobody-listed-0123456789")',
        'jwt_secret: str = "a-new-secret-nobody-" + "z" * 20',
    ],
)
def test_the_scan_reads_python_assignments(source: str) -> None:
    (value,) = [value for _, value in python_secrets(source)]
    assert value.startswith("a-new-secret-nobody-") and value not in COMMITTED_SECRETS


@pytest.mark.parametrize(
    ("line", "value"),
    [
        ("HOURBANK_JWT_SECRET=a-new-secret-nobody-listed-0123456789", None),
        ("  - HOURBANK_JWT_SECRET=a-new-secret-nobody-listed-0123456789", None),
        ('  HOURBANK_JWT_SECRET: "a-new-secret-nobody-listed-0123456789"', None),
        ("  JWT_SECRET: ${HOURBANK_JWT_SECRET:-a-new-secret-nobody-listed-0123456789}", None),
        ("export HOURBANK_JWT_SECRET=$(openssl rand -base64 48)", "$(openssl"),
    ],
)
def test_the_scan_reads_configuration_files(line: str, value: str | None) -> None:
    expected = value or "a-new-secret-nobody-listed-0123456789"
    assert [found for _, found in text_secrets(line)] == [expected]
