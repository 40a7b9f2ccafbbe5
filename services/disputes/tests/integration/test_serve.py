"""`hourbank-disputes serve`: the API, the consumer and the relay in one process, one pair of
probes for all of them, and a clean stop on SIGTERM."""

import os
import sys
from pathlib import Path

import pytest

from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.serving import check_serve

pytestmark = pytest.mark.integration
SECRET = "disputes-serve-test-secret-0123456789abcdef"


def test_serve_runs_every_loop_in_one_process_and_stops_on_sigterm(
    infra: Infra, migrated_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "HOURBANK_DISPUTES_DATABASE_URL": migrated_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "HOURBANK_JWT_SECRET": SECRET,
        "HOURBANK_DEV_MODE": "true",  # the test secret is in the repository
    }
    argv = [sys.executable, "-m", "hourbank_disputes", "serve"]
    check_serve(argv, env, "disputes", tmp_path / "serve.log")
