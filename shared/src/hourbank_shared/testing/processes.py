"""Starting HourBank processes for tests and benchmarks."""

import subprocess
import sys
from pathlib import Path


def start_relay(
    name: str, database_url: str, bootstrap: str, log: Path | None = None, batch_size: int = 500
) -> subprocess.Popen[bytes]:
    """A relay process; its output goes to `log` (appended) or nowhere."""
    command = [
        sys.executable, "-m", "hourbank_shared.relay", "--name", name,
        "--database-url", database_url, "--bootstrap", bootstrap,
        "--batch-size", str(batch_size),
    ]  # fmt: skip
    if log is None:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with log.open("ab") as out:
        return subprocess.Popen(command, stdout=out, stderr=out)
