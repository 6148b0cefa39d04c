"""The console command's promises, and the deployment files' consistency with the code."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from kavshiri.cli import parser
from kavshiri.settings import Settings
from tests.support import KAVSHIRI

ROOT = Path(__file__).resolve().parents[1]


def test_deadline_command_prints_the_documented_json():
    done = subprocess.run(
        [KAVSHIRI, "deadline", "2026-11-20T15:00:00+04:00", "--type", "information_request", "--json"],
        capture_output=True, text=True, timeout=30, check=True,
    )
    data = json.loads(done.stdout)
    assert {k: data[k] for k in ("starts", "due", "type")} == {
        "starts": "2026-11-24", "due": "2026-12-03", "type": "information_request"}
    assert data["registered_at"].startswith("2026-11-20T15:00:00") and "Article 40" in data["basis"]


@pytest.mark.parametrize("registered", ["2026-11-20T23:30:00", "2026-11-20"])
def test_a_time_or_date_without_offset_is_tbilisis(registered):
    done = subprocess.run([KAVSHIRI, "deadline", registered, "--type", "information_request", "--json"],
                          capture_output=True, text=True, timeout=30, check=True)
    data = json.loads(done.stdout)
    assert data["registered_at"].endswith("+04:00") and (data["starts"], data["due"]) == ("2026-11-24", "2026-12-03")


def test_deadline_command_refuses_what_is_not_a_date():
    done = subprocess.run([KAVSHIRI, "deadline", "yesterday", "--type", "letter"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and "ISO 8601" in done.stderr and "Traceback" not in done.stderr


def test_docker_compose_runs_commands_and_settings_the_code_knows():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    known = {name.upper() for name in Settings.model_fields}
    for name, service in compose["services"].items():
        if "build" not in service:
            continue
        command = service["command"]
        assert command[0] == "kavshiri", name
        parser().parse_args(command[1:])  # exits (fails the test) on an unknown option
        assert set(service.get("environment", {})) <= known, name


def test_readme_commands_are_what_ci_runs():
    readme = (ROOT / "README.md").read_text()
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith(("#", "set ", "cd "))]
    assert ci == ["scripts/test"] and "\nscripts/test\n" in readme and "\nscripts/start\n" in readme
    assert (ROOT / "scripts" / "test").stat().st_mode & 0o111  # executable, as the README runs it


def test_the_image_copies_every_package_the_project_installs():
    import tomllib

    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert [p for p in packages if f"COPY {p.rstrip('*')} {p.rstrip('*')}" not in dockerfile] == []


REAL = {"portal_token": "real-token", "portal_callback_secret": "real-callback", "identity_secret": "real-identity"}


@pytest.mark.parametrize("where,blamed", [
    ({"host": "0.0.0.0"}, "HOST"), ({"host": "192.168.1.5"}, "HOST"),
    ({"public_url": "https://kavshiri.example.ge"}, "PUBLIC_URL"),
])
@pytest.mark.parametrize("public", ["portal_token", "portal_callback_secret", "identity_secret"])
async def test_embedded_mode_reachable_by_others_refuses_any_development_secret(tmp_path, where, blamed, public):
    """No PORTAL_URL (the embedded stand-in portal) is no excuse: on a public interface, or behind
    a public address, a callback signed with the published secret would be believed."""
    from kavshiri.app import Kavshiri

    secrets = {k: v for k, v in REAL.items() if k != public}
    settings = Settings(kavshiri_home=tmp_path, redis_url=None, portal_url=None, **secrets, **where)
    with pytest.raises(ValueError, match=f"{blamed}.*{public.upper()}"):
        await Kavshiri.build(settings, "http://127.0.0.1:9")


@pytest.mark.parametrize("where", [{}, {"host": "::1"}, {"public_url": "http://localhost:8000"}])
async def test_on_loopback_the_development_secrets_still_serve(tmp_path, where):
    from kavshiri.app import Kavshiri

    settings = Settings(kavshiri_home=tmp_path, redis_url=None, portal_url=None, **where)
    kv = await Kavshiri.build(settings, "http://127.0.0.1:9")
    await kv.close()


def test_compose_requires_every_secret():
    compose = (ROOT / "docker-compose.yml").read_text()
    for name in ("PORTAL_TOKEN", "PORTAL_CALLBACK_SECRET", "IDENTITY_SECRET"):
        assert f"${{{name}:?" in compose, name


def test_pip_and_setuptools_are_upgraded_before_anything_is_installed():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert -1 < dockerfile.find("--upgrade pip setuptools") < dockerfile.find("-e .")
    start = (ROOT / "scripts" / "start").read_text()  # scripts/test sources venv.sh the same way
    assert "--upgrade pip setuptools" in (ROOT / "scripts" / "venv.sh").read_text()
    assert -1 < start.find("venv.sh") < start.find("install -q -e .")


async def test_a_real_portal_with_the_public_development_secrets_is_refused(tmp_path):
    from kavshiri.app import Kavshiri

    settings = Settings(kavshiri_home=tmp_path, redis_url=None, portal_url="https://portal.example.ge")
    with pytest.raises(ValueError, match="PORTAL_CALLBACK_SECRET"):
        await Kavshiri.build(settings, settings.portal_url)
