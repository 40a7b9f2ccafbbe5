"""The fault lab's network: each service process in its own network namespace, so the fault
campaign can cut one process off from Kafka or PostgreSQL, or make its link lossy and slow,
while the others run on.

Layout, all in 10.79.0.0/16 (addresses this machine owns, nothing routed elsewhere): the host
carries LAB_HOST (10.79.0.1/32) on `lo`; while it does, `infra/hb-infra` adds a Kafka listener
LAB on 10.79.0.1:19095 and PostgreSQL listens there too. Process i lives in namespace `hb<i>`
with veth `hbn<i>` = 10.79.<i>.2/24; the host end `hbh<i>` is 10.79.<i>.1/24 and the
namespace's default route, so both servers are reached over the pair, and the host reaches the
process at 10.79.<i>.2.

Why no netem: this kernel is built without sch_netem (CONFIG_NET_SCH_NETEM), so loss is an
nftables `numgen random` drop inside the namespace, and slowness a tbf rate limit on both ends
of the veth: a slow link, whose queue adds the delay. A cut is an nftables DROP, not a reject,
so connections hang as in a real partition instead of failing fast. Every rule lives in the
namespace (table `inet hblab`) or on the pair's host end: nothing global changes.
"""

import os
import re
import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

LAB_HOST = "10.79.0.1"
KAFKA_LAB_PORT = 19095
PG_PORT = int(os.environ.get("HOURBANK_PG_PORT", "55432"))
TARGETS = {"kafka": KAFKA_LAB_PORT, "postgres": PG_PORT}
Target = Literal["kafka", "postgres"]

SERVERS = ("api", "serve")
"""Commands whose HTTP server takes `--host` (metrics servers bind 0.0.0.0 already)."""
LOCAL_HOSTS = ("127.0.0.1", "localhost")
TABLE = "hblab"
QUEUE_MS = 1000
"""How long a packet may wait in a degraded link's tbf queue before it is dropped."""
TOOLS = {"ip": "iproute2", "tc": "iproute2", "nft": "nftables"}


class NetlabError(RuntimeError):
    """An `ip`, `tc` or `nft` command failed; the message names it and its stderr."""


@dataclass(frozen=True)
class Placement:
    """Where one process runs in the lab: its namespace, veth pair and addresses."""

    name: str
    index: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= 250:
            raise ValueError(f"lab index must be 1..250, got {self.index} ({self.name})")

    @property
    def netns(self) -> str:
        return f"hb{self.index}"

    @property
    def address(self) -> str:
        """The process's address, reachable from the host."""
        return f"10.79.{self.index}.2"

    @property
    def gateway(self) -> str:
        """The host end of the pair: the namespace's default route."""
        return f"10.79.{self.index}.1"

    @property
    def host_veth(self) -> str:
        return f"hbh{self.index}"

    @property
    def ns_veth(self) -> str:
        return f"hbn{self.index}"

    def argv(self, argv: list[str]) -> list[str]:
        """The command run inside the namespace; servers listen on all its addresses."""
        placed = ["ip", "netns", "exec", self.netns, *argv]
        if len(argv) > 1 and argv[1] in SERVERS:
            placed += ["--host", "0.0.0.0"]  # noqa: S104 - the namespace's own interfaces
        return placed

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """A copy of env that reaches Kafka and PostgreSQL at the lab address."""
        placed = dict(env)
        for key, value in env.items():
            if key.endswith("KAFKA_BOOTSTRAP_SERVERS"):
                placed[key] = f"{LAB_HOST}:{KAFKA_LAB_PORT}"
            elif key.endswith("DATABASE_URL"):
                placed[key] = _lab_url(value)
        placed["KAFKA_BOOTSTRAP_SERVERS"] = f"{LAB_HOST}:{KAFKA_LAB_PORT}"
        return placed


def _lab_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.hostname not in LOCAL_HOSTS:
        return url
    user, at, host_port = parts.netloc.rpartition("@")
    _, colon, port = host_port.partition(":")
    return urlunsplit(parts._replace(netloc=f"{user}{at}{LAB_HOST}{colon}{port}"))


def placement(name: str, index: int) -> Placement:
    """The process's place in the lab, without creating anything."""
    return Placement(name, index)


def unavailable() -> str | None:
    """Why the lab cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "the fault lab needs root (network namespaces, nftables, tc)"
    missing = sorted({TOOLS[tool] for tool in TOOLS if shutil.which(tool) is None})
    if missing:
        return f"the fault lab needs {', '.join(missing)} (apt-get install {' '.join(missing)})"
    return None


def _run(*argv: str, stdin: str | None = None, timeout: float = 30) -> str:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        raise NetlabError(f"{argv[0]} not found ({unavailable()})") from None
    except subprocess.TimeoutExpired:
        raise NetlabError(f"`{' '.join(argv)}` did not finish in {timeout:.0f}s") from None
    if done.returncode != 0:
        raise NetlabError(
            f"`{' '.join(argv)}` failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip()}"
        )
    return done.stdout


def _lab_host_present() -> bool:
    return f" {LAB_HOST}/" in _run("ip", "-4", "-o", "addr", "show", "dev", "lo")


def _listening(port: int) -> bool:
    try:
        with socket.create_connection((LAB_HOST, port), timeout=2):
            return True
    except OSError:
        return False


def prepare_host(infra: Path) -> None:
    """Put the lab address on lo and have Kafka and PostgreSQL listen there (restarting them
    once, as hb-infra adds the listeners only when it writes their configs). Idempotent."""
    if not _lab_host_present():
        _run("ip", "addr", "add", f"{LAB_HOST}/32", "dev", "lo")
    for target, command in (("postgres", "pg"), ("kafka", "kafka")):
        port = TARGETS[target]
        if not _listening(port):
            _run(str(infra), "restart", command, timeout=600)
        if not _listening(port):
            raise NetlabError(f"{target} does not listen on {LAB_HOST}:{port} after a restart")


def _namespaces() -> list[str]:
    return [line.split()[0] for line in _run("ip", "netns", "list").splitlines() if line.strip()]


def _links() -> list[str]:
    """The host's interface names (a veth shows as `name@peer`)."""
    out = _run("ip", "-o", "link", "show")
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines() if line]


def _remove(netns: str, host_veth: str) -> None:
    if host_veth in _links():
        _run("ip", "link", "del", host_veth)  # deletes its peer too
    if netns in _namespaces():
        _run("ip", "netns", "del", netns)


def place(name: str, index: int) -> Placement:
    """Create the process's namespace and veth pair afresh (a placement already there is
    removed first, faults and all); call it before the process starts, not on its restarts."""
    p = Placement(name, index)
    _remove(p.netns, p.host_veth)
    _run("ip", "netns", "add", p.netns)
    _run("ip", "link", "add", p.host_veth, "type", "veth", "peer", "name", p.ns_veth)
    _run("ip", "link", "set", p.ns_veth, "netns", p.netns)
    _run("ip", "addr", "add", f"{p.gateway}/24", "dev", p.host_veth)
    _run("ip", "link", "set", p.host_veth, "up")
    inside = ("ip", "-n", p.netns)
    _run(*inside, "link", "set", "lo", "up")
    _run(*inside, "addr", "add", f"{p.address}/24", "dev", p.ns_veth)
    _run(*inside, "link", "set", p.ns_veth, "up")
    _run(*inside, "route", "add", "default", "via", p.gateway)
    return p


def teardown() -> None:
    """Remove every lab namespace and veth and the lab address (safe when nothing exists)."""
    for link in _links():
        if re.fullmatch(r"hbh\d+", link):
            _run("ip", "link", "del", link)
    for netns in _namespaces():
        if re.fullmatch(r"hb\d+", netns):
            _run("ip", "netns", "del", netns)
    if _lab_host_present():
        _run("ip", "addr", "del", f"{LAB_HOST}/32", "dev", "lo")


def _nft(p: Placement, script: str) -> None:
    """Apply script in the namespace after (re)building the lab table's frame: the cut ports
    set and the loss chains keep their contents, the hooks' rules are written anew. One
    transaction, so a repeated call changes nothing."""
    frame = f"""
add table inet {TABLE}
add set inet {TABLE} cut {{ type inet_service; }}
add chain inet {TABLE} loss_out
add chain inet {TABLE} loss_in
add chain inet {TABLE} output {{ type filter hook output priority 0; policy accept; }}
add chain inet {TABLE} input {{ type filter hook input priority 0; policy accept; }}
flush chain inet {TABLE} output
flush chain inet {TABLE} input
add rule inet {TABLE} output ip daddr {LAB_HOST} tcp dport @cut drop
add rule inet {TABLE} output oifname "{p.ns_veth}" jump loss_out
add rule inet {TABLE} input ip saddr {LAB_HOST} tcp sport @cut drop
add rule inet {TABLE} input iifname "{p.ns_veth}" jump loss_in
"""
    _run("ip", "netns", "exec", p.netns, "nft", "-f", "-", stdin=frame + script)


def cut(p: Placement, target: Target) -> None:
    """Drop every packet between the process and Kafka or PostgreSQL, both ways."""
    _nft(p, f"add element inet {TABLE} cut {{ {TARGETS[target]} }}\n")


def degrade(p: Placement, loss_percent: float, rate_kbit: int) -> None:
    """Lose loss_percent of the packets in each direction and limit the link to rate_kbit
    each way (0: no limit). Replaces an earlier degrade."""
    if not 0 <= loss_percent <= 100 or rate_kbit < 0:
        raise ValueError(f"loss 0..100 % and a rate >= 0 kbit/s, got {loss_percent}, {rate_kbit}")
    script = f"flush chain inet {TABLE} loss_out\nflush chain inet {TABLE} loss_in\n"
    threshold = round(loss_percent * 100)  # out of 10000: steps of 0.01 %
    lose = "drop" if threshold >= 10000 else f"numgen random mod 10000 < {threshold} drop"
    if threshold:
        for chain in ("loss_out", "loss_in"):
            script += f"add rule inet {TABLE} {chain} {lose}\n"
    _nft(p, script)
    if not rate_kbit:
        _unshape(p)
        return
    # the bucket: 20 ms at the rate, and never less than two full frames
    burst = max(3000, rate_kbit * 1000 // 8 // 50)
    tbf = ["tbf", "rate", f"{rate_kbit}kbit", "burst", str(burst), "latency", f"{QUEUE_MS}ms"]
    _run("tc", "qdisc", "replace", "dev", p.host_veth, "root", *tbf)
    _run("ip", "netns", "exec", p.netns, "tc", "qdisc", "replace", "dev", p.ns_veth, "root", *tbf)


def _unshape(p: Placement) -> None:
    inside = ["ip", "netns", "exec", p.netns]
    for prefix, dev in ([], p.host_veth), (inside, p.ns_veth):
        if " tbf " in _run(*prefix, "tc", "qdisc", "show", "dev", dev, "root"):
            _run(*prefix, "tc", "qdisc", "del", "dev", dev, "root")


def heal(p: Placement) -> None:
    """Undo every cut and degrade of the process (nothing to undo is fine)."""
    if p.netns not in _namespaces():
        return
    tables = _run("ip", "netns", "exec", p.netns, "nft", "list", "tables")
    if f"table inet {TABLE}" in tables.splitlines():
        _run("ip", "netns", "exec", p.netns, "nft", "delete", "table", "inet", TABLE)
    _unshape(p)
