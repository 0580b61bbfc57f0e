"""The live region figures (a subscription) end when the caller's token expires: a token is checked once, when the
stream opens, and must not keep it reading past its expiry."""

import asyncio
import json
import time

from wurao_common.auth import Caller, Role
from wurao_reporting import testing as t
from wurao_reporting.api.schema import changed_while_signed_in

LIVE = "subscription($r: String!, $y: Int!) { regionFigures(region: $r, year: $y) { visits } }"


def pushed(stream: str) -> list[dict]:
    """The payloads of a server-sent event stream's `next` events (lines may end with CRLF)."""
    blocks = stream.replace("\r\n", "\n").split("\n\n")
    events = [dict(line.split(": ", 1) for line in block.splitlines() if ": " in line) for block in blocks]
    return [json.loads(event["data"]) for event in events if event.get("event") == "next"]


async def test_the_live_figures_go_on_while_the_token_is_valid_and_end_when_it_expires(apply, reporting, jwt_keys):
    token = jwt_keys.token(Role.COUNTY_OFFICE, t.OFFICE_REGION, office_id=t.OFFICE, ttl_seconds=3)
    opened = time.monotonic()
    listening = asyncio.create_task(
        reporting.post(
            "/graphql",
            json={"query": LIVE, "variables": {"r": t.UNIT_REGION, "y": 2026}},
            headers={"authorization": f"Bearer {token}", "accept": "text/event-stream"},
        )
    )
    await asyncio.sleep(0.5)
    await apply(t.visit())  # while the token is valid: pushed

    async with asyncio.timeout(20):  # without an end at expiry, the stream would stay open
        response = await listening
    assert response.status_code == 200, response.text
    assert [payload["data"]["regionFigures"]["visits"] for payload in pushed(response.text)] == [0, 1]
    assert time.monotonic() - opened >= 1.5  # it ended at the token's expiry (whole seconds), not before


async def test_a_busy_region_does_not_keep_an_expired_stream_going():
    """A wait on a change already made returns at once, whatever its timeout: on a region changing all the time the
    stream once went on past the token's expiry."""
    changed = asyncio.Event()
    changed.set()
    expired = Caller(subject="s", role=Role.COUNTY_OFFICE, region="43", expires_at=time.time() - 1)
    signed_in = Caller(subject="s", role=Role.COUNTY_OFFICE, region="43", expires_at=time.time() + 60)
    assert await changed_while_signed_in(changed, expired) is False
    assert await changed_while_signed_in(changed, signed_in) is True
