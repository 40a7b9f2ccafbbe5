"""Faults beyond a SIGKILL, each with its heal, for the fault campaign (`hourbank_stack.campaign`):
a frozen process, a broker held to a sliver of a core, a broker whose log directory is full,
and a process whose wall clock jumps.

The broker is the one `infra/hb-infra` runs, found through its state directory
(HOURBANK_STATE_DIR, as in the environment given, else this process's). Injecting needs root:
the cgroup v1 cpu controller, a tmpfs under the broker (HOURBANK_KAFKA_TMPFS_MB on `up`) and
Debian's libfaketime. What the machine cannot do raises `FaultUnavailable`, saying why.
"""

import contextlib
import errno
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

import psutil

from hourbank_stack.gateway import REPO

INFRA = REPO / "infra" / "hb-infra"
CPU_CONTROLLER = Path("/sys/fs/cgroup/cpu")
BROKER_GROUP = "hourbank-kafka"
CPU_PERIOD_US = 100_000
FILLER = ".hourbank-filler"
"""A regular file at the top of the log directory: Kafka loads only directories there."""
HALT_GRACE_SECONDS = 2.0
"""A broker that met the full disk halts within milliseconds; this long is surely enough."""
FAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")


class FaultUnavailable(RuntimeError):
    """This machine (or this stack) cannot inject the fault; the message says why."""


def state_root(env: Mapping[str, str] | None = None) -> Path:
    """hb-infra's state directory (the stack's is its `stack` subdirectory)."""
    return Path((env or os.environ).get("HOURBANK_STATE_DIR", "/var/tmp/hourbank"))  # noqa: S108


# a frozen process ---------------------------------------------------------------------------


def freeze(pid: int) -> bool:
    """SIGSTOP: the process keeps its sockets and locks but answers nothing. False if gone."""
    return _signal(pid, signal.SIGSTOP)


def thaw(pid: int) -> bool:
    """SIGCONT; False if the process died meanwhile."""
    return _signal(pid, signal.SIGCONT)


def _signal(pid: int, sig: signal.Signals) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


# a slow broker ------------------------------------------------------------------------------


def broker_pid(env: Mapping[str, str] | None = None) -> int | None:
    """The running broker's pid from hb-infra's pid file; None if it does not run."""
    try:
        pid = int((state_root(env) / "kafka" / "kafka.pid").read_text())
        process = psutil.Process(pid)
        running = process.status() != psutil.STATUS_ZOMBIE and "kafka.Kafka" in process.cmdline()
    except (OSError, ValueError, psutil.Error):
        return None
    return pid if running else None


def throttle_broker(percent_of_core: float, env: Mapping[str, str] | None = None) -> str:
    """Hold the broker JVM, every thread of it, to `percent_of_core` of one core (a CFS quota
    in a cgroup of its own)."""
    pid = broker_pid(env)
    if pid is None:
        raise FaultUnavailable(f"no Kafka broker runs under {state_root(env)}")
    if not (CPU_CONTROLLER / "cpu.cfs_quota_us").exists():
        raise FaultUnavailable(f"no cgroup v1 cpu controller at {CPU_CONTROLLER}")
    group = CPU_CONTROLLER / BROKER_GROUP
    quota = max(1000, round(CPU_PERIOD_US * percent_of_core / 100))  # the kernel's minimum
    try:
        group.mkdir(exist_ok=True)
        (group / "cpu.cfs_period_us").write_text(str(CPU_PERIOD_US))
        (group / "cpu.cfs_quota_us").write_text(str(quota))
        (group / "cgroup.procs").write_text(str(pid))  # the whole thread group moves
    except PermissionError as exc:
        raise FaultUnavailable(f"cannot write to {group} (root needed): {exc}") from None
    return f"Kafka (pid {pid}) held to {percent_of_core:g} % of a core"


def unthrottle_broker() -> str:
    """Move whatever is in the broker's group back to the root cgroup; remove the group."""
    group = CPU_CONTROLLER / BROKER_GROUP
    if not group.exists():
        return "not throttled"
    moved = (group / "cgroup.procs").read_text().split()
    for pid in moved:
        with contextlib.suppress(ProcessLookupError):  # it died meanwhile
            (CPU_CONTROLLER / "cgroup.procs").write_text(pid)
    group.rmdir()
    return f"pid {', '.join(moved)} unthrottled" if moved else "the throttled broker was gone"


# a full disk under the broker ---------------------------------------------------------------


def fill_broker_disk(env: Mapping[str, str] | None = None) -> str:
    """Fill the tmpfs under the broker's log directory to the last byte. Refuses any other
    file system: the machine's own disk is not ours to fill."""
    data = state_root(env) / "kafka" / "data"
    if _fs_type(data) != "tmpfs":
        raise FaultUnavailable(
            f"{data} is not a tmpfs: start the broker on one with "
            "HOURBANK_KAFKA_TMPFS_MB=<size> infra/hb-infra up kafka (after `down kafka`)"
        )
    written, chunk = 0, bytes(1 << 20)
    fd = os.open(data / FILLER, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        while True:
            written += os.write(fd, chunk)  # the last one writes what fits, the next fails
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        os.close(fd)
    return f"{data} full ({written / (1 << 20):.1f} MB of filler)"


def free_broker_disk(env: Mapping[str, str] | None = None, infra: Path = INFRA) -> str:
    """Delete the filler, and start the broker again if the full disk stopped it: Kafka 4.1
    takes a log directory it cannot write offline, and with its only one offline (the
    metadata log's too) it shuts down."""
    data = state_root(env) / "kafka" / "data"
    (data / FILLER).unlink(missing_ok=True)
    if broker_pid(env) is not None:
        time.sleep(HALT_GRACE_SECONDS)  # a write may have failed just before the unlink
        if broker_pid(env) is not None:
            return "disk freed; the broker kept running"
    up = subprocess.run(
        [str(infra), "up", "kafka"], env=dict(env or os.environ), capture_output=True, text=True
    )
    said = f"disk freed; the broker had shut down, started again (exit code {up.returncode})"
    return said if up.returncode == 0 else f"{said}: {up.stderr.strip()[-300:]}"


def _fs_type(path: Path) -> str | None:
    """The file system mounted exactly at `path`, if one is (the last mount there wins)."""
    target, found = str(path.resolve()), None
    for line in Path("/proc/self/mounts").read_text().splitlines():
        _, mountpoint, fs_type, *_ = line.split()
        if mountpoint == target:
            found = fs_type
    return found


# a clock that jumps -------------------------------------------------------------------------


def clock_file(name: str) -> Path:
    return state_root() / "stack" / "clock" / f"{name}.faketime"


def clock_env(name: str) -> dict[str, str]:
    """The environment under which the child `name` reads its wall clock (time(),
    gettimeofday, CLOCK_REALTIME) at the offset in its own file, read again at most once a
    second: a jump shows within a second. CLOCK_MONOTONIC stays true, so timeouts, waits and
    event loops keep their pace. Starts at no offset (a campaign's leftover is dropped).

    Debian's libfaketime (0.9.10) fakes the wall clock but half-handles waits on the monotonic
    one: Python 3.11's `time.sleep` fails with EINVAL (libfaketime issue 426), and once the
    offset is not zero librdkafka hangs, waiting on deadlines from the faked clock that reach
    the kernel untranslated (a producer hours ahead is refused by the broker anyway: Kafka 4
    takes timestamps at most an hour ahead). `threading.Event.wait`, select, socket timeouts,
    asyncio and psycopg work. So only the deadline workers, which use PostgreSQL alone and no
    `time.sleep`, are to be jumped (tests/faults/test_clock_jump.py runs one)."""
    if not FAKETIME.exists():
        raise FaultUnavailable(f"{FAKETIME} is missing: apt-get install faketime")
    _forget_dead_faketime_state()
    reset_clock(name)
    return {
        "LD_PRELOAD": str(FAKETIME),
        "FAKETIME_TIMESTAMP_FILE": str(clock_file(name)),
        # re-read once the second (of real time) has changed: libfaketime's cache is kept while
        # whole seconds since the last read do not exceed this, so 1 would be up to 2 s late
        "FAKETIME_CACHE_DURATION": "0",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
    }


def jump_clock(name: str, seconds: float) -> None:
    """From now on (within a second) the child's wall clock is `seconds` off the true one."""
    path = clock_file(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    spec = f"{seconds:+.0f}" if seconds == int(seconds) else f"{seconds:+.3f}"
    staged = path.with_suffix(".new")
    staged.write_text(spec + "\n")
    staged.replace(path)  # a reader never sees a half-written offset


def reset_clock(name: str) -> None:
    jump_clock(name, 0)


def _forget_dead_faketime_state() -> None:
    """libfaketime leaves a shared memory segment and a semaphore per process in /dev/shm,
    even on a clean exit; drop those of processes that are gone."""
    for entry in Path("/dev/shm").glob("*faketime_s*_*"):  # noqa: S108
        pid = entry.name.rpartition("_")[2]
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            entry.unlink(missing_ok=True)
