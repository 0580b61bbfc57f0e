"""What plan answers without a token: the exception to "every request is authenticated", and all of it.

- `GET /.well-known/code-keys.json`: the public keys that sign inspection codes, as a JWKS (Ed25519, `kid`),
  so that anyone, a browser included, can check a code offline.
- `GET /public/codes/{token}`: the public summary of one code (number, item title, office, window, status) and
  the negative list. The signed code is the credential: without a genuine token nothing is read. It says
  nothing about any unit, and it is rate-limited per client.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wurao_common.codes import ForgedCode, public_key_from_text, verify
from wurao_common.service import PublicEndpoint, Runtime
from wurao_plan.adapters import codes, negative_list
from wurao_plan.api.rate_limit import RateLimiter
from wurao_plan.domain.codes import public_status

# A person scanning codes on site needs a handful a minute; 20 at once, then one every 5 s, per client.
SUMMARY_BURST = 20
SUMMARY_PER_SECOND = 0.2
_CACHE_KEYS = {"cache-control": "public, max-age=300"}
_NO_STORE = {"cache-control": "no-store"}


def jwks(keys: list[codes.SigningKey]) -> dict:
    """RFC 8037 OKP keys; `x` is the raw key in base64url, as plan already publishes it."""
    return {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": str(key.key_id), "x": key.public_key}
            for key in keys
        ]
    }


async def code_keys(_request: Request, runtime: Runtime) -> Response:
    return JSONResponse(jwks(await codes.signing_keys(runtime.pool)), headers=_CACHE_KEYS)


def code_summary(limiter: RateLimiter) -> PublicEndpoint:
    async def summary(request: Request, runtime: Runtime) -> Response:
        # Behind a trusted proxy uvicorn has already put the forwarded client address here.
        wait = limiter.retry_after(request.client.host if request.client else "")
        if wait:
            return JSONResponse(
                {"error": "too many requests: try again shortly"},
                status_code=429,
                headers={"retry-after": str(math.ceil(wait)), **_NO_STORE},
            )
        token = request.path_params["token"]
        keys = {key.key_id: public_key_from_text(key.public_key) for key in await codes.signing_keys(runtime.pool)}
        current = await negative_list.latest(runtime.pool)
        rules = [{"code": entry.code, "text": entry.text} for entry in current.entries] if current else []
        try:
            claims = verify(token, keys)
        except ForgedCode as forged:
            return JSONResponse({"genuine": False, "reason": str(forged), "negativeList": rules}, headers=_NO_STORE)
        found = await codes.public_summary(runtime.pool, claims.item_id, token)
        if found is None:  # signed by a key of ours, yet never issued: treat it as not ours
            return JSONResponse(
                {"genuine": False, "reason": "not a code plan issued", "negativeList": rules}, headers=_NO_STORE
            )
        return JSONResponse(
            {
                "genuine": True,
                "status": public_status(found.code, datetime.now(UTC)),
                "codeNumber": found.code.number,
                "title": found.title,
                "officeName": found.office_name,
                "windowStart": found.window_start.isoformat(),
                "windowEnd": found.window_end.isoformat(),
                "validFrom": found.code.not_before.isoformat(),
                "expires": found.code.expires.isoformat(),
                "keyId": found.code.key_id,
                "negativeList": rules,
            },
            headers=_NO_STORE,  # revocation must show at once
        )

    return summary


def public_routes() -> list[tuple[str, PublicEndpoint]]:
    limiter = RateLimiter(burst=SUMMARY_BURST, per_second=SUMMARY_PER_SECOND)
    return [
        ("/.well-known/code-keys.json", code_keys),
        ("/public/codes/{token}", code_summary(limiter)),
    ]
