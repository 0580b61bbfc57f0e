"""The console as its people use it: what each page shows them, in their language and time, and only the actions
they may take."""

from __future__ import annotations

import uuid

import pytest
from playwright.async_api import expect

pytestmark = pytest.mark.e2e

# Where a QR code's drawing ends inside its <svg> box, and where the box ends, as the page draws them.
_QR_EDGES = """() => {
  const svg = document.querySelector('[data-test=sheet] svg');
  const box = svg.getBoundingClientRect();
  const drawn = svg.querySelector('path').getBoundingClientRect();
  return { box: [box.right, box.bottom], drawn: [drawn.right, drawn.bottom] };
}"""


async def test_the_code_sheet_prints_the_whole_qr_code_at_its_size(coded_item, desk, webapp):
    """plan's SVG is 6 px a module with no viewBox: drawn 70 mm wide, the sheet cut off its right and bottom
    (two of its three finder patterns), and the printed code could not be scanned."""
    code = await coded_item(f"码单完整（{uuid.uuid4().hex[:6]}）")
    page = await desk.new_page()
    await webapp.sign_in_as(page, "chen-yuehui", f"/console/items/{code['itemId']}/sheet")
    await expect(page.locator("[data-test=sheet] svg")).to_be_visible()

    edges = await page.evaluate(_QR_EDGES)
    assert edges["drawn"][0] <= edges["box"][0] + 0.5, edges
    assert edges["drawn"][1] <= edges["box"][1] + 0.5, edges
    await webapp.shot(page, "console-code-sheet")
