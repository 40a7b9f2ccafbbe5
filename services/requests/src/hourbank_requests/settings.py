"""Requests settings: `HOURBANK_REQUESTS_*`, plus the variables shared by every service."""

from pydantic import AliasChoices, Field, NonNegativeInt, PositiveFloat
from pydantic_settings import SettingsConfigDict

from hourbank_requests.domain.lifecycle import ESCROW_ANSWER_SECONDS
from hourbank_shared.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_REQUESTS_", extra="ignore")

    service_name: str = "requests"
    api_port: int = 8001
    metrics_port: int = 9101
    escrow_answer_seconds: PositiveFloat = ESCROW_ANSWER_SECONDS
    """Real seconds a submission waits for escrow's answer before the request expires."""
    submit_backlog_limit: NonNegativeInt = 20
    """Submissions are refused (503, Retry-After) while this many requests, over every API
    replica, wait for escrow's hold (INITIATED); 0 never refuses (`load_shedding`). 20 is
    about two seconds of the peak measured on the 2-core development machine (8.5
    lifecycles/s, docs/benchmarks.md): at 50, twice the peak queued submissions 13 s."""
    submit_backlog_refresh_seconds: PositiveFloat = 0.2
    """How old the backlog an API process decides on may be (one short query per refresh)."""
    offering_review: bool = Field(
        default=False,
        validation_alias=AliasChoices(
            "offering_review", "HOURBANK_OFFERING_REVIEW", "HOURBANK_REQUESTS_OFFERING_REVIEW"
        ),
    )
    """The bank reviews offerings: new and changed terms wait for an admin's approval
    (`HOURBANK_OFFERING_REVIEW=true`, or `hourbank up --offering-review`)."""
