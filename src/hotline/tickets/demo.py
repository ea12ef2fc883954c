"""Demo tickets: a few hundred calls over the last three months, in every state.

Every ticket is made by the real services with an injected clock, so its events, deadlines,
lights and notifications are exactly what the platform would have produced. Targets cycle
through the lifecycle's states; old tickets are mostly finished, recent ones still open, and a
few are left overdue so that the supervision screens have something to show.
"""

from __future__ import annotations

import contextlib
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import User, UserRole
from hotline.citizens.models import Citizen
from hotline.core.errors import DomainError
from hotline.directory.models import Area, Unit
from hotline.policy.profiles import load_profile
from hotline.tickets import services as svc
from hotline.tickets.models import Ticket
from hotline.tickets.sweep import deadlines_sweep

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

REQUESTS = Path(__file__).with_name("demo") / "requests.json"

#: (target, weight, age range in days): what the ticket's history ends with, and how old it is.
TARGETS: list[tuple[str, int, tuple[float, float]]] = [
    ("registered", 2, (0.0, 0.2)),
    ("deferred", 1, (0.0, 0.1)),
    ("answered", 3, (1, 88)),
    ("not_accepted", 1, (1, 88)),
    ("transferred", 1, (1, 88)),
    ("dispatched", 3, (0.1, 1)),
    ("dispatched_overdue", 2, (4, 9)),
    ("signed", 2, (0.5, 2)),
    ("in_progress", 3, (1, 5)),
    ("in_progress_overdue", 2, (12, 25)),
    ("extension", 1, (1.5, 3)),
    ("returned", 2, (1, 3)),
    ("replied", 3, (2, 6)),
    ("called_back", 1, (3, 8)),
    ("dissatisfied", 1, (4, 10)),
    ("redo", 1, (5, 12)),
    ("explained", 1, (10, 80)),
    ("closed", 10, (7, 88)),
    ("archived", 6, (30, 90)),
]


def _cycle(count: int) -> list[tuple[str, tuple[float, float]]]:
    """Return ``count`` targets by weight, every target once before any repeats."""
    order: list[tuple[str, tuple[float, float]]] = []
    heaviest = max(weight for _, weight, _ in TARGETS)
    while len(order) < count:
        for round_ in range(heaviest):
            order.extend((target, ages) for target, weight, ages in TARGETS if weight > round_)
    return order[:count]


def _working_hours(moment: datetime, rng: random.Random) -> datetime:
    local = timezone.localtime(moment)
    if not 8 <= local.hour < 20:
        local = local.replace(hour=rng.randint(8, 19), minute=rng.randint(0, 59))
    return local


def _clerks(codes: set[str]) -> dict[str, User]:
    """Return a handler per unit: the demo users where there are some, a clerk elsewhere."""
    found: dict[str, User] = {}
    for user in User.objects.filter(
        unit__code__in=codes, role_rows__role="unit_handler", is_active=True
    ).select_related("unit"):
        if user.unit is not None:
            found.setdefault(user.unit.code, user)
    for code in codes - set(found):
        unit = Unit.objects.get(code=code)
        user, _ = User.objects.get_or_create(
            username=f"clerk-{code.lower()}",
            defaults={
                "full_name": f"{unit.short_name or unit.name}承办人",
                "unit": unit,
                "password": make_password(None),  # no login: a stand-in for the unit's staff
            },
        )
        UserRole.objects.get_or_create(user=user, role="unit_handler")
        found[code] = user
    return found


class _Story:
    """Plays one ticket's history through the services, one step per call, time moving on."""

    def __init__(self, ticket: Ticket, start: datetime, end: datetime, steps: int) -> None:
        self.ticket = ticket
        self.at = start
        self.gap = (end - start) / max(steps, 1)

    def __call__(self, service: Callable[..., Any], **kwargs: Any) -> Any:
        self.at = self.at + self.gap
        return service(ticket=self.ticket, now=self.at, **kwargs)


STEPS = {
    "registered": 0,
    "deferred": 1,
    "answered": 2,
    "not_accepted": 1,
    "transferred": 1,
    "dispatched": 1,
    "dispatched_overdue": 1,
    "signed": 2,
    "in_progress": 3,
    "in_progress_overdue": 3,
    "extension": 4,
    "returned": 3,
    "replied": 4,
    "called_back": 5,
    "dissatisfied": 5,
    "redo": 6,
    "explained": 6,
    "closed": 7,
    "archived": 8,
}


def _play(
    target: str,
    story: _Story,
    people: dict[str, User],
    clerk: User,
    unit: Unit,
    rng: random.Random,
) -> None:
    agent, reviewer = people["agent"], people["reviewer"]
    profile = load_profile(story.ticket.profile)
    if target == "registered":
        return
    if target == "deferred":
        story(svc.ticket_defer, actor=agent, note="需核实政策后回复")
        return
    if target == "answered":
        story(svc.ticket_answer, actor=agent, content="已按知识库口径向来电人解答。")
        story(svc.ticket_close, actor=agent, note="直接答复办结")
        return
    if target == "not_accepted":
        reason = profile.scope.not_accepted[0] if profile.scope.not_accepted else None
        if reason is not None:
            story(svc.ticket_reject, actor=agent, reason=reason.code, note="已告知来电人")
            return
        target = "transferred"
    if target == "transferred":
        story(svc.ticket_transfer, actor=agent, platform="12315", note="属消费维权，转12315")
        return
    if profile.review.required:
        story(svc.ticket_review, actor=reviewer)
    story(svc.ticket_dispatch, actor=agent, unit_code=unit.code, note="请按时限办理")
    if target in ("dispatched", "dispatched_overdue"):
        return
    story(svc.ticket_sign, actor=clerk)
    if target == "signed":
        return
    if target == "returned":
        story(svc.ticket_return, actor=clerk, reason="该事项不属本单位职责", basis="本单位三定方案")
        return
    story(svc.ticket_contact, actor=clerk, note="已电话联系诉求人，约定上门查看。")
    if target in ("in_progress", "in_progress_overdue"):
        return
    if target == "extension":
        reply = story.ticket.deadlines.filter(kind="reply", met_at__isnull=True).first()
        if profile.extension.allowed and reply is not None and reply.due_at is not None:
            story(
                svc.ticket_extension_request,
                actor=clerk,
                until=reply.due_at + timedelta(days=3),
                reason="涉及多个部门，需联合现场勘查",
                basis="情况复杂",
            )
        return
    if target == "explained":
        story(svc.ticket_explain, actor=clerk, note="受现行政策限制暂无法解决，已向诉求人解释。")
        story(svc.ticket_callback, actor=people["callback"], result="basically_satisfied")
        if story.ticket.state != "closed":  # closed with the callback where the profile says
            story(svc.ticket_close, actor=people["callback"])
        return
    story(
        svc.ticket_reply,
        actor=clerk,
        content="经现场核实，已督促相关方整改完毕，并向诉求人反馈。",
        citizen_satisfaction=rng.choice(["satisfied", "basically_satisfied"]),
    )
    if target == "replied":
        return
    dissatisfied = target in ("dissatisfied", "redo")
    story(
        svc.ticket_callback,
        actor=people["callback"],
        result="dissatisfied" if dissatisfied else rng.choice(["satisfied", "basically_satisfied"]),
        note="回访诉求人",
    )
    if target in ("dissatisfied", "called_back"):
        return
    if target == "redo":
        story(svc.ticket_redo, actor=people["inspector"], note="诉求人不满意，重新办理")
        return
    if story.ticket.state != "closed":  # closed with the callback where the profile says
        story(svc.ticket_close, actor=people["callback"])
    if target == "archived":
        story(svc.ticket_archive, actor=people["supervisor"])


def tickets_demo_load(count: int = 300, *, now: datetime | None = None) -> int:
    """Create ``count`` demo tickets unless there are tickets already; return how many exist."""
    if Ticket.objects.exists():
        return Ticket.objects.count()
    now = now or timezone.now()
    rng = random.Random(962200)  # noqa: S311  (deterministic demo data, not security)
    requests = json.loads(REQUESTS.read_text(encoding="utf-8"))
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit"] for r in requests})}
    people = {u.username: u for u in User.objects.filter(unit__kind="centre")}
    if not units or "agent" not in people:
        return 0
    clerks = _clerks(set(units))
    citizens = list(Citizen.objects.filter(phone__startswith="1390000").order_by("phone"))
    areas = list(Area.objects.filter(kind__in=["community", "village"]).order_by("code"))
    plan = _cycle(count)
    rng.shuffle(plan)
    for i, (target, (low, high)) in enumerate(plan):
        request = requests[i % len(requests)]
        unit = units[request["unit"]]
        area = rng.choice(areas) if areas else None
        place = f"{area.name}{rng.randint(1, 40)}幢" if area else "小区"
        citizen = citizens[rng.randrange(len(citizens))] if citizens else None
        start = _working_hours(now - timedelta(days=rng.uniform(low, high)), rng)
        start = min(start, now - timedelta(minutes=30))
        steps = STEPS[target]
        # Finished stories take a few days; open ones run up to (nearly) now.
        span = timedelta(days=rng.uniform(2, 6)) if steps >= 6 else (now - start) * 0.8
        end = min(start + span, now - timedelta(minutes=5))
        with transaction.atomic():
            ticket = svc.ticket_register(
                actor=people["agent"],
                channel=rng.choice(["phone"] * 6 + ["web", "wechat", "sms", "app"]),
                category=request["category"],
                content=request["content"].format(place=place),
                citizen_phone=citizen.phone if citizen else f"1390000{i:04d}",
                citizen_name=citizen.name if citizen else "",
                address=f"江州市澜溪区{place}" if area else "",
                area_code=area.code if area else None,
                urgent=rng.random() < 0.05,
                complex=rng.random() < 0.1,
                confidential=rng.random() < 0.04,
                complained_unit_code=unit.code
                if request["category"] == "complaint" and rng.random() < 0.2
                else None,
                now=start,
            )
            # A window that closed under this profile ends the story where it stands.
            with contextlib.suppress(DomainError):
                story = _Story(ticket, start, end, steps)
                _play(target, story, people, clerks[unit.code], unit, rng)
    deadlines_sweep(now=now)
    return Ticket.objects.count()


def tickets_demo(options: DemoOptions) -> list[str]:
    """The tickets' demo loader (``TicketsConfig.demo_loader``); the notifications' loader
    delivers what the demo tickets notified."""
    return [f"Tickets: {tickets_demo_load(options.tickets, now=options.now)}."]
