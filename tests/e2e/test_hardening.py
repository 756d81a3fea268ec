"""Issue 22, invariants 5 and 6: idle and slow sockets are closed in bounded time and cannot take
every descriptor; WebSockets are capped; secrets never reach a log line; the inspector is served
with a strict CSP and loads no remote image; a Host allow-list refuses DNS-rebinding requests;
fault rules cannot inject framing headers or header lines."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import re
import resource
import shutil
import socket
import struct
import sys
import time
import uuid
import zlib
from pathlib import Path

import httpx
import pytest
import websockets.sync.client as ws_client
import yaml
from websockets.exceptions import InvalidStatus

from responses_mock import cli
from responses_mock.config import Settings
from responses_mock.connections import DESCRIPTOR_HEADROOM, default_max_connections
from responses_mock.hosts import HostPolicy
from responses_mock.redaction import RedactSecrets
from tests.conftest import new_key
from tests.polling import wait_until

ROOT = Path(__file__).resolve().parents[2]


# -- connections: the header deadline, the keep-alive one, the cap ---------------------------------

def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _is_closed(sock: socket.socket) -> bool:
    """The server closed this socket (EOF or reset); False while it is held open."""
    try:
        return sock.recv(1 << 16) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def _open_sockets(url: str, n: int, first_bytes: bytes = b"") -> list[socket.socket]:
    socks = []
    for _ in range(n):
        sock = socket.create_connection(_address(url))
        if first_bytes:
            sock.sendall(first_bytes)
        sock.setblocking(False)
        socks.append(sock)
    return socks


def _health(url: str) -> int:
    return httpx.get(f"{url}/health", timeout=5).status_code


PARTIAL = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.mark.slow
def test_idle_and_slowloris_sockets_are_closed_within_the_header_timeout(make_server, spawn_server):
    proc = spawn_server(make_server.fresh_url("sqlite"), "timeouts", header_timeout=2, keep_alive_timeout=1)
    idle = _open_sockets(proc.url, 150)  # connect, then say nothing
    partial = _open_sockets(proc.url, 149, PARTIAL)  # a header that never ends
    dribbler = _open_sockets(proc.url, 1, PARTIAL)[0]  # a byte now and then: activity is no excuse
    kept_alive = socket.create_connection(_address(proc.url))
    kept_alive.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert kept_alive.recv(1 << 16).startswith(b"HTTP/1.1 200")
    kept_alive.setblocking(False)
    every = idle + partial + [dribbler, kept_alive]
    try:
        assert _health(proc.url) == 200  # answered while all of them are open
        open_ = set(range(len(every)))

        def all_closed() -> bool:
            with contextlib.suppress(OSError):
                dribbler.send(b"a")
            open_.difference_update({i for i in open_ if _is_closed(every[i])})
            return not open_

        wait_until(all_closed, 2 + 8, 0.2, "every socket closed past the header timeout")
        assert _health(proc.url) == 200
    finally:
        for s in every:
            s.close()


@pytest.mark.slow
def test_idle_sockets_cannot_take_every_descriptor(make_server, spawn_server):
    """300 idle sockets against a process allowed 256 descriptors: the longest-idle are closed for
    newcomers (the cap), so /health still answers — before, accept() failed and it got nothing."""
    proc = spawn_server(make_server.fresh_url("sqlite"), "capped", header_timeout=60, max_connections=100)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.prlimit(proc.proc.pid, resource.RLIMIT_NOFILE, (256, hard))
    socks = _open_sockets(proc.url, 300)
    try:
        wait_until(lambda: sum(1 for s in socks if not _is_closed(s)) <= 100, 10, 0.1, "at most 100 sockets open")
        for _ in range(3):
            assert _health(proc.url) == 200
        assert "out of system resource" not in proc.log() and "Too many open files" not in proc.log()
    finally:
        for s in socks:
            s.close()


def test_the_default_cap_leaves_descriptors_for_the_rest():
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    expected = (1 << 20 if soft == resource.RLIM_INFINITY else soft) - DESCRIPTOR_HEADROOM
    assert default_max_connections() == max(expected, 16)


def _post_head(length: int) -> bytes:
    return (b"POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-body\r\n"
            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % length)


def _reply(sock: socket.socket) -> tuple[bytes, dict]:
    """The status line and the JSON body of one reply (content-length framed), read to its end."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(1 << 16) or b"EOF"
        assert not data.endswith(b"EOF"), data
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))
    while len(body) < length:
        chunk = sock.recv(1 << 16)
        assert chunk, (head, body)
        body += chunk
    return head.split(b"\r\n")[0], json.loads(body[:length])


@pytest.mark.slow
def test_a_stalled_body_gets_a_408_and_a_trickling_one_is_served(make_server, spawn_server):
    """The body's deadline is an idle one: a body that stops arriving is answered 408 in the error
    envelope and its connection closed; one that keeps coming, however slowly, is served whole."""
    proc = spawn_server(make_server.fresh_url("sqlite"), "body", body_timeout=1)
    body = json.dumps({"model": "gpt-4.1", "input": "Say hi in one word."}).encode()
    # A WebSocket's handshake has no body: the deadline never closes the socket it becomes.
    socket_ = ws_client.connect(proc.url.replace("http", "ws", 1) + "/v1/responses",
                                additional_headers={"Authorization": "Bearer sk-body"})
    with socket.create_connection(_address(proc.url), timeout=10) as stalled, \
            socket.create_connection(_address(proc.url), timeout=10) as trickle, contextlib.closing(socket_):
        stalled.sendall(_post_head(len(body)) + body[:10])  # and nothing more
        trickle.sendall(_post_head(len(body)))
        started = time.monotonic()
        for i in range(0, len(body), 8):  # ~2.5 s in all, never 1 s without a byte
            time.sleep(0.35)
            trickle.sendall(body[i:i + 8])
            assert _health(proc.url) == 200  # the loop serves everyone meanwhile
        status, served = _reply(trickle)
        assert time.monotonic() - started > 2 and status == b"HTTP/1.1 200 OK", (status, served)
        assert served["status"] == "completed" and served["output"][0]["content"][0]["text"]
        status, refused = _reply(stalled)
        assert status == b"HTTP/1.1 408 Request Timeout"
        assert refused == {"error": {"message": "The request body was not received in time: no byte of it arrived "
                                                "for 1 second.", "type": "invalid_request_error", "param": None,
                                     "code": "request_timeout"}}
        assert stalled.recv(1 << 16) == b""  # closed: the rest of that body belongs to no request
        socket_.send(json.dumps({"type": "response.create", "model": "gpt-4.1", "input": "Say hi in one word."}))
        while (event := json.loads(socket_.recv(timeout=10)))["type"] != "response.completed":
            assert event["type"] != "error", event
    assert _health(proc.url) == 200


@pytest.mark.slow
def test_an_oversized_header_is_refused_with_431(make_server, spawn_server):
    proc = spawn_server(make_server.fresh_url("sqlite"), "headers")
    with socket.create_connection(_address(proc.url), timeout=10) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
        assert sock.recv(1 << 16).startswith(b"HTTP/1.1 431")
    assert _health(proc.url) == 200


# -- WebSockets: a cap on open sockets, refused in the envelope, released on close --------------------

def test_websockets_past_the_cap_are_refused_with_a_429_and_released_on_close(make_server):
    server = make_server("sqlite", max_websockets=2)
    url = server.url.replace("http", "ws", 1) + "/v1/responses"
    auth = {"Authorization": f"Bearer {new_key()}"}
    first, second = ws_client.connect(url, additional_headers=auth), ws_client.connect(url, additional_headers=auth)
    try:
        with pytest.raises(InvalidStatus) as refused:
            ws_client.connect(url, additional_headers=auth)
        assert refused.value.response.status_code == 429
        error = json.loads(refused.value.response.body)["error"]
        assert error["code"] == "rate_limit_exceeded" and "WebSocket" in error["message"]
        assert refused.value.response.headers["retry-after"] == "1"
        first.close()
        # The server notices the close, then the slot is free again.
        third = wait_until(lambda: ws_client.connect(url, additional_headers=auth), 10, 0.1,
                           "a closed socket's slot released", ignore=(InvalidStatus,))
        with server.client() as sdk:  # HTTP is not counted
            assert sdk.models.list().data
        third.close()
    finally:
        second.close()


# -- secrets: never in a log line ------------------------------------------------------------------

def _wait_for(proc, needle: str) -> None:
    wait_until(lambda: needle in proc.log(), 10, 0.1, f"{needle!r} logged")


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_secret_reaches_the_log(make_server, spawn_server, log_format):
    token = f"tok-{uuid.uuid4().hex}"
    secret = f"sk-secret-{uuid.uuid4().hex}"
    proc = spawn_server(make_server.fresh_url("sqlite"), f"secrets-{log_format}", admin_token=token,
                        log_format=log_format)
    admin = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{proc.url}/__admin/requests", params={"api_key": secret}, headers=admin).status_code == 200
    httpx.get(f"{proc.url}/v1/models", params={"key": secret, "x": "1"}, headers={"Authorization": f"Bearer {secret}"})
    ws = proc.url.replace("http", "ws", 1) + f"/v1/responses?api_key={secret}"
    with ws_client.connect(ws, additional_headers={"Authorization": f"Bearer {secret}"}):
        pass
    httpx.get(f"{proc.url}/__marker")
    _wait_for(proc, "/__marker")
    log = proc.log()
    assert secret not in log and token not in log
    assert log.count("[redacted]") >= 3
    access = "/__admin/requests?api_key=[redacted]"
    if log_format == "json":
        lines = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
        assert any(e.get("path") == access for e in lines if e["logger"] == "uvicorn.access")
    else:
        assert access in log


def test_tracebacks_and_arguments_are_redacted_too():
    secret = f"sk-secret-{uuid.uuid4().hex}"
    try:
        raise ValueError(f"bad call with Authorization: Bearer {secret}")
    except ValueError:
        record = logging.LogRecord("responses_mock", logging.ERROR, __file__, 1, "calling %s with %r", (
            f"/x?api_key={secret}", {"key": secret}), sys.exc_info())
    assert RedactSecrets().filter(record)
    line = logging.Formatter().format(record)
    assert secret not in line and "[redacted]" in line and "ValueError" in line
    json_line = cli.JsonFormatter().format(record)
    assert secret not in json_line


def test_the_admin_token_help_points_to_the_env_var(capsys):
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert re.search(r"--admin-token ADMIN_TOKEN .*Prefer the env var.*shows in `ps`.*RESPONSES_MOCK_ADMIN_TOKEN", text)
    assert "RESPONSES_MOCK_ADMIN_TOKEN" in (ROOT / "README.md").read_text()


# -- Host allow-list -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def loopback(make_server):
    return make_server("sqlite")


def _get(url: str, host: str, path: str = "/health") -> httpx.Response:
    return httpx.get(url + path, headers={"Host": host, "Authorization": f"Bearer {new_key()}"}, timeout=10)


def test_a_loopback_server_answers_loopback_names_only(loopback):
    port = loopback.url.rsplit(":", 1)[1]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", "localhost", f"[::1]:{port}", f"app.localhost:{port}",
                 "127.0.0.2"):
        assert _get(loopback.url, host).status_code == 200, host
    for host in (f"evil.example:{port}", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example"):
        for path in ("/health", "/v1/models", "/__inspector/", "/__admin/whoami"):
            r = _get(loopback.url, host, path)
            assert r.status_code == 400, (host, path)
            assert r.json()["error"] == {"message": f"Invalid host header: '{host}' is not a host this server "
                                         "answers (see --allowed-hosts).", "type": "invalid_request_error",
                                         "param": "host", "code": "invalid_host"}


def test_a_websocket_handshake_with_a_foreign_host_is_refused(loopback):
    key = base64.b64encode(os.urandom(16))
    with socket.create_connection(_address(loopback.url), timeout=10) as sock:
        sock.sendall(b"GET /v1/responses HTTP/1.1\r\nHost: evil.example\r\nUpgrade: websocket\r\n"
                     b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key + b"\r\nSec-WebSocket-Version: 13\r\n"
                     b"Authorization: Bearer sk-x\r\n\r\n")
        reply = sock.recv(1 << 16)
    assert reply.startswith(b"HTTP/1.1 400") and b"invalid_host" in reply


def test_allowed_hosts_widen_the_list(make_server):
    server = make_server("sqlite", allowed_hosts="mock.test, .corp.example")
    for host in ("mock.test:8000", "corp.example", "api.corp.example", "localhost"):
        assert _get(server.url, host).status_code == 200, host
    for host in ("evil.example", "mock.test.evil.example", "xcorp.example"):
        assert _get(server.url, host).status_code == 400, host


def test_a_server_listening_beyond_loopback_answers_any_name_unless_told(make_server):
    public = make_server("sqlite", host="0.0.0.0")  # the setting decides; the test binds 127.0.0.1 anyway
    assert _get(public.url, "mock.example.com:8000").status_code == 200
    narrowed = make_server("sqlite", host="0.0.0.0", allowed_hosts="mock.example.com")
    assert _get(narrowed.url, "mock.example.com").status_code == 200
    assert _get(narrowed.url, "evil.example").status_code == 400


def test_allowed_hosts_from_the_env(monkeypatch):
    monkeypatch.setenv("RESPONSES_MOCK_ALLOWED_HOSTS", "a.test, b.test")
    assert Settings().allowed_hosts == ["a.test", "b.test"]


def test_the_compose_deployment_keeps_answering_behind_nginx():
    """nginx forwards the client's Host ($host); the replicas listen on 0.0.0.0, so any name passes,
    and the image's healthcheck (127.0.0.1) passes whatever the setting."""
    assert "proxy_set_header Host $host;" in (ROOT / "deploy" / "nginx.conf").read_text()
    env = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["server"]["environment"]
    policy = HostPolicy(env["RESPONSES_MOCK_HOST"], [h for h in env.get("RESPONSES_MOCK_ALLOWED_HOSTS", "").split(",")
                                                     if h])
    assert policy.allows("mock.example.com:8000") and policy.allows("127.0.0.1:8000")
    image_host = re.search(r"RESPONSES_MOCK_HOST=(\S+)", (ROOT / "Dockerfile").read_text()).group(1)
    assert HostPolicy(image_host, ["only.example"]).allows("127.0.0.1:8000")


# -- the inspector: CSP, no framing, no remote images -----------------------------------------------

def test_every_inspector_file_has_the_security_headers(loopback):
    for path in ("/__inspector", "/__inspector/", "/__inspector/static/inspector.js",
                 "/__inspector/static/inspector.css"):
        r = httpx.get(loopback.url + path, follow_redirects=False)
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "img-src 'self' data:" in csp and "default-src 'none'" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        assert r.headers["x-frame-options"] == "DENY" and r.headers["x-content-type-options"] == "nosniff"


def _png() -> str:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)) + chunk(
        b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b"")
    return "data:image/png;base64," + base64.b64encode(raw).decode()


CHROMIUM = os.environ.get("RESPONSES_MOCK_CHROMIUM", "/usr/bin/chromium")


@pytest.mark.browser
def test_the_inspector_shows_data_images_and_never_loads_remote_ones(loopback):
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which(CHROMIUM):  # pragma: no cover - make test installs it
        pytest.skip(f"no Chromium at {CHROMIUM}")
    key, data_url = new_key(), _png()
    remote = ["http://127.0.0.1:9/tracker.png?tenant=victim", "javascript:alert(document.domain)",
              "//tracker.example/pixel.gif"]
    with loopback.client(api_key=key) as sdk:
        r = sdk.responses.create(model="gpt-4.1", input=[{"role": "user", "content": [
            {"type": "input_text", "text": "What is in these?"},
            *({"type": "input_image", "image_url": url} for url in remote),
            {"type": "input_image", "image_url": data_url}]}])
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            fetched, violations = [], []
            page.on("request", lambda req: fetched.append(req.url))
            page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
            page.goto(f"{loopback.url}/__inspector")
            page.get_by_test_id("key").fill(key)
            page.get_by_test_id("use-key").click()
            sync_api.expect(page.get_by_test_id("scope")).to_contain_text("your key")
            page.click("#tabs button[data-tab=responses]")
            page.get_by_test_id("responses").locator(f"tr[data-id={r.id}]").click()
            sync_api.expect(page.get_by_test_id("response-status")).to_have_text("completed")
            placeholders = page.get_by_test_id("remote-image")
            sync_api.expect(placeholders).to_have_count(len(remote))
            for i, url in enumerate(remote):
                sync_api.expect(placeholders.nth(i)).to_contain_text(url)
                assert placeholders.nth(i).locator("a, img").count() == 0  # named, never linked
            sources = page.locator("#detail img").evaluate_all("els => els.map((e) => e.getAttribute('src'))")
            assert sources == [data_url]
            assert page.locator("#detail img").evaluate("img => img.complete && img.naturalWidth") == 1
        finally:
            browser.close()
    assert not [u for u in fetched if "tracker" in u or u.startswith("javascript:")]
    assert violations == []  # the page itself needs nothing the policy forbids


# -- fault rules: headers validated when the rule is added -----------------------------------------

@pytest.mark.parametrize("headers, why", [
    ({"X-Injected": "a\r\nSet-Cookie: session=stolen"}, "no line breaks"),
    ({"X-Bare-Lf": "a\nb"}, "no line breaks"),
    ({"Content-Length": "5"}, "set by the server"),
    ({"transfer-encoding": "chunked"}, "set by the server"),
    ({"Connection": "close"}, "set by the server"),
    ({"Bad Name": "x"}, "not a valid header name"),
    ({"X-Unicode": "caf\u00e9"}, "visible ASCII"),
])
def test_fault_rule_headers_that_would_break_the_reply_are_refused(server, headers, why):
    key = new_key()
    rule = {"match": {"path": "^/v1/models$"}, "respond": {"http_error": {"status": 503, "headers": headers}}}
    with server.http(headers={"Authorization": f"Bearer {key}"}) as http:
        r = http.post("/__admin/fixtures", json=rule)
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["param"] == "rules[0].respond.http_error.headers" and why in error["message"]
        assert next(iter(headers)) in error["message"]
        assert http.get("/v1/models").status_code == 200  # nothing was added


def test_a_valid_fault_rule_header_reaches_the_reply(server):
    key = new_key()
    rule = {"match": {"path": "^/v1/models$"},
            "respond": {"http_error": {"status": 503, "headers": {"X-Mock-Reason": "maintenance\twindow"}}}}
    with server.http(headers={"Authorization": f"Bearer {key}"}) as http:
        assert http.post("/__admin/fixtures", json=rule).status_code == 200
        r = http.get("/v1/models")
        assert r.status_code == 503 and r.headers["x-mock-reason"] == "maintenance\twindow"
        assert r.json()["error"]["type"] == "server_error"
