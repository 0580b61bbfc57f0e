import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from wurao_common.auth import (
    AuthError,
    Role,
    TokenVerifier,
    generate_signing_key,
    issue_token,
    key_id,
    within_region,
)
from wurao_common.hostile_tokens import es256, hostile_tokens
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


def _signed(private_pem: bytes, claims: dict) -> str:
    """A genuinely signed token, with the right key id, whatever its claims."""
    private = serialization.load_pem_private_key(private_pem, password=None)
    return jwt.encode(claims, private, algorithm="ES256", headers={"kid": key_id(private.public_key())})


def _claims(**overrides) -> dict:
    now = int(time.time())
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "x",
        "role": "county_office",
        "region": "431024",
        "iat": now,
        "exp": now + 60,
        **overrides,
    }


def test_unknown_role_is_refused(keys, verifier):
    with pytest.raises(AuthError, match="unknown role"):
        verifier.verify(f"Bearer {_signed(keys[0], _claims(role='emperor'))}")


@pytest.mark.parametrize(
    "overrides",
    [
        {"role": ["province_office"]},
        {"role": 7},
        {"region": 43},
        {"region": ["43"]},
        {"sub": {"id": 1}},
        {"office": {"id": "43-dcs"}},
        {"unit": 12},
        {"exp": "tomorrow"},
        {"iat": "now"},
    ],
)
def test_a_claim_of_the_wrong_type_is_refused_as_unauthenticated(keys, verifier, overrides):
    with pytest.raises(AuthError):
        verifier.verify(f"Bearer {_signed(keys[0], _claims(**overrides))}")


def test_a_token_expired_by_a_second_is_refused(keys, verifier):
    now = int(time.time())
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(f"Bearer {_signed(keys[0], _claims(iat=now - 60, exp=now - 1))}")


def test_a_token_from_the_future_is_refused(keys, verifier):
    now = int(time.time())
    with pytest.raises(AuthError):
        verifier.verify(f"Bearer {_signed(keys[0], _claims(iat=now + 3600, exp=now + 7200))}")


def test_a_token_without_a_key_id_is_refused(keys, verifier):
    private = serialization.load_pem_private_key(keys[0], password=None)
    token = jwt.encode(_claims(), private, algorithm="ES256")
    with pytest.raises(AuthError, match="not valid"):
        verifier.verify(f"Bearer {token}")


def test_keys_rotate_without_a_flag_day(keys):
    """During a rotation the key file holds the old and the new key: tokens of both verify, others do not."""
    new_private, new_public = generate_signing_key()
    both = TokenVerifier(keys[1] + new_public, issuer=ISSUER, audience=AUDIENCE)
    assert both.verify(f"Bearer {_token(keys[0])}").role is Role.COUNTY_OFFICE
    assert both.verify(f"Bearer {_token(new_private)}").role is Role.COUNTY_OFFICE
    after = TokenVerifier(new_public, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(AuthError, match="not valid"):
        after.verify(f"Bearer {_token(keys[0])}")


def test_a_key_file_without_a_p256_key_fails_loudly():
    with pytest.raises(ValueError, match="no PEM public key"):
        TokenVerifier(b"not a key", issuer=ISSUER, audience=AUDIENCE)


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


def test_200_hostile_tokens_are_all_refused(keys, verifier):
    tokens = hostile_tokens(keys[0], keys[1], issuer=ISSUER, audience=AUDIENCE)
    assert len(tokens) >= 200
    accepted = []
    for name, token in tokens.items():
        try:
            verifier.verify(f"Bearer {token}")
        except AuthError:
            continue
        accepted.append(name)
    assert accepted == []


def test_the_hostile_tokens_fail_for_their_flaw_not_for_a_broken_signer(keys, verifier):
    """The generator's own signing verifies when nothing is wrong: each hostile token fails for its one flaw."""
    private = serialization.load_pem_private_key(keys[0], password=None)
    token = es256(private, _claims(role="province_office", region="43"), {"kid": key_id(private.public_key())})
    assert verifier.verify(f"Bearer {token}").region == "43"


def test_a_remembered_token_still_expires(keys):
    verifier = TokenVerifier(keys[1], issuer=ISSUER, audience=AUDIENCE)
    now = int(time.time())
    token = f"Bearer {_signed(keys[0], _claims(iat=now, exp=now + 1))}"
    assert verifier.verify(token).role is Role.COUNTY_OFFICE
    assert verifier.verify(token).role is Role.COUNTY_OFFICE  # from memory
    time.sleep(max(0.0, now + 1 - time.time()) + 0.05)
    with pytest.raises(AuthError, match="expired"):
        verifier.verify(token)


def test_the_memory_of_verified_tokens_is_bounded(keys):
    verifier = TokenVerifier(keys[1], issuer=ISSUER, audience=AUDIENCE, cache_size=3)
    tokens = [f"Bearer {_token(keys[0], subject=f'user-{n}')}" for n in range(10)]
    for token in tokens:
        verifier.verify(token)
    assert len(verifier._verified) == 3
    assert [verifier.verify(token).subject for token in tokens[:2]] == ["user-0", "user-1"], "forgotten ones re-verify"
