"""The scan page a QR code opens, in a real headless browser: JavaScript shipped and first contentful paint, on
loopback and with the network throttled (Chrome DevTools' network emulation), caches off, phone viewport."""

from __future__ import annotations

import json
import time
import urllib.request

from wurao_common.auth import Role
from wurao_devstack import web
from wurao_devstack.stack import Stack

# (name, download bytes/s, round-trip ms): DevTools' "Fast 3G" and "Slow 3G" presets.
PROFILES = [
    ("loopback, no throttling", None, 0),
    ("fast 3G (1.6 Mbit/s, 150 ms)", 1_600_000 / 8, 150),
    ("slow 3G (400 kbit/s, 400 ms)", 400_000 / 8, 400),
]
ITEMS = '{ items(officeId: "431024-dcs") { code { scanUrl } } }'
SHIPPED = """() => performance.getEntriesByType('resource')
  .filter((entry) => entry.name.endsWith('.js'))
  .map((entry) => [entry.name.split('/').pop(), entry.transferSize, entry.decodedBodySize])"""
# Buffered: the entry may have been recorded before the observer exists.
FCP = """() => new Promise((resolve) => new PerformanceObserver((list) => {
  const entry = list.getEntriesByName('first-contentful-paint')[0];
  if (entry) resolve(entry.startTime);
}).observe({ type: 'paint', buffered: true }))"""


def _scan_url(stack: Stack) -> str:
    token = stack.keys.token(Role.COUNTY_OFFICE, "431024", office="431024-dcs")
    request = urllib.request.Request(  # noqa: S310 - our own loopback gateway
        stack.gateway_url,
        data=json.dumps({"query": ITEMS}).encode(),
        headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        items = json.load(response)["data"]["items"]
    return next(item["code"]["scanUrl"] for item in items if item["code"])


async def scan_page(stack: Stack, *, seconds: float, concurrency: int) -> None:
    """The scan page: JavaScript shipped, first contentful paint and the verdict, fast and throttled."""
    del seconds, concurrency  # one page load per profile; the browser is the load
    from playwright.async_api import async_playwright  # a development dependency: imported only here

    url = _scan_url(stack)
    path, args = web.find_browser()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=path, args=args)
        baseline = None
        for name, throughput, latency in PROFILES:
            context = await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
            page = await context.new_page()
            session = await context.new_cdp_session(page)
            await session.send("Network.enable")
            await session.send("Network.setCacheDisabled", {"cacheDisabled": True})
            if throughput:
                await session.send(
                    "Network.emulateNetworkConditions",
                    {
                        "offline": False,
                        "latency": latency,
                        "downloadThroughput": throughput,
                        "uploadThroughput": throughput,
                    },
                )
            started = time.monotonic()
            await page.goto(url)
            await page.wait_for_function("() => document.querySelector('[data-test=verdict].wr-good, .wr-bad')")
            verdict_ms = (time.monotonic() - started) * 1000
            fcp = await page.evaluate(FCP)
            scripts = await page.evaluate(SHIPPED)
            shipped = sum(transferred for _, transferred, _ in scripts)
            unpacked = sum(decoded for _, _, decoded in scripts)
            ratio = "base" if baseline is None else f"{fcp / baseline:.1f}x"
            baseline = baseline or fcp
            print(
                f"  {name:<31} first content {fcp:7.0f} ms  verdict {verdict_ms:7.0f} ms  "
                f"JS {shipped / 1024:5.1f} KiB over the wire ({unpacked / 1024:.0f} KiB unpacked, "
                f"{len(scripts)} files)  {ratio}"
            )
            await context.close()
        await browser.close()
