import uuid
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wurao_common import codes


@pytest.fixture(scope="module")
def key():
    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="module")
def claims():
    return codes.CodeClaims(
        key_id=7,
        item_id=uuid.uuid4(),
        not_before=datetime(2025, 6, 1, tzinfo=UTC),
        expires=datetime(2025, 8, 1, tzinfo=UTC),
    )


def test_a_signed_code_verifies_to_its_claims(key, claims):
    token = codes.sign(key, 7, claims)
    assert len(token) == 122
    assert codes.verify(token, {7: key.public_key()}) == claims


def test_every_single_bit_flip_of_a_token_is_rejected(key, claims):
    token = codes.sign(key, 7, claims)
    raw = bytearray(codes.base64.urlsafe_b64decode(token + "=="))
    keys = {7: key.public_key()}
    for bit in range(len(raw) * 8):
        mutant = bytearray(raw)
        mutant[bit // 8] ^= 1 << (bit % 8)
        text = codes.base64.urlsafe_b64encode(bytes(mutant)).rstrip(b"=").decode()
        with pytest.raises(codes.ForgedCode):
            codes.verify(text, keys)


def test_every_single_character_change_of_a_token_is_rejected(key, claims):
    token = codes.sign(key, 7, claims)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    keys = {7: key.public_key()}
    for position in range(len(token)):
        for replacement in alphabet:
            if replacement == token[position]:
                continue
            with pytest.raises(codes.ForgedCode):
                codes.verify(token[:position] + replacement + token[position + 1 :], keys)


def test_a_code_signed_by_an_unpublished_key_is_forged(key, claims):
    other = Ed25519PrivateKey.generate()
    with pytest.raises(codes.ForgedCode, match="signature"):
        codes.verify(codes.sign(other, 7, claims), {7: key.public_key()})
    with pytest.raises(codes.UnknownKey, match="unknown key") as unknown:
        codes.verify(codes.sign(key, 7, claims), {8: key.public_key()})
    assert unknown.value.key_id == 7, "the key a reader would have to look for"


def test_old_keys_stay_valid_after_rotation(key, claims):
    new = Ed25519PrivateKey.generate()
    old_token = codes.sign(key, 7, claims)
    keys = {7: key.public_key(), 8: new.public_key()}
    assert codes.verify(old_token, keys).key_id == 7


@pytest.mark.parametrize("junk", ["", "x" * 122, "é" * 122, "A" * 121, None, 42])
def test_junk_is_forged_not_a_crash(junk, key):
    with pytest.raises(codes.ForgedCode):
        codes.verify(junk, {7: key.public_key()})


def test_public_keys_round_trip_through_their_published_text(key):
    text = codes.public_key_text(key.public_key())
    assert codes.public_key_text(codes.public_key_from_text(text)) == text
