"""``POST /api/v1/suggest``: the dispatch suggestion for a request being registered (DISPATCH-1).

Body ``{"content", "area"}`` (``area``: an area's code or its unique name, may be empty) →
``{"categories": [{"code", "label", "score"}], "units": [{"code", "name", "score", "why"}]}``,
best first. The centre's staff only (a unit's clerk does not register requests).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from hotline.core.edge import InSchema, model_field, text_field
from hotline.core.errors import DomainError
from hotline.suggest.services import area_find, suggest
from hotline.tickets.models import Ticket

router = Router(tags=["suggest"])


class SuggestIn(InSchema):
    content: str = model_field(Ticket, "content")
    area: str | None = text_field("", max_length=100)


class SuggestedCategoryOut(Schema):
    code: str
    label: str
    score: float


class SuggestedUnitOut(Schema):
    code: str
    name: str
    score: float
    why: str


class SuggestOut(Schema):
    categories: list[SuggestedCategoryOut]
    units: list[SuggestedUnitOut]


@router.post("/suggest", response=SuggestOut, summary="Suggest the category and the unit")
def suggest_post(request: HttpRequest, payload: SuggestIn) -> dict[str, Any]:
    """The learned categories, and the units from the history, the responsibility lists and
    the area, each with the reason (``why``) the agent is shown."""
    if not request.user.is_centre_staff:  # type: ignore[union-attr]
        raise DomainError(
            "只有中心的坐席和审核人员可以获取派单建议。", code="forbidden", status=403
        )
    content = payload.content.strip()
    if not content:
        raise DomainError("请填写诉求内容。", code="invalid_input", status=400)
    area = None
    if (payload.area or "").strip():
        area = area_find(payload.area or "")
        if area is None:
            raise DomainError(
                f"找不到区域“{payload.area}”，请填写区域代码或名称。",
                code="unknown_area",
                status=400,
            )
    answer = suggest(content, area=area)
    return {
        "categories": [
            {"code": c.code, "label": c.label, "score": c.score} for c in answer.categories
        ],
        "units": [
            {"code": u.code, "name": u.name, "score": u.score, "why": u.why} for u in answer.units
        ],
    }
