"""JWT verification, the caller it describes, and the one region-scope rule every service applies.

Tokens are ES256 (the gateway verifies them with the same public keys and forwards them unchanged).
Only the allowlisted algorithm is accepted: `alg: none`, HMAC confusion and unknown algorithms fail.
Every token names its key by `kid`, the key's RFC 7638 thumbprint: the verification key file may hold
several public keys at once, so an identity provider rotates its key without a flag day (add the new key
everywhere, switch signing, remove the old key once its tokens have expired).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import re
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

ALGORITHM = "ES256"
_REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub", "role", "region"]


class Role(enum.StrEnum):
    PROVINCE_OFFICE = "province_office"
    CITY_OFFICE = "city_office"
    COUNTY_OFFICE = "county_office"
    INSPECTOR = "inspector"
    UNIT = "unit"
    OBSERVER = "observer"

    @property
    def is_office(self) -> bool:
        return self in (Role.PROVINCE_OFFICE, Role.CITY_OFFICE, Role.COUNTY_OFFICE)


class AuthError(Exception):
    """The request carries no usable credentials. The message is safe to show the client."""


@dataclass(frozen=True)
class Caller:
    subject: str
    role: Role
    region: str
    office_id: str | None = None
    unit_id: str | None = None
    # When the caller's token expires (seconds since the epoch), for what outlives the request that verified it (a
    # subscription's stream); None for callers made without a token. Not part of who the caller is.
    expires_at: float | None = field(default=None, compare=False, repr=False)

    def can_reach(self, region: str) -> bool:
        return within_region(self.region, region)


def within_region(scope: str, region: str) -> bool:
    """Region codes nest by prefix: `4310` (Chenzhou) contains `431024106201` (Dafangyuan village)."""
    return bool(scope) and region.startswith(scope)


_PEM_BLOCK = re.compile(rb"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)
# Clock skew allowed for `iat` and `nbf` only: a token is refused from the second it expires.
_SKEW_SECONDS = 30


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_id(key: ec.EllipticCurvePublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint (SHA-256), which the gateway computes the same way."""
    numbers = key.public_numbers()
    jwk = {
        "crv": "P-256",
        "kty": "EC",
        "x": _b64url(numbers.x.to_bytes(32, "big")),
        "y": _b64url(numbers.y.to_bytes(32, "big")),
    }
    return _b64url(hashlib.sha256(json.dumps(jwk, separators=(",", ":"), sort_keys=True).encode()).digest())


def load_verification_keys(pem: bytes) -> dict[str, ec.EllipticCurvePublicKey]:
    """Every EC P-256 public key in a PEM file, by key id."""
    keys = {}
    for block in _PEM_BLOCK.findall(pem):
        key = serialization.load_pem_public_key(block)
        if not isinstance(key, ec.EllipticCurvePublicKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("every JWT public key must be an EC P-256 key (ES256)")
        keys[key_id(key)] = key
    if not keys:
        raise ValueError("the JWT public key file holds no PEM public key")
    return keys


def _key_id(token: str) -> str | None:
    """The `kid` a token's header names, to choose the key jwt.decode verifies it with (which parses the header
    again, strictly): a third of the cost of jwt.get_unverified_header, which checks every character in Python."""
    segment = token.partition(".")[0]
    try:
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:  # binascii.Error and JSONDecodeError (UnicodeDecodeError too) are ValueErrors
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


class TokenVerifier:
    """Verifies bearer tokens. A client sends its token again and again until it expires: the caller a token was
    verified as is remembered (a bounded cache keyed by the exact token), and its expiry is checked on every use."""

    def __init__(self, public_keys_pem: bytes, *, issuer: str, audience: str, cache_size: int = 4096):
        self._keys = load_verification_keys(public_keys_pem)
        self._issuer = issuer
        self._audience = audience
        self._verified: OrderedDict[str, Caller] = OrderedDict()
        self._cache_size = cache_size

    def verify(self, authorization: str | None) -> Caller:
        if not authorization:
            raise AuthError("authentication required: send Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        token = token.strip()
        remembered = self._verified.get(token)
        if remembered is not None:
            if remembered.expires_at > time.time():  # type: ignore[operator]  # a verified caller has one
                self._verified.move_to_end(token)
                return remembered
            del self._verified[token]
            raise AuthError("the token has expired")
        caller = self._caller(token)
        self._verified[token] = caller
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return caller

    def _caller(self, token: str) -> Caller:
        claims = self._claims(token)
        try:
            role = Role(claims["role"])
        except (ValueError, TypeError):
            raise AuthError("the token names an unknown role") from None
        region, subject = claims["region"], claims["sub"]
        if not isinstance(region, str) or not region.isdigit() or len(region) not in (2, 4, 6, 9, 12):
            raise AuthError("the token names a malformed region")
        office_id, unit_id = claims.get("office"), claims.get("unit")
        if not all(isinstance(value, str) for value in (subject, office_id or "", unit_id or "")):
            raise AuthError("the token's claims are malformed")
        return Caller(
            subject=subject, role=role, region=region, office_id=office_id, unit_id=unit_id, expires_at=claims["exp"]
        )

    def _claims(self, token: str) -> dict:
        try:
            key = self._keys.get(_key_id(token))
            if key is None:
                raise AuthError("the token is not valid")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=_SKEW_SECONDS,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.PyJWTError:
            raise AuthError("the token is not valid") from None
        if not isinstance(claims["exp"], int | float) or claims["exp"] <= time.time():
            raise AuthError("the token has expired")  # the skew is for clocks, not for expiry
        return claims


def generate_signing_key() -> tuple[bytes, bytes]:
    """A new ES256 key pair as (private PEM, public PEM), for development and tests."""
    private = ec.generate_private_key(ec.SECP256R1())
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def issue_token(
    private_key_pem: bytes,
    *,
    issuer: str,
    audience: str,
    role: Role | str,
    region: str,
    subject: str | None = None,
    office_id: str | None = None,
    unit_id: str | None = None,
    ttl_seconds: int = 3600,
) -> str:
    """Mints a token as an identity provider would; wurao itself only verifies them."""
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject or f"user-{uuid.uuid4()}",
        "iat": now,
        "exp": now + ttl_seconds,
        "role": str(Role(role)),
        "region": region,
    }
    if office_id:
        claims["office"] = office_id
    if unit_id:
        claims["unit"] = unit_id
    private = serialization.load_pem_private_key(private_key_pem, password=None)
    return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": key_id(private.public_key())})
