"""Docker cannot run here, so the Dockerfile and compose file are checked for what can be checked:
the files they copy and mount exist, the command is the documented CLI, the image is non-root and
healthchecked, compose services and settings are real. The compose proxy's nginx.conf is read
for WebSocket upgrades and unbuffered streams, and where nginx is installed it is run in front of
a live server: a stream and a WebSocket go through it."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import shutil
import socket
import subprocess
import tomllib
from pathlib import Path

import httpx
import pytest
import yaml
from openai import OpenAI

from responses_mock.cli import _parser
from responses_mock.config import Settings
from responses_mock.testing.server import free_port
from tests.conftest import new_key
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_dockerfile_copies_what_exists_and_runs_the_cli():
    instructions = dockerfile()
    assert sum(1 for op, _ in instructions if op == "FROM") >= 2  # multi-stage
    ignored = (ROOT / ".dockerignore").read_text().split()
    for op, args in instructions:
        if op == "COPY" and "--from" not in args:
            *sources, _dest = shlex.split(args)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
                assert source not in ignored, f"COPY {source} is excluded by .dockerignore"
    cmd = next(args for op, args in reversed(instructions) if op == "CMD")
    argv = yaml.safe_load(cmd)  # the exec form is a JSON array
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert argv[0] in scripts and scripts[argv[0]] == "responses_mock.cli:main"
    _parser().parse_args(argv[1:])  # a command the CLI accepts
    user = next(args for op, args in instructions if op == "USER")
    assert user not in ("root", "0")
    health = next(args for op, args in instructions if op == "HEALTHCHECK")
    assert "/health" in health
    env = " ".join(args for op, args in instructions if op == "ENV")
    for name in re.findall(r"RESPONSES_MOCK_(\w+)=", env):
        assert name.lower() in Settings.model_fields
    assert "EXPOSE" in dict(instructions) and dict(instructions)["EXPOSE"].strip() == "8000"
    assert any(op == "COPY" and args.split()[0] == "migrations" for op, args in instructions)
    installs = [args for op, args in instructions if op == "RUN" and "pip install" in args]
    assert installs and not any(re.search(r"pip install[^&]* -e\b", args) for args in installs), \
        "the image installs the package normally, never editable"
    assert any(re.search(r"pip install --no-deps \.(\s|$)", args) for args in installs)


def test_compose_services_mounts_and_settings_are_real():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "server", "proxy"} <= set(services)
    for name, service in services.items():
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
            if (service["depends_on"][dependency] or {}).get("condition") == "service_healthy":
                assert "healthcheck" in services[dependency] or "build" in services[dependency]
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in (compose.get("volumes") or {}), f"{name} uses undeclared volume {source}"
        for key in service.get("environment", {}):
            if key.startswith("RESPONSES_MOCK_"):
                assert key.removeprefix("RESPONSES_MOCK_").lower() in Settings.model_fields, key
    server = services["server"]
    assert (ROOT / server["build"] / "Dockerfile").exists()
    assert server["deploy"]["replicas"] >= 2
    url = server["environment"]["RESPONSES_MOCK_DATABASE_URL"]
    assert url.startswith("postgresql+asyncpg://") and "@postgres:5432/" in url
    pg = services["postgres"]["environment"]
    assert f"{pg['POSTGRES_USER']}:{pg['POSTGRES_PASSWORD']}@postgres:5432/{pg['POSTGRES_DB']}" in url
    # The connection budget: every replica's most, times the README's --scale 4, fits with room.
    command = services["postgres"]["command"]
    allowed = int(next(a.split("=", 1)[1] for a in command if a.startswith("max_connections=")))
    per_process = int(server["environment"]["RESPONSES_MOCK_DB_MAX_CONNECTIONS"])
    assert per_process * 4 * 2 <= allowed, (per_process, allowed)
    nginx = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "http://server:8000" in nginx and "proxy_buffering off" in nginx


def nginx_blocks() -> dict[str, str]:
    """The proxy config's top-level `map` and each `location`, by what follows the keyword."""
    text = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    return {m.group(1).strip(): m.group(2) for m in re.finditer(r"((?:map|location)[^{]*)\{((?:[^{}]|\{[^{}]*\})*)\}", text)}


def test_the_proxy_forwards_websocket_upgrades_and_streams_unbuffered():
    blocks = nginx_blocks()
    mapping = blocks["map $http_upgrade $connection_upgrade"]
    assert re.search(r"default\s+upgrade;", mapping) and re.search(r'""\s+"?"?;', mapping)
    responses = blocks["location = /v1/responses"]  # create and WebSocket mode share the path
    assert "proxy_set_header Upgrade $http_upgrade;" in responses
    assert "proxy_set_header Connection $connection_upgrade;" in responses
    assert "proxy_http_version 1.1;" in responses
    for location in ("location /", "location = /v1/responses"):
        assert "proxy_buffering off;" in blocks[location], location  # SSE as it is written
        assert re.search(r"proxy_read_timeout\s+1h;", blocks[location]), location


NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)


def nginx_main(tmp_path: Path, upstream: str, port: int) -> Path:
    """deploy/nginx.conf in a main config of its own, aimed at `upstream` instead of compose's
    `server` replicas (and Docker's resolver), listening on `port`."""
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("http://server:8000", upstream).replace("listen 8000;", f"listen 127.0.0.1:{port};")
    site = re.sub(r"^resolver [^;]*;", "", site, flags=re.M)
    (tmp_path / "site.conf").write_text(site)
    main = tmp_path / "nginx.conf"
    # As root, workers run as `nobody`, who cannot reach tmp_path to buffer a large body: run them as root.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(f"""{user}pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log warn;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body; proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi; uwsgi_temp_path {tmp_path}/uwsgi; scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
""")
    return main


@contextlib.contextmanager
def nginx_in_front(tmp_path: Path, server) -> str:
    """deploy/nginx.conf run in front of `server`; its URL."""
    port = free_port()
    main = nginx_main(tmp_path, server.url, port)
    checked = subprocess.run([NGINX, "-t", "-c", str(main), "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen([NGINX, "-c", str(main), "-e", str(tmp_path / "error.log"), "-g", "daemon off;"],
                             stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{url}/health", timeout=1).status_code == 200
            return False
        wait_until(up, timeout=10, what="nginx in front of the server")
        yield url
    finally:
        proxy.terminate()
        proxy.wait(timeout=10)


NEEDS_NGINX = pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx-light): "
                                 "config read only")


@NEEDS_NGINX
def test_nginx_accepts_the_config_and_carries_a_stream_and_a_websocket(tmp_path, make_server):
    server = make_server("sqlite")
    with nginx_in_front(tmp_path, server) as url:
        key = new_key()
        with OpenAI(base_url=f"{url}/v1", api_key=key, max_retries=0) as sdk:
            events = list(sdk.responses.create(model="gpt-4.1", input="Two sentences on tides.", stream=True))
            assert events[-1].type == "response.completed"
            with sdk.responses.connect() as conn:  # the upgrade, through the proxy
                conn.response.create(model="gpt-4.1", input="Name a bird.")
                final = next(e for e in conn if e.type == "response.completed").response
            assert sdk.responses.retrieve(final.id).output_text == final.output_text
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}) as admin:
            methods = [e["method"] for e in admin.get("/__admin/requests", params={"order": "asc"}).json()["data"]]
        assert methods == ["POST", "WS", "GET"]


def test_the_proxy_takes_the_bodies_the_server_takes():
    """nginx's default client_max_body_size (1m) answered any larger upload with its own HTML 413."""
    site = re.sub(r"#[^\n]*", "", (ROOT / "deploy" / "nginx.conf").read_text())
    [size] = re.findall(r"client_max_body_size\s+(\d+)m;", site)
    assert int(size) << 20 == Settings.model_fields["max_body_bytes"].default
    assert "error_page 413 = @too_large;" in site and f"at most {int(size) << 20:,} bytes" in site


@NEEDS_NGINX
def test_an_upload_over_a_megabyte_goes_through_the_proxy_and_a_body_too_large_is_refused_in_the_envelope(
        tmp_path, make_server):
    server = make_server("sqlite")
    data = b"zebra port 4242\n" * (3 << 16)  # 3 MiB
    with nginx_in_front(tmp_path, server) as url, \
            OpenAI(base_url=f"{url}/v1", api_key=new_key(), max_retries=0) as sdk:
        uploaded = sdk.files.create(file=("big.txt", data, "text/plain"), purpose="assistants")
        assert uploaded.bytes == len(data) and sdk.files.content(uploaded.id).content == data
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=10) as raw:
            raw.sendall(b"POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
                        b"Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 80000000\r\n\r\n")
            head, _, rest = raw.recv(65536).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 413") and b"application/json" in head, head
        assert b'"code":"request_too_large"' in rest and b"75,497,472" in rest


# `make test` without a Postgres: the SQLite half alone, said once; under CI it stops. The machine's
# Postgres is left alone: the script is run on a PATH without PostgreSQL's programs, aimed at a port
# nothing listens on.
TOOLS = ("bash", "sh", "env", "ls", "sort", "tail", "seq", "sleep", "cat", "make", "id", "dirname")


def bare_path(tmp_path: Path) -> str:
    bin_ = tmp_path / "bin"
    bin_.mkdir(exist_ok=True)
    for tool in TOOLS:
        if (found := shutil.which(tool)) and not (bin_ / tool).exists():
            (bin_ / tool).symlink_to(found)
    return str(bin_)


def ensure_postgres(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "scripts" / "ensure-postgres")], capture_output=True, text=True, timeout=30,
                          env={"PATH": bare_path(tmp_path), "HOME": str(tmp_path), **env})


def test_without_postgres_the_sqlite_half_runs_and_ci_fails(tmp_path):
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}"
    local = ensure_postgres(tmp_path, RESPONSES_MOCK_TEST_POSTGRES=closed)
    assert local.returncode == 2, local.stderr
    assert "SQLite half of the suite only" in local.stderr and "not installed" in local.stderr
    assert len(local.stderr.strip().splitlines()) == 1  # one clear message
    ci = ensure_postgres(tmp_path, RESPONSES_MOCK_TEST_POSTGRES=closed, CI="true")
    assert ci.returncode == 1 and "under CI" in ci.stderr
    # A server that answers is enough, even without PostgreSQL's programs (the suite's driver is asyncpg).
    with socket.create_server(("127.0.0.1", 0)) as listener:
        url = f"postgresql+asyncpg://postgres@127.0.0.1:{listener.getsockname()[1]}"
        listening = ensure_postgres(tmp_path, RESPONSES_MOCK_TEST_POSTGRES=url, CI="true")
    assert listening.returncode == 0, listening.stderr


def test_make_test_runs_the_sqlite_half_when_the_script_says_so(tmp_path):
    """The recipe itself, with a stand-in Python that prints its arguments and no Postgres."""
    fake = tmp_path / "python"
    fake.write_text('#!/bin/sh\necho "pytest-args: $*"\n')
    fake.chmod(0o755)
    path = bare_path(tmp_path)
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}"
    stamps = ["-o", "lint", "-o", ".venv/.test-stamp", "-o", "tests/node/node_modules/.installed-stamp"]

    def run(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", "-s", *stamps, "test", f"PY={fake}", "PYTEST_ARGS=-x"], cwd=ROOT,
                              capture_output=True, text=True, timeout=60,
                              env={"PATH": path, "HOME": str(tmp_path), "RESPONSES_MOCK_TEST_POSTGRES": closed, **env})

    local = run()
    assert local.returncode == 0, local.stderr
    assert "pytest-args: -m pytest -q -m not postgres -x" in local.stdout
    ci = run(CI="true")
    assert ci.returncode != 0 and "pytest-args" not in ci.stdout
