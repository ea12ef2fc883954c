"""The centre-quality pages: agents' scores and scoring (STATS-5), malicious-caller flags
(INTAKE-7). Every change goes through a service; a refusal comes back as a message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, InvalidInput, NotFound
from hotline.quality import selectors as sel
from hotline.quality import services as svc
from hotline.quality.models import ITEM_MAX, FlagReason, FlagState, Item

ROWS = 200


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workbench/forbidden.html",
        {"message": _("You may not open this page.")},
        status=403,
    )


def _text(request: HttpRequest, name: str, limit: int = 10_000) -> str:
    value = request.POST.get(name, "")
    if len(value) > limit:
        raise InvalidInput(_("The text is too long."))
    return value


def _int(value: str, message: str) -> int:
    try:
        return int(value.strip())
    except (TypeError, ValueError):
        raise InvalidInput(message) from None


def _month(request: HttpRequest) -> Any:
    text = request.GET.get("month", "").strip()[:7]
    if not text:
        return timezone.localdate().replace(day=1)
    return svc.month_parse(text)


def _action(target: Callable[..., str]) -> Callable[..., Callable[..., HttpResponse]]:
    """A POST that runs one service, then goes back to ``target`` (a URL from the request)."""

    def decorate(view: Callable[..., str]) -> Callable[..., HttpResponse]:
        @login_required
        @require_POST
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                messages.success(request, view(request, *args, **kwargs))
            except DomainError as exc:
                messages.error(request, exc.message)
            return HttpResponseRedirect(target(request, *args, **kwargs))

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return wrapped

    return decorate


# ----------------------------------------------------------------------------- scores


def _scores_url(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    month = request.POST.get("month", "")[:7]
    base = reverse("quality:scores")
    return f"{base}?month={month}" if month else base


@login_required
@require_GET
def scores(request: HttpRequest) -> HttpResponse:
    """Agent quality per month: every agent for inspectors, one's own for an agent."""
    user: Any = request.user
    if not sel.reads_all_scores(user) and not user.can("ticket.register"):
        return _forbidden(request)
    try:
        month = _month(request)
    except InvalidInput as exc:
        messages.error(request, exc.message)
        month = timezone.localdate().replace(day=1)
    samples = list(
        sel.samples_visible_to(user).filter(month=month).order_by("agent__username", "id")[:ROWS]
    )
    return render(
        request,
        "quality/scores.html",
        {
            "month": month,
            "agents": sel.agent_scores(user, month),
            "samples": [(s, sel.review_of(s)) for s in samples],
            "can_score": svc.can_score(user),
            "own_only": not sel.reads_all_scores(user),
            "per_agent": svc.PER_AGENT_DEFAULT,
        },
    )


@_action(_scores_url)
def sample_draw(request: HttpRequest) -> str:
    """Draw the month's sample (inspectors and supervisors)."""
    if not svc.can_score(request.user):
        raise DomainError(_("You may not open this page."), code="forbidden", status=403)
    seed_text = _text(request, "seed", 20).strip()
    result = svc.sample_draw(
        month=svc.month_parse(_text(request, "month", 7)),
        per_agent=_int(_text(request, "per_agent", 4), _("Enter a whole number.")),
        seed=_int(seed_text, _("Enter a whole number.")) if seed_text else None,
    )
    drawn = sum(a.sampled for a in result.agents)
    return _("Sample of %(month)s drawn: %(count)d tickets (seed %(seed)d).") % {
        "month": f"{result.month:%Y-%m}",
        "count": drawn,
        "seed": result.seed,
    }


@login_required
def review(request: HttpRequest, sample_id: int) -> HttpResponse:
    """Score one sampled ticket on the checklist; nothing is pre-selected."""
    user: Any = request.user
    try:
        sample = sel.sample_get_for_user(user, sample_id)
    except NotFound:
        raise Http404 from None
    done = sel.review_of(sample)
    error = ""
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {k: request.POST.get(k, "")[:2000] for k in request.POST}
        try:
            scores = {
                item: _int(request.POST.get(item, ""), _("Score every item."))
                for item in Item.values
            }
            svc.review_score(
                actor=user,
                sample=sample,
                scores=scores,
                notes={i: _text(request, f"{i}_note", 2000) for i in Item.values},
                note=_text(request, "note"),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The review was saved."))
            return HttpResponseRedirect(f"{reverse('quality:scores')}?month={sample.month:%Y-%m}")
    items = [
        {
            "code": code,
            "label": label,
            "value": posted.get(code, ""),
            "note": posted.get(f"{code}_note", ""),
            "done": getattr(done, code) if done else None,
            "done_note": done.notes.get(code, "") if done else "",
        }
        for code, label in Item.choices
    ]
    return render(
        request,
        "quality/review.html",
        {
            "sample": sample,
            "review": done,
            "items": items,
            "points": list(range(ITEM_MAX + 1)),
            "can_score": svc.can_score(user) and done is None and sample.agent_id != user.pk,
            "error": error,
            "note": posted.get("note", ""),
        },
        status=400 if error else 200,
    )


# ----------------------------------------------------------------------------- flags


def _flags_url(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    return reverse("quality:flags")


def _flag_url(request: HttpRequest, flag_id: int) -> str:
    return reverse("quality:flag_detail", args=[flag_id])


@login_required
@require_GET
def flags(request: HttpRequest) -> HttpResponse:
    """Flags awaiting a decision, in force and past; numbers masked (PRIVACY-3)."""
    user: Any = request.user
    if not user.can("citizen.view"):
        return _forbidden(request)
    state = request.GET.get("state", "")[:10]
    if state not in {*FlagState.values, "expired", ""}:
        state = ""
    rows = sel.flag_list(user, state=state or None).prefetch_related("appeals")[:ROWS]
    now = timezone.now()
    return render(
        request,
        "quality/flags.html",
        {
            "flags": [(f, f.status(now)) for f in rows],
            "state": state,
            "states": [*FlagState.choices, ("expired", _("Expired"))],
            "reasons": FlagReason.choices,
            "supervisor": user.can("ticket.supervise"),
            "rule": svc.flag_rule() if user.can("policy.manage") else None,
            "phone": request.GET.get("phone", "")[:32],
            "ticket": request.GET.get("ticket", "")[:20],
        },
    )


@_action(_flags_url)
def flag_raise(request: HttpRequest) -> str:
    numbers = _text(request, "tickets", 2000).replace("，", ",").replace(" ", ",").split(",")
    svc.flag_raise(
        actor=request.user,
        phone=_text(request, "phone", 32),
        reason=_text(request, "reason", 8),
        note=_text(request, "note"),
        ticket_numbers=[n for n in numbers if n.strip()],
        request=request,
    )
    return _("The number was flagged; a supervisor will decide.")


@_action(_flags_url)
def flag_rule(request: HttpRequest) -> str:
    svc.flag_rule_set(
        actor=request.user,
        script=_text(request, "script"),
        validity_days=_int(_text(request, "validity_days", 5), _("Enter a whole number.")),
    )
    return _("The centre's rule for flagged numbers was saved.")


@login_required
@require_GET
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    """One flag with the number in full: the read is audited."""
    user: Any = request.user
    try:
        flag = sel.flag_get_for_user(user, flag_id, request=request)
    except NotFound:
        raise Http404 from None
    now = timezone.now()
    return render(
        request,
        "quality/flag.html",
        {
            "flag": flag,
            "status": flag.status(now),
            "in_force": flag.in_force(now),
            "appeals": list(flag.appeals.select_related("recorded_by", "decided_by")),
            "tickets": list(flag.tickets.all()),
            "supervisor": user.can("ticket.supervise"),
        },
    )


@_action(_flag_url)
def flag_decide(request: HttpRequest, flag_id: int) -> str:
    flag = sel.flag_peek(request.user, flag_id)
    confirm = _text(request, "decision", 10) == "confirm"
    svc.flag_decide(
        actor=request.user, flag=flag, confirm=confirm, note=_text(request, "note"), request=request
    )
    return _("The flag was confirmed.") if confirm else _("The flag was rejected.")


@_action(_flag_url)
def appeal_file(request: HttpRequest, flag_id: int) -> str:
    flag = sel.flag_peek(request.user, flag_id)
    svc.appeal_file(
        actor=request.user, flag=flag, grounds=_text(request, "grounds"), request=request
    )
    return _("The appeal was recorded; a supervisor will decide.")


def _appeal_flag_url(request: HttpRequest, appeal_id: int) -> str:
    try:
        appeal = sel.appeal_get_for_user(request.user, appeal_id)
    except NotFound:
        return reverse("quality:flags")
    return reverse("quality:flag_detail", args=[appeal.flag_id])


@_action(_appeal_flag_url)
def appeal_decide(request: HttpRequest, appeal_id: int) -> str:
    appeal = sel.appeal_get_for_user(request.user, appeal_id)
    uphold = _text(request, "decision", 10) == "uphold"
    svc.appeal_decide(
        actor=request.user,
        appeal=appeal,
        uphold=uphold,
        note=_text(request, "note"),
        request=request,
    )
    return (
        _("The appeal was upheld; the flag is lifted.")
        if uphold
        else _("The appeal was dismissed.")
    )
