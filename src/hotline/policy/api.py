from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from hotline.core.errors import InvalidInput
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.services import calendar_current

router = Router(tags=["policy"])


class DeadlineAnswerOut(Schema):
    """A computed deadline (named apart from the ticket's ``DeadlineOut``)."""

    due_at: str | None
    provisional: bool
    basis: str
    unit: str
    length: int | None


@router.get(
    "/deadline",
    response={200: DeadlineAnswerOut},
    summary="Compute a deadline with the profile's working-day arithmetic",
)
def deadline(
    request: HttpRequest,
    clock: str,
    start: str,
    profile: str = "",
    category: str = "",
    complex: bool = False,
    urgent: bool = False,
) -> dict[str, object] | HttpResponse:
    try:
        answer = deadline_answer(
            profile=profile or settings.HOTLINE_PROFILE,
            clock=clock,
            category=category or None,
            complex=complex,
            urgent=urgent,
            start=start.replace(" ", "+") if "T" in start else start,
            calendar=calendar_current(),
        )
    except PolicyInputError as exc:
        raise InvalidInput(exc.message, code=exc.code) from None
    return answer.as_dict()
