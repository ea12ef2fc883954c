from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["accounts"])


class MeUnitOut(Schema):
    """The signed-in user's unit (named apart from the ticket's ``UnitRef``)."""

    code: str
    name: str


class MeOut(Schema):
    username: str
    full_name: str
    unit: MeUnitOut | None
    roles: list[str]


@router.get("/me", response=MeOut, summary="The signed-in user, their unit and roles")
def me(request: HttpRequest) -> MeOut:
    user: Any = request.user
    unit = user.unit
    return MeOut(
        username=user.username,
        full_name=user.full_name,
        unit=MeUnitOut(code=unit.code, name=unit.name) if unit else None,
        roles=user.role_codes(),
    )
