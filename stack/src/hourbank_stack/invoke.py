"""`hourbank …` run from tests and tools as a command, saying why when it fails."""

import subprocess
import sys

TAIL_LINES = 8


class HourbankFailed(RuntimeError):
    """`hourbank …` exited non-zero; the message ends with the last lines it printed."""


def hourbank(*args: str, timeout: float) -> None:
    """Run `hourbank ARGS` in a new interpreter. Its output is printed once it ends (a test
    keeps it with its captured output); a failure raises with the output's last lines in its
    message, so that a test's one-line summary says why (a port taken, a child that died)."""
    command = [sys.executable, "-m", "hourbank_stack", *args]
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout
    )
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
        tail = " | ".join(lines[-TAIL_LINES:]) or "no output"
        raise HourbankFailed(f"`hourbank {' '.join(args)}` exited {done.returncode}: {tail}")
