"""One readable sentence from pydantic's validation errors (API problems and DLQ entries)."""

from collections.abc import Iterable, Mapping
from typing import Any

SHOWN = 5


def describe_errors(errors: Iterable[Mapping[str, Any]], whole: str = "input") -> str:
    """`hours: Value error, … ; offering_id: Field required (and 2 more)`."""
    errors = list(errors)
    parts = []
    for error in errors[:SHOWN]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body") or whole
        parts.append(f"{where}: {error.get('msg')}")
    more = f" (and {len(errors) - SHOWN} more)" if len(errors) > SHOWN else ""
    return "; ".join(parts) + more
