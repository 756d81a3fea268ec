"""The package as users install it: a wheel (what `pip install .` and pipx build too) in a new
venv, the CLI run from an unrelated folder, and the pytest plugin in a user's own project."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import httpx
import pytest

from responses_mock.testing.server import free_port, wait_healthy
from tests.e2e.test_readme import python_block_after

pytestmark = pytest.mark.slow  # builds the wheel and installs it in a new venv

ROOT = Path(__file__).resolve().parents[2]


def test_every_source_folder_is_a_listed_package():
    """pyproject lists the packages by hand (the import name differs from the folder): none missed."""
    tool = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(tool["packages"])
    found = set()
    for top, name in (("app", "responses_mock"), ("migrations", "responses_mock.migrations")):
        for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
            if folder.name == "__pycache__" or not any(folder.iterdir()):
                continue
            found.add(".".join([name, *folder.relative_to(ROOT / top).parts]))
    assert found == listed


def clean_env() -> dict:
    """The environment of a user's shell: none of this checkout's settings or import paths."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("RESPONSES_MOCK_", "PYTEST", "PYTHONPATH"))}


def run(args: list, **kw) -> subprocess.CompletedProcess:
    kw.setdefault("env", clean_env())
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kw)
    assert out.returncode == 0, f"{args}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new venv holding only the built wheel, pytest and pytest-asyncio: its bin folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", tmp / "dist", ROOT])
    [wheel] = (tmp / "dist").glob("responses_mock-*.whl")
    # No pip of its own (ensurepip takes seconds, and no test uses it): this pip installs into it.
    run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"])
    bin_ = tmp / "venv" / "bin"
    run([sys.executable, "-m", "pip", "--python", bin_ / "python", "install", "--quiet",
         "--disable-pip-version-check", wheel, "pytest", "pytest-asyncio"])
    return bin_


def test_the_wheel_ships_the_migrations_and_a_license(installed):
    site = run([installed / "python", "-c", "import responses_mock, sys; print(responses_mock.__file__)"]).stdout
    package = Path(site.strip()).parent
    assert (package / "migrations" / "env.py").is_file()
    assert sorted(p.name for p in (package / "migrations" / "versions").glob("0*.py"))
    assert (package / "catalog" / "models.json").is_file()
    assert {p.name for p in (package / "inspector").iterdir()} >= {"index.html", "inspector.js", "inspector.css"}
    licenses = list(package.parent.glob("responses_mock-*.dist-info/licenses/LICENSE"))
    assert licenses and "MIT License" in licenses[0].read_text()
    assert not (package.parent / "app").exists()  # no top-level `app` beside the user's own


def test_the_installed_cli_migrates_and_serves_from_any_folder(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env()
    out = run([installed / "responses-mock", "migrate", "--data-dir", "store"], cwd=elsewhere, env=env)
    assert "migrated" in out.stderr and (elsewhere / "store" / "responses-mock.db").is_file()
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([installed / "responses-mock", "serve", "--port", str(port), "--data-dir", "store"],
                            cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, lambda: proc.poll() is None, lambda: (tmp_path / "serve.log").read_text())
        with httpx.Client(base_url=url, headers={"Authorization": "Bearer sk-wheel"}) as http:
            created = http.post("/v1/responses", json={"model": "gpt-4.1", "input": "hi"}).json()
            assert created["status"] == "completed" and created["output"][0]["type"] == "message"
            assert http.get(f"/v1/responses/{created['id']}").json()["id"] == created["id"]
            for page in ("/docs", "/redoc", "/__inspector/"):
                html = http.get(page).text
                assert not re.search(r"(src|href)=[\"']?(https?:)?//", html), f"{page} loads from the network"
                for asset in re.findall(r"(?:src|href)=[\"']([^\"']+)", html):
                    assert http.get(asset).status_code == 200, asset
    finally:
        proc.terminate()
        proc.wait(15)


def test_the_readme_pytest_example_in_a_user_project(installed, tmp_path):
    """A project with its own `app` package, pytest-asyncio in its default strict mode."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "main.py").write_text("def create_app():\n    return 'the user app'\n")
    (tmp_path / "conftest.py").write_text("from app.main import create_app\n\nassert create_app() == 'the user app'\n")
    (tmp_path / "test_my_app.py").write_text(python_block_after("## Use it from pytest"))
    env = clean_env()
    out = run([installed / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=tmp_path, env=env)
    assert re.search(r"\b4 passed\b", out.stdout), out.stdout
