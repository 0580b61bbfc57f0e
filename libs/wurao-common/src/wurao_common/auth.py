"""JWT verification, the caller it describes, and the one region-scope rule every service applies.

Tokens are ES256 (the gateway verifies them with the same public key and forwards them unchanged).
Only the allowlisted algorithm is accepted: `alg: none`, HMAC confusion and unknown algorithms fail.
"""

from __future__ import annotations

import enum
import time
import uuid
from dataclasses import dataclass

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

    def can_reach(self, region: str) -> bool:
        return within_region(self.region, region)


def within_region(scope: str, region: str) -> bool:
    """Region codes nest by prefix: `4310` (Chenzhou) contains `431024106201` (Dafangyuan village)."""
    return bool(scope) and region.startswith(scope)


class TokenVerifier:
    def __init__(self, public_key_pem: bytes, *, issuer: str, audience: str, leeway_seconds: int = 30):
        key = serialization.load_pem_public_key(public_key_pem)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise ValueError("the JWT public key must be an EC P-256 key (ES256)")
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds

    def verify(self, authorization: str | None) -> Caller:
        if not authorization:
            raise AuthError("authentication required: send Authorization: Bearer <token>")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        try:
            claims = jwt.decode(
                token.strip(),
                self._key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired") from None
        except jwt.PyJWTError:
            raise AuthError("the token is not valid") from None
        try:
            role = Role(claims["role"])
        except ValueError:
            raise AuthError("the token names an unknown role") from None
        region = str(claims["region"])
        if not region.isdigit() or len(region) not in (2, 4, 6, 9, 12):
            raise AuthError("the token names a malformed region")
        return Caller(
            subject=str(claims["sub"]),
            role=role,
            region=region,
            office_id=claims.get("office"),
            unit_id=claims.get("unit"),
        )


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
    return jwt.encode(claims, serialization.load_pem_private_key(private_key_pem, password=None), algorithm=ALGORITHM)
