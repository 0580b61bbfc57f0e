"""Inspection's own settings refuse values the service could not run with, naming the setting."""

import pytest

from wurao_common.config import Config, SettingsError
from wurao_inspection.settings import InspectionSettings

REDIS = {"REDIS_URL": "redis://127.0.0.1:6379/0"}


def test_without_settings_inspection_keeps_64_redis_connections_a_5_minute_reconciliation_and_10_days_grace():
    settings = InspectionSettings.from_env(Config(environ=REDIS))
    assert settings.redis_max_connections == 64
    assert settings.reconcile_seconds == 300
    assert settings.emergency_grace.days == 10


@pytest.mark.parametrize("value", ["0", "-1"])
def test_a_redis_pool_of_no_connections_refuses_to_start(value):
    """redis-py reads max_connections=0 as 100 and refuses a negative one only once the service serves."""
    with pytest.raises(SettingsError, match="REDIS_MAX_CONNECTIONS"):
        InspectionSettings.from_env(Config(environ=REDIS | {"REDIS_MAX_CONNECTIONS": value}))


@pytest.mark.parametrize(("key", "value"), [("EMERGENCY_GRACE_DAYS", "0"), ("CAPS_RECONCILE_SECONDS", "0.5")])
def test_out_of_range_periods_refuse_to_start(key, value):
    with pytest.raises(SettingsError, match=key):
        InspectionSettings.from_env(Config(environ=REDIS | {key: value}))
