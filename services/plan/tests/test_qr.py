"""The QR code fits version 12 at error level Q for the longest scan base URL the settings accept."""

import uuid
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wurao_common.codes import CodeClaims, sign
from wurao_plan.adapters import qr
from wurao_plan.domain.codes import MAX_SCAN_BASE_URL, scan_base_url_problem, scan_url

LONGEST_BASE = "https://" + "w" * (MAX_SCAN_BASE_URL - len("https://") - len("/s/")) + "/s/"


def a_token() -> str:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    claims = CodeClaims(key_id=65535, item_id=uuid.uuid4(), not_before=now, expires=now + timedelta(days=365))
    return sign(Ed25519PrivateKey.generate(), 65535, claims)


def test_the_longest_accepted_scan_url_fits_version_12_at_error_level_q():
    assert len(LONGEST_BASE) == MAX_SCAN_BASE_URL
    assert scan_base_url_problem(LONGEST_BASE, production=True) is None
    code = qr.make(scan_url(LONGEST_BASE, a_token()))
    assert code.version <= 12
    assert code.error in ("Q", "H")  # segno may boost the level when the version allows


def test_a_scan_url_one_byte_over_the_qr_capacity_would_not_fit_version_12_q():
    # Version 12-Q holds 203 bytes: the limit is real, not arbitrary.
    too_long = "https://" + "w" * 71 + "/s/" + a_token()
    assert len(too_long) == 204
    assert qr.make(too_long).version > 12


async def test_the_svg_and_png_renderings_are_what_they_claim_to_be():
    url = scan_url("https://wurao.example/s/", a_token())
    assert (await qr.svg(url)).startswith("<svg")
    assert (await qr.png(url)).startswith(b"\x89PNG\r\n\x1a\n")


async def test_each_image_is_rendered_once_per_token_and_scale():
    url = scan_url("https://wurao.example/s/", a_token())
    before = qr._render.cache_info()
    first = await qr.png(url, scale=3)
    again = await qr.png(url, scale=3)
    after = qr._render.cache_info()
    assert first == again
    assert (after.misses - before.misses, after.hits - before.hits) == (1, 1)
