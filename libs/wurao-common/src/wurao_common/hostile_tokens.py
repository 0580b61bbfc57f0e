"""For tests: 200-odd malformed and hostile bearer tokens, none of which may authenticate anyone.

Built against the real verification key pair so that each one fails for exactly the reason its name says
(a genuinely signed token with one thing wrong, a forgery, a confusion attack, or bytes that are no JWT).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time

from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm

from wurao_common.auth import generate_signing_key, key_id

_ES256 = ECAlgorithm(ECAlgorithm.SHA256)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _part(value: object) -> str:
    return _b64(json.dumps(value).encode())


def es256(key, claims: dict, header: dict) -> str:
    """Signed as ES256 with `key` whatever the header says (PyJWT refuses to write a malformed header)."""
    head = _part({"alg": "ES256", "typ": "JWT", **header})
    body = _part(claims)
    return f"{head}.{body}.{_b64(_ES256.sign(f'{head}.{body}'.encode(), key))}"


def hostile_tokens(private_pem: bytes, public_pem: bytes, *, issuer: str, audience: str) -> dict[str, str]:
    private = serialization.load_pem_private_key(private_pem, password=None)
    kid = key_id(private.public_key())
    other_pem, _ = generate_signing_key()
    other = serialization.load_pem_private_key(other_pem, password=None)
    now = int(time.time())
    good = {"iss": issuer, "aud": audience, "sub": "attacker", "role": "province_office", "region": "43",
            "iat": now, "exp": now + 600}  # fmt: skip

    def signed(claims: dict, *, key=private, header: dict | None = None) -> str:
        return es256(key, claims, header if header is not None else {"kid": kid})

    def hmac_signed(alg: str, secret: bytes, header_extra: dict | None = None) -> str:
        head = _part({"alg": alg, "typ": "JWT", "kid": kid, **(header_extra or {})})
        body = _part(good)
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        return f"{head}.{body}.{_b64(hmac.new(secret, f'{head}.{body}'.encode(), digest).digest())}"

    tokens: dict[str, str] = {}
    for alg in ("none", "None", "NONE", "nOnE"):
        tokens[f"alg {alg}"] = f"{_part({'alg': alg, 'kid': kid})}.{_part(good)}."
        tokens[f"alg {alg}, signature kept"] = f"{_part({'alg': alg, 'kid': kid})}.{_part(good)}.c2ln"
    for alg in ("HS256", "HS384", "HS512"):
        tokens[f"{alg} keyed with the public key"] = hmac_signed(alg, public_pem)
        tokens[f"{alg} keyed with the public key, stripped"] = hmac_signed(alg, public_pem.strip())
        tokens[f"{alg} keyed with nothing"] = hmac_signed(alg, b"")
    tokens["RS256 claimed"] = f"{_part({'alg': 'RS256', 'kid': kid})}.{_part(good)}.{_b64(b'x' * 256)}"
    tokens["another key, its own kid"] = signed(good, key=other, header={"kid": key_id(other.public_key())})
    tokens["another key, our kid"] = signed(good, key=other)
    tokens["no kid"] = signed(good, header={})
    for index, bad_kid in enumerate(["", "unknown", "../../etc/passwd", kid[:-1], kid + "A", "x" * 500]):
        tokens[f"unknown kid {index}"] = signed(good, header={"kid": bad_kid})
    for index, bad_kid in enumerate([7, None, [kid], {"kid": kid}]):
        tokens[f"kid of the wrong type {index}"] = signed(good, header={"kid": bad_kid})
    tokens["expired by a second"] = signed({**good, "iat": now - 600, "exp": now - 1})
    tokens["expired long ago"] = signed({**good, "iat": now - 90_000, "exp": now - 86_400})
    tokens["from the future"] = signed({**good, "iat": now + 3_600, "exp": now + 7_200})
    tokens["not before next hour"] = signed({**good, "nbf": now + 3_600})
    tokens["wrong audience"] = signed({**good, "aud": "someone-else"})
    tokens["audience list without ours"] = signed({**good, "aud": ["a", "b"]})
    tokens["wrong issuer"] = signed({**good, "iss": "https://evil.example"})
    for claim in ("exp", "iat", "iss", "aud", "sub", "role", "region"):
        tokens[f"without {claim}"] = signed({k: v for k, v in good.items() if k != claim})
    wrong_types = {
        "role": [["province_office"], 1, None, {"r": 1}],
        "region": [43, ["43"], None, "4", "43a", "4" * 13],
        "sub": [1, ["x"], {"id": 1}],
        "office": [{"id": "43-dcs"}, ["43-dcs"], 5],
        "unit": [12, ["u"], {"u": 1}],
        "exp": ["tomorrow", None, [now + 600]],
        "iat": ["now", [now]],
    }
    for claim, values in wrong_types.items():
        for index, value in enumerate(values):
            tokens[f"{claim} of the wrong type {index}"] = signed({**good, claim: value})
    tokens["unknown role"] = signed({**good, "role": "emperor"})
    tokens["10 kB, forged"] = signed({**good, "pad": "x" * 10_000}, key=other)
    tokens["10 kB of base64"] = _b64(b"\x00" * 7_500)
    for index, text in enumerate(["not-a-jwt", "a.b.c", "....", "a.b", "{}.{}.{}", "null", "Bearer x"]):
        tokens[f"not a JWT {index}"] = text
    tokens["header not JSON"] = f"{_b64(b'not json')}.{_part(good)}.{_b64(b'sig')}"
    tokens["payload not JSON"] = f"{_part({'alg': 'ES256', 'kid': kid})}.{_b64(b'not json')}.{_b64(b'sig')}"
    tokens["payload a JSON list"] = f"{_part({'alg': 'ES256', 'kid': kid})}.{_part([1, 2])}.{_b64(b'sig')}"
    genuine = signed(good)
    head, body, signature = genuine.split(".")
    tokens["signature dropped"] = f"{head}.{body}."
    tokens["ES384 header on an ES256 signature"] = f"{_part({'alg': 'ES384', 'kid': kid})}.{body}.{signature}"
    tokens["claims swapped under a genuine signature"] = f"{head}.{_part({**good, 'region': '4310'})}.{signature}"
    rng = random.Random(20261204)  # noqa: S311 - reproducible test data, not a secret
    while len(tokens) < 210:
        raw = bytearray(genuine.encode())
        position = rng.randrange(len(raw))
        flipped = raw[position] ^ (1 << rng.randrange(6))
        if chr(flipped).isalnum() or chr(flipped) in "-_":
            raw[position] = flipped
            mutated = raw.decode()
            if mutated != genuine and _decodes_differently(mutated, genuine):
                tokens[f"bit flip at {position}"] = mutated
    return tokens


def _decodes_differently(mutated: str, genuine: str) -> bool:
    """A flip in a base64 segment's last character can leave its bytes unchanged: that token is still genuine."""
    try:
        return [_decode(part) for part in mutated.split(".")] != [_decode(part) for part in genuine.split(".")]
    except ValueError:
        return True


def _decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
