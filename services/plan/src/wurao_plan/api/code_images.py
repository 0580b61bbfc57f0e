"""`GET /codes/{itemId}.svg|.png`: an item's QR code as a plain image, for printing and <img> after a fetch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from wurao_common.auth import Caller
from wurao_common.service import Runtime, RuntimeEndpoint
from wurao_plan.adapters import codes, qr
from wurao_plan.domain import codes as rules

PATH = "/codes/{item_id:uuid}.{extension}"
_MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def qr_image_route(scan_base_url: str) -> tuple[str, RuntimeEndpoint]:
    async def qr_image(request: Request, runtime: Runtime, caller: Caller) -> Response:
        extension = request.path_params["extension"]
        item_id = request.path_params["item_id"]
        code = (await codes.get_many(runtime.pool, [item_id])).get(str(item_id)) if extension in _MEDIA_TYPES else None
        # Missing, not coded and out of reach look the same, so the answer reveals nothing.
        if code is None or not rules.may_read_code(caller, code):
            return JSONResponse({"error": "no such code in your region"}, status_code=404)
        url = rules.scan_url(scan_base_url, code.token)
        body = (await qr.svg(url)).encode("utf-8") if extension == "svg" else await qr.png(url)
        return Response(body, media_type=_MEDIA_TYPES[extension], headers={"cache-control": "private, max-age=300"})

    return PATH, qr_image
