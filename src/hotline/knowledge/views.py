"""Pages of the knowledge base: staff maintenance and review, and the public self-service page.

Views only validate input and call ``services``/``search``; a refused action (``DomainError``)
is shown next to the form.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from hotline.accounts.scope import scope_to_units, unit_scope_paths, units_visible_to
from hotline.core.edge import EdgeFormMixin
from hotline.core.errors import DomainError
from hotline.core.throttle import throttle_view
from hotline.directory.models import Unit
from hotline.knowledge import reports, services
from hotline.knowledge.models import (
    Article,
    ArticleVersion,
    Attachment,
    Contribution,
    Kind,
    Status,
)
from hotline.knowledge.search import kb_search


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.can(permission):  # type: ignore[union-attr]
        raise PermissionDenied


# --- public self-service (KB-2, KB-5) -----------------------------------------------------------


@throttle_view("kb-public")
def public_search(request: HttpRequest) -> HttpResponse:
    """The public page: search public articles in force and read them (no login)."""
    q = request.GET.get("q", "")[:500]
    results = kb_search(q, limit=20, public_only=True) if q.strip() else []
    return render(
        request,
        "knowledge/public_search.html",
        {"q": q, "results": results, "searched": bool(q.strip())},
    )


def _public_version(article_id: int) -> ArticleVersion:
    article = (
        Article.objects.select_related("live_version__unit")
        .filter(pk=article_id, live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .first()
    )
    if article is None or article.live_version is None:
        raise Http404
    version = article.live_version
    if not version.is_public or not version.is_valid_on(timezone.localdate()):
        raise Http404
    return version


#: The history's action codes as people read them (issue 19: never "created", "submitted").
EVENT_LABELS = {
    "created": gettext_lazy("Created"),
    "edited": gettext_lazy("Edited"),
    "imported": gettext_lazy("Imported"),
    "submitted": gettext_lazy("Submitted for review"),
    "returned": gettext_lazy("Returned for changes"),
    "approved": gettext_lazy("Approved"),
    "legal_approved": gettext_lazy("Legal review passed"),
    "published": gettext_lazy("Published"),
    "withdrawn": gettext_lazy("Withdrawn"),
    "attachment_added": gettext_lazy("Attachment added"),
    "contributed": gettext_lazy("Proposed by a citizen"),
}

_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def body_beyond_answer(body: str, answer: str) -> str:
    """Return ``body`` without the paragraphs that only repeat ``answer`` (issue 19: the demo
    answers read twice on the page); an empty string when nothing else is left."""
    said = re.sub(r"\s+", "", answer or "")
    if not said:
        return body
    repeats = {said, said.rstrip("。") + "。"}
    rest = _PARAGRAPH.sub(
        lambda m: "" if re.sub(r"\s+", "", m.group(1)) in repeats else m.group(0), body or ""
    )
    return rest if rest.strip() else ""


def public_article(request: HttpRequest, article_id: int) -> HttpResponse:
    version = _public_version(article_id)
    attachments = version.article.attachments.all()
    return render(
        request,
        "knowledge/public_article.html",
        {
            "version": version,
            "attachments": attachments,
            "body": body_beyond_answer(version.body, version.answer),
        },
    )


class ContributionForm(EdgeFormMixin, forms.Form):
    question = forms.CharField(label=gettext_lazy("Your question"), max_length=200)
    answer = forms.CharField(
        label=gettext_lazy("The answer you propose"), widget=forms.Textarea, max_length=5000
    )
    contributor_name = forms.CharField(
        label=gettext_lazy("Name to credit (optional)"), max_length=50, required=False
    )
    contact = forms.CharField(
        label=gettext_lazy("Contact (optional)"), max_length=100, required=False
    )
    # A field people never see: bots fill it in.
    website = forms.CharField(required=False, widget=forms.HiddenInput)


@throttle_view("kb-propose", methods=("POST",))
def public_propose(request: HttpRequest) -> HttpResponse:
    """KB-5: propose an answer; the centre reviews it before it enters the knowledge base."""
    form = ContributionForm(request.POST or None, initial={"question": request.GET.get("q", "")})
    done = False
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            done = True  # quietly drop what a bot sent
        else:
            try:
                services.contribution_create(
                    question=form.cleaned_data["question"],
                    answer=form.cleaned_data["answer"],
                    contributor_name=form.cleaned_data["contributor_name"],
                    contact=form.cleaned_data["contact"],
                )
                done = True
            except DomainError as exc:
                form.add_error(None, exc.message)
    return render(request, "knowledge/public_propose.html", {"form": form, "done": done})


# --- staff: articles ----------------------------------------------------------------------------


class ArticleForm(EdgeFormMixin, forms.Form):
    unit = forms.ModelChoiceField(label=gettext_lazy("Owning unit"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Kind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    answer = forms.CharField(
        label=gettext_lazy("Answer wording (read out by agents)"),
        widget=forms.Textarea,
        required=False,
        max_length=20_000,
    )
    body = forms.CharField(
        label=gettext_lazy("Body (HTML)"), widget=forms.Textarea, required=False, max_length=200_000
    )
    keywords = forms.CharField(label=gettext_lazy("Keywords"), required=False)
    synonyms = forms.CharField(label=gettext_lazy("Synonyms"), required=False)
    area_codes = forms.CharField(label=gettext_lazy("Area codes"), required=False)
    is_public = forms.BooleanField(label=gettext_lazy("Public"), required=False, initial=True)
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), required=False)
    valid_to = forms.DateField(label=gettext_lazy("Valid to"), required=False)
    source_document = forms.CharField(
        label=gettext_lazy("Source document"), required=False, max_length=200
    )
    source_released_on = forms.DateField(label=gettext_lazy("Source release date"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units_visible_to(user)  # type: ignore[attr-defined]

    def article_input(self) -> services.ArticleInput:
        d = self.cleaned_data
        return services.ArticleInput(
            title=d["title"],
            kind=d["kind"],
            body=d["body"],
            answer=d["answer"],
            keywords=d["keywords"],
            synonyms=d["synonyms"],
            is_public=d["is_public"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
            source_document=d["source_document"],
            source_released_on=d["source_released_on"],
            area_codes=d["area_codes"].replace(",", " ").split(),
        )


def _initial(article: Article) -> dict[str, Any]:
    return {
        "unit": article.unit_id,
        "kind": article.kind,
        "title": article.title,
        "answer": article.answer,
        "body": article.body,
        "keywords": " ".join(article.keywords),
        "synonyms": " ".join(article.synonyms),
        "area_codes": " ".join(a.code for a in article.areas.all()),
        "is_public": article.is_public,
        "valid_from": article.valid_from,
        "valid_to": article.valid_to,
        "source_document": article.source_document,
        "source_released_on": article.source_released_on,
    }


@login_required
def article_list(request: HttpRequest) -> HttpResponse:
    """Search (what agents use while the citizen talks) and the articles the user maintains."""
    _require(request, "kb.view")
    q = request.GET.get("q", "")[:500]
    kind = request.GET.get("kind", "")
    kind = kind if kind in Kind.values else ""
    status = request.GET.get("status", "")
    results = kb_search(q, limit=20, kind=kind, public_only=False) if q.strip() else []
    mine = scope_to_units(
        request.user,  # type: ignore[arg-type]
        Article.objects.select_related("unit", "live_version"),
        "unit",
    )
    user: Any = request.user
    everything = unit_scope_paths(user) is None
    if everything and not user.can("kb.review"):
        # Issue 19: a centre agent reaches every unit, but another unit's drafts are not theirs
        # to read; they see their own unit's entries and the others' published ones.
        mine = mine.filter(Q(unit_id=user.unit_id) | Q(live_version__isnull=False))
    if kind:
        mine = mine.filter(kind=kind)
    if status in Status.values:
        mine = mine.filter(status=status)
    page = Paginator(mine.order_by("-updated_at"), 30).get_page(request.GET.get("page"))
    today = timezone.localdate()
    expiring = mine.filter(
        status=Status.PUBLISHED,
        live_version__valid_to__gte=today,
        live_version__valid_to__lte=today + timedelta(days=settings.KB_EXPIRY_WARNING_DAYS),
    ).order_by("live_version__valid_to")[:50]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "knowledge/article_list.html",
        {
            "q": q,
            "kind": kind,
            "status": status,
            "kinds": Kind.choices,
            "statuses": Status.choices,
            "results": results,
            "page": page,
            "expiring": expiring,
            "query": query.urlencode(),
            "everything": everything,
        },
    )


def _article_for_user(request: HttpRequest, article_id: int) -> Article:
    """Return the article whose working copy the user may read and change; otherwise 404.

    Scoped exactly as the knowledge API scopes drafts: the working copy (a draft, one in
    review, a returned one) belongs to its unit, so only the owning unit (and its parents'
    administrators) and the centre reach it. Everybody with ``kb.view`` reads the published
    versions, like ``GET /api/v1/kb/articles/{id}``.
    """
    _require(request, "kb.view")
    articles = scope_to_units(
        request.user,  # type: ignore[arg-type]
        Article.objects.select_related("unit", "live_version", "reviewed_by"),
        "unit",
    )
    return get_object_or_404(articles, pk=article_id)


def _live_number(article_id: int) -> int | None:
    """Return the number of the article's published version in force, if it has one."""
    article = (
        Article.objects.select_related("live_version")
        .filter(pk=article_id, live_version__isnull=False)
        .exclude(status=Status.WITHDRAWN)
        .first()
    )
    return article.live_version.number if article and article.live_version else None


@login_required
def article_new(request: HttpRequest) -> HttpResponse:
    _require(request, "kb.draft")
    user: Any = request.user
    form = ArticleForm(request.POST or None, user=user, initial={"unit": user.unit_id})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=user, unit=form.cleaned_data["unit"], data=form.article_input()
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article_detail", article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": None})


@login_required
def article_edit(request: HttpRequest, article_id: int) -> HttpResponse:
    _require(request, "kb.draft")
    article = _article_for_user(request, article_id)
    user: Any = request.user
    form = ArticleForm(request.POST or None, user=user, initial=_initial(article))
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["unit"].pk != article.unit_id and user.is_centre_staff:
                Article.objects.filter(pk=article.pk).update(unit=form.cleaned_data["unit"])
                article.refresh_from_db()
            services.article_update(actor=user, article=article, data=form.article_input())
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Draft saved."))
            return redirect("knowledge:article_detail", article.pk)
    return render(request, "knowledge/article_form.html", {"form": form, "article": article})


@login_required
def article_detail(request: HttpRequest, article_id: int) -> HttpResponse:
    """The working copy with its history, for its unit and the centre.

    Another unit's user is sent to the published version (as the API shows it), or gets 404
    when there is none: another unit's draft is never shown.
    """
    try:
        article = _article_for_user(request, article_id)
    except Http404:
        number = _live_number(article_id)
        if number is None:
            raise
        return redirect("knowledge:article_version", article_id, number)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "live": article.live_version,
            "versions": article.versions.select_related("published_by").all(),
            "events": article.events.select_related("actor").all(),
            "clocks": article.release_clocks.all(),
            "attachments": article.attachments.all(),
            "body": body_beyond_answer(article.body, article.answer),
            "event_labels": EVENT_LABELS,
        },
    )


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """An attachment: anyone for a public article in force, staff (``kb.view``) otherwise."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("article__live_version"), pk=pk
    )
    version = attachment.article.live_version
    public = (
        version is not None
        and attachment.article.status != Status.WITHDRAWN
        and version.is_public
        and version.is_valid_on(timezone.localdate())
    )
    user: Any = request.user
    if not public and not (user.is_authenticated and user.can("kb.view")):
        raise Http404
    if not public and _live_number(attachment.article_id) is None:
        # An unpublished article's files belong to its working copy: same scope as the draft.
        owned = scope_to_units(user, Article.objects.filter(pk=attachment.article_id), "unit")
        if not owned.exists():
            raise Http404
    try:
        handle = attachment.file.open("rb")
    except OSError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=attachment.name)


@login_required
@require_POST
def attachment_add(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article_for_user(request, article_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file."))
    else:
        try:
            services.attachment_add(actor=request.user, article=article, upload=upload)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
    return redirect("knowledge:article_detail", article.pk)


@login_required
def article_version(request: HttpRequest, article_id: int, number: int) -> HttpResponse:
    _require(request, "kb.view")
    version = get_object_or_404(
        ArticleVersion.objects.select_related("article", "unit"),
        article_id=article_id,
        number=number,
    )
    return render(request, "knowledge/article_version.html", {"version": version})


@login_required
@require_POST
def article_action(request: HttpRequest, article_id: int) -> HttpResponse:
    """Submit, approve, legal-approve, return or withdraw (one service call each)."""
    article = _article_for_user(request, article_id)
    action = request.POST.get("action", "")
    comment = request.POST.get("comment", "")[:2000]
    user: Any = request.user
    try:
        if action == "submit":
            services.article_submit(actor=user, article=article)
        elif action == "approve":
            services.article_review(actor=user, article=article, approve=True, comment=comment)
        elif action == "legal_approve":
            services.article_legal_review(
                actor=user, article=article, approve=True, comment=comment
            )
        elif action == "return":
            services.article_review(actor=user, article=article, approve=False, comment=comment)
        elif action == "withdraw":
            services.article_withdraw(actor=user, article=article, comment=comment)
        else:
            messages.error(request, _("Unknown action."))
            return redirect("knowledge:article_detail", article.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("knowledge:article_detail", article.pk)


# --- staff: review queue, contributions, timeliness ---------------------------------------------


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """The centre's queue: articles awaiting review or legal review, and public proposals."""
    _require(request, "kb.review")
    waiting = Article.objects.select_related("unit").filter(
        status__in=[Status.SUBMITTED, Status.LEGAL_REVIEW]
    )
    contributions = Contribution.objects.filter(state=Contribution.State.PENDING)
    return render(
        request,
        "knowledge/review_queue.html",
        {"waiting": waiting.order_by("updated_at"), "contributions": contributions[:100]},
    )


@login_required
def contribution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, "kb.review")
    contribution = get_object_or_404(Contribution, pk=pk)
    if request.method == "POST":
        accept = request.POST.get("decision") == "accept"
        unit = Unit.objects.filter(code=request.POST.get("unit", "")).first()
        try:
            services.contribution_review(
                actor=request.user,
                contribution=contribution,
                accept=accept,
                unit=unit,
                title=request.POST.get("title", "")[:200],
                answer=request.POST.get("answer", "")[:5000],
                note=request.POST.get("note", "")[:2000],
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Done."))
            return redirect("knowledge:review_queue")
    return render(
        request,
        "knowledge/contribution_detail.html",
        {"c": contribution, "units": Unit.objects.filter(active=True).order_by("path")[:200]},
    )


@login_required
def timeliness_report(request: HttpRequest) -> HttpResponse:
    """KB-3: per unit, how many knowledge updates were published within the limit."""
    _require(request, "kb.report")
    today = timezone.localdate()
    start = _date(request.GET.get("from")) or today.replace(month=1, day=1)
    end = _date(request.GET.get("to")) or today
    rows = reports.timeliness_by_unit(
        units_visible_to(request.user),  # type: ignore[arg-type]
        start=start,
        end=end,
    )
    open_clocks = reports.open_clocks(units_visible_to(request.user))  # type: ignore[arg-type]
    return render(
        request,
        "knowledge/timeliness.html",
        {"rows": rows, "open_clocks": open_clocks, "start": start, "end": end},
    )


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
