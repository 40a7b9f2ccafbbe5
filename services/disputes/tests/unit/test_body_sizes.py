"""The largest legitimate bodies of the disputes API fit the default body limit (64 KiB), so no
route declares a limit of its own."""

import json
from uuid import uuid4

from pydantic import BaseModel

from hourbank_disputes.api.schemas import TEXT_MAX, DisputeIn, EvidenceIn, ResolveIn
from hourbank_disputes.domain.evidence import CONTENT_MAX
from hourbank_shared.body_limit import DEFAULT_LIMIT
from hourbank_shared.settings import ServiceSettings

ASTRAL = "\U0001f600"
"""One character, but 12 bytes once JSON-escaped (a surrogate pair), as many clients send it."""


def test_the_longest_texts_fit_the_default_body_limit() -> None:
    longest = ASTRAL * TEXT_MAX
    bodies: list[tuple[type[BaseModel], dict[str, str]]] = [
        (DisputeIn, {"request_id": str(uuid4()), "type": "OTHER", "description": longest}),
        (EvidenceIn, {"kind": "text", "content": ASTRAL * CONTENT_MAX}),
        (ResolveIn, {"resolution": "SPLIT", "provider_hours": "999.99", "note": longest}),
    ]
    default = ServiceSettings.model_fields["max_request_body_bytes"].default
    assert default == DEFAULT_LIMIT
    for model, body in bodies:
        model.model_validate(body)  # legitimate
        assert len(json.dumps(body).encode()) <= DEFAULT_LIMIT, model.__name__
