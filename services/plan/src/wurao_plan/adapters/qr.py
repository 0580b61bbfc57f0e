"""The QR code a phone camera opens: the scan page's URL with the token appended (segno, no image library)."""

from __future__ import annotations

import io

import segno

ERROR_LEVEL = "q"  # survives ~25% damage: codes are printed, folded and shown on cracked screens
MAX_SCALE = 20


def make(url: str) -> segno.QRCode:
    # Error level Q at least; segno raises it when that fits the same version.
    return segno.make(url, error=ERROR_LEVEL, micro=False)


def svg(url: str, *, scale: int = 4) -> str:
    out = io.BytesIO()
    make(url).save(out, kind="svg", scale=scale, xmldecl=False, title="wurao inspection code")
    return out.getvalue().decode("utf-8")


def png(url: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale)
    return out.getvalue()
