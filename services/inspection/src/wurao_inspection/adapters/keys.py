"""Plan's published code-signing keys, held in memory and reloaded when a code names a key not yet held.

A code is shown and scanned many times: each genuine token's claims are remembered (bounded), so its Ed25519
signature is checked once. Only the signature's verdict is remembered: expiry, revocation and scope are judged
on every scan (domain.scan.judge), and plan's published keys are never withdrawn.
"""

from __future__ import annotations

from collections import OrderedDict

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wurao_common import codes
from wurao_inspection.adapters import reference


class SigningKeys:
    def __init__(self, pool: asyncpg.Pool, *, remembered: int = 4096):
        self._pool = pool
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
        except codes.ForgedCode:
            # Perhaps signed by a key published since we last looked: one small query to find out.
            texts = await reference.signing_keys(self._pool)
            if texts != self._texts:
                self._texts = texts
                self._keys = {key_id: codes.public_key_from_text(text) for key_id, text in texts.items()}
            return codes.verify(token, self._keys)
