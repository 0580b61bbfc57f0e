"""NATS settings: a service's credentials and TLS come from its environment, and half a setting is refused."""

from __future__ import annotations

import pytest

from wurao_common.bus.nats import NatsSettings
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
