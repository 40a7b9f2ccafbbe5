"""One readable sentence from pydantic's validation errors (API problems and DLQ entries)."""

from collections.abc import Iterable, Mapping
from typing import Any

SHOWN = 5
MESSAGE_SHOWN = 300
"""Characters of one message: a message that quotes a 1 MB input does not send it back."""
NAME_SHOWN = 100
"""Characters of one part of a field's location (a JSON key may be as long as the body)."""
REQUEST_PARTS = {"query", "path"}
"""Where in an HTTP request a field is (FastAPI's first `loc` part): the field's name says it."""


def shorten(text: str, longest: int = MESSAGE_SHOWN) -> str:
    """`text`, cut to `longest` characters with an ellipsis when longer."""
    return text if len(text) <= longest else text[: longest - 1] + "…"


def describe_errors(errors: Iterable[Mapping[str, Any]], whole: str = "input") -> str:
    """`hours: Value error, … ; offering_id: Field required (and 2 more)`."""
    errors = list(errors)
    parts = []
    for error in errors[:SHOWN]:
        where = _where(list(error.get("loc", ()))) or whole
        parts.append(f"{where}: {shorten(str(error.get('msg')))}")
    more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
    return "; ".join(parts) + more


def _where(loc: list[Any]) -> str:
    """`title`, `preferences.0.type`, `q`, `Idempotency-Key header`."""
    if len(loc) == 2 and loc[0] == "header":
        return f"{shorten(str(loc[1]), NAME_SHOWN)} header"
    if len(loc) > 1 and loc[0] in REQUEST_PARTS:
        loc = loc[1:]
    return ".".join(shorten(str(part), NAME_SHOWN) for part in loc if part != "body")
