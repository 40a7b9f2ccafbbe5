"""Starting HourBank processes for tests and benchmarks."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hourbank_shared.consumer import ConsumerRunner


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


@contextmanager
def consumer_running(runner: ConsumerRunner) -> Iterator[None]:
    """`runner` consuming in a thread of this process until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(30)
