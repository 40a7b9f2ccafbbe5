"""The compatibility gate: what in the event schemas would break a consumer of the last release.

uv run python -m hourbank_shared.contracts.compat --check
uv run python -m hourbank_shared.contracts.compat --release

A change must work both ways (see "Versioning policy" in docs/events/README.md): consumers of
the released schema read new events, and consumers of the new schema read the events already
in the topics. So within a version only new optional properties and documentation may change.
"""

import argparse
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hourbank_shared.contracts.asyncapi import superseded_by
from hourbank_shared.contracts.docs import RELEASE_COMMAND, RELEASED_DIR, find_root, schema_files
from hourbank_shared.contracts.schemas import JsonSchema

DOCUMENTATION = frozenset(
    {"title", "description", "examples", "default", "$comment", "$schema", "$id", "deprecated"}
)
"""Keywords that describe a value without constraining it; changing them breaks nobody."""
STRUCTURE = frozenset(
    {"$ref", "$defs", "allOf", "anyOf", "oneOf", "properties", "required", "items"}
    | {"additionalProperties"}
)
"""Keywords compared by walking into them rather than by equality."""
MEANINGS = {
    "x-kafka-topic": "consumers of the released topic no longer receive it",
    "x-kafka-key": "the Kafka key decides partitioning and per-key order",
    "x-cloudevents-subject": "consumers filter and group by the CloudEvents subject",
}


class Break(NamedTuple):
    """One change that would break a consumer."""

    event_type: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.event_type}: {self.path}: {self.reason}"


def _show(value: Any) -> str:
    return "absent" if value is None else json.dumps(value)


def _pointer(root: JsonSchema, ref: str) -> JsonSchema:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    result: JsonSchema = node
    return result


def _resolve(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    """The schema with its `$ref` and `allOf` folded in; its own keywords win."""
    node = dict(schema)
    followed: set[str] = set()
    while isinstance(node.get("$ref"), str) and node["$ref"] not in followed:
        followed.add(node["$ref"])
        node = {**_pointer(root, node.pop("$ref")), **node}
    for part in node.pop("allOf", []):
        node = {**_resolve(part, root), **node}
    return node


def _options(schema: JsonSchema) -> list[JsonSchema]:
    """The alternatives of an `anyOf`/`oneOf` (each with the outer keywords), else the schema."""
    choices = schema.get("anyOf", schema.get("oneOf"))
    if choices is None:
        return [schema]
    outer = {key: value for key, value in schema.items() if key not in ("anyOf", "oneOf")}
    return [{**outer, **choice} for choice in choices]


def _kind(schema: JsonSchema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return " or ".join(sorted(kind))
    if kind is not None:
        return str(kind)
    return "object" if "properties" in schema else "const" if "const" in schema else "any value"


def _enum_change(before: Any, after: Any) -> str | None:
    if before is None or after is None:
        return f"enum changed from {_show(before)} to {_show(after)}"
    gained = [value for value in after if value not in before]
    lost = [value for value in before if value not in after]
    reasons = []
    if gained:
        reasons.append(f"enum gained {_show(gained)}: a reader with the released values rejects it")
    if lost:
        reasons.append(f"enum lost {_show(lost)}: events already published still carry it")
    return "; ".join(reasons) or None


def _keyword_change(keyword: str, before: Any, after: Any) -> str | None:
    if keyword == "enum":
        return _enum_change(before, after)
    change = f"{keyword} changed from {_show(before)} to {_show(after)}"
    return f"{change}: {MEANINGS[keyword]}" if keyword in MEANINGS else change


class _Comparison:
    """Walks a released schema and the current one of the same event type side by side."""

    def __init__(self, event_type: str, released: JsonSchema, current: JsonSchema) -> None:
        self.event_type = event_type
        self.released_root, self.current_root = released, current
        self.walking: set[tuple[str, str]] = set()
        self.breaks: list[Break] = []

    def report(self, path: str, reason: str) -> None:
        self.breaks.append(Break(self.event_type, path, reason))

    def compare(self, released: JsonSchema, current: JsonSchema, path: str) -> None:
        refs = (str(released.get("$ref", "")), str(current.get("$ref", "")))
        if refs in self.walking:  # a recursive definition, already being compared
            return
        if any(refs):
            self.walking.add(refs)
        try:
            self._compare_resolved(
                _resolve(released, self.released_root), _resolve(current, self.current_root), path
            )
        finally:
            self.walking.discard(refs)

    def _compare_resolved(self, released: JsonSchema, current: JsonSchema, path: str) -> None:
        if not {"anyOf", "oneOf"} & (released.keys() | current.keys()):
            self._compare_single(released, current, path)
            return
        before, after = _options(released), _options(current)
        resolved_before = [_resolve(option, self.released_root) for option in before]
        resolved_after = [_resolve(option, self.current_root) for option in after]
        kinds_before = " or ".join(sorted(_kind(option) for option in resolved_before))
        kinds_after = " or ".join(sorted(_kind(option) for option in resolved_after))
        if kinds_before != kinds_after:
            self.report(path, f"type changed from {kinds_before} to {kinds_after}")
            return
        unmatched = list(zip(resolved_after, after, strict=True))
        for resolved, option in zip(resolved_before, before, strict=True):
            index = next(i for i, pair in enumerate(unmatched) if _kind(pair[0]) == _kind(resolved))
            self.compare(option, unmatched.pop(index)[1], path)

    def _compare_single(self, released: JsonSchema, current: JsonSchema, path: str) -> None:
        if _kind(released) != _kind(current):
            self.report(path, f"type changed from {_kind(released)} to {_kind(current)}")
            return
        for keyword in sorted((released.keys() | current.keys()) - DOCUMENTATION - STRUCTURE):
            before, after = released.get(keyword), current.get(keyword)
            reason = None if before == after else _keyword_change(keyword, before, after)
            if reason:
                self.report(path, reason)
        self._compare_properties(released, current, path)
        self._compare_additional(released, current, path)
        if "items" in released and "items" in current:
            self.compare(released["items"], current["items"], f"{path}[*]")
        elif "items" in released or "items" in current:
            self.report(f"{path}[*]", "the schema of the items was added or removed")

    def _compare_properties(self, released: JsonSchema, current: JsonSchema, path: str) -> None:
        before, after = released.get("properties", {}), current.get("properties", {})
        required_before = set(released.get("required", []))
        required_after = set(current.get("required", []))
        for name, schema in before.items():
            where = f"{path}.{name}"
            if name not in after:
                self.report(where, "removed (or renamed): readers of the released schema use it")
                continue
            self.compare(schema, after[name], where)
            if name in required_before - required_after:
                self.report(where, "no longer required: released readers expect it in every event")
            if name in required_after - required_before:
                self.report(where, "became required: events published before may lack it")
        for name in after:
            if name in before:
                continue
            if name in required_after:
                self.report(
                    f"{path}.{name}",
                    "new required property: events published before lack it (give it a default)",
                )
            elif released.get("additionalProperties") is False:
                self.report(f"{path}.{name}", "new property, but the released schema forbids it")

    def _compare_additional(self, released: JsonSchema, current: JsonSchema, path: str) -> None:
        before = released.get("additionalProperties", True)
        after = current.get("additionalProperties", True)
        if isinstance(before, dict) and isinstance(after, dict):
            self.compare(before, after, f"{path}.*")
        elif before != after:
            self.report(
                path, f"additionalProperties changed from {_show(before)} to {_show(after)}"
            )


def _removal(event_type: str, released: Mapping[str, Any], current: Mapping[str, Any]) -> str:
    """Why removing a released type breaks consumers, or "" when its deprecation was released."""
    deprecated = event_type in superseded_by(released)
    if deprecated and event_type in superseded_by([*current, event_type]):
        return ""
    if deprecated:
        return "event type removed together with every newer version of it"
    return (
        "event type removed, but the last release did not ship it as deprecated: publish its"
        " next version alongside it for a deprecation period before removing it"
    )


def breaking_changes(
    released: Mapping[str, JsonSchema], current: Mapping[str, JsonSchema]
) -> list[Break]:
    """Every change from the released schemas to the current ones that breaks a consumer."""
    breaks: list[Break] = []
    for name in sorted(released):
        if name in current:
            comparison = _Comparison(name, released[name], current[name])
            comparison.compare(released[name], current[name], "$")
            breaks += comparison.breaks
        elif reason := _removal(name, released, current):
            breaks.append(Break(name, "$", reason))
    return breaks


def current_schemas() -> dict[str, JsonSchema]:
    """The schemas the code generates, by event type (and `envelope`)."""
    return {name.removesuffix(".json"): json.loads(text) for name, text in schema_files().items()}


def _released_files(root: Path) -> Iterator[Path]:
    folder = root / RELEASED_DIR
    return folder.glob("*.json") if folder.is_dir() else iter(())


def released_schemas(root: Path) -> dict[str, JsonSchema]:
    """The schemas of the last release, by event type (and `envelope`)."""
    return {path.stem: json.loads(path.read_text()) for path in _released_files(root)}


def release(root: Path) -> list[str]:
    """Make the released baseline under `root` the current schemas; returns what changed."""
    files = schema_files()
    folder = root / RELEASED_DIR
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for path in list(_released_files(root)):
        if path.name not in files:
            path.unlink()
            changed.append(f"removed {path.name}")
    for name, text in files.items():
        target = folder / name
        if not target.is_file() or target.read_text() != text:
            changed.append(f"released {name}")
            target.write_text(text)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="exit 1 on a breaking change")
    mode.add_argument("--release", action="store_true", help=f"refresh {RELEASED_DIR}")
    parser.add_argument("--root", type=Path, help="repository root (default: found from cwd)")
    args = parser.parse_args(argv)
    root: Path = args.root or find_root(Path.cwd())
    released = released_schemas(root)
    if args.check and not released:
        print(f"no released contract in {RELEASED_DIR}; run: {RELEASE_COMMAND}", file=sys.stderr)
        return 1
    breaks = breaking_changes(released, current_schemas())
    for found in breaks:
        print(found, file=sys.stderr)
    if breaks:
        print(
            f"{len(breaks)} breaking change(s) to the event contract; publish a new event"
            " version instead (docs/events/README.md, Versioning policy)",
            file=sys.stderr,
        )
        return 1
    if args.release:
        for change in release(root):
            print(change)
    return 0


if __name__ == "__main__":
    sys.exit(main())
