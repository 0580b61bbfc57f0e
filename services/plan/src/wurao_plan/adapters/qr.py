"""The QR code a phone camera opens: the scan page's URL with the token appended (segno, no image library).

Rendering is CPU work (a PNG at scale 20 takes tens of milliseconds): it runs in a worker thread, never on the
event loop, and each image is rendered once per token and scale (a bounded cache), however often it is asked for.
"""

from __future__ import annotations

import asyncio
import functools
import io

import segno

ERROR_LEVEL = "q"  # survives ~25% damage: codes are printed, folded and shown on cracked screens
MAX_SCALE = 20


def make(url: str) -> segno.QRCode:
    # Error level Q at least; segno raises it when that fits the same version.
    return segno.make(url, error=ERROR_LEVEL, micro=False)


async def svg(url: str, *, scale: int = 4) -> str:
    return (await asyncio.to_thread(_render, url, "svg", scale)).decode("utf-8")


async def png(url: str, *, scale: int = 8) -> bytes:
    return await asyncio.to_thread(_render, url, "png", scale)


@functools.lru_cache(maxsize=1024)
def _render(url: str, kind: str, scale: int) -> bytes:
    out = io.BytesIO()
    if kind == "svg":
        make(url).save(out, kind="svg", scale=scale, xmldecl=False, title="wurao inspection code")
    else:
        make(url).save(out, kind="png", scale=scale)
    return out.getvalue()
