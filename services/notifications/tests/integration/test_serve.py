"""`hourbank-notifications serve`: the API and the relay beside the faust worker in one
process, one pair of probes for all of them, and a clean stop on SIGTERM."""

import os
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.serving import check_serve

pytestmark = pytest.mark.integration
SECRET = "notifications-serve-test-secret-0123456789abcdef"


def test_serve_runs_every_loop_in_one_process_and_stops_on_sigterm(
    infra: Infra, migrated_url: str, tmp_path: Path, new_topic: Any
) -> None:
    env = {
        **os.environ,
        "HOURBANK_NOTIFICATIONS_DATABASE_URL": migrated_url,
        "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
        "HOURBANK_JWT_SECRET": SECRET,
        "HOURBANK_DEV_MODE": "true",  # the test secret is in the repository
    }
    group = f"notifications-serve-{uuid.uuid4().hex[:8]}"  # not the stack's group
    argv = [sys.executable, "-m", "hourbank_notifications", "serve", "--group", group]
    argv += ["--topic", new_topic("notifications.serve")]
    check_serve(argv, env, "notifications", tmp_path / "serve.log")
