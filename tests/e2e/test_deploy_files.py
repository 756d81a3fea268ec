"""Docker cannot run here, so the Dockerfile and compose file are checked for what can be checked:
the files they copy and mount exist, the command is the documented CLI, the image is non-root and
healthchecked, compose services and settings are real."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml

from responses_mock.cli import _parser
from responses_mock.config import Settings

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
