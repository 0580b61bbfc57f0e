"""Plan's published code-signing keys, held in memory and reloaded when a code names a key not yet held.

A code is shown and scanned many times: each genuine token's claims are remembered (bounded), so its Ed25519
signature is checked once. Only the signature's verdict is remembered: expiry, revocation and scope are judged
on every scan (domain.scan.judge), and plan's published keys are never withdrawn.

Forgeries cost no query: a key id keeps its key for ever, so a bad signature under a held key is forged, and
codes naming keys not held share one reload at a time, at most one a second (keys are published long before
codes signed with them are scanned, so a genuine code never waits on that second).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wurao_common import codes
from wurao_inspection.adapters import reference


class SigningKeys:
    def __init__(self, pool: asyncpg.Pool, *, remembered: int = 4096, reload_every: float = 1.0):
        self._pool = pool
        self._reload_every = reload_every
        self._reloaded_at = -reload_every
        self._reloading = asyncio.Lock()
        self._texts: dict[int, str] = {}
        self._keys: dict[int, Ed25519PublicKey] = {}
        self._genuine: OrderedDict[str, codes.CodeClaims] = OrderedDict()
        self._remembered = remembered

    async def verify(self, token: str) -> codes.CodeClaims:
        """The code's claims; raises codes.ForgedCode when no published key signed it."""
        claims = self._genuine.get(token)
        if claims is not None:
            self._genuine.move_to_end(token)
            return claims
        claims = await self._verify(token)
        self._genuine[token] = claims
        if len(self._genuine) > self._remembered:
            self._genuine.popitem(last=False)
        return claims

    async def _verify(self, token: str) -> codes.CodeClaims:
        try:
            return codes.verify(token, self._keys)
        except codes.UnknownKey as unknown:
            # Perhaps signed by a key published since we last looked: one small query to find out.
            async with self._reloading:
                if unknown.key_id not in self._keys and time.monotonic() - self._reloaded_at >= self._reload_every:
                    await self._reload()
            return codes.verify(token, self._keys)

    async def _reload(self) -> None:
        texts = await reference.signing_keys(self._pool)
        self._reloaded_at = time.monotonic()
        if texts != self._texts:
            self._texts = texts
            self._keys = {key_id: codes.public_key_from_text(text) for key_id, text in texts.items()}
