"""What a registration publishes: member.registered v1 (without the address) and v2 on the
public members topic, and the address only on the private contacts topic, in one transaction."""

import json
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session, sessionmaker

from hourbank_requests.adapters import tables
from hourbank_shared.contracts import topics

from .test_members_api import client, register, sessions  # noqa: F401 (fixtures)

pytestmark = pytest.mark.integration


def test_registering_writes_member_registered_and_the_address_only_on_the_private_topic(
    client: TestClient,  # noqa: F811
    sessions: sessionmaker[Session],  # noqa: F811
) -> None:
    admin = uuid4()

    register(client, admin, admin=True, email="root@example.org")

    c = tables.outbox.c
    with sessions() as session:
        rows = session.execute(
            select(c.topic, c.payload, literal_column("xmin::text").label("writer"))
            .where(c.key == str(admin))
            .order_by(c.id)
        ).all()
    assert [row.topic for row in rows] == [topics.MEMBERS, topics.MEMBERS, topics.MEMBER_CONTACTS]
    assert len({row.writer for row in rows}) == 1, "one transaction wrote all three"
    v1, v2, contact = (json.loads(row.payload) for row in rows)
    public = {
        "member_id": str(admin),
        "display_name": "Ada",
        "roles": ["admin", "member"],
        "registered_at": "2026-03-01T12:00:00Z",
        "sequence": 0,
    }
    assert v1["type"] == "hourbank.member.registered.v1"
    assert (v1["source"], v1["subject"]) == ("/hourbank/requests", str(admin))
    assert v1["data"] == {**public, "email": None}, "v1 lives on without the address"
    assert (v2["type"], v2["data"]) == ("hourbank.member.registered.v2", public)
    assert contact["type"] == "hourbank.member.contact_changed.v1"
    assert contact["data"] == {
        "member_id": str(admin),
        "sequence": 0,
        "email": "root@example.org",
        "changed_at": "2026-03-01T12:00:00Z",
    }
