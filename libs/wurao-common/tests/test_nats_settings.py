"""NATS settings: a service's credentials and TLS come from its environment, half a setting is refused, and no
credential reaches the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from wurao_common.bus.nats import NatsSettings, connect
from wurao_common.config import Config, SettingsError


def settings(**env: str) -> NatsSettings:
    return NatsSettings.from_env(Config(environ={"NATS_URL": "nats://127.0.0.1:4222", **env}))


def test_a_user_without_a_password_is_refused():
    with pytest.raises(SettingsError, match="NATS_USER and NATS_PASSWORD"):
        settings(NATS_USER="plan")


def test_a_client_certificate_without_its_key_is_refused(tmp_path):
    cert = tmp_path / "client.pem"
    cert.write_text("x")
    with pytest.raises(SettingsError, match="NATS_TLS_CERT and NATS_TLS_KEY"):
        settings(NATS_TLS_CERT=str(cert))


def test_a_missing_ca_file_is_refused():
    with pytest.raises(SettingsError, match="NATS_TLS_CA"):
        settings(NATS_TLS_CA="/nowhere/ca.pem")


def test_the_user_is_known_from_the_settings_or_from_the_url_so_replies_come_to_its_own_inbox():
    assert settings(NATS_USER="plan", NATS_PASSWORD="secret").user_name == "plan"
    from_url = NatsSettings.from_env(Config(environ={"NATS_URL": "nats://reporting:secret@nats:4222"}))
    assert from_url.user_name == "reporting"
    assert settings().user_name is None


def test_the_password_never_shows_in_the_settings_repr():
    assert "secret" not in repr(settings(NATS_USER="plan", NATS_PASSWORD="secret"))


@pytest.mark.parametrize("character", ["/", "?", "#", "@"])
async def test_the_connecting_line_names_the_server_never_a_password_written_into_nats_url_as_it_is(caplog, character):
    """A password put into NATS_URL without percent-encoding it (a base64 one holds `/`): taken apart as a URL, the
    host seems to end at its `/`, `?` or `#`, and the line at INFO named the user and the password's start as the
    server. nats-py refuses such a URL, so the line is what an operator reads first."""
    caplog.set_level(logging.INFO, logger="wurao.bus")
    password = f"Xk9q{character}Zr7w"
    with contextlib.suppress(Exception):  # refused, or no server on port 1
        await asyncio.wait_for(connect(f"nats://plan:{password}@127.0.0.1:1", name="test"), 0.5)
    lines = [record.getMessage() for record in caplog.records if record.name == "wurao.bus"]
    connecting = [line.rpartition(" as ")[0] for line in lines if line.startswith("connecting to nats at ")]
    assert connecting == ["connecting to nats at 127.0.0.1:1"]
    assert [line for line in lines if "Xk9q" in line or "Zr7w" in line] == []
