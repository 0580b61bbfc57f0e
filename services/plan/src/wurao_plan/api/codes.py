"""GraphQL for codes: coding, revoking, reading a code with its QR image, and the public signing keys."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from wurao_common.results import Conflict, InvalidInput, NotAllowed, refusal
from wurao_plan.adapters import codes, qr
from wurao_plan.api.context import QR_IMAGES_PER_REQUEST, PlanContext
from wurao_plan.domain import codes as rules
from wurao_plan.usecases import codes as code_cases


@strawberry.type(description="A public key that signs inspection codes; old keys stay so their codes verify.")
class CodeSigningKey:
    key_id: int
    public_key: str = strawberry.field(description="The raw 32-byte Ed25519 public key, base64url without padding.")
    published_at: datetime


@strawberry.type(description="An item's inspection code (一事一码): its number, its signed token, its QR code.")
class ItemCode:
    item_id: strawberry.ID
    number: str = strawberry.field(description="Office kind, 6-digit region, 2-digit year, 5-digit sequence.")
    token: str = strawberry.field(description="Ed25519-signed; verify it offline with `codeSigningKeys`.")
    key_id: int
    not_before: datetime
    expires: datetime
    coded_at: datetime
    revoked_at: datetime | None
    revoke_reason: str | None
    scan_url: str = strawberry.field(description="What the QR code holds: the scan page with the token.")

    @classmethod
    def of(cls, code: rules.ItemCode, scan_base_url: str) -> ItemCode:
        return cls(
            item_id=strawberry.ID(code.item_id),
            number=code.number,
            token=code.token,
            key_id=code.key_id,
            not_before=code.not_before,
            expires=code.expires,
            coded_at=code.coded_at,
            revoked_at=code.revoked_at,
            revoke_reason=code.revoke_reason,
            scan_url=rules.scan_url(scan_base_url, code.token),
        )

    @strawberry.field(
        description=f"The QR code as SVG text; `scale` is pixels per module (1 to 20). At most "
        f"{QR_IMAGES_PER_REQUEST} QR images per request: for a sheet of many, GET /codes/<itemId>.svg each."
    )
    async def qr_svg(self, info: Info[PlanContext, None], scale: int = 4) -> str:
        info.context.count_qr_image()
        return await qr.svg(self.scan_url, scale=max(1, min(scale, qr.MAX_SCALE)))

    @strawberry.field(
        description=f"The QR code as a base64 PNG; `scale` is pixels per module (1 to 20). At most "
        f"{QR_IMAGES_PER_REQUEST} QR images per request."
    )
    async def qr_png(self, info: Info[PlanContext, None], scale: int = 8) -> str:
        info.context.count_qr_image()
        image = await qr.png(self.scan_url, scale=max(1, min(scale, qr.MAX_SCALE)))
        return base64.b64encode(image).decode("ascii")


async def readable_code(context: PlanContext, item_id: str) -> rules.ItemCode | None:
    """The item's code if it has one and the caller may see it."""
    try:
        key = str(uuid.UUID(item_id))
    except ValueError:
        return None
    code = await context.code_loader.load(key)
    if code is None or not rules.may_read_code(context.caller, code):
        return None
    return code


CodeItemResult = Annotated[ItemCode | NotAllowed | Conflict, strawberry.union("CodeItemResult")]
RevokeCodeResult = Annotated[ItemCode | NotAllowed | InvalidInput | Conflict, strawberry.union("RevokeCodeResult")]


@strawberry.type
class CodeQuery:
    @strawberry.field(description="Every key that has signed codes, for verifying tokens offline.")
    async def code_signing_keys(self, info: Info[PlanContext, None]) -> list[CodeSigningKey]:
        # Public by design: anyone holding a token may check it.
        return [
            CodeSigningKey(key_id=key.key_id, public_key=key.public_key, published_at=key.published_at)
            for key in await codes.signing_keys(info.context.pool)
        ]

    @strawberry.field(
        description="An item's code, if it is coded and the caller's region reaches its office (an inspector: only "
        "its own office's codes; a unit: none, it scans them)."
    )
    async def item_code(self, info: Info[PlanContext, None], item_id: strawberry.ID) -> ItemCode | None:
        code = await readable_code(info.context, str(item_id))
        return ItemCode.of(code, info.context.codes.scan_base_url) if code else None


@strawberry.type
class CodeMutation:
    @strawberry.mutation(description="Give an approved item its number and signed token (赋码); its office only.")
    async def code_item(self, info: Info[PlanContext, None], item_id: strawberry.ID) -> CodeItemResult:
        context = info.context
        outcome = await code_cases.code_item(context.pool, context.caller, str(item_id), context.codes)
        if isinstance(outcome, rules.ItemCode):
            return ItemCode.of(outcome, context.codes.scan_base_url)
        return refusal(outcome)

    @strawberry.mutation(description="Withdraw a code; by its office or an office above it, with a reason.")
    async def revoke_code(self, info: Info[PlanContext, None], item_id: strawberry.ID, reason: str) -> RevokeCodeResult:
        context = info.context
        outcome = await code_cases.revoke_code(context.pool, context.caller, str(item_id), reason)
        if isinstance(outcome, rules.ItemCode):
            return ItemCode.of(outcome, context.codes.scan_base_url)
        return refusal(outcome)
