"""Accessibility checks with axe-core (npm, installed by web/package.json)."""

from __future__ import annotations

from playwright.async_api import Page

from wurao_devstack import web

AXE = (web.WEB_DIR / "node_modules" / "axe-core" / "axe.min.js").read_text()


async def serious_violations(page: Page) -> list[str]:
    """Rule ids with their serious or critical violations, e.g. `color-contrast: .wr-muted`."""
    # Evaluated over the DevTools protocol, so the page's CSP (no inline scripts) need not be loosened.
    await page.evaluate(f"{AXE}\n;undefined")
    result = await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{violation['id']}: {', '.join(node['target'][0] for node in violation['nodes'])}"
        for violation in result["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
