"""What `make run` prints once the platform is up (no server started here: the stack is a stand-in)."""

import secrets
import signal

import pytest

from wurao_common import embedded
from wurao_devstack import __main__ as run
from wurao_devstack.stack import Stack

NATS_PASSWORD = secrets.token_urlsafe(24)


class _StartedStack(Stack):
    """A stack that is "up" at once, its NATS embedded (as `make run` starts it without NATS_URL), and then stops
    at the first look, so that `main` prints its banner and returns."""

    def start(self) -> None:
        self.keys.ensure()
        self.nats_passwords = {"region-4310": NATS_PASSWORD}
        self.server_urls = {"NATS_URL": "nats://127.0.0.1:24222"}
        self.started_in = 0.1

    def dead(self) -> list[str]:
        return ["plan"]

    def stop(self) -> None:
        pass


@pytest.fixture
def signals_kept():
    """`main` installs its own SIGINT and SIGTERM handlers: the test session gets its own back."""
    kept = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    yield
    for signum, handler in kept.items():
        signal.signal(signum, handler)


def _banner(monkeypatch, tmp_path, capsys) -> str:
    """What `make run` prints, on a stand-in stack with its data under `tmp_path`."""
    monkeypatch.setattr(run, "Stack", _StartedStack)
    monkeypatch.setenv("WURAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_PORT", str(embedded.free_port()))
    monkeypatch.setenv("WEB_PORT", str(embedded.free_port()))

    assert run.main() == 1  # the stand-in reports a dead service at once

    return capsys.readouterr().out


def test_make_run_names_the_nats_a_provincial_subscriber_connects_to(monkeypatch, tmp_path, capsys, signals_kept):
    """The README's subscriber runs with NATS_URL and a region user's password: the embedded NATS listens on a
    free port, so the banner names it and where the passwords are."""
    printed = _banner(monkeypatch, tmp_path, capsys)
    assert "nats       nats://127.0.0.1:24222" in printed
    assert str(tmp_path / "keys" / "nats-passwords.json") in printed


def test_make_run_prints_where_passwords_and_keys_are_never_one_of_them(monkeypatch, tmp_path, capsys, signals_kept):
    """The banner prints a development token on purpose (12 hours of the local key's, for the first query), never a
    password nor a line of the private keys."""
    printed = _banner(monkeypatch, tmp_path, capsys)
    assert "export TOKEN=" in printed
    keys = [tmp_path / "keys" / name for name in ("jwt-private.pem", "code-signing.pem")]
    lines = [line for key in keys for line in key.read_text().splitlines() if not line.startswith("-----")]
    assert lines, "the stand-in made the development keys"
    assert [secret for secret in [NATS_PASSWORD, *lines] if secret in printed] == []
