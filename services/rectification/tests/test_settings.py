"""The service's own settings fail loudly when malformed."""

import pytest

from wurao_common.config import Config, SettingsError
from wurao_rectification.settings import RectificationSettings


def test_sweeps_run_every_minute_unless_told_otherwise():
    assert RectificationSettings.from_env(Config(environ={})).sweep_seconds == 60
    assert RectificationSettings.from_env(Config(environ={"SWEEP_SECONDS": "2.5"})).sweep_seconds == 2.5


@pytest.mark.parametrize("value", ["0", "-1", "soon", "86400"])
def test_a_sweep_interval_that_makes_no_sense_refuses_to_start(value):
    with pytest.raises(SettingsError, match="SWEEP_SECONDS"):
        RectificationSettings.from_env(Config(environ={"SWEEP_SECONDS": value}))
