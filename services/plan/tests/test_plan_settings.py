"""The plan service refuses to start on code-signing settings it cannot use."""

import pytest

from wurao_common.auth import generate_signing_key
from wurao_common.config import Config, SettingsError
from wurao_plan.settings import PlanSettings


def settings(plan_env, **extra: str) -> PlanSettings:
    return PlanSettings.from_env(Config(environ=plan_env(**extra)))


def test_complete_settings_carry_the_key_its_id_and_the_scan_address(plan_env):
    codes = settings(plan_env).codes
    assert (codes.key_id, codes.scan_base_url) == (7, "https://wurao.example/s/")
    assert "PRIVATE" not in repr(codes)


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        ({"CODE_SIGNING_KEY_ID": "65536"}, "CODE_SIGNING_KEY_ID"),
        ({"CODE_SIGNING_KEY_ID": "seven"}, "CODE_SIGNING_KEY_ID"),
        ({"CODE_SIGNING_KEY_FILE": "/nonexistent/key.pem"}, "CODE_SIGNING_KEY_FILE"),
        ({"SCAN_BASE_URL": "https://wurao.example/" + "s" * 60 + "/"}, "SCAN_BASE_URL"),
        ({"SCAN_BASE_URL": "http://wurao.example/s/", "WURAO_ENV": "production"}, "SCAN_BASE_URL"),
    ],
)
def test_unusable_code_settings_stop_the_start_naming_the_setting(plan_env, extra, named):
    with pytest.raises(SettingsError, match=named):
        settings(plan_env, **extra)


def test_a_key_of_another_kind_is_refused(plan_env, tmp_path):
    ec_key = tmp_path / "ec.pem"
    ec_key.write_bytes(generate_signing_key()[0])
    with pytest.raises(SettingsError, match="Ed25519"):
        settings(plan_env, CODE_SIGNING_KEY_FILE=str(ec_key))


@pytest.mark.parametrize("missing", ["CODE_SIGNING_KEY_FILE", "CODE_SIGNING_KEY_ID", "SCAN_BASE_URL"])
def test_each_code_setting_is_required(plan_env, missing):
    env = plan_env()
    del env[missing]
    with pytest.raises(SettingsError, match=missing):
        PlanSettings.from_env(Config(environ=env))
