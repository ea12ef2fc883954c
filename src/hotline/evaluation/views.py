"""The evaluation pages: rounds and ranking, one round on one page, its PDF, the trends.

Every change goes through a service; a refusal comes back as a message above the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from hotline.core.errors import DomainError, InvalidInput, NotFound
from hotline.directory.models import Unit
from hotline.evaluation import selectors as sel
from hotline.evaluation import services as svc
from hotline.evaluation.indicators import indicators_compute
from hotline.evaluation.models import Evidence, Rectification, Round
from hotline.evaluation.pdf import round_pdf


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


def _date(value: str, *, required: bool = True) -> date | None:
    value = value.strip()
    if not value and not required:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(_("Enter dates such as 2026-10-31.")) from None


def _int(value: str, label: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise InvalidInput(_("%(field)s must be a whole number.") % {"field": label}) from None


def _round(request: HttpRequest, round_id: int) -> Round:
    return sel.round_get_for_user(request.user, round_id)


def _action(view: Callable[..., tuple[str, str]]) -> Callable[..., HttpResponse]:
    """A POST that runs one service; it returns (message, where to go back)."""

    @login_required
    @require_POST
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        back = request.POST.get("back", "")
        try:
            message, back = view(request, *args, **kwargs)
            messages.success(request, message)
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            messages.error(request, exc.message)
            if "round_id" in kwargs:
                back = reverse("evaluation:round", args=[kwargs["round_id"]])
        if not back.startswith("/evaluation/"):
            back = reverse("evaluation:index")
        return HttpResponseRedirect(back)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _round_url(rnd: Round | int, anchor: str = "") -> str:
    pk = rnd if isinstance(rnd, int) else rnd.pk
    return reverse("evaluation:round", args=[pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Rounds, the year's ranking, and for evaluators the forms to open rounds."""
    user: Any = request.user
    manager = user.can("evaluation.manage")
    rounds = list(sel.rounds_visible_to(user).order_by("-year", "centre__code")[:200])
    if not manager and not rounds:
        return _forbidden(request)
    years = sorted({r.year for r in rounds}, reverse=True)
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = years[0] if years else timezone.localdate().year
    context = {
        "manager": manager,
        "rounds": rounds,
        "years": years,
        "year": year,
        "ranking": sel.ranking(year, user),
        "standards": svc.standards_available(),
        "centres": Unit.objects.filter(active=True).order_by("code")[:500] if manager else [],
        "this_year": timezone.localdate().year,
    }
    return render(request, "evaluation/index.html", context)


@login_required
@require_GET
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    """One round on one page: stages, scores clause by clause, computed indicators,
    deductions, lost points explained, rectification, and last round's items."""
    user: Any = request.user
    try:
        rnd = _round(request, round_id)
    except NotFound:
        raise Http404 from None
    view = sel.round_view(rnd)
    computed = indicators_compute(
        view.standard, centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    )
    context = {
        "v": view,
        "r": rnd,
        "manager": user.can("evaluation.manage"),
        "centre_staff": user.unit_id == rnd.centre_id,
        "computed": computed,
        "tracks": Rectification.Track.choices,
        "today": timezone.localdate(),
    }
    return render(request, "evaluation/round.html", context)


@login_required
@require_GET
def round_report(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's report as PDF."""
    try:
        rnd = _round(request, round_id)
    except NotFound:
        raise Http404 from None
    response = HttpResponse(round_pdf(sel.round_view(rnd)), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="evaluation-{rnd.centre.code}-{rnd.year}.pdf"'
    )
    return response


@login_required
@require_GET
def evidence_file(request: HttpRequest, evidence_id: int) -> FileResponse:
    """An evidence file, for those who may see its round."""
    evidence = Evidence.objects.filter(
        pk=evidence_id, round__in=sel.rounds_visible_to(request.user)
    ).first()
    if evidence is None or not evidence.file:
        raise Http404
    return FileResponse(
        evidence.file.open("rb"),
        as_attachment=evidence.kind != Evidence.Kind.PHOTO,
        filename=evidence.name,
        content_type=evidence.content_type,
    )


@login_required
@require_GET
def trend(request: HttpRequest, unit_id: int) -> HttpResponse:
    """A centre's total and every indicator across the years."""
    try:
        years, lines = sel.trend(unit_id, request.user)
    except NotFound:
        raise Http404 from None
    centre = Unit.objects.get(pk=unit_id)
    return render(
        request, "evaluation/trend.html", {"centre": centre, "years": years, "lines": lines}
    )


@_action
def round_create(request: HttpRequest) -> tuple[str, str]:
    centre = Unit.objects.filter(code=_text(request, "centre", 32).strip(), active=True).first()
    if centre is None:
        raise InvalidInput(_("Choose a centre."))
    rnd = svc.round_create(
        actor=request.user,
        centre=centre,
        year=_int(_text(request, "year", 8), _("Year")),
        standard=_text(request, "standard", 40).strip(),
        period_start=_date(_text(request, "period_start", 20), required=False),
        period_end=_date(_text(request, "period_end", 20), required=False),
        formal_on=_date(_text(request, "formal_on", 20), required=False),
    )
    return _("Evaluation round opened."), _round_url(rnd)


@_action
def standard_load(request: HttpRequest) -> tuple[str, str]:
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput(_("Choose a standard file (YAML)."))
    if (upload.size or 0) > 1024 * 1024:
        raise InvalidInput(_("The file is too large."))
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file is not UTF-8 text.")) from None
    row = svc.standard_load(actor=request.user, text=text, name=upload.name or "")
    return _("Standard %(code)s loaded.") % {"code": row.code}, reverse("evaluation:index")


@_action
def formal_date(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    day = _date(_text(request, "formal_on", 20))
    if day is None:
        raise InvalidInput(_("Enter dates such as 2026-10-31."))
    svc.round_set_formal_date(actor=request.user, round=rnd, formal_on=day)
    return _("Formal evaluation date set; the mock evaluation moved with it."), _round_url(
        rnd, "stages"
    )


@_action
def stage_update(request: HttpRequest, round_id: int, step: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    stage = rnd.stages.filter(step=step).first()
    if stage is None:
        raise NotFound()
    svc.stage_update(
        actor=request.user,
        stage=stage,
        owner_name=_text(request, "owner", 200).strip() or None,
        note=_text(request, "note"),
        done=request.POST.get("done") == "1",
    )
    return _("Stage updated."), _round_url(rnd, "stages")


@_action
def score(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    indicator = _text(request, "indicator", 16).strip()
    std = svc.standard_get(rnd.standard)
    computed = indicators_compute(
        std, centre_id=rnd.centre_id, start=rnd.period_start, end=rnd.period_end
    ).get(indicator)
    svc.score_record(
        actor=request.user,
        round=rnd,
        indicator=indicator,
        points=_text(request, "points", 10).strip(),
        lost_reason=_text(request, "lost_reason"),
        computed=computed.as_json() if computed else None,
        overrule_reason=_text(request, "overrule_reason"),
    )
    return _("Score of %(indicator)s saved.") % {"indicator": indicator}, _round_url(
        rnd, f"ind-{indicator}"
    )


@_action
def evidence_add(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    indicator = _text(request, "indicator", 16).strip()
    svc.evidence_add(
        actor=request.user,
        round=rnd,
        indicator=indicator,
        clause=_text(request, "clause", 16).strip(),
        note=_text(request, "note"),
        upload=request.FILES.get("file"),
    )
    return _("Evidence filed."), _round_url(rnd, f"ind-{indicator}")


@_action
def deduction_add(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    svc.deduction_record(
        actor=request.user,
        round=rnd,
        kind=_text(request, "kind", 32).strip(),
        description=_text(request, "description"),
    )
    return _("Deduction recorded."), _round_url(rnd, "deductions")


@_action
def rectification_open(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    raw_days = _text(request, "working_days", 4).strip()
    svc.rectification_open(
        actor=request.user,
        round=rnd,
        indicator=_text(request, "indicator", 16).strip(),
        measure=_text(request, "measure"),
        owner_name=_text(request, "owner", 100),
        deadline=_date(_text(request, "deadline", 20), required=False),
        working_days=_int(raw_days, _("Working days")) if raw_days else None,
        track=_text(request, "track", 10).strip() or Rectification.Track.PLANNED,
    )
    return _("Rectification item opened."), _round_url(rnd, "rectification")


@_action
def rectification_done(request: HttpRequest, item_id: int) -> tuple[str, str]:
    item = sel.rectification_get_for_user(request.user, item_id)
    svc.rectification_done(actor=request.user, item=item, note=_text(request, "note"))
    return _("Reported as fixed."), _round_url(item.round_id, "rectification")


@_action
def rectification_close(request: HttpRequest, item_id: int) -> tuple[str, str]:
    item = sel.rectification_get_for_user(request.user, item_id)
    svc.rectification_close(actor=request.user, item=item, note=_text(request, "note"))
    return _("Rectification item closed."), _round_url(item.round_id, "rectification")


@_action
def round_finish(request: HttpRequest, round_id: int) -> tuple[str, str]:
    rnd = _round(request, round_id)
    svc.round_finish(actor=request.user, round=rnd)
    return _("The round is finished."), _round_url(rnd)
