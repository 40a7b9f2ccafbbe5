"""The gateway's template: every route of the topology, rendered for the local nginx."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from hourbank_stack import gateway
from hourbank_stack.topology import API_PORTS, ROUTES, SERVICES


def test_only_the_named_variables_are_substituted_and_nginx_variables_stay() -> None:
    text = "listen ${GATEWAY_LISTEN}; proxy_set_header X-Request-ID $request_id;"
    rendered = gateway.render(text, {"GATEWAY_LISTEN": "127.0.0.1:1"})
    assert rendered == "listen 127.0.0.1:1; proxy_set_header X-Request-ID $request_id;"


def test_a_variable_without_a_value_is_an_error_naming_it() -> None:
    with pytest.raises(gateway.GatewayError, match=r"\$\{NOPE\}"):
        gateway.render("${NOPE}", {})


def test_every_prefix_goes_to_its_service_and_nowhere_else() -> None:
    template = gateway.TEMPLATE.read_text()
    routed: dict[str, str] = {}
    for alternatives, upstream in re.findall(
        r"location ~ \^/v1/\(?([a-z|/-]+)\)?\(/\|\$\)\s+\{ proxy_pass http://([a-z]+)_api; \}",
        template,
    ):
        for name in alternatives.split("|"):
            routed[f"/v1/{name}"] = upstream
    assert routed == ROUTES


def test_each_service_has_its_docs_and_openapi_routes() -> None:
    template = gateway.TEMPLATE.read_text()
    for service in SERVICES:
        assert f"location = /{service}/docs " in template
        assert f"location = /{service}/openapi.json " in template


def test_local_values_point_at_each_api_port() -> None:
    values = gateway.local_values(8080)
    assert values["GATEWAY_LISTEN"] == "127.0.0.1:8080"
    for service, port in API_PORTS.items():
        assert values[f"{service.upper()}_API"] == f"127.0.0.1:{port}"


@pytest.mark.skipif(
    shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(),
    reason="nginx is not installed",
)
def test_nginx_accepts_the_rendered_configuration(tmp_path: Path) -> None:
    command = gateway.command(tmp_path, 18080)
    result = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
