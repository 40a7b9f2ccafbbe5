from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from hourbank_shared.auth import CurrentPrincipal, TokenVerifier
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.errors import Conflict, install_problem_handlers
from hourbank_shared.money import HoursInput
from hourbank_shared.settings import ServiceSettings

SECRET = "x" * 32


class Body(BaseModel):
    hours: HoursInput


def make_app() -> FastAPI:
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(
        ServiceSettings(database_url="postgresql://x/y", jwt_secret=SECRET)
    )
    install_problem_handlers(app)

    @app.post("/things")
    def create(body: Body, who: CurrentPrincipal) -> dict[str, str]:
        if body.hours > 10:
            raise Conflict(
                "the request is PAID; accept is allowed only in AWAITING_RESPONSE",
                current_status="PAID",
            )
        return {"hours": str(body.hours), "by": str(who.member_id)}

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    return app


client = TestClient(make_app(), raise_server_exceptions=False)


def auth() -> dict[str, str]:
    import uuid

    return {"Authorization": f"Bearer {dev_token(uuid.uuid4(), SECRET)}"}


def test_invalid_input_is_a_422_problem_naming_the_field() -> None:
    response = client.post("/things", json={"hours": "1.234"}, headers=auth())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert "hours" in body["detail"] and "two decimal places" in body["detail"]
    assert body["status"] == 422 and body["instance"] == "/things"


def test_a_missing_token_is_401_with_a_bearer_challenge() -> None:
    response = client.post("/things", json={"hours": 1})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "bearer token is required" in response.json()["detail"]


def test_domain_conflicts_carry_their_extensions() -> None:
    response = client.post("/things", json={"hours": 11}, headers=auth())
    assert response.status_code == 409
    assert response.json()["current_status"] == "PAID"


def test_unknown_routes_and_crashes_are_problems_too() -> None:
    assert client.get("/nope").headers["content-type"] == "application/problem+json"
    crash = client.get("/boom")
    assert crash.status_code == 500
    assert "secret internals" not in crash.text


def test_a_valid_request_passes() -> None:
    response = client.post("/things", json={"hours": 2.5}, headers=auth())
    assert response.status_code == 200
    assert response.json()["hours"] == "2.50"
