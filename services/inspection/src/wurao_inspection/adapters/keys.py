"""Plan's published code-signing keys, held in memory and reloaded when a code names a key not yet held."""

from __future__ import annotations

import asyncpg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from wurao_common import codes
from wurao_inspection.adapters import reference


class SigningKeys:
    def __init__(self, pool: asyncpg.Pool):
        self._pool = pool
        self._texts: dict[int, str] = {}
        self._keys: dict[int, Ed25519PublicKey] = {}

    async def verify(self, token: str) -> codes.CodeClaims:
        """The code's claims; raises codes.ForgedCode when no published key signed it."""
        try:
            return codes.verify(token, self._keys)
        except codes.ForgedCode:
            # Perhaps signed by a key published since we last looked: one small query to find out.
            texts = await reference.signing_keys(self._pool)
            if texts != self._texts:
                self._texts = texts
                self._keys = {key_id: codes.public_key_from_text(text) for key_id, text in texts.items()}
            return codes.verify(token, self._keys)
