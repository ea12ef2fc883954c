"""Market services (ZJ-96345 §20-27, §34-44; TJ-88908890 §33-41): franchisees and their orders.

A franchisee *is* a handling unit: ``Franchisee.unit`` is a ``directory.Unit`` (kind "other"),
so its users, inbox and every ticket screen work as for any unit. This app adds what the
regulations ask beyond a unit: enrolment and agreement (FRANCHISE-1), service classes
(FRANCHISE-2), the fair dispatch log (DISPATCH-7), the service agreement of each order (O3),
feedback sheets (CALLBACK-4), complaints (FRANCHISE-5), credit (FRANCHISE-6) and volunteers
(FRANCHISE-7).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hotline.directory.models import Area, Unit
from hotline.tickets.models import Ticket


class Service(models.TextChoices):
    """The market services of ZJ-96345 §20 (FRANCHISE-2)."""

    CLEANING = "cleaning", _("Cleaning")
    MOVING = "moving", _("Moving")
    HOUSE_REPAIR = "house_repair", _("House repair")
    DECORATION = "decoration", _("Decoration")
    APPLIANCE_REPAIR = "appliance_repair", _("Appliance repair")
    DELIVERY = "delivery", _("Delivery")
    BOOKING = "booking", _("Appointment booking")
    LEGAL = "legal", _("Legal services")
    AGENCY = "agency", _("Agency services")


class ApplicantKind(models.TextChoices):
    COMPANY = "company", _("Company")
    SOLE_TRADER = "sole_trader", _("Sole trader")
    SOCIAL_ORG = "social_org", _("Social organisation")


class Franchisee(models.Model):
    """A vetted provider of market services, linked one-to-one to its handling unit."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLACKLISTED = "blacklisted", _("Blacklisted")
        TERMINATED = "terminated", _("Agreement terminated")

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="franchisee")
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicantKind.choices)
    licence_number = models.CharField(_("business licence number"), max_length=64)
    services = models.JSONField(_("service classes"), default=list)
    base_area = models.ForeignKey(
        Area,
        verbose_name=_("base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    areas = models.ManyToManyField(Area, verbose_name=_("service areas"), blank=True)
    hours = models.CharField(_("service hours"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    credit = models.PositiveSmallIntegerField(_("credit score"), default=80)
    stars = models.PositiveSmallIntegerField(_("stars"), default=4)
    recommended = models.BooleanField(_("recommended"), default=False)

    class Meta:
        verbose_name = _("franchisee")
        verbose_name_plural = _("franchisees")
        ordering = ["unit__code"]

    def __str__(self) -> str:
        return self.unit.name

    @property
    def code(self) -> str:
        return self.unit.code

    @property
    def name(self) -> str:
        return self.unit.name

    @property
    def service_labels(self) -> list[str]:
        return [str(Service(s).label) for s in self.services if s in Service.values]

    @property
    def blacklisted(self) -> bool:
        return self.status == self.Status.BLACKLISTED


def _upload_to(instance: models.Model, filename: str) -> str:
    return f"franchise/applications/{filename}"


class Application(models.Model):
    """An application to join (FRANCHISE-1): licence, qualifications, services, area, hours."""

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHECKED = "checked", _("Checked on site")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=ApplicantKind.choices)
    licence_number = models.CharField(_("business licence number"), max_length=64)
    licence_file = models.FileField(_("business licence"), upload_to=_upload_to)
    qualification_file = models.FileField(_("qualifications"), upload_to=_upload_to, blank=True)
    services = models.JSONField(_("service classes"), default=list)
    area_codes = models.JSONField(_("service areas"), default=list, blank=True)
    hours = models.CharField(_("service hours"), max_length=100)
    contact_name = models.CharField(_("contact person"), max_length=64)
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    state = models.CharField(max_length=16, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField()
    site_check_note = models.TextField(_("on-site check"), blank=True)
    site_checked_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    franchisee = models.ForeignKey(
        Franchisee, null=True, blank=True, on_delete=models.PROTECT, related_name="applications"
    )

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """The franchise agreement (FRANCHISE-1, -4): rights, duties, hours, standards, fees,
    the response and on-site times (ZJ §39), and its validity."""

    franchisee = models.ForeignKey(Franchisee, on_delete=models.CASCADE, related_name="agreements")
    rights = models.TextField(_("rights"))
    duties = models.TextField(_("duties"))
    hours = models.CharField(_("service hours"), max_length=100)
    standards = models.TextField(_("service standards"))
    fees = models.TextField(_("fees"))
    response_minutes = models.PositiveIntegerField(_("response time (minutes)"), default=30)
    onsite_hours = models.PositiveIntegerField(_("on-site time (hours)"), default=24)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    signed_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    expiry_warned_at = models.DateTimeField(null=True, blank=True)
    terminated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_until", "-id"]

    def __str__(self) -> str:
        return f"{self.franchisee} {self.valid_from}—{self.valid_until}"


class PriceGuide(models.Model):
    """A reference price for a service (FRANCHISE-4), shown to agents and citizens."""

    service = models.CharField(max_length=32, choices=Service.choices, unique=True)
    price = models.DecimalField(_("reference price"), max_digits=10, decimal_places=2)
    unit_label = models.CharField(_("per"), max_length=32, default="次")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["service"]

    def __str__(self) -> str:
        return f"{self.get_service_display()} {self.price}/{self.unit_label}"


class MarketRequest(models.Model):
    """A market-service request as the citizen made it (issue 16: from the portal): the
    service class asked for, before the centre routes it with the market dispatch."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="market_request"
    )
    service = models.CharField(_("service"), max_length=32, choices=Service.choices)
    channel = models.CharField(max_length=16, default="web")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.service}"


class MarketOrder(models.Model):
    """A market-service request routed to franchisees (DISPATCH-5, -7, FRANCHISE-3).

    ``considered`` and ``reasons`` are the written rule's result at dispatch time; each offer
    made is an ``Offer`` row, so the rotation can be proved from the log.
    """

    class State(models.TextChoices):
        OFFERED = "offered", pgettext_lazy("market order state", "Offered")
        ACCEPTED = "accepted", _("Accepted")
        REPORTED = "reported", _("Served and reported")
        UNSERVED = "unserved", _("No franchisee accepted")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="market_order")
    service = models.CharField(max_length=32, choices=Service.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.OFFERED)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    considered = models.JSONField(default=list)
    reasons = models.JSONField(default=dict)
    override_reason = models.CharField(max_length=500, blank=True)
    citizen_choice = models.BooleanField(default=False)
    franchisee = models.ForeignKey(
        Franchisee, null=True, on_delete=models.PROTECT, related_name="orders"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # The service agreement of the order (O3): agreed price and time, service, report.
    price = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    agreed_at = models.DateTimeField(null=True, blank=True)
    served_at = models.DateTimeField(null=True, blank=True)
    report_note = models.TextField(blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    price_flagged = models.BooleanField(default=False)
    callback_result = models.CharField(max_length=32, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.ticket.number} {self.get_service_display()}"


class Offer(models.Model):
    """One offer of an order to a franchisee: the audit trail of fair dispatch (DISPATCH-7)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        TIMED_OUT = "timed_out", _("Timed out")

    order = models.ForeignKey(MarketOrder, on_delete=models.CASCADE, related_name="offers")
    franchisee = models.ForeignKey(Franchisee, on_delete=models.PROTECT, related_name="offers")
    service = models.CharField(max_length=32, choices=Service.choices)
    position = models.PositiveSmallIntegerField()
    reason = models.CharField(max_length=500)
    manual = models.BooleanField(default=False)
    offered_at = models.DateTimeField(db_index=True)
    due_at = models.DateTimeField(db_index=True)
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.PENDING, db_index=True
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["offered_at", "id"]

    def __str__(self) -> str:
        return f"{self.order} → {self.franchisee}"


class FeedbackSheet(models.Model):
    """The resident's service feedback sheet (CALLBACK-4, ZJ §27, §43)."""

    class Source(models.TextChoices):
        PORTAL = "portal", _("Filled in by the resident")
        AGENT = "agent", _("Read out to a callback agent")

    order = models.OneToOneField(MarketOrder, on_delete=models.CASCADE, related_name="feedback")
    token = models.CharField(max_length=48, unique=True)
    quality = models.PositiveSmallIntegerField(null=True, blank=True)
    attitude = models.PositiveSmallIntegerField(null=True, blank=True)
    punctuality = models.PositiveSmallIntegerField(null=True, blank=True)
    price_fair = models.BooleanField(null=True, blank=True)
    comment = models.TextField(blank=True)
    source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    filled_at = models.DateTimeField(null=True, blank=True)
    filled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.order}"

    @property
    def average(self) -> float | None:
        marks = [m for m in (self.quality, self.attitude, self.punctuality) if m]
        return sum(marks) / len(marks) if marks else None


class Complaint(models.Model):
    """A complaint against a franchisee, filed as a complaint ticket against its unit
    (FRANCHISE-5). It counts only once verified (W8); one made while an earlier complaint is
    unresolved is a repeat and weighs double."""

    franchisee = models.ForeignKey(Franchisee, on_delete=models.PROTECT, related_name="complaints")
    ticket = models.OneToOneField(Ticket, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(
        MarketOrder, null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    filed_at = models.DateTimeField()
    repeat = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finding = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    referred_to = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.franchisee} {self.ticket.number}"


class CreditDecision(models.Model):
    """One entry of a franchisee's credit file (FRANCHISE-6), with who decided and why."""

    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("Annual assessment")
        RECOMMEND = "recommend", _("Priority recommendation")
        NOTICE = "notice", _("Public notice")
        BLACKLIST = "blacklist", _("Blacklisted")
        TERMINATE = "terminate", _("Agreement terminated")

    franchisee = models.ForeignKey(Franchisee, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    reason = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField()
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.franchisee} {self.get_kind_display()}"


class Volunteer(models.Model):
    """A volunteer (FRANCHISE-7): skills, area and availability."""

    class Skill(models.TextChoices):
        DOCTOR = "doctor", _("Doctor")
        LAWYER = "lawyer", _("Lawyer")
        COUNSELLOR = "counsellor", _("Counsellor")
        STUDENT = "student", _("Student")
        HANDYMAN = "handyman", _("Handyman")

    name = models.CharField(_("name"), max_length=64)
    phone = models.CharField(_("phone"), max_length=32)
    skills = models.JSONField(_("skills"), default=list)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT)
    availability = models.CharField(_("availability"), max_length=100, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class VolunteerService(models.Model):
    """Hours a volunteer served for a person in one of the entitled groups (FRANCHISE-7)."""

    class Group(models.TextChoices):
        ELDERLY = "elderly", _("Elderly living alone")
        ORPHANED = "orphaned", _("Orphaned")
        DISABLED = "disabled", _("Disabled")
        HARDSHIP = "hardship", _("In difficulty")
        ENTITLED = "entitled", _("Entitled group")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="services")
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL)
    group = models.CharField(max_length=16, choices=Group.choices)
    skill = models.CharField(max_length=16, choices=Volunteer.Skill.choices)
    matched_at = models.DateTimeField()
    hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    served_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-matched_at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.get_group_display()}"
