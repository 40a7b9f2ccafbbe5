"""The gateway as a local nginx process, from the same template docker-compose uses."""

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from hourbank_stack.topology import API_PORTS

REPO = Path(__file__).resolve().parents[3]
TEMPLATE = REPO / "deploy/gateway/hourbank.conf.template"
CONSOLE = REPO / "console/dist"
"""The admin console's built files, committed, served at /admin/ (docs/console.md)."""
_VARIABLE = re.compile(r"\$\{([A-Z_]+)\}")


class GatewayError(RuntimeError):
    pass


def render(template: str, values: dict[str, str]) -> str:
    """Substitute `${NAME}` for the given names only; nginx's own `$variables` stay."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise GatewayError(f"the gateway template needs ${{{name}}}, which is not set")
        return values[name]

    return _VARIABLE.sub(value, template)


def local_values(port: int, host: str = "127.0.0.1") -> dict[str, str]:
    values = {f"{service.upper()}_API": f"{host}:{p}" for service, p in API_PORTS.items()}
    values["GATEWAY_LISTEN"] = f"{host}:{port}"
    values["CONSOLE_ROOT"] = str(CONSOLE)
    return values


def balanced(server: str, upstreams: dict[str, list[str]]) -> str:
    """The rendered configuration with each service's upstream listing all its API replicas
    (`hourbank up --replicas`): nginx balances round robin and, on a refused connection, passes
    the request to the next replica (proxy_next_upstream's default), so a killed replica costs
    no request."""
    for service, addresses in upstreams.items():
        line = re.compile(rf"(upstream {service}_api\s*\{{)\s*server \S+\s+max_fails=0;")
        servers = "".join(f" server {address} max_fails=0;" for address in addresses)
        server, found = line.subn(_with(servers), server)
        if found != 1:
            raise GatewayError(f"the gateway template has no single upstream {service}_api")
    return server


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
    )
    if found is None:
        raise GatewayError(
            "nginx not found; the gateway is a local nginx. Install it: apt-get install -y nginx"
        )
    return found


def _with(servers: str) -> Callable[[re.Match[str]], str]:
    return lambda match: match.group(1) + servers


def write_config(prefix: Path, port: int, upstreams: dict[str, list[str]] | None = None) -> Path:
    """A complete nginx.conf under `prefix` (pid, temp files and logs inside it); `upstreams`:
    each service's API replicas (default: its one API on loopback)."""
    for sub in ("logs", "temp"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    server = balanced(render(TEMPLATE.read_text(), local_values(port)), upstreams or {})
    (prefix / "hourbank.conf").write_text(server)
    # As root, nginx's workers run as nobody: let them write their temporary files.
    user = ""
    if os.geteuid() == 0:
        user = "user nobody nogroup;\n"
        os.chmod(prefix / "temp", 0o777)  # noqa: S103 (nginx temp files, loopback only)
    config = prefix / "nginx.conf"
    config.write_text(
        f"""{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    client_body_temp_path {prefix}/temp/body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    keepalive_timeout 65;
    include {prefix}/hourbank.conf;
}}
"""
    )
    return config


def command(prefix: Path, port: int, upstreams: dict[str, list[str]] | None = None) -> list[str]:
    config = write_config(prefix, port, upstreams)
    return [nginx_binary(), "-p", str(prefix), "-c", str(config)]
