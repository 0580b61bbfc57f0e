import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from wurao_common.auth import AuthError, Role, TokenVerifier, generate_signing_key, issue_token, within_region
from wurao_common.testing import AUDIENCE, ISSUER


@pytest.fixture(scope="module")
def keys():
    return generate_signing_key()


@pytest.fixture(scope="module")
def verifier(keys):
    return TokenVerifier(keys[1], issuer=ISSUER, audience=AUDIENCE)


def _token(private_pem, **overrides):
    defaults = {"issuer": ISSUER, "audience": AUDIENCE, "role": Role.COUNTY_OFFICE, "region": "431024"}
    return issue_token(private_pem, **{**defaults, **overrides})


def test_a_valid_token_yields_the_caller_with_role_region_and_office(keys, verifier):
    caller = verifier.verify(f"Bearer {_token(keys[0], office_id='office-1')}")
    assert (caller.role, caller.region, caller.office_id) == (Role.COUNTY_OFFICE, "431024", "office-1")


def test_missing_header_is_refused(verifier):
    with pytest.raises(AuthError, match="authentication required"):
        verifier.verify(None)


def test_expired_token_is_refused(keys, verifier):
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(f"Bearer {_token(keys[0], ttl_seconds=-120)}")


def test_token_signed_by_another_key_is_refused(verifier):
    other_private, _ = generate_signing_key()
    with pytest.raises(AuthError, match="not valid"):
        verifier.verify(f"Bearer {_token(other_private)}")


def test_alg_none_is_refused(keys, verifier):
    claims = jwt.decode(_token(keys[0]), options={"verify_signature": False})
    header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode()).rstrip(b"=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    with pytest.raises(AuthError):
        verifier.verify(f"Bearer {header.decode()}.{body.decode()}.")


def test_hmac_signed_with_the_public_key_is_refused(keys, verifier):
    """The classic algorithm-confusion attack: HS256 keyed with the published public key."""
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "x",
        "role": "province_office",
        "region": "43",
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
    }
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    import hashlib
    import hmac

    signature = hmac.new(keys[1], f"{header}.{payload}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(AuthError, match="not valid"):
        verifier.verify(f"Bearer {forged}")


@pytest.mark.parametrize(("field", "value"), [("issuer", "someone-else"), ("audience", "other-api")])
def test_wrong_issuer_or_audience_is_refused(keys, verifier, field, value):
    with pytest.raises(AuthError, match="not valid"):
        verifier.verify(f"Bearer {_token(keys[0], **{field: value})}")


def test_unknown_role_is_refused(keys, verifier):
    private = serialization.load_pem_private_key(keys[0], password=None)
    now = int(time.time())
    token = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "role": "emperor", "region": "43", "iat": now, "exp": now + 60},
        private,
        algorithm="ES256",
    )
    with pytest.raises(AuthError, match="unknown role"):
        verifier.verify(f"Bearer {token}")


def test_non_bearer_scheme_is_refused(keys, verifier):
    with pytest.raises(AuthError, match="Bearer"):
        verifier.verify(f"Basic {_token(keys[0])}")


@pytest.mark.parametrize(
    ("scope", "region", "inside"),
    [
        ("43", "431024106201", True),
        ("4310", "431024", True),
        ("431024", "4310", False),
        ("4304", "431024", False),
        ("", "43", False),
    ],
)
def test_region_scope_nests_by_code_prefix(scope, region, inside):
    assert within_region(scope, region) is inside
