"""Inspection-code tokens (一事一码): Ed25519-signed, compact enough for a QR code, verifiable offline.

Layout (91 bytes, 122 base64url characters):
    version (1) | key id (uint16) | item id (UUID, 16) | not before (uint32, epoch s) | expires (uint32)
    | signature (64)
The signature covers a domain tag and the 27 payload bytes. Nothing secret is inside; revocation is online.
"""

from __future__ import annotations

import base64
import binascii
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

VERSION = 1
_PAYLOAD = struct.Struct(">BH16sII")
_SIGNATURE_BYTES = 64
_DOMAIN = b"wurao-code\x00"
TOKEN_BYTES = _PAYLOAD.size + _SIGNATURE_BYTES


class ForgedCode(ValueError):
    """Not a token we signed: malformed, unknown key, or a bad signature."""


class UnknownKey(ForgedCode):
    """Well formed, but names a key not among those given: perhaps one published since they were read."""

    def __init__(self, key_id: int):
        super().__init__("signed by an unknown key")
        self.key_id = key_id


@dataclass(frozen=True)
class CodeClaims:
    key_id: int
    item_id: uuid.UUID
    not_before: datetime
    expires: datetime


def _epoch(moment: datetime) -> int:
    seconds = int(moment.timestamp())
    if not 0 <= seconds < 2**32:
        raise ValueError("time outside the token's range")
    return seconds


def sign(private_key: Ed25519PrivateKey, key_id: int, claims: CodeClaims) -> str:
    if claims.key_id != key_id or not 0 <= key_id < 2**16:
        raise ValueError("key id mismatch or out of range")
    payload = _PAYLOAD.pack(VERSION, key_id, claims.item_id.bytes, _epoch(claims.not_before), _epoch(claims.expires))
    signature = private_key.sign(_DOMAIN + payload)
    return base64.urlsafe_b64encode(payload + signature).rstrip(b"=").decode("ascii")


def verify(token: str, public_keys: dict[int, Ed25519PublicKey]) -> CodeClaims:
    """Checks the signature only; validity windows and revocation are the caller's to judge."""
    if not isinstance(token, str) or len(token) != 122 or not token.isascii():
        raise ForgedCode("not a wurao code")
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError):
        raise ForgedCode("not a wurao code") from None
    # Re-encoding must give the same text: rejects the non-canonical spellings of the last character.
    if len(raw) != TOKEN_BYTES or base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise ForgedCode("not a wurao code")
    payload, signature = raw[: _PAYLOAD.size], raw[_PAYLOAD.size :]
    version, key_id, item_bytes, not_before, expires = _PAYLOAD.unpack(payload)
    if version != VERSION:
        raise ForgedCode("unknown code version")
    key = public_keys.get(key_id)
    if key is None:
        raise UnknownKey(key_id)
    try:
        key.verify(signature, _DOMAIN + payload)
    except InvalidSignature:
        raise ForgedCode("the signature does not match") from None
    return CodeClaims(
        key_id=key_id,
        item_id=uuid.UUID(bytes=item_bytes),
        not_before=datetime.fromtimestamp(not_before, UTC),
        expires=datetime.fromtimestamp(expires, UTC),
    )


def public_key_text(key: Ed25519PublicKey) -> str:
    """The raw 32-byte public key as base64url, as published in `plan.signing_key.published` events."""
    return base64.urlsafe_b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).rstrip(b"=").decode()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
