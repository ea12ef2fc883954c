"""Service-evaluation indicators computed from the platform's own tickets (EVAL-5).

Readings §1.8 and A25/A26: the clauses measure order-taking time (响应接单时间) on the clock,
with an inclusive ≤; "较高" rates have no threshold, so their figures are shown and the
judgement is the evaluator's. Callback results are read from the ``ticket.called_back``
events' ``result`` (the callbacks app is not needed). Only ticket numbers are listed: no
citizen data leaves this module.

A centre's tickets are those with an assignment to the centre, registered in the period.

- **2.4 收受分离** (2 points): tickets that came from another platform or centre
  (channel ``transfer_in``); order-taking = the centre signing for its assignment ≤ 15
  minutes after the dispatch. The phone notice before sending is not in the data: the
  evaluator confirms it.
- **2.5 一网通办** (3 points): online applications (web, WeChat, app); order-taking = the
  centre signing for it ≤ 24 hours after the citizen submitted it.
- **6.1 投诉处理** (4 points): rating rate (tickets with an evaluation or a reached callback ÷
  tickets), good-review rate, real-name bad reviews replied (a reply after the bad review;
  must be 100%), complaints handled (replied), callback satisfaction (满意 + 基本满意 ÷ reached
  callbacks, A19).

The computed score is the indicator's points times the share met, rounded down to half a
point (the rule for 6.1 takes the weaker of "bad reviews replied" and "complaints handled";
rating and satisfaction rates are shown, A26). No tickets: no computed score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hotline.evaluation.standard import STEP, Standard
from hotline.tickets.models import Assignment, Channel, Ticket, TicketEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
HANDOFF_LIMIT = timedelta(minutes=15)
ONLINE_LIMIT = timedelta(hours=24)
ONLINE_CHANNELS = (Channel.WEB, Channel.WECHAT, Channel.APP)
GOOD = frozenset({"satisfied", "basically_satisfied"})
#: At most this many ticket numbers are kept behind each figure.
TICKETS_SHOWN = 50


@dataclass
class Figure:
    label: str
    numerator: int
    denominator: int
    required: str = ""  # "100%" where the clause fixes it; "" where the evaluator judges
    tickets: list[str] = field(default_factory=list)  # the tickets that fall short

    def rate(self) -> float | None:
        return None if self.denominator == 0 else round(self.numerator / self.denominator, 4)

    def as_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate(),
            "required": self.required,
            "tickets": self.tickets[:TICKETS_SHOWN],
        }


@dataclass
class Computed:
    indicator: str
    basis: str
    figures: list[Figure]
    points: Decimal | None

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "basis": self.basis,
            "figures": [f.as_json() for f in self.figures],
            "points": None if self.points is None else float(self.points),
        }


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
    )


def _share_points(points: Decimal, met: int, total: int) -> Decimal | None:
    if total == 0:
        return None
    value = points * Decimal(met) / Decimal(total)
    return (value / STEP).to_integral_value(rounding=ROUND_FLOOR) * STEP


def _order_taking(
    assignments: list[Assignment], *, since: str, limit: timedelta, label: str
) -> Figure:
    """Count assignments signed for within ``limit`` of ``since`` (dispatch or submission)."""
    figure = Figure(label=label, numerator=0, denominator=0, required="100%")
    seen: set[int] = set()
    for a in assignments:
        if a.ticket_id in seen:
            continue  # the first assignment of a ticket to the centre counts
        seen.add(a.ticket_id)
        figure.denominator += 1
        start = a.dispatched_at if since == "dispatch" else a.ticket.registered_at
        if a.signed_at is not None and a.signed_at - start <= limit:
            figure.numerator += 1
        else:
            figure.tickets.append(a.ticket.number)
    return figure


def _assignments(centre_id: int, lo: datetime, hi: datetime, channels: Any) -> list[Assignment]:
    return list(
        Assignment.objects.filter(
            unit_id=centre_id,
            ticket__registered_at__gte=lo,
            ticket__registered_at__lt=hi,
            ticket__channel__in=channels,
        )
        .select_related("ticket")
        .order_by("ticket_id", "dispatched_at", "id")
    )


def indicator_handoff(standard: Standard, centre_id: int, lo: datetime, hi: datetime) -> Computed:
    points = standard.second_level()["2.4"].points
    figure = _order_taking(
        _assignments(centre_id, lo, hi, [Channel.TRANSFER_IN]),
        since="dispatch",
        limit=HANDOFF_LIMIT,
        label="收受分离件15分钟内响应接单",
    )
    return Computed(
        indicator="2.4",
        basis="QP 2.4；A25：自派发至接单≤15分钟（含），连续计时；发件前电话通知由评估人员核实",
        figures=[figure],
        points=_share_points(points, figure.numerator, figure.denominator),
    )


def indicator_online(standard: Standard, centre_id: int, lo: datetime, hi: datetime) -> Computed:
    points = standard.second_level()["2.5"].points
    figure = _order_taking(
        _assignments(centre_id, lo, hi, ONLINE_CHANNELS),
        since="submission",
        limit=ONLINE_LIMIT,
        label="网上申请件24小时内响应接单",
    )
    return Computed(
        indicator="2.5",
        basis="QP 2.5；A25：自提交至接单≤24小时（含），连续计时",
        figures=[figure],
        points=_share_points(points, figure.numerator, figure.denominator),
    )


def indicator_complaints(
    standard: Standard, centre_id: int, lo: datetime, hi: datetime
) -> Computed:
    points = standard.second_level()["6.1"].points
    tickets = list(
        Ticket.objects.filter(
            registered_at__gte=lo,
            registered_at__lt=hi,
            assignments__unit_id=centre_id,
        )
        .distinct()
        .select_related("citizen")
        .order_by("id")
    )
    ids = [t.pk for t in tickets]
    events = list(
        TicketEvent.objects.filter(
            ticket_id__in=ids,
            action__in=("ticket.evaluated", "ticket.called_back", "ticket.replied"),
        ).order_by("ticket_id", "at", "id")
    )
    by_ticket: dict[int, list[TicketEvent]] = {}
    for e in events:
        by_ticket.setdefault(e.ticket_id, []).append(e)
    rated = Figure("好差评评价率", 0, 0)
    good = Figure("好评率（满意、基本满意）", 0, 0)
    bad_replied = Figure("实名差评回复率", 0, 0, required="100%")
    complaints = Figure("12345投诉处理率", 0, 0, required="100%")
    callback = Figure("回访满意率", 0, 0)
    for t in tickets:
        evs = by_ticket.get(t.pk, [])
        rated.denominator += 1
        ratings = [
            e
            for e in evs
            if e.action in ("ticket.evaluated", "ticket.called_back")
            and e.payload.get("result") in (*GOOD, "dissatisfied")
        ]
        if ratings:
            rated.numerator += 1
        else:
            rated.tickets.append(t.number)
        for e in ratings:
            good.denominator += 1
            if e.payload.get("result") in GOOD:
                good.numerator += 1
            else:
                good.tickets.append(t.number)
            if e.action == "ticket.called_back":
                callback.denominator += 1
                if e.payload.get("result") in GOOD:
                    callback.numerator += 1
                else:
                    callback.tickets.append(t.number)
        bad = [e for e in ratings if e.payload.get("result") == "dissatisfied"]
        if bad and (t.citizen.name or "").strip():
            bad_replied.denominator += 1
            last_bad = bad[-1].at
            if any(e.action == "ticket.replied" and e.at > last_bad for e in evs):
                bad_replied.numerator += 1
            else:
                bad_replied.tickets.append(t.number)
        if t.category == "complaint":
            complaints.denominator += 1
            if any(e.action == "ticket.replied" for e in evs):
                complaints.numerator += 1
            else:
                complaints.tickets.append(t.number)
    shares = [(f.numerator, f.denominator) for f in (bad_replied, complaints) if f.denominator]
    if shares:
        weakest = min(shares, key=lambda s: Decimal(s[0]) / Decimal(s[1]))
        computed = _share_points(points, *weakest)
    elif tickets:
        computed = points  # nothing to reply to and no complaint: nothing fell short
    else:
        computed = None
    return Computed(
        indicator="6.1",
        basis=(
            "QP 6.1.1、6.1.2；A19、A26：实名差评回复、投诉处理须全覆盖；"
            "评价率、回访满意率无门槛，由评估人员判断"
        ),
        figures=[rated, good, bad_replied, complaints, callback],
        points=computed,
    )


COMPUTED = {"2.4": indicator_handoff, "2.5": indicator_online, "6.1": indicator_complaints}


def indicators_compute(
    standard: Standard, *, centre_id: int, start: date, end: date
) -> dict[str, Computed]:
    """Return the computable indicators of ``standard`` for the centre and the period."""
    lo, hi = _bounds(start, end)
    seconds = standard.second_level()
    return {
        key: compute(standard, centre_id, lo, hi)
        for key, compute in COMPUTED.items()
        if key in seconds
    }
