"""What HourBank runs: every service's processes, their ports, and the gateway's routes.

The one description the local run, docker-compose and the Kubernetes manifests are checked
against (`tests/deploy`), so a process, port or route cannot drift between them.
"""

from dataclasses import dataclass

SERVICES = ("requests", "escrow", "disputes", "notifications")

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

    @property
    def name(self) -> str:
        return f"{self.service}-{self.command}"

    @property
    def argv(self) -> list[str]:
        return [f"hourbank-{self.service}", self.command]

    @property
    def port(self) -> int:
        """The port it listens on: the API's, or the worker's metrics port."""
        if self.command in ("api", SERVE):
            return API_PORTS[self.service]
        base = METRICS_PORTS[self.service]
        if self.command in ("consume", "worker"):
            return base
        return base + (100 if self.command == "relay" else 200)

    @property
    def metrics_port(self) -> int:
        """Where Prometheus scrapes it: `serve` has its loops' metrics on the service's metrics
        port (its API serves the same registry; scraping both would count everything twice)."""
        return METRICS_PORTS[self.service] if self.command == SERVE else self.port


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


def roles(combined: bool) -> tuple[Role, ...]:
    return COMBINED_ROLES if combined else ROLES


def role(name: str) -> Role:
    for candidate in ROLES:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no process {name!r}; known: {', '.join(r.name for r in ROLES)}")
