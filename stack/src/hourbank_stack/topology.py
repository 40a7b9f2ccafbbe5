"""What HourBank runs: every service's processes, their ports, and the gateway's routes.

The one description the local run, docker-compose and the Kubernetes manifests are checked
against (`tests/deploy`), so a process, port or route cannot drift between them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace

from hourbank_shared.topics import SERVICES as SERVICES

API_PORTS = {"requests": 8001, "escrow": 8002, "disputes": 8003, "notifications": 8004}
"""Each service's `api_port` default (its settings class)."""

METRICS_PORTS = {"requests": 9101, "escrow": 9102, "disputes": 9103, "notifications": 9104}
"""Each service's `metrics_port`: its consumer's; the relay adds 100, other workers 200."""

GATEWAY_PORT = 8080

ROUTES: dict[str, str] = {
    "/v1/members": "requests",
    "/v1/offerings": "requests",
    "/v1/requests": "requests",
    "/v1/accounts": "escrow",
    "/v1/escrows": "escrow",
    "/v1/ledger": "escrow",
    "/v1/disputes": "disputes",
    "/v1/reports": "disputes",  # moderation (docs/moderation.md)
    "/v1/notifications": "notifications",
    # each service serves its own consumer's dead letters (hourbank_shared.dlq_api)
    "/v1/dead-letters/requests": "requests",
    "/v1/dead-letters/escrow": "escrow",
    "/v1/dead-letters/disputes": "disputes",
    "/v1/dead-letters/notifications": "notifications",
}
"""SPEC §7: the gateway sends each prefix (and everything below it) to one service."""


@dataclass(frozen=True)
class Role:
    """One kind of process of a service: `hourbank-<service> <command>`."""

    service: str
    command: str
    scalable: bool
    """May run as several replicas at once (the others hold a lock or a partition set)."""
    why: str
    replica: int = 1
    """Which of the role's replicas (`hourbank up --replicas`); the first keeps the plain name
    and ports, the n-th adds `-n` to its name and REPLICA_PORT_STRIDE × (n - 1) to its ports."""

    @property
    def name(self) -> str:
        plain = f"{self.service}-{self.command}"
        return plain if self.replica == 1 else f"{plain}-{self.replica}"

    @property
    def argv(self) -> list[str]:
        return [f"hourbank-{self.service}", self.command]

    @property
    def port(self) -> int:
        """The port it listens on: the API's, or the worker's metrics port."""
        if self.command in ("api", SERVE):
            return API_PORTS[self.service] + self.offset
        base = self.base_metrics_port
        if self.command in ("consume", "worker"):
            return base
        return base + (100 if self.command == "relay" else 200)

    @property
    def base_metrics_port(self) -> int:
        """This replica's `metrics_port` setting (the relay adds 100 to it, other workers 200)."""
        return METRICS_PORTS[self.service] + self.offset

    @property
    def offset(self) -> int:
        return REPLICA_PORT_STRIDE * (self.replica - 1)

    @property
    def metrics_port(self) -> int:
        """Where Prometheus scrapes it: `serve` has its loops' metrics on the service's metrics
        port (its API serves the same registry; scraping both would count everything twice)."""
        return self.base_metrics_port if self.command == SERVE else self.port


_API = "stateless; scale on CPU"
_CONSUMER = "a consumer group: replicas share the topics' partitions"
_RELAY = "one active relay per service (advisory lock + transactional id); others wait"

ROLES: tuple[Role, ...] = (
    Role("requests", "api", True, _API),
    Role("requests", "consume", True, _CONSUMER),
    Role("requests", "relay", False, _RELAY),
    Role("requests", "deadlines", True, "takes due requests with FOR UPDATE SKIP LOCKED"),
    Role("escrow", "api", True, _API),
    Role("escrow", "consume", True, _CONSUMER),
    Role("escrow", "relay", False, _RELAY),
    Role("escrow", "reconcile", False, "one periodic check is enough; replicas only repeat it"),
    Role("disputes", "api", True, _API),
    Role("disputes", "consume", True, _CONSUMER),
    Role("disputes", "relay", False, _RELAY),
    Role("notifications", "api", True, _API),
    Role("notifications", "worker", True, "a faust worker in the notifications consumer group"),
    Role("notifications", "relay", False, _RELAY),
)


SERVE = "serve"

COMBINED_ROLES: tuple[Role, ...] = tuple(
    Role(service, SERVE, True, "API, consumer, relay and workers as threads of one process")
    for service in SERVICES
)
"""`hourbank up --combined`: one process per service (`hourbank-<service> serve`), for a small
machine. Kubernetes and compose run ROLES, each scaled on its own."""


REPLICA_PORT_STRIDE = 20
MAX_REPLICAS = 4
"""Replica n of a role listens on its ports + 20 × (n - 1): 4 replicas stay clear of the gateway
(8080) and of the next block of metrics ports (+100)."""

REPLICATED = ("api", "consume", "worker", "deadlines", "relay", SERVE)
"""The commands `--replicas` multiplies. A relay's extra replicas stand by for its lock; the
reconciliation stays one (a second would only repeat the same check)."""


def parse_replicas(text: str) -> dict[str, int]:
    """`--replicas`: `N` for every command in REPLICATED, or `api=3,consume=2` per command (the
    others one)."""
    if text.isdigit():
        counts = dict.fromkeys(REPLICATED, int(text))
    else:
        counts = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            command, _, value = part.partition("=")
            if command not in REPLICATED or not value.isdigit():
                raise ValueError(
                    f"--replicas: {part!r} is not N or <command>=N with command one of "
                    + ", ".join(REPLICATED)
                )
            counts[command] = int(value)
    for command, count in counts.items():
        if not 1 <= count <= MAX_REPLICAS:
            raise ValueError(f"--replicas: {command}={count}: between 1 and {MAX_REPLICAS}")
    return counts


def roles(combined: bool, replicas: Mapping[str, int] | None = None) -> tuple[Role, ...]:
    """Every process to run: each role once, or as many times as `replicas` says per command."""
    counts = replicas or {}
    base = COMBINED_ROLES if combined else ROLES
    return tuple(
        replace(r, replica=n) for r in base for n in range(1, counts.get(r.command, 1) + 1)
    )


def role(name: str) -> Role:
    for candidate in ROLES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no process {name!r}; known: {', '.join(r.name for r in ROLES)}")
