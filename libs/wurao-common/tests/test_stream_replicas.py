"""A service process never changes the shared stream's replicas; it refuses to start when its setting disagrees."""

from __future__ import annotations

import pytest

from wurao_common.bus.nats import check_replicas, ensure_stream
from wurao_common.config import SettingsError


def test_a_process_left_at_the_default_refuses_a_stream_with_three_replicas_instead_of_lowering_them():
    with pytest.raises(SettingsError, match="NATS_STREAM_REPLICAS=3"):
        check_replicas(existing=3, wanted=1)


def test_a_process_whose_setting_matches_the_stream_starts():
    check_replicas(existing=3, wanted=3)


async def test_a_disagreeing_setting_is_refused_before_the_stream_is_touched(nats_client):
    """The test's stream has one replica (single server); a process set to 3 refuses and leaves it as it is."""
    with pytest.raises(SettingsError, match="has 1 replicas"):
        await ensure_stream(nats_client, replicas=3)
    info = await nats_client.jetstream().stream_info("WURAO")
    assert info.config.num_replicas == 1
