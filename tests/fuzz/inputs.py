"""Every operation of an app's OpenAPI document, its string inputs, and what to send in them.

A slot is one place a string goes: a path or query parameter, a header the route reads, or a
body field whose schema admits a string (at any depth; an array's first item). The baseline
fills every required input with something valid-looking, so a sweep changes one slot at a time.
"""

import dataclasses
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from .driver import Call

MEGABYTE = ("garden help " * 90_000)[:1_000_000]
SPECIALS: dict[str, str] = {
    "NUL": "\x00",
    "NUL inside text": "garden\x00help",
    "lone surrogate": "\ud800",
    "lone low surrogate inside text": "garden\udfffhelp",
    "1 MB of text": MEGABYTE,
    "RTL marks": "\u200fעזרה בגינה\u200f \u202eplan\u202c",
    "ordinary text": "garden help",
}
UNSTORABLE = {"NUL", "NUL inside text", "lone surrogate", "lone low surrogate inside text"}
"""What must be refused with 422 naming the slot."""

PATTERN_CANDIDATES = ["1.00", "REQUEST_PAID", "garden"]
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included

texts = st.one_of(
    st.sampled_from(list(SPECIALS.values())),
    st.text(ANY_CHARACTER, max_size=24),
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(max_size=8),
        st.sampled_from(list(SPECIALS.values())),
        st.text(max_size=8),
    ),
)
"""Specials, arbitrary text (surrogates and NUL included) and specials inside ordinary text."""

Pointer = tuple[str | int, ...]


@dataclass(frozen=True)
class Slot:
    where: str
    """`path`, `query`, `header` or `body`."""
    name: str
    """The parameter, header or field name (the last key of a body field)."""
    pointer: Pointer = ()
    """The keys from the body's root to the field."""

    def label(self) -> str:
        return f"{self.where} {'.'.join(map(str, self.pointer)) or self.name}"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    parameters: list[dict[str, Any]]
    body: dict[str, Any] | None
    """The resolved JSON schema of the body, if it takes one."""
    components: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def slots(self) -> Iterator[Slot]:
        for parameter in self.parameters:
            yield Slot(parameter["in"], parameter["name"])
        if self.body is not None:
            for pointer in _string_fields(self.body, self.components, ()):
                name = next((str(p) for p in reversed(pointer) if isinstance(p, str)), "body")
                yield Slot("body", name, pointer)

    def baseline(self, ids: dict[str, list[str]]) -> Call:
        """A call with every required input filled in, nothing else."""
        path_params = {
            p["name"]: (ids.get(p["name"]) or [str(uuid.uuid4())])[0]
            for p in self.parameters
            if p["in"] == "path"
        }
        body = _baseline(self.body, self.components, ids, "") if self.body is not None else None
        return Call(self.method, self.path, path_params, body=body)

    def with_text(self, call: Call, slot: Slot, text: str) -> Call:
        """The call with `text` in the slot."""
        if slot.where == "path":
            return _replace(call, path_params={**call.path_params, slot.name: text})
        if slot.where == "query":
            return _replace(call, query={**call.query, slot.name: text})
        if slot.where == "header":
            return _replace(call, headers={**call.headers, slot.name: text})
        return _replace(call, body=_put(call.body, slot.pointer, text))


def operations(openapi: dict[str, Any]) -> list[Operation]:
    """Every operation of the document, in its order."""
    components = openapi.get("components", {}).get("schemas", {})
    found = []
    for path, methods in openapi["paths"].items():
        for method, spec in methods.items():
            content = spec.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            body = _resolve(schema, components) if schema is not None else None
            found.append(
                Operation(method.upper(), path, spec.get("parameters", []), body, components)
            )
    return found


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _options(schema: dict[str, Any], components: dict[str, Any]) -> list[dict[str, Any]]:
    schema = _resolve(schema, components)
    options = schema.get("anyOf") or schema.get("oneOf") or schema.get("allOf")
    if options:
        return [o for option in options for o in _options(option, components)]
    return [schema]


def _string_fields(
    schema: dict[str, Any], components: dict[str, Any], at: Pointer
) -> Iterator[Pointer]:
    options = _options(schema, components)
    if any(o.get("type") == "string" for o in options):
        yield at
        return
    for option in options:
        if option.get("type") == "object":
            for key, child in option.get("properties", {}).items():
                yield from _string_fields(child, components, (*at, key))
        elif option.get("type") == "array":
            yield from _string_fields(option.get("items", {}), components, (*at, 0))


def _baseline(
    schema: dict[str, Any], components: dict[str, Any], ids: dict[str, list[str]], name: str
) -> Any:
    option = next((o for o in _options(schema, components) if o.get("type") != "null"), {})
    kind = option.get("type")
    if "enum" in option:
        return option["enum"][0]
    if kind == "string":
        if option.get("format") == "uuid":
            return (ids.get(name) or [str(uuid.uuid4())])[0]
        pattern = option.get("pattern")
        if pattern:
            return next((c for c in PATTERN_CANDIDATES if re.fullmatch(pattern, c)), "garden")
        return "garden help"
    if kind == "integer":
        return int(option.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return [_baseline(option.get("items", {}), components, ids, name)]
    if kind == "object":
        required = option.get("required", [])
        properties = option.get("properties", {})
        return {
            k: _baseline(properties[k], components, ids, k) for k in required if k in properties
        }
    return None


def _put(document: Any, pointer: Pointer, text: str) -> Any:
    """A copy of the document with `text` at the pointer (missing parents created)."""
    if not pointer:
        return text
    head, rest = pointer[0], pointer[1:]
    if isinstance(head, int):
        items = list(document) if isinstance(document, list) and document else [{}]
        items[head] = _put(items[head], rest, text)
        return items
    copy = dict(document) if isinstance(document, dict) else {}
    copy[head] = _put(copy.get(head), rest, text)
    return copy


def _replace(call: Call, **changes: Any) -> Call:
    return dataclasses.replace(call, **changes)


def body_strategy(
    schema: dict[str, Any], components: dict[str, Any], ids: dict[str, list[str]], name: str = ""
) -> st.SearchStrategy[Any]:
    """Documents of the schema's shape with hostile text in every string field."""
    strategies = [_strategy(o, components, ids, name) for o in _options(schema, components)]
    return st.one_of(strategies)


def _strategy(
    option: dict[str, Any], components: dict[str, Any], ids: dict[str, list[str]], name: str
) -> st.SearchStrategy[Any]:
    kind = option.get("type")
    if "enum" in option:
        return st.one_of(st.sampled_from(option["enum"]), texts)
    if kind == "string":
        if option.get("format") != "uuid":
            return texts
        return st.one_of(st.sampled_from(ids.get(name) or [str(uuid.uuid4())]), texts)
    if kind == "integer":
        return st.integers(int(option.get("minimum", -5)), int(option.get("maximum", 1000)))
    if kind == "number":
        return st.one_of(st.integers(0, 20), st.floats(0, 20, allow_nan=False))
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(body_strategy(option.get("items", {}), components, ids, name), max_size=2)
    if kind == "object":
        properties = option.get("properties", {})
        required = set(option.get("required", []))
        return st.fixed_dictionaries(
            {
                k: body_strategy(v, components, ids, k)
                for k, v in properties.items()
                if k in required
            },
            optional={
                k: body_strategy(v, components, ids, k)
                for k, v in properties.items()
                if k not in required
            },
        )
    return st.one_of(texts, st.integers(), st.none())
