"""Market-service actions: one business action, one transaction (STYLE.md §1).

The ticket of a market-service request is driven only through ``hotline.tickets.services``:
the franchisee's acceptance dispatches the ticket to the franchisee's unit and signs for it,
its report is the unit's reply. Tickets never import this app.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from hotline.core.audit import audit_record
from hotline.core.edge import file_name_clean, upload_name
from hotline.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from hotline.directory.models import Area, Unit
from hotline.franchise.models import (
    Agreement,
    ApplicantKind,
    Application,
    Complaint,
    CreditDecision,
    FeedbackSheet,
    Franchisee,
    MarketOrder,
    MarketRequest,
    Offer,
    PriceGuide,
    Service,
    Volunteer,
    VolunteerService,
)
from hotline.franchise.rules import (
    Candidate,
    CreditInputs,
    credit_score,
    dispatch_order,
    stars_for,
    tree_distance,
)
from hotline.notifications.services import outbox_put
from hotline.tickets import services as tickets
from hotline.tickets.attachments import ALLOWED, MAX_BYTES
from hotline.tickets.models import Ticket

#: An agreed price above this multiple of the reference price is flagged (FRANCHISE-4).
PRICE_FLAG_FACTOR = Decimal("1.5")
#: Agreements ending within this many days warn the centre admin (FRANCHISE-1).
EXPIRY_WARNING_DAYS = 30
#: How many of the ranked franchisees are "recommended" to the citizen (FRANCHISE-3).
RECOMMENDED = 3


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _today(at: datetime) -> date:
    return timezone.localtime(at).date()


def _require_admin(actor: Any) -> None:
    if not (actor.is_centre_staff and actor.can("directory.manage")):
        raise PermissionDenied("只有中心管理员可以管理加盟企业。")


def _require_centre(actor: Any, permission: str = "ticket.register") -> None:
    if not (actor.is_centre_staff and actor.can(permission)):
        raise PermissionDenied("只有中心工作人员可以进行此操作。")


def _services_check(services: list[str]) -> list[str]:
    unknown = [s for s in services if s not in Service.values]
    if unknown or not services:
        raise InvalidInput(
            f"服务类别无效：{'、'.join(unknown) or '未选择'}；应为：{'、'.join(Service.values)}。"
        )
    return sorted(set(services))


def _file_check(upload: UploadedFile[Any] | None, label: str) -> None:
    """Check an uploaded document like every ticket attachment: size, extension, leading bytes."""
    if upload is None or not (upload.name or "").strip():
        raise InvalidInput(f"请上传{label}。")
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(f"{label}文件为空。")
    if size > MAX_BYTES:
        raise InvalidInput(f"{label}文件过大，不能超过 10 MB。")
    suffix = PurePath(file_name_clean(upload.name or "")).suffix.lower()
    allowed = ALLOWED.get(suffix)
    if allowed is None:
        raise InvalidInput(
            f"{label}的文件类型“{suffix}”不支持，可上传：{'、'.join(sorted(ALLOWED))}。"
        )
    magic = allowed[1]
    head = upload.read(16)
    upload.seek(0)
    if magic is not None and not head.startswith(magic):
        raise InvalidInput(f"{label}的文件内容与扩展名不符。")


# ----------------------------------------------------------------------------- enrolment


def application_submit(
    *,
    name: str,
    kind: str,
    licence_number: str,
    licence_file: UploadedFile[Any] | None,
    services: list[str],
    hours: str,
    contact_name: str,
    contact_phone: str,
    area_codes: list[str] | None = None,
    qualification_file: UploadedFile[Any] | None = None,
    now: datetime | None = None,
) -> Application:
    """An applicant applies online with licence and qualifications (FRANCHISE-1, -2)."""
    at = _now(now)
    for value, label in (
        (name, "名称"),
        (licence_number, "营业执照号"),
        (hours, "服务时间"),
        (contact_name, "联系人"),
        (contact_phone, "联系电话"),
    ):
        if not (value or "").strip():
            raise InvalidInput(f"请填写{label}。")
    if kind not in ApplicantKind.values:
        raise InvalidInput("申请人类型应为企业、个体工商户或社会组织。")
    services = _services_check(services)
    codes = [c for c in (area_codes or []) if c]
    found = set(Area.objects.filter(code__in=codes).values_list("code", flat=True))
    if set(codes) - found:
        raise InvalidInput(f"服务区域不存在：{'、'.join(sorted(set(codes) - found))}。")
    _file_check(licence_file, "营业执照")
    if qualification_file is not None and (qualification_file.name or "").strip():
        _file_check(qualification_file, "资质证明")
    else:
        qualification_file = None
    with transaction.atomic():
        application = Application(
            name=name.strip(),
            kind=kind,
            licence_number=licence_number.strip(),
            services=services,
            area_codes=codes,
            hours=hours.strip(),
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            submitted_at=at,
        )
        if licence_file is None:  # checked above; for the type checker
            raise InvalidInput("请上传营业执照。")
        application.licence_file.save(
            upload_name(file_name_clean(licence_file.name or "licence")), licence_file, save=False
        )
        if qualification_file is not None:
            application.qualification_file.save(
                upload_name(file_name_clean(qualification_file.name or "qualification")),
                qualification_file,
                save=False,
            )
        application.save()
        audit_record(actor=None, action="franchise.application.submit", obj=application)
    return application


def application_site_check(
    *, actor: Any, application: Application, note: str, now: datetime | None = None
) -> Application:
    """Record the on-site verification (FRANCHISE-1, "必要时实地核查")."""
    _require_admin(actor)
    if not note.strip():
        raise InvalidInput("请填写实地核查情况。")
    if application.state not in (Application.State.SUBMITTED, Application.State.CHECKED):
        raise Conflict("该申请已处理。", code="application_decided")
    with transaction.atomic():
        application.state = Application.State.CHECKED
        application.site_check_note = note.strip()
        application.site_checked_at = _now(now)
        application.save()
        audit_record(actor=actor, action="franchise.application.site_check", obj=application)
    return application


def application_decide(
    *,
    actor: Any,
    application: Application,
    approve: bool,
    note: str = "",
    code: str = "",
    base_area_code: str = "",
    now: datetime | None = None,
) -> Application:
    """Approve (creating the franchisee's unit) or reject an application (FRANCHISE-1)."""
    _require_admin(actor)
    at = _now(now)
    if application.state not in (Application.State.SUBMITTED, Application.State.CHECKED):
        raise Conflict("该申请已处理。", code="application_decided")
    if not approve and not note.strip():
        raise InvalidInput("不予通过须说明理由。")
    base_area = None
    if approve:
        code = code.strip()
        if not code:
            raise InvalidInput("请为加盟企业指定单位编码。")
        if Unit.objects.filter(code=code).exists():
            raise InvalidInput(f"单位编码“{code}”已被使用。")
        if base_area_code:
            base_area = Area.objects.filter(code=base_area_code).first()
            if base_area is None:
                raise InvalidInput(f"区域编码“{base_area_code}”不存在。")
    with transaction.atomic():
        if approve:
            unit = Unit(
                code=code,
                name=application.name,
                kind=Unit.Kind.OTHER,
                phone=application.contact_phone,
            )
            unit.full_clean()
            unit.save()
            franchisee = Franchisee.objects.create(
                unit=unit,
                kind=application.kind,
                licence_number=application.licence_number,
                services=application.services,
                base_area=base_area,
                hours=application.hours,
            )
            franchisee.areas.set(Area.objects.filter(code__in=application.area_codes))
            application.franchisee = franchisee
        application.state = Application.State.APPROVED if approve else Application.State.REJECTED
        application.decided_at = at
        application.decided_by = actor
        application.decision_note = note.strip()
        application.save()
        audit_record(
            actor=actor,
            action="franchise.application.approve" if approve else "franchise.application.reject",
            obj=application,
            detail={"note": note.strip(), "code": code},
        )
    return application


def agreement_sign(
    *,
    actor: Any,
    franchisee: Franchisee,
    rights: str,
    duties: str,
    hours: str,
    standards: str,
    fees: str,
    valid_from: date,
    valid_until: date,
    response_minutes: int = 30,
    onsite_hours: int = 24,
    now: datetime | None = None,
) -> Agreement:
    """Sign the franchise agreement with its validity (FRANCHISE-1, FRANCHISE-4)."""
    _require_admin(actor)
    for value, label in (
        (rights, "权利"),
        (duties, "义务"),
        (hours, "服务时间"),
        (standards, "服务标准"),
        (fees, "收费"),
    ):
        if not (value or "").strip():
            raise InvalidInput(f"协议须写明{label}。")
    if valid_until <= valid_from:
        raise InvalidInput("协议有效期的结束日须晚于开始日。")
    if not 1 <= response_minutes <= 24 * 60 or not 1 <= onsite_hours <= 24 * 7:
        raise InvalidInput("响应时间应为1至1440分钟，上门时间应为1至168小时。")
    if franchisee.status == Franchisee.Status.TERMINATED:
        raise Conflict("该加盟企业的协议已终止。", code="franchisee_terminated")
    at = _now(now)
    with transaction.atomic():
        agreement = Agreement.objects.create(
            franchisee=franchisee,
            rights=rights.strip(),
            duties=duties.strip(),
            hours=hours.strip(),
            standards=standards.strip(),
            fees=fees.strip(),
            response_minutes=response_minutes,
            onsite_hours=onsite_hours,
            valid_from=valid_from,
            valid_until=valid_until,
            signed_at=at,
            signed_by=actor,
        )
        audit_record(
            actor=actor,
            action="franchise.agreement.sign",
            obj=franchisee,
            detail={"valid_from": str(valid_from), "valid_until": str(valid_until)},
        )
    return agreement


def agreement_current(franchisee: Franchisee, at: datetime) -> Agreement | None:
    """Return the agreement in force on ``at``'s day, if any."""
    day = _today(at)
    return (
        franchisee.agreements.filter(
            valid_from__lte=day, valid_until__gte=day, terminated_at__isnull=True
        )
        .order_by("-valid_until")
        .first()
    )


def agreements_expiry_warn(*, now: datetime | None = None) -> int:
    """Warn the centre admins of agreements ending within 30 days, once each (FRANCHISE-1)."""
    at = _now(now)
    day = _today(at)
    due = Agreement.objects.filter(
        valid_until__gte=day,
        valid_until__lte=day + timedelta(days=EXPIRY_WARNING_DAYS),
        expiry_warned_at__isnull=True,
        terminated_at__isnull=True,
    ).select_related("franchisee__unit")
    warned = 0
    for agreement in due:
        with transaction.atomic():
            claimed = Agreement.objects.filter(
                pk=agreement.pk, expiry_warned_at__isnull=True
            ).update(expiry_warned_at=at)
            if not claimed:
                continue
            newer = agreement.franchisee.agreements.filter(
                valid_until__gt=agreement.valid_until, terminated_at__isnull=True
            ).exists()
            if newer:
                continue
            outbox_put(
                topic="franchise.agreement.expiring",
                title=f"加盟协议即将到期：{agreement.franchisee.unit.name}",
                body=f"协议有效期至 {agreement.valid_until:%Y-%m-%d}，请及时续签或终止。",
                payload={"roles": ["centre_admin"]},
                at=at,
            )
            warned += 1
    return warned


# ----------------------------------------------------------------------------- dispatch


def _eligible(service: str, area: Area | None, at: datetime) -> list[Franchisee]:
    """Return the franchisees that may be offered ``service`` in ``area`` now."""
    day = _today(at)
    found = []
    query = (
        Franchisee.objects.filter(
            status=Franchisee.Status.ACTIVE,
            unit__active=True,
            agreements__valid_from__lte=day,
            agreements__valid_until__gte=day,
            agreements__terminated_at__isnull=True,
        )
        .select_related("unit", "base_area")
        .prefetch_related("areas")
        .distinct()
    )
    for franchisee in query:
        if service not in franchisee.services:
            continue
        covered = list(franchisee.areas.all())
        if area is not None and covered and not any(area.path.startswith(a.path) for a in covered):
            continue
        found.append(franchisee)
    return found


def franchisee_ranking(
    *, service: str, area: Area | None, now: datetime | None = None
) -> list[tuple[Franchisee, Candidate]]:
    """Return the eligible franchisees in the written rule's order (DISPATCH-7, O4)."""
    at = _now(now)
    franchisees = _eligible(service, area, at)
    last = dict(
        Offer.objects.filter(service=service, franchisee__in=franchisees)
        .values_list("franchisee_id")
        .annotate(last=Max("offered_at"))
    )
    candidates = {
        f.pk: Candidate(
            code=f.unit.code,
            distance=tree_distance(
                area.path if area else None, f.base_area.path if f.base_area else None
            ),
            credit=f.credit,
            recommended=f.recommended,
            last_offered=last.get(f.pk),
        )
        for f in franchisees
    }
    by_code = {f.unit.code: f for f in franchisees}
    return [(by_code[c.code], c) for c in dispatch_order(list(candidates.values()))]


def _offer(
    order: MarketOrder,
    franchisee: Franchisee,
    *,
    position: int,
    reason: str,
    manual: bool,
    at: datetime,
) -> Offer:
    agreement = agreement_current(franchisee, at)
    minutes = agreement.response_minutes if agreement is not None else 30
    offer = Offer.objects.create(
        order=order,
        franchisee=franchisee,
        service=order.service,
        position=position,
        reason=reason,
        manual=manual,
        offered_at=at,
        due_at=at + timedelta(minutes=minutes),
    )
    order.franchisee = franchisee
    order.save(update_fields=["franchisee"])
    outbox_put(
        topic="franchise.offer",
        title=f"新的市场服务派单：工单 {order.ticket.number}",
        body=f"服务类别：{Service(order.service).label}；请在 {minutes} 分钟内接单。",
        unit=franchisee.unit,
        at=at,
    )
    return offer


def market_request_submit(
    *,
    service: str,
    phone: str,
    code: str,
    content: str,
    name: str = "",
    address: str = "",
    area_code: str = "",
    now: datetime | None = None,
) -> tuple[Ticket, str]:
    """Register a market-service request from the portal (issue 16: "from the desk and the
    portal"): a help request (求助, ZJ 第二十条) confirmed by the SMS code like every portal
    submission, with the service class asked for; the centre then routes it with
    ``market_dispatch``. Return the ticket and its query code."""
    from hotline.channels.services import portal_submit

    if service not in Service.values:
        raise InvalidInput("请选择服务类别。")
    at = _now(now)
    with transaction.atomic():
        ticket, query = portal_submit(
            phone=phone,
            code=code,
            category="help",
            content=content,
            name=name,
            address=address,
            area_code=area_code,
            now=at,
        )
        MarketRequest.objects.create(ticket=ticket, service=service, created_at=at)
    return ticket, query


def market_service_of(ticket: Ticket) -> str:
    """Return the service class when ``ticket`` is a market-service request ("" otherwise):
    the class the citizen asked for on the portal, or the one it was dispatched for."""
    request = MarketRequest.objects.filter(ticket=ticket).only("service").first()
    if request is not None:
        return request.service
    order = MarketOrder.objects.filter(ticket=ticket).only("service").first()
    return order.service if order is not None else ""


def market_dispatch(
    *,
    actor: Any,
    ticket: Ticket,
    service: str,
    franchisee_code: str = "",
    override_reason: str = "",
    citizen_choice: bool = False,
    now: datetime | None = None,
) -> MarketOrder:
    """Route a market-service request to a franchisee by the written rule (DISPATCH-5, -7).

    Without ``franchisee_code`` the first in the rule's order is offered. A chosen franchisee
    is allowed when the citizen chose it among the recommended (FRANCHISE-3) or with a recorded
    reason: a manual override is a "人情单" candidate and shows in the override report.
    """
    at = _now(now)
    _require_centre(actor, "ticket.dispatch")
    if service not in Service.values:
        raise InvalidInput(f"服务类别“{service}”无效，应为：{'、'.join(Service.values)}。")
    if hasattr(ticket, "market_order"):
        raise Conflict("该工单已进行过市场服务派单。", code="already_dispatched")
    if "dispatch" not in tickets.ticket_actions_for(actor, ticket, at):
        raise DomainError(
            "工单当前状态不能派单（须为已登记或已审核）。",
            code="transition_not_allowed",
            status=409,
        )
    ranking = franchisee_ranking(service=service, area=ticket.area, now=at)
    if not ranking:
        raise Conflict("没有可承接该服务的加盟企业。", code="no_franchisee")
    reasons = {c.code: c.reason(i) for i, (_f, c) in enumerate(ranking, start=1)}
    order_codes = [c.code for _f, c in ranking]
    chosen, manual, why = ranking[0][0], False, ""
    if franchisee_code:
        picked = next((f for f, c in ranking if c.code == franchisee_code), None)
        if picked is None:
            raise InvalidInput(f"加盟企业“{franchisee_code}”不能承接该服务或不存在。")
        if picked != chosen:
            recommended = [c.code for _f, c in ranking[:RECOMMENDED]]
            if citizen_choice and franchisee_code in recommended:
                why = "市民在推荐名单中自主选择"
            elif override_reason.strip():
                why = override_reason.strip()
                manual = True
            else:
                raise InvalidInput("不按派单规则指定加盟企业，须填写理由（防止“人情单”）。")
            chosen = picked
            reasons[franchisee_code] += f"；人工指定：{why}"
    with transaction.atomic():
        order = MarketOrder.objects.create(
            ticket=ticket,
            service=service,
            dispatched_by=actor,
            created_at=at,
            considered=order_codes,
            reasons=reasons,
            override_reason=why if manual else "",
            citizen_choice=bool(why) and not manual,
        )
        _offer(
            order,
            chosen,
            position=order_codes.index(chosen.unit.code) + 1,
            reason=reasons[chosen.unit.code],
            manual=bool(why),
            at=at,
        )
        audit_record(
            actor=actor,
            action="franchise.dispatch",
            obj=order,
            detail={
                "ticket": ticket.number,
                "service": service,
                "offered_to": chosen.unit.code,
                "order": order_codes,
                "reasons": reasons,
                "override_reason": why,
            },
        )
    return order


def _order_for_franchisee(actor: Any, ticket_number: str) -> MarketOrder:
    order = (
        MarketOrder.objects.select_related("ticket", "franchisee__unit")
        .filter(ticket__number=ticket_number)
        .first()
    )
    if order is None or order.franchisee is None or actor.unit_id != order.franchisee.unit_id:
        raise NotFound("工单不存在或您无权查看。")
    if not actor.can("ticket.handle"):
        raise PermissionDenied("只有加盟企业的承办人员可以接单。")
    return order


def market_order_for_franchisee(actor: Any, ticket_number: str) -> MarketOrder:
    """Return the order offered to or taken by ``actor``'s franchisee; else ``NotFound``."""
    return _order_for_franchisee(actor, ticket_number)


def market_accept(*, actor: Any, ticket_number: str, now: datetime | None = None) -> MarketOrder:
    """The franchisee accepts within its response time (FRANCHISE-3, -4): the ticket is
    dispatched to its unit (by the agent who routed it) and signed for by the franchisee."""
    at = _now(now)
    order = _order_for_franchisee(actor, ticket_number)
    if order.state != MarketOrder.State.OFFERED:
        raise Conflict("该派单已被接单或已结束。", code="not_offered")
    offer = order.offers.filter(outcome=Offer.Outcome.PENDING).order_by("-offered_at").first()
    if offer is None or offer.franchisee_id != order.franchisee_id:
        raise Conflict("该派单已转给其他加盟企业。", code="not_offered")
    if at >= offer.due_at:
        raise Conflict("已超过接单时限，派单已转给下一家。", code="offer_expired")
    with transaction.atomic():
        claimed = Offer.objects.filter(pk=offer.pk, outcome=Offer.Outcome.PENDING).update(
            outcome=Offer.Outcome.ACCEPTED, closed_at=at
        )
        if not claimed:
            raise Conflict()
        ticket = Ticket.objects.get(pk=order.ticket_id)
        tickets.ticket_dispatch(
            actor=order.dispatched_by,
            ticket=ticket,
            unit_code=order.franchisee.unit.code,  # type: ignore[union-attr]
            note=f"市场服务派单（{Service(order.service).label}）：{offer.reason}",
            now=at,
        )
        tickets.ticket_sign(actor=actor, ticket=ticket, now=at)
        order.state = MarketOrder.State.ACCEPTED
        order.accepted_at = at
        order.save(update_fields=["state", "accepted_at"])
        audit_record(actor=actor, action="franchise.accept", obj=order)
    return order


def market_report(
    *,
    actor: Any,
    ticket_number: str,
    price: Decimal,
    agreed_at: datetime,
    served_at: datetime,
    note: str,
    citizen_satisfaction: str = "",
    now: datetime | None = None,
) -> MarketOrder:
    """Record the order's service agreement (O3: price and time agreed with the citizen) and
    the report after service (FRANCHISE-3); the report is the unit's reply on the ticket, so
    the callback clock starts (T8). A price far above the guidance is flagged (FRANCHISE-4)."""
    at = _now(now)
    order = _order_for_franchisee(actor, ticket_number)
    if order.state != MarketOrder.State.ACCEPTED:
        raise Conflict("只有已接单的派单可以反馈服务结果。", code="not_accepted")
    if price < 0:
        raise InvalidInput("价格不能为负数。")
    if agreed_at.tzinfo is None or served_at.tzinfo is None:
        raise InvalidInput("时间须带时区，例如 2026-12-01T18:00:00+08:00。")
    if served_at < agreed_at:
        raise InvalidInput("服务时间不能早于协议约定时间。")
    if served_at > at + timedelta(minutes=5):
        raise InvalidInput("服务时间不能晚于现在。")
    guide = PriceGuide.objects.filter(service=order.service).first()
    flagged = guide is not None and price > guide.price * PRICE_FLAG_FACTOR
    with transaction.atomic():
        order.price = price
        order.agreed_at = agreed_at
        order.served_at = served_at
        order.report_note = note.strip()
        order.reported_at = at
        order.price_flagged = flagged
        order.state = MarketOrder.State.REPORTED
        order.save()
        ticket = Ticket.objects.get(pk=order.ticket_id)
        tickets.ticket_reply(
            actor=actor,
            ticket=ticket,
            content=(
                f"服务协议：约定价格 {price} 元，约定于 "
                f"{timezone.localtime(agreed_at):%Y-%m-%d %H:%M}；"
                f"已于 {timezone.localtime(served_at):%Y-%m-%d %H:%M} 提供服务。{note.strip()}"
            ),
            citizen_satisfaction=citizen_satisfaction,
            now=at,
        )
        FeedbackSheet.objects.get_or_create(
            order=order, defaults={"token": secrets.token_urlsafe(24)}
        )
        if flagged and guide is not None:
            outbox_put(
                topic="franchise.price_flag",
                title=f"市场服务价格明显高于指导价：工单 {ticket.number}",
                body=f"约定价格 {price} 元，指导价 {guide.price} 元/{guide.unit_label}。",
                payload={"roles": ["supervisor", "centre_admin"]},
                at=at,
            )
        audit_record(
            actor=actor,
            action="franchise.report",
            obj=order,
            detail={"price": str(price), "flagged": flagged},
        )
    franchisee_credit_refresh(order.franchisee, now=at)  # type: ignore[arg-type]
    return order


def market_offers_sweep(*, now: datetime | None = None) -> int:
    """Pass each offer not accepted in time to the next in turn (FRANCHISE-4, DISPATCH-7).

    Each overdue offer is claimed by a conditional update, so several workers may run this.
    The next franchisee is the first of the order's ranking not yet offered and still eligible;
    when none is left the order is unserved and the centre's agents are told.
    """
    at = _now(now)
    passed = 0
    overdue = list(
        Offer.objects.filter(outcome=Offer.Outcome.PENDING, due_at__lte=at).values_list(
            "pk", flat=True
        )
    )
    for offer_id in overdue:
        with transaction.atomic():
            claimed = Offer.objects.filter(pk=offer_id, outcome=Offer.Outcome.PENDING).update(
                outcome=Offer.Outcome.TIMED_OUT, closed_at=at
            )
            if not claimed:
                continue
            offer = Offer.objects.select_related("order__ticket", "franchisee__unit").get(
                pk=offer_id
            )
            order = offer.order
            tried = set(order.offers.values_list("franchisee__unit__code", flat=True))
            eligible = {f.unit.code: f for f in _eligible(order.service, order.ticket.area, at)}
            following = [c for c in order.considered if c not in tried and c in eligible]
            audit_record(
                actor=None,
                action="franchise.offer.timeout",
                obj=order,
                detail={"franchisee": offer.franchisee.unit.code, "next": following[:1]},
            )
            if following:
                code = following[0]
                _offer(
                    order,
                    eligible[code],
                    position=order.considered.index(code) + 1,
                    reason=f"{order.reasons.get(code, '')}；上一家超时未接单，顺延",
                    manual=False,
                    at=at,
                )
            else:
                order.state = MarketOrder.State.UNSERVED
                order.save(update_fields=["state"])
                outbox_put(
                    topic="franchise.unserved",
                    title=f"市场服务无加盟企业接单：工单 {order.ticket.number}",
                    body="所有可承接的加盟企业均超时未接单，请人工处理。",
                    payload={"roles": ["agent", "supervisor"]},
                    at=at,
                )
            passed += 1
        franchisee_credit_refresh(offer.franchisee, now=at)
    return passed


# ----------------------------------------------------------------------------- quality


def feedback_fill(
    *,
    sheet: FeedbackSheet,
    quality: int,
    attitude: int,
    punctuality: int,
    price_fair: bool,
    comment: str = "",
    actor: Any = None,
    now: datetime | None = None,
) -> FeedbackSheet:
    """The resident's feedback sheet, on the portal or read out to an agent (CALLBACK-4)."""
    at = _now(now)
    for mark in (quality, attitude, punctuality):
        if not 1 <= mark <= 5:
            raise InvalidInput("评分应为1至5分。")
    if actor is not None:
        _require_centre(actor, "ticket.callback")
    if sheet.filled_at is not None:
        raise Conflict("反馈单已填写。", code="feedback_filled")
    with transaction.atomic():
        sheet.quality, sheet.attitude, sheet.punctuality = quality, attitude, punctuality
        sheet.price_fair = price_fair
        sheet.comment = comment.strip()
        sheet.source = FeedbackSheet.Source.AGENT if actor else FeedbackSheet.Source.PORTAL
        sheet.filled_at = at
        sheet.filled_by = actor
        sheet.save()
        audit_record(actor=actor, action="franchise.feedback", obj=sheet.order)
    if sheet.order.franchisee is not None:
        franchisee_credit_refresh(sheet.order.franchisee, now=at)
    return sheet


def franchisee_get(code: str) -> Franchisee:
    found = Franchisee.objects.select_related("unit").filter(unit__code=code).first()
    if found is None:
        raise NotFound("加盟企业不存在。")
    return found


def complaint_file(
    *,
    actor: Any,
    franchisee: Franchisee,
    content: str,
    citizen_phone: str,
    citizen_name: str = "",
    order_ticket: str = "",
    now: datetime | None = None,
) -> Complaint:
    """A complaint against a franchisee becomes a complaint ticket against its unit
    (FRANCHISE-5); one made while an earlier complaint is unresolved is a repeat."""
    at = _now(now)
    _require_centre(actor)
    order = None
    if order_ticket:
        order = MarketOrder.objects.filter(ticket__number=order_ticket).first()
        if order is None or order.franchisee_id != franchisee.pk:
            raise InvalidInput("该工单不是这家加盟企业的市场服务派单。")
    with transaction.atomic():
        ticket = tickets.ticket_register(
            actor=actor,
            channel="phone",
            category="complaint",
            content=content,
            citizen_phone=citizen_phone,
            citizen_name=citizen_name,
            complained_unit_code=franchisee.unit.code,
            related=[order_ticket] if order_ticket else [],
            now=at,
        )
        repeat = franchisee.complaints.filter(resolved_at__isnull=True).exists()
        complaint = Complaint.objects.create(
            franchisee=franchisee, ticket=ticket, order=order, filed_at=at, repeat=repeat
        )
        audit_record(
            actor=actor, action="franchise.complaint", obj=complaint, detail={"repeat": repeat}
        )
    return complaint


def complaint_verify(
    *, actor: Any, complaint: Complaint, finding: str, now: datetime | None = None
) -> Complaint:
    """The centre verifies the complaint; only then does it count against the franchisee (W8)."""
    _require_centre(actor)
    if not finding.strip():
        raise InvalidInput("请填写核实情况。")
    if complaint.verified_at is not None:
        raise Conflict("该投诉已核实。", code="complaint_verified")
    at = _now(now)
    with transaction.atomic():
        complaint.verified_at, complaint.verified_by = at, actor
        complaint.finding = finding.strip()
        complaint.save()
        audit_record(actor=actor, action="franchise.complaint.verify", obj=complaint)
    franchisee_credit_refresh(complaint.franchisee, now=at)
    return complaint


def complaint_resolve(*, complaint: Complaint, now: datetime | None = None) -> None:
    """Mark a complaint resolved (its ticket was closed)."""
    Complaint.objects.filter(pk=complaint.pk, resolved_at__isnull=True).update(
        resolved_at=_now(now)
    )


def complaint_refer(
    *,
    actor: Any,
    complaint: Complaint,
    department_code: str,
    note: str,
    now: datetime | None = None,
) -> Complaint:
    """An unresolved dispute goes to the competent department with the file (FRANCHISE-5):
    the complaint ticket is dispatched to the department, the note naming the file."""
    at = _now(now)
    _require_centre(actor, "ticket.dispatch")
    if complaint.resolved_at is not None:
        raise Conflict("该投诉已解决。", code="complaint_resolved")
    department = Unit.objects.filter(code=department_code).first()
    if department is None or department.kind != Unit.Kind.DEPARTMENT:
        raise InvalidInput(f"“{department_code}”不是主管部门。")
    if not note.strip():
        raise InvalidInput("请写明移交的争议情况。")
    ticket = Ticket.objects.get(pk=complaint.ticket_id)
    actions = tickets.ticket_actions_for(actor, ticket, at)
    text = f"争议未能解决，移交主管部门处理（附投诉卷宗）：{note.strip()}"
    with transaction.atomic():
        if "dispatch" in actions:
            tickets.ticket_dispatch(
                actor=actor, ticket=ticket, unit_code=department_code, note=text, now=at
            )
        elif "redispatch" in actions:
            tickets.ticket_redispatch(
                actor=actor, ticket=ticket, unit_code=department_code, note=text, now=at
            )
        else:
            raise DomainError(
                "投诉工单当前状态不能移交（须为已登记、已审核或已退回）。",
                code="transition_not_allowed",
                status=409,
            )
        complaint.referred_to, complaint.referred_at = department, at
        complaint.save()
        audit_record(
            actor=actor,
            action="franchise.complaint.refer",
            obj=complaint,
            detail={"to": department_code},
        )
    return complaint


# ----------------------------------------------------------------------------- credit


def credit_inputs(franchisee: Franchisee, year: int) -> CreditInputs:
    """Collect a franchisee's year from orders, offers, callbacks, sheets and complaints."""
    orders = MarketOrder.objects.filter(franchisee=franchisee, created_at__year=year)
    served = orders.filter(state=MarketOrder.State.REPORTED)
    complaints = franchisee.complaints.filter(filed_at__year=year, verified_at__isnull=False)
    sheets = FeedbackSheet.objects.filter(
        order__franchisee=franchisee, order__created_at__year=year, filled_at__isnull=False
    )
    averages = [s.average for s in sheets if s.average is not None]
    return CreditInputs(
        served=served.count(),
        timeouts=franchisee.offers.filter(
            outcome=Offer.Outcome.TIMED_OUT, offered_at__year=year
        ).count(),
        complaints=complaints.filter(repeat=False).count(),
        repeat_complaints=complaints.filter(repeat=True).count(),
        dissatisfied=served.filter(callback_result="dissatisfied").count(),
        price_flags=served.filter(price_flagged=True).count(),
        feedback_average=sum(averages) / len(averages) if averages else None,
    )


def franchisee_credit_refresh(franchisee: Franchisee, *, now: datetime | None = None) -> int:
    """Recompute the current year's credit and stars (FRANCHISE-6); return the score."""
    year = _today(_now(now)).year
    score = credit_score(credit_inputs(franchisee, year))
    Franchisee.objects.filter(pk=franchisee.pk).update(credit=score, stars=stars_for(score))
    franchisee.credit, franchisee.stars = score, stars_for(score)
    return score


def credit_assess_year(
    *, actor: Any, year: int, now: datetime | None = None
) -> list[CreditDecision]:
    """The annual assessment (FRANCHISE-6): each franchisee's score, stars and the inputs,
    in its credit file; the best are recommended with priority (credit ≥ 90)."""
    _require_admin(actor)
    at = _now(now)
    decisions = []
    with transaction.atomic():
        for franchisee in Franchisee.objects.exclude(status=Franchisee.Status.TERMINATED):
            inputs = credit_inputs(franchisee, year)
            score = credit_score(inputs)
            stars = stars_for(score)
            recommended = score >= 90 and not franchisee.blacklisted
            Franchisee.objects.filter(pk=franchisee.pk).update(
                credit=score, stars=stars, recommended=recommended
            )
            decisions.append(
                CreditDecision.objects.create(
                    franchisee=franchisee,
                    kind=CreditDecision.Kind.ASSESSMENT,
                    year=year,
                    score=score,
                    stars=stars,
                    detail={**inputs.__dict__, "recommended": recommended},
                    reason=f"{year}年度考核（评分公式见 docs/franchise-credit.md）",
                    decided_by=actor,
                    decided_at=at,
                )
            )
        audit_record(actor=actor, action="franchise.assess", detail={"year": year})
    return decisions


def franchisee_sanction(
    *, actor: Any, franchisee: Franchisee, kind: str, reason: str, now: datetime | None = None
) -> CreditDecision:
    """Blacklist, terminate the agreement, recommend or publish a notice (FRANCHISE-6), with
    who and why in the credit file. Blacklisted and terminated franchisees get no orders."""
    _require_admin(actor)
    if kind not in (
        CreditDecision.Kind.BLACKLIST,
        CreditDecision.Kind.TERMINATE,
        CreditDecision.Kind.RECOMMEND,
        CreditDecision.Kind.NOTICE,
    ):
        raise InvalidInput("处理类型无效。")
    if not reason.strip():
        raise InvalidInput("请写明理由。")
    if franchisee.status == Franchisee.Status.TERMINATED:
        raise Conflict("该加盟企业的协议已终止。", code="franchisee_terminated")
    at = _now(now)
    with transaction.atomic():
        if kind == CreditDecision.Kind.BLACKLIST:
            franchisee.status = Franchisee.Status.BLACKLISTED
            franchisee.recommended = False
        elif kind == CreditDecision.Kind.TERMINATE:
            franchisee.status = Franchisee.Status.TERMINATED
            franchisee.recommended = False
            franchisee.agreements.filter(terminated_at__isnull=True).update(terminated_at=at)
        elif kind == CreditDecision.Kind.RECOMMEND:
            if franchisee.blacklisted:
                raise Conflict("已列入黑名单的企业不能推荐。", code="blacklisted")
            franchisee.recommended = True
        franchisee.save()
        decision = CreditDecision.objects.create(
            franchisee=franchisee,
            kind=kind,
            score=franchisee.credit,
            stars=franchisee.stars,
            reason=reason.strip(),
            decided_by=actor,
            decided_at=at,
        )
        audit_record(
            actor=actor, action=f"franchise.{kind}", obj=franchisee, detail={"reason": reason}
        )
    return decision


# ----------------------------------------------------------------------------- volunteers


def volunteer_match(*, skill: str, area: Area | None) -> list[Volunteer]:
    """Return active volunteers with ``skill``, those of the nearest area first (FRANCHISE-7)."""
    found = [
        v for v in Volunteer.objects.filter(active=True).select_related("area") if skill in v.skills
    ]
    return sorted(
        found,
        key=lambda v: (
            tree_distance(area.path if area else None, v.area.path if v.area else None),
            v.name,
        ),
    )


def volunteer_assign(
    *,
    actor: Any,
    volunteer: Volunteer,
    group: str,
    skill: str,
    ticket: Ticket | None = None,
    note: str = "",
    now: datetime | None = None,
) -> VolunteerService:
    """Match a request from an entitled person to a volunteer (FRANCHISE-7)."""
    _require_centre(actor)
    if group not in VolunteerService.Group.values:
        raise InvalidInput("服务对象类别无效。")
    if skill not in volunteer.skills:
        raise InvalidInput("该志愿者不具备所需技能。")
    with transaction.atomic():
        service = VolunteerService.objects.create(
            volunteer=volunteer,
            ticket=ticket,
            group=group,
            skill=skill,
            matched_at=_now(now),
            note=note,
        )
        audit_record(actor=actor, action="franchise.volunteer.assign", obj=service)
    return service


def volunteer_hours_record(
    *, actor: Any, service: VolunteerService, hours: Decimal, served_on: date
) -> VolunteerService:
    """Record the hours served (FRANCHISE-7)."""
    _require_centre(actor)
    if not Decimal("0") < hours <= Decimal("24"):
        raise InvalidInput("服务时长应为0至24小时。")
    service.hours, service.served_on = hours, served_on
    service.save(update_fields=["hours", "served_on"])
    return service


def overrides_report(*, since: datetime | None = None) -> Any:
    """Return the orders dispatched off the rule (人情单 candidates), newest first (DISPATCH-7)."""
    orders = MarketOrder.objects.filter(~Q(override_reason="")).select_related(
        "ticket", "franchisee__unit", "dispatched_by"
    )
    if since is not None:
        orders = orders.filter(created_at__gte=since)
    return orders
