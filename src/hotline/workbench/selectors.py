"""Queries behind the screens: queues, counts by light, a caller's history.

The unit suggestions moved to ``suggest`` (``suggest.services.suggest``).

Every ticket query starts from ``tickets.access.tickets_visible_to`` (or
``tickets.selectors.tickets_filtered``), so no screen can show a ticket its user may not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.scope import scope_to_units
from hotline.callbacks.models import DueCallback, DueState
from hotline.citizens.models import Citizen
from hotline.directory.models import Area, Unit
from hotline.notifications.models import InboxItem
from hotline.policy import labels as policy_labels
from hotline.policy.deadline import PolicyInputError, deadline_answer
from hotline.policy.profiles import escalation_kinds, load_profile
from hotline.policy.services import calendar_current
from hotline.tickets import labels
from hotline.tickets.access import tickets_citizen_hidden_q, tickets_visible_to
from hotline.tickets.models import (
    Assignment,
    CitizenNotice,
    Deadline,
    ExtensionRequest,
    Ticket,
    TicketEvent,
)
from hotline.tickets.transitions import State
from hotline.workbench.models import SavedFilter

#: States in which a ticket is with a handling unit.
UNIT_OPEN = (State.DISPATCHED, State.SIGNED, State.IN_PROGRESS)
#: States in which a ticket is finished for everybody but the archive.
FINISHED = (
    State.ANSWERED,
    State.NOT_ACCEPTED,
    State.CLOSED,
    State.TRANSFERRED,
    State.ARCHIVED,
    State.NAVIGATED,
)
#: States that wait for the centre to review, dispatch or re-dispatch.
DISPATCH_WAITING = (State.REGISTERED, State.REVIEWED, State.RETURNED)
LIGHTS = ("overdue", "warning", "normal")


def _values(states: tuple[State, ...]) -> list[str]:
    return [s.value for s in states]


def with_light(tickets: QuerySet[Ticket], now: datetime) -> Any:
    """Annotate ``light_rank`` (0 overdue, 1 warning, 2 normal) and ``next_due``."""
    open_ = Deadline.objects.filter(ticket=OuterRef("pk"), met_at__isnull=True)
    annotated: Any = tickets.annotate(
        light_rank=Case(
            When(Exists(open_.filter(due_at__lte=now)), then=Value(0)),
            When(Exists(open_.filter(warn_at__lte=now)), then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        next_due=Subquery(
            open_.filter(due_at__isnull=False).order_by("due_at").values("due_at")[:1]
        ),
    )
    return annotated


def by_light_first(tickets: QuerySet[Ticket], now: datetime) -> Any:
    """Return ``tickets`` ordered overdue first, then warning, then by next due time."""
    annotated: Any = with_light(tickets, now)
    return annotated.order_by("light_rank", F("next_due").asc(nulls_last=True), "registered_at")


def light_counts(tickets: QuerySet[Ticket], now: datetime) -> dict[str, int]:
    """Return how many of ``tickets`` are overdue, warning and normal (one query)."""
    counts = dict.fromkeys(LIGHTS, 0)
    annotated: Any = with_light(tickets, now)
    for rank in annotated.values_list("light_rank", flat=True):
        counts[LIGHTS[rank]] += 1
    counts["total"] = sum(counts[light] for light in LIGHTS)
    return counts


def unit_inbox(user: Any) -> QuerySet[Ticket]:
    """Return the open tickets whose current lead unit is the user's (or a sub-unit's), and
    those where it assists and still owes its contribution (DISPATCH-4).

    A ticket the unit returned, or that went on to another unit, stays visible on its page
    but leaves the inbox.
    """
    leads = scope_to_units(
        user,
        Assignment.objects.filter(ticket=OuterRef("pk"), active=True, role=Assignment.Role.LEAD),
        "unit",
    )
    assists = scope_to_units(user, _assisting_open(), "unit")
    return (
        tickets_visible_to(user)
        .filter(state__in=_values(UNIT_OPEN))
        .filter(Exists(leads) | Exists(assists))
    )


def _assisting_open() -> QuerySet[Assignment]:
    """Active assisting assignments still owing their contribution (DISPATCH-4)."""
    return Assignment.objects.filter(
        ticket=OuterRef("pk"),
        active=True,
        role=Assignment.Role.ASSIST,
        contributed_at__isnull=True,
        waived_reason="",
    )


def unit_inbox_assisting(user: Any, tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Return those of the inbox's ``tickets`` where the user's unit assists (DISPATCH-4)."""
    return tickets.filter(Exists(scope_to_units(user, _assisting_open(), "unit")))


def liaison_prompt(ticket: Ticket) -> bool:
    """Return whether the agent is still to phone the lead unit's liaison (DISPATCH-3): an
    urgent ticket under a profile that says so, with no call reached since the last dispatch."""
    if not ticket.urgent or not load_profile(ticket.profile).urgent.phone_liaison:
        return False
    lead = ticket.assignments.filter(active=True, role=Assignment.Role.LEAD).first()
    if lead is None:
        return False
    return not ticket.events.filter(
        action="ticket.liaison.called", at__gte=lead.dispatched_at, payload__reached=True
    ).exists()


def dispatch_queue(user: Any) -> QuerySet[Ticket]:
    """Return tickets waiting for the centre: review, dispatch or re-dispatch after a return."""
    return (
        tickets_visible_to(user)
        .filter(state__in=_values(DISPATCH_WAITING))
        .select_related("area")
        .order_by("-urgent", "registered_at")
    )


def deferred_answers(user: Any) -> QuerySet[Ticket]:
    """Return tickets whose answer was deferred (ANSWER-2), oldest first."""
    return tickets_visible_to(user).filter(state=State.ANSWER_DEFERRED.value)


def callback_queue(user: Any) -> QuerySet[Ticket]:
    """Return the tickets due for a callback (the ``callbacks`` app's queue: every ticket,
    sampled, supervised, feedback sheet), the earliest due first, with the reason and tries."""
    due = DueCallback.objects.filter(ticket=OuterRef("pk"), state=DueState.OPEN).order_by("due_at")
    return (
        tickets_visible_to(user)
        .filter(Exists(due))
        .select_related("citizen")
        .annotate(
            callback_due=Subquery(due.values("due_at")[:1]),
            callback_reason=Subquery(due.values("reason")[:1]),
            callback_attempts=Subquery(due.values("attempts")[:1]),
        )
        .order_by(F("callback_due").asc(nulls_last=True), "registered_at")
    )


def dissatisfied_queue(user: Any) -> QuerySet[Ticket]:
    """Return tickets whose callback found the citizen dissatisfied (CALLBACK-3)."""
    return tickets_visible_to(user).filter(state=State.DISSATISFIED.value)


def last_events(tickets: list[Ticket], action: str) -> dict[int, TicketEvent]:
    """Return each ticket's latest event of ``action`` (one query)."""
    found: dict[int, TicketEvent] = {}
    events = TicketEvent.objects.filter(ticket__in=tickets, action=action).order_by("at", "id")
    for event in events:
        found[event.ticket_id] = event
    return found


def pending_extensions(user: Any) -> QuerySet[ExtensionRequest]:
    """Return extension requests awaiting the centre's decision (HANDLE-5)."""
    return (
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.PENDING, ticket__in=tickets_visible_to(user)
        )
        .select_related("ticket", "unit", "deadline")
        .order_by("requested_at")
    )


def recent_breaches(user: Any, now: datetime, days: int = 7) -> QuerySet[Deadline]:
    """Return deadlines breached in the last ``days`` days, the latest first."""
    return (
        Deadline.objects.filter(
            ticket__in=tickets_visible_to(user),
            due_at__lte=now,
            due_at__gte=now - timedelta(days=days),
        )
        .filter(Q(met_at__isnull=True) | Q(met_at__gt=F("due_at")))
        .select_related("ticket", "assignment__unit")
        .order_by("-due_at")
    )


@dataclass
class UnitRow:
    unit: Unit | None
    overdue: int = 0
    warning: int = 0
    normal: int = 0

    @property
    def total(self) -> int:
        return self.overdue + self.warning + self.normal


def board_rows(user: Any, now: datetime) -> tuple[dict[str, int], list[UnitRow]]:
    """Return the open tickets' counts by light, overall and per lead unit (three queries).

    Tickets still at the centre (registered, reviewed, returned, deferred) count under a row
    without a unit.
    """
    open_ids = tickets_visible_to(user).exclude(state__in=_values(FINISHED)).values("pk")
    lights: dict[int, str] = {}
    for ticket_id, due_at, warn in Deadline.objects.filter(
        ticket_id__in=open_ids, met_at__isnull=True
    ).values_list("ticket_id", "due_at", "warn_at"):
        current = lights.get(ticket_id, "normal")
        if due_at is not None and now >= due_at:
            lights[ticket_id] = "overdue"
        elif warn is not None and now >= warn and current != "overdue":
            lights[ticket_id] = "warning"
        else:
            lights.setdefault(ticket_id, "normal")
    leads = dict(
        Assignment.objects.filter(
            ticket_id__in=open_ids, active=True, role=Assignment.Role.LEAD
        ).values_list("ticket_id", "unit_id")
    )
    units = Unit.objects.in_bulk(set(leads.values()))
    rows: dict[int | None, UnitRow] = {}
    totals = dict.fromkeys(LIGHTS, 0)
    for ticket_id in open_ids.values_list("pk", flat=True):
        unit_id = leads.get(ticket_id)
        row = rows.setdefault(unit_id, UnitRow(unit=units.get(unit_id) if unit_id else None))
        light = lights.get(ticket_id, "normal")
        setattr(row, light, getattr(row, light) + 1)
        totals[light] += 1
    totals["total"] = sum(totals[light] for light in LIGHTS)
    ordered = sorted(
        rows.values(), key=lambda r: (-r.overdue, -r.warning, -r.total, r.unit is None)
    )
    return totals, ordered


def units_for_filter() -> QuerySet[Unit]:
    """Return the units the ticket list's type-ahead offers (every unit but the centre)."""
    return (
        Unit.objects.exclude(kind=Unit.Kind.CENTRE)
        .only("code", "name", "short_name", "path")
        .order_by("path")
    )


def saved_filters(user: Any) -> QuerySet[SavedFilter]:
    """Return the user's saved ticket-list filters, by name."""
    return SavedFilter.objects.filter(user=user).order_by("name", "id")


def units_for_dispatch() -> QuerySet[Unit]:
    """Return the units a ticket may be dispatched to (joined, active, not the centre)."""
    return (
        Unit.objects.filter(active=True, joined=True)
        .exclude(kind=Unit.Kind.CENTRE)
        .only("code", "name", "short_name", "path")
        .order_by("path")
    )


def areas_all() -> QuerySet[Area]:
    """Return the gazetteer for the type-ahead, in tree order."""
    return Area.objects.select_related("parent__parent").order_by("path")


def area_resolve(text: str) -> tuple[Area | None, str]:
    """Return the area named by ``text`` (a code, "name（code）", a name or an alias).

    The second value is an error message when the text names no area or several.
    """
    text = text.strip()
    if not text:
        return None, ""
    code = _code_in(text)
    if code:
        area = Area.objects.filter(code=code).first()
        if area is not None:
            return area, ""
    exact = [a for a in Area.objects.all() if a.name == text or text in (a.aliases or [])]
    named = [a for a in exact if a.name == text]
    if len(named) == 1:
        return named[0], ""
    if len(exact) == 1:
        return exact[0], ""
    if exact:
        return None, f"有多个区域与“{text}”相符，请从列表中选择。"
    return None, f"找不到区域“{text}”，请从列表中选择。"


def unit_find(text: str) -> Unit | None:
    """Return the unit named by ``text`` (a code, "name（code）", a name or short name), any
    unit at all (lists filter by units that can no longer receive tickets too)."""
    text = text.strip()
    if not text:
        return None
    code = _code_in(text) or text
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        matches = list(Unit.objects.filter(Q(name=text) | Q(short_name=text))[:2])
        unit = matches[0] if len(matches) == 1 else None
    return unit


def unit_resolve(text: str) -> tuple[Unit | None, str]:
    """Return the unit named by ``text`` (a code, "name（code）", a name or short name)."""
    text = text.strip()
    if not text:
        return None, ""
    unit = unit_find(text)
    if unit is None:
        return None, f"找不到单位“{text}”，请从列表中选择。"
    if not unit.can_receive_tickets:
        return None, f"单位“{unit.name}”已停用、尚未接入系统或是热线中心本身，不能派单。"
    return unit, ""


def _code_in(text: str) -> str:
    """Return the code in "name（CODE）" or "name (CODE)", or the text itself if it is a code."""
    for open_, close in (("（", "）"), ("(", ")")):
        if text.endswith(close) and open_ in text:
            return text[text.rindex(open_) + 1 : -1].strip()
    return text if " " not in text and text.isascii() else ""


def caller_history(user: Any, citizens: list[Citizen], limit: int = 10) -> list[Ticket]:
    """Return the earlier tickets of ``citizens``, open ones first, then the latest."""
    if not citizens:
        return []
    tickets = (
        tickets_visible_to(user)
        .filter(citizen__in=citizens)
        # PRIVACY-2: never list a ticket on which these citizens are hidden from the user.
        .exclude(tickets_citizen_hidden_q(user))
        .annotate(
            finished=Case(
                When(state__in=_values(FINISHED), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("finished", "-registered_at")
    )
    return list(tickets[:limit])


@dataclass
class Preview:
    """A time limit shown before saving: what the calculator says for a clock."""

    label: str
    text: str
    basis: str
    due_at: datetime | None


def limits_preview(
    *, category: str, urgent: bool, complex_: bool, now: datetime, clocks: tuple[str, ...]
) -> list[Preview]:
    """Return the limits ``clocks`` would get if the ticket were dispatched ``now``."""
    profile = settings.HOTLINE_PROFILE
    calendar = calendar_current()
    previews = []
    for clock in clocks:
        try:
            answer = deadline_answer(
                profile=profile,
                clock=clock,
                category=category or None,
                complex=complex_,
                urgent=urgent,
                start=now,
                calendar=calendar,
            )
        except PolicyInputError:
            continue
        previews.append(
            Preview(
                label=labels.clock_label(clock),
                text=_limit_text(answer.unit, answer.length),
                basis=answer.basis,
                due_at=answer.due_at,
            )
        )
    return previews


def _limit_text(unit: object, length: int | None) -> str:
    """Return a limit as people read it ("15个工作日", "15 working days")."""
    return policy_labels.limit_text(unit, length)


def not_accepted_reasons() -> list[Any]:
    """Return the profile's not-accepted reasons with their referrals (SCOPE-2, SCOPE-4)."""
    return list(load_profile(settings.HOTLINE_PROFILE).scope.not_accepted)


def inbox_unread(user: Any) -> int:
    """Return how many in-app notifications the user has not read."""
    return InboxItem.objects.filter(user=user, read_at__isnull=True).count()


@dataclass
class Todo:
    label: str
    count: int | None
    url: str
    tone: str = ""


def todo_for(user: Any, role: str, now: datetime) -> list[Todo]:
    """Return what ``role`` has to do now, each with a count and the screen that does it."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    items: list[Todo] = []
    if role == "agent":
        items.append(Todo(_("Take the next call"), None, reverse("workbench:desk")))
        items.append(
            Todo(
                _("Deferred answers to give"),
                deferred_answers(user).count(),
                reverse("workbench:ticket_list") + "?state=answer_deferred",
                "warn",
            )
        )
        if not load_profile(settings.HOTLINE_PROFILE).review.required:
            items.append(
                Todo(
                    _("Tickets awaiting dispatch"),
                    dispatch_queue(user).count(),
                    reverse("workbench:dispatch_queue"),
                )
            )
    elif role == "reviewer":
        queue = dispatch_queue(user)
        items.append(
            Todo(
                _("Tickets to review or dispatch"),
                queue.exclude(state=State.RETURNED.value).count(),
                reverse("workbench:dispatch_queue"),
            )
        )
        items.append(
            Todo(
                _("Returned tickets to re-dispatch"),
                queue.filter(state=State.RETURNED.value).count(),
                reverse("workbench:dispatch_queue") + "?state=returned",
                "warn",
            )
        )
        items.append(
            Todo(
                _("Extension requests to decide"),
                pending_extensions(user).count(),
                reverse("workbench:board") + "#extensions",
            )
        )
    elif role == "callback":
        items.append(
            Todo(
                _("Callbacks due"),
                callback_queue(user).count(),
                reverse("workbench:callbacks"),
            )
        )
    elif role == "inspector":
        items.append(
            Todo(
                _("Dissatisfied callbacks to inspect"),
                dissatisfied_queue(user).count(),
                reverse("workbench:callbacks") + "#dissatisfied",
                "warn",
            )
        )
    elif role == "supervisor":
        totals, _rows = board_rows(user, now)
        items.append(
            Todo(_("Overdue tickets"), totals["overdue"], reverse("workbench:board"), "bad")
        )
        items.append(
            Todo(_("Tickets due soon"), totals["warning"], reverse("workbench:board"), "warn")
        )
        items.append(
            Todo(
                _("Extension requests to decide"),
                pending_extensions(user).count(),
                reverse("workbench:board") + "#extensions",
            )
        )
        items.append(
            Todo(
                _("Dissatisfied callbacks"),
                dissatisfied_queue(user).count(),
                reverse("workbench:callbacks") + "#dissatisfied",
            )
        )
    elif role == "centre_admin":
        items.append(Todo(_("Maintain the directory and users"), None, reverse("workbench:manage")))
    elif role in ("unit_handler", "unit_admin"):
        inbox = unit_inbox(user)
        counts = light_counts(inbox, now)
        base = reverse("workbench:unit_inbox")
        items.append(
            Todo(
                _("Tickets to sign for"),
                inbox.filter(state=State.DISPATCHED.value).count(),
                base + "?state=dispatched",
            )
        )
        items.append(Todo(_("Overdue tickets"), counts["overdue"], base + "?light=overdue", "bad"))
        items.append(
            Todo(_("Tickets due soon"), counts["warning"], base + "?light=warning", "warn")
        )
        items.append(Todo(_("All open tickets of the unit"), counts["total"], base))
    items.extend(_citizen_notice_todos(user, role))
    return items


def escalation_choices(ticket: Ticket | None) -> list[tuple[str, str]]:
    """Return the profile's HANDLE-7 kinds as form choices."""
    name = ticket.profile if ticket is not None else settings.HOTLINE_PROFILE
    return [(item.code, item.text) for item in escalation_kinds(load_profile(name))]


def citizen_notices_open(user: Any) -> QuerySet[CitizenNotice]:
    """Return the open "tell the citizen of an extension" to-dos that are ``user``'s party's
    (HANDLE-5, TJ 第二十一条: the centre; QLH 五(四): the unit), oldest first."""
    notices = CitizenNotice.objects.filter(
        told_at__isnull=True, ticket__in=tickets_visible_to(user).values("pk")
    ).select_related("ticket", "extension", "deadline")
    if user.is_centre_staff:
        return notices.filter(party="centre").order_by("created_at", "id")
    return scope_to_units(user, notices.filter(party="unit"), "unit").order_by("created_at", "id")


def _citizen_notice_todos(user: Any, role: str) -> list[Todo]:
    from django.urls import reverse
    from django.utils.translation import gettext as _

    if role not in ("agent", "reviewer", "supervisor", "unit_handler", "unit_admin"):
        return []
    count = citizen_notices_open(user).count()
    if not count:
        return []
    screen = "workbench:board" if user.is_centre_staff else "workbench:unit_inbox"
    return [
        Todo(
            _("Citizens to tell of an extension"),
            count,
            reverse(screen) + "#citizen-notices",
            "warn",
        )
    ]


@dataclass
class DaySection:
    """One list of a home page's "today" panel: a title and up to ten tickets or notices."""

    key: str
    title: str
    tickets: list[Ticket] = field(default_factory=list)
    notices: list[InboxItem] = field(default_factory=list)


def day_for(user: Any, role: str, now: datetime) -> list[DaySection]:
    """Return the day's work of ``role`` for the home page (issue 19): an agent's calls today,
    open calls and returned ones; a unit's tickets due today; an inspector's dissatisfied
    callbacks; everyone's unread notifications."""
    tz = timezone.get_current_timezone()
    today = datetime.combine(timezone.localtime(now, tz).date(), datetime.min.time(), tzinfo=tz)
    tomorrow = today + timedelta(days=1)
    visible = tickets_visible_to(user).select_related("citizen")
    sections: list[DaySection] = []
    if role == "agent":
        mine = visible.filter(registered_by=user)
        sections += [
            DaySection(
                "calls_today",
                _("My calls today"),
                list(mine.filter(registered_at__gte=today).order_by("-registered_at")[:10]),
            ),
            DaySection(
                "open_calls",
                _("My calls still open"),
                list(mine.exclude(state__in=_values(FINISHED)).order_by("registered_at")[:10]),
            ),
            DaySection(
                "returned",
                _("My calls returned by a unit"),
                list(mine.filter(state=State.RETURNED.value).order_by("registered_at")[:10]),
            ),
        ]
    elif role in ("unit_handler", "unit_admin"):
        due_today = Deadline.objects.filter(
            ticket=OuterRef("pk"), met_at__isnull=True, due_at__lte=tomorrow
        )
        sections.append(
            DaySection(
                "due_today",
                _("Due by the end of today"),
                list(unit_inbox(user).filter(Exists(due_today)).order_by("registered_at")[:10]),
            )
        )
    elif role == "inspector":
        sections.append(
            DaySection(
                "dissatisfied",
                _("Dissatisfied callbacks"),
                list(dissatisfied_queue(user).order_by("registered_at")[:10]),
            )
        )
    sections.append(
        DaySection(
            "notices",
            _("Unread notifications"),
            notices=list(
                InboxItem.objects.filter(user=user, read_at__isnull=True)
                .select_related("ticket")
                .order_by("-id")[:5]
            ),
        )
    )
    return sections
