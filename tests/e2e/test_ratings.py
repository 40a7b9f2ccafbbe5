"""Ratings through the gateway: after PAID each party rates the other once; the profile shows
the average and count."""

from typing import Any

import pytest

from .checks import notified, problem
from .parties import Pair
from .topics import TopicWatch

pytestmark = pytest.mark.integration


def paid(pair: Pair, hours: str) -> str:
    rid: str = pair.in_progress(hours)["id"]
    pair.provider.act(rid, "complete", {"actual_hours": hours})
    pair.requester.act(rid, "confirm-completion")
    pair.requester.wait_status(rid, "PAID")
    return rid


def profile(pair: Pair, member: Any) -> tuple[str | None, int]:
    shown = pair.requester.get(f"/v1/members/{member.id}")
    return shown["rating_average"], shown["rating_count"]


def test_each_party_rates_the_other_once(pair: Pair, topics: TopicWatch) -> None:
    early = pair.submit("1.00")["id"]
    too_early = pair.requester.send("POST", f"/v1/requests/{early}/rating", {"score": 5})
    assert problem(too_early, 409)["current_status"] == "AWAITING_RESPONSE"
    pair.requester.act(early, "cancel")
    assert profile(pair, pair.provider) == (None, 0)

    first = paid(pair, "1.00")
    rating = f"/v1/requests/{first}/rating"
    problem(pair.requester.send("POST", rating, {"score": 6}), 422, "score")
    problem(pair.requester.send("POST", rating, {"score": "5"}), 422, "score")
    pair.requester.post(rating, {"score": 5, "comment": "lovely roses"})
    problem(pair.requester.send("POST", rating, {"score": 1}), 409)
    pair.provider.post(rating, {"score": 4, "comment": "kind host"})
    problem(pair.provider.send("POST", rating, {"score": 4}), 409)
    assert profile(pair, pair.provider) == ("5.00", 1)
    assert profile(pair, pair.requester) == ("4.00", 1)

    second = paid(pair, "1.00")
    pair.requester.post(f"/v1/requests/{second}/rating", {"score": 2, "comment": "late"})
    assert profile(pair, pair.provider) == ("3.50", 2)
    me = pair.provider.get("/v1/members/me")
    assert (me["rating_average"], me["rating_count"]) == ("3.50", 2)

    rated = topics.requests(
        first, "submitted", "awaiting_response", "accepted", "start_reported", "started",
        "completion_reported", "completed", "paid", "rated", "rated",
    )  # fmt: skip
    assert [(e["data"]["ratee_id"], e["data"]["score"]) for e in rated[-2:]] == [
        (str(pair.provider.id), 5),
        (str(pair.requester.id), 4),
    ]
    notified(pair.provider, "REQUEST_RATED", first)
