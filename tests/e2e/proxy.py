"""A real reverse proxy terminating TLS in front of frizon's instances, as a production
webhook has: nginx from Debian with the site file the deployment guide installs
(deploy/nginx/frizon.conf), run by the test on a free port with a certificate the test
made, passing each request to one of the instances (and to the next when one is down)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.tls import Certificate, self_signed_certificate

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
REQUIRE_NGINX = os.environ.get("FRIZON_TEST_REQUIRE_NGINX") == "1"

SITE = Path(__file__).parents[2] / "deploy" / "nginx" / "frizon.conf"
# The main configuration around the site file: a foreground nginx whose files all live in
# the test's folder.
MAIN = """
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""


def site_for(upstream_ports: Sequence[int], port: int, certificate: Certificate) -> str:
    """The shipped site file with its marked lines set for this test, and nothing else
    changed, so what the deployment guide installs is what the tests run."""
    instances = "".join(f"    server 127.0.0.1:{p} max_fails=0;\n" for p in upstream_ports)
    marked = {
        "listen": f"    listen 127.0.0.1:{port} ssl;\n",
        "server name": "    server_name localhost;\n",
        "certificate": f"    ssl_certificate {certificate.cert};\n",
        "key": f"    ssl_certificate_key {certificate.key};\n",
    }
    lines, found = [], set()
    for line in SITE.read_text().splitlines(keepends=True):
        mark = line.partition("# frizon: ")[2].strip()
        if mark == "instances":
            if mark not in found:
                lines.append(instances)
        elif mark:
            lines.append(marked[mark])
        else:
            lines.append(line)
        if mark:
            found.add(mark)
    missing = {"instances", *marked} - found
    assert not missing, f"{SITE} lost its marked lines: {sorted(missing)}"
    return "".join(lines)


@dataclass(frozen=True)
class Proxy:
    url: str  # the public webhook address, https
    certificate: Certificate


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def tls_proxy(folder: Path, upstream_ports: Sequence[int]) -> Iterator[Proxy]:
    """nginx on a free port, https://127.0.0.1:<port>/telegram to the given ports."""
    if not Path(NGINX).exists():
        message = "proxy test skipped: no nginx (apt install nginx-light)"
        if REQUIRE_NGINX:
            pytest.fail(message)
        pytest.skip(message)
    folder.mkdir(parents=True, exist_ok=True)
    certificate = self_signed_certificate(folder)
    port = free_port()
    site = folder / "frizon.conf"
    site.write_text(site_for(upstream_ports, port, certificate))
    config = folder / "nginx.conf"
    config.write_text(MAIN.format(folder=folder, site=site))
    with (folder / "stderr.log").open("wb") as stderr:  # nginx keeps its own copy
        process = subprocess.Popen(
            [NGINX, "-p", str(folder), "-c", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        _wait_until_listening(port, process, folder)
        yield Proxy(f"https://127.0.0.1:{port}/telegram", certificate)
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            logs = [folder / "stderr.log", folder / "error.log"]
            said = "".join(log.read_text() for log in logs if log.exists())
            raise RuntimeError(f"nginx did not start: {said}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("nginx did not listen within 10 s")
