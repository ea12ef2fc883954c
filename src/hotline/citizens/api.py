from django.http import HttpRequest
from ninja import Router, Schema

from hotline.citizens.access import citizen_get_for_user, citizen_search_for_user
from hotline.citizens.models import Citizen
from hotline.core.edge import RowId
from hotline.core.masking import mask_name, mask_phone
from hotline.quality.selectors import phones_flagged

router = Router(tags=["citizens"])


class CitizenOut(Schema):
    id: int
    phone: str
    name: str
    address: str
    area: str | None
    flagged_malicious: bool


def _out(citizen: Citizen, flagged: set[str]) -> dict[str, object]:
    """``flagged_malicious``: a confirmed malicious-caller flag on the number is in force."""
    return {
        "id": citizen.pk,
        "phone": citizen.phone,
        "name": citizen.name,
        "address": citizen.address,
        "area": citizen.area.code if citizen.area else None,
        "flagged_malicious": citizen.phone in flagged,
    }


@router.get(
    "/citizens",
    response=list[CitizenOut],
    summary="Caller look-up by phone (audited; phone and name masked, PRIVACY-3)",
)
def citizen_lookup(request: HttpRequest, phone: str) -> list[dict[str, object]]:
    """A list: phone and name masked; ``GET /citizens/{id}`` gives the full record, audited."""
    found = citizen_search_for_user(request.user, phone=phone, request=request)  # type: ignore[arg-type]
    flagged = phones_flagged([c.phone for c in found])
    return [
        {**_out(c, flagged), "phone": mask_phone(c.phone), "name": mask_name(c.name)} for c in found
    ]


@router.get("/citizens/{citizen_id}", response=CitizenOut, summary="One citizen (audited)")
def citizen_detail(request: HttpRequest, citizen_id: RowId) -> dict[str, object]:
    citizen = citizen_get_for_user(request.user, citizen_id, request=request)  # type: ignore[arg-type]
    return _out(citizen, phones_flagged([citizen.phone]))
