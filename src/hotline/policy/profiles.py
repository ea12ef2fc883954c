"""Policy profiles: one TOML file per regulation, validated on load (SCOPE-4, SLA-1…SLA-4).

A profile holds every rule a deployment needs from its regulation, each citing its article:
the ticket categories and their deadline groups (A10), the scope lists (§1.3, A34, A35), the
review step, every clock (§1.0), returns, extensions (A6), callbacks (§1.4), supervision
(§1.5) and the reminder-notice limit (A16). The files live in ``src/hotline/policies/``.

Errors name the file, the key and what is wrong: ``shanghai-962200.toml: clocks.reply.rules[1]
.length: Input should be greater than or equal to 0``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import cache
from itertools import product
from pathlib import Path
from typing import Annotated, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from hotline.policy.sla import LENGTH_UNITS, Limit, Unit

#: Where the profile files live.
POLICIES_DIR: Final = Path(__file__).resolve().parent.parent / "policies"

#: The profile used when none is configured (``HOTLINE_PROFILE``).
DEFAULT_PROFILE: Final = "national-12345"

#: Ticket categories (INTAKE-6), the same in every profile.
Category = Literal[
    "consultation", "help", "complaint", "report", "suggestion", "criticism", "praise"
]
#: Clocks. The first nine are the calculator's contract; every profile states every clock.
ClockName = Literal[
    "dispatch",
    "first_contact",
    "reply",
    "return",
    "extension_request",
    "callback",
    "deferred_answer",
    "kb_update",
    "reminder",
    "sign_for",
    "event_report",
    "event_followup",
    "evaluation",
    "filing",
]
CATEGORIES: Final[tuple[str, ...]] = get_args(Category)
CLOCKS: Final[tuple[str, ...]] = get_args(ClockName)
#: What starts a clock.
StartEvent = Literal[
    "registration",  # the call or request is registered
    "review",  # the centre's review before dispatch (TJ 第十七条)
    "receipt",  # the unit receives the ticket (= dispatch time, A4)
    "call",  # the call itself (TJ 第十七条 1 hour)
    "direct_answer",  # the end of a direct answer (TJ 第二十五条)
    "result_received",  # the centre receives the unit's or franchisee's result
    "reply",  # the unit's reply to the citizen
    "deadline",  # the deadline being extended (extension cut-off)
    "release",  # release date of new information (SH 第十四条)
    "event",  # occurrence of a major sudden event (SH 第十五条)
    "notice",  # a reminder notice 催办通知书 (QLH 五(三))
    "service_done",  # a franchisee's service is finished (ZJ 第二十七条)
    "close",  # the ticket is closed
]
#: The starting events the lifecycle can apply to each clock (issue 12: no ``starts`` is
#: ignored). A profile naming another start for a clock fails to load, rather than have the
#: code count the clock from something the profile does not say.
CLOCK_STARTS: Final[dict[str, frozenset[str]]] = {
    "dispatch": frozenset({"registration", "call", "review"}),
    "first_contact": frozenset({"receipt"}),
    "reply": frozenset({"receipt"}),
    "return": frozenset({"receipt"}),
    "extension_request": frozenset({"deadline"}),
    "callback": frozenset({"reply", "result_received", "service_done", "close"}),
    "deferred_answer": frozenset({"call", "registration"}),
    "kb_update": frozenset({"release"}),
    "reminder": frozenset({"notice"}),
    "sign_for": frozenset({"receipt"}),
    "event_report": frozenset({"event"}),
    "event_followup": frozenset({"event"}),
    "evaluation": frozenset({"direct_answer", "service_done"}),
    "filing": frozenset({"reply"}),
}
Actor = Literal["centre", "agent", "unit", "franchisee", "citizen"]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Model):
    """When a rule applies; an unset field matches anything."""

    groups: tuple[Code, ...] | None = None
    complex: bool | None = None
    urgent: bool | None = None

    def matches(self, group: str | None, *, complex: bool, urgent: bool) -> bool:
        """Return whether the condition holds (``group=None`` never matches a group test)."""
        if self.groups is not None and group not in self.groups:
            return False
        if self.complex is not None and self.complex != complex:
            return False
        return self.urgent is None or self.urgent == urgent


class SoftTarget(_Model):
    """A target shown in statistics, never a breach (A9, A33)."""

    unit: Unit
    length: int | None = Field(default=None, ge=1)
    basis: Text
    note: str = ""


class Rule(_Model):
    """One limit of a clock, with the article it comes from."""

    when: Condition = Condition()
    unit: Unit
    length: int | None = Field(default=None, ge=0)
    before: bool = False
    roll_forward: bool = True
    basis: Text
    soft_target: SoftTarget | None = None
    note: str = ""

    @model_validator(mode="after")
    def _check_limit(self) -> Rule:
        if self.unit is Unit.EXPLICIT:
            raise ValueError("unit 'explicit' is set per ticket, not in a profile")
        self.limit()  # raises ValueError with the reason
        return self

    def limit(self) -> Limit:
        """Return the arithmetic's view of this rule."""
        return Limit(self.unit, self.length, self.basis, self.before, self.roll_forward)


class Clock(_Model):
    """A clock (readings §1.0): what starts it, who must act, and its rules (first match)."""

    starts: StartEvent
    actor: Actor
    actor_label: Text  # the regulation's own name for who acts, e.g. "承办单位"
    rules: tuple[Rule, ...] = Field(min_length=1)
    note: str = ""

    def rule_for(self, group: str | None, *, complex: bool, urgent: bool) -> Rule | None:
        """Return the first rule that applies, or ``None``."""
        for rule in self.rules:
            if rule.when.matches(group, complex=complex, urgent=urgent):
                return rule
        return None

    @property
    def uses_groups(self) -> bool:
        """Return whether some rule depends on the category's deadline group."""
        return any(rule.when.groups is not None for rule in self.rules)


class CategoryEntry(_Model):
    """How the regulation names a category and which deadline group it falls into (A10)."""

    group: Code
    label: Text  # the regulation's words, e.g. "一般求助类"
    basis: Text
    note: str = ""


class ScopeItem(_Model):
    """An entry of a scope list, with a stable code."""

    code: Code
    text: Text  # the regulation's words
    basis: Text


class NotAccepted(ScopeItem):
    """A reason not to accept (SCOPE-2, A34, A35)."""

    referral: tuple[str, ...] = ()  # numbers or channels to refer to, e.g. ("110", "119")
    emergency: bool = False  # A12 refer_emergency: always with a referral
    requires_note: bool = False  # the "等" code of an open-ended list (A34)

    @model_validator(mode="after")
    def _emergency_has_referral(self) -> NotAccepted:
        if self.emergency and not self.referral:
            raise ValueError("an emergency reason needs its referral numbers (A35)")
        return self


class Scope(_Model):
    """What is accepted, what is not (with reasons and referrals), what gets navigation only."""

    description: Text
    accepted: tuple[ScopeItem, ...] = Field(min_length=1)
    not_accepted: tuple[NotAccepted, ...]
    navigation_only: tuple[ScopeItem, ...] = ()
    open_ended: bool = False  # the not-accepted list ends in "等" (A34)


class Review(_Model):
    """Whether the centre reviews a ticket before dispatch (DISPATCH-2)."""

    required: bool
    basis: Text


class Returns(_Model):
    """Returns 退回 of a ticket by a unit (HANDLE-3, A29); the window is ``clocks.return``.

    ``clocks.return`` is a *window* in which a return is allowed, not a duty: it carries no
    light, no warning and no breach (A5, issue 12). ``ground_required``: the unit must pick one
    of ``grounds`` (QLH 五(二), T2(c)); elsewhere the grounds are offered, the reason is free.
    """

    allowed: bool
    grounds: tuple[ScopeItem, ...]
    ground_required: bool = False
    requires_reason: bool
    requires_basis: bool
    confirmed_by: Actor
    basis: Text
    note: str = ""


class Extension(_Model):
    """Extensions 延期 (HANDLE-5, A6); the cut-off is ``clocks.extension_request``."""

    allowed: bool
    requested_by: Actor | None = None
    approved_by: Actor | None = None
    tells_citizen: Actor | None = None
    grounds: tuple[str, ...] = ()
    requires_reason: bool = True
    requires_basis: bool = False
    cap: Literal["none", "one_period"] = "none"  # no seed sets a length (A6)
    # How soon ``tells_citizen`` must tell the citizen of an approved extension; counted from
    # the approval. Unset: a to-do without a deadline (HANDLE-5, T7).
    tells_citizen_within: Rule | None = None
    basis: Text
    note: str = ""

    @model_validator(mode="after")
    def _actors_when_allowed(self) -> Extension:
        if self.allowed and None in (self.requested_by, self.approved_by, self.tells_citizen):
            raise ValueError("an allowed extension names requested_by, approved_by, tells_citizen")
        return self


class Callback(_Model):
    """The callback mode (readings §1.4, CALLBACK-1…4, A14); the limit is ``clocks.callback``."""

    mode: Literal["every_ticket", "monthly_share", "periodic_sample", "feedback_sheet"]
    share: float | None = Field(default=None, gt=0, le=1)
    supervised_always: bool = False
    direct_answers: Literal["evaluate_at_once", "none"] = "none"
    on_dissatisfied: Literal["quality_inspection", "redo", "supervision", "complaint", "none"]
    # With ``on_dissatisfied = "redo"``: the redo order goes out with the dissatisfied result
    # (QLH 五(六)); otherwise the centre issues it from the dissatisfied list.
    redo_at_once: bool = False
    # A satisfied or basically satisfied result closes the ticket in the same step (issue 13).
    close_on_satisfied: bool = False
    # The centre's limit of tries for an unreached citizen, and the spacing of the retries
    # (the n-th retry waits n times ``retry_minutes``); no seed sets either (issue 13).
    max_attempts: int = Field(default=3, ge=1, le=10)
    retry_minutes: int = Field(default=120, ge=1)
    basis: Text
    note: str = ""

    @model_validator(mode="after")
    def _share_for_samples(self) -> Callback:
        if self.mode in ("monthly_share", "periodic_sample") and self.share is None:
            raise ValueError(f"mode '{self.mode}' needs a share")
        return self


class Reply(_Model):
    """What the unit's reply must record (HANDLE-4, T5)."""

    # QLH 五(四) "答复诉求人时,应征求诉求人对办理结果是否满意的意见": the reply records it.
    asks_satisfaction: bool = False
    basis: Text
    note: str = ""


class Escalation(_Model):
    """Matters a unit must take to its principal leader (HANDLE-7, TJ 第二十条, V4)."""

    to: Text  # in the regulation's words, e.g. "承办单位主要负责人"
    matters: tuple[ScopeItem, ...] = Field(min_length=1)
    basis: Text
    note: str = ""


class Trigger(ScopeItem):
    """A supervision (督办) trigger and who owns it (readings §1.5)."""

    owner: Text  # who supervises, in the regulation's words, e.g. "管理办公室"
    assists: str = ""
    written_explanation: bool = False
    time_limited: bool = False
    min_repeat_calls: int | None = Field(default=None, ge=1)
    note: str = ""


class Supervision(_Model):
    """Supervision triggers, forms and what follows when a unit still fails.

    ``owner`` supervises the orders a supervisor opens by hand (W2); a trigger's order belongs
    to the trigger's ``owner``. ``explanation_working_days`` is the "set time" within which a
    supervised unit reports in writing (SUPERVISE-3); ``explanation_basis`` cites it.
    """

    triggers: tuple[Trigger, ...] = Field(min_length=1)
    forms: tuple[str, ...] = ()
    follow_up: str = ""
    basis: Text
    owner: Text
    explanation_working_days: int = Field(ge=1)
    explanation_basis: Text


class Reminder(_Model):
    """Reminder notices 催办通知书 (SUPERVISE-1, A16); the limit is ``clocks.reminder``."""

    enabled: bool
    requires_overdue: bool = True
    stops_on: tuple[Literal["reason_reported", "extension_requested"], ...] = ()
    escalate_to: str = ""
    public_notice: bool = False
    basis: Text
    note: str = ""
    #: Working days after an overdue reply deadline before the first notice goes out.
    grace_working_days: int = Field(default=0, ge=0)
    #: The most reminder notices one ticket's overdue deadline gets.
    limit: int = Field(default=1, ge=1)
    #: What follows when the last notice's own deadline passes with no reason reported:
    #: ``inspection_group`` reports to the 督查小组 with a written 通报批评 (QLH 五(三), W3),
    #: ``supervision`` opens a supervision order, ``none`` leaves it to the supervisors.
    escalation: Literal["none", "inspection_group", "supervision"] = "none"


class Urgent(_Model):
    """Urgent tickets (accepted, fast-tracked) beyond the dispatch clock (DISPATCH-3, A12).

    ``phone_liaison``: after dispatching, the agent phones the unit's liaison and records the
    call. ``report_to_management``: the matter is reported to ``management_label`` (the
    centre's management: supervisors and centre administrators).
    """

    phone_liaison: bool = False
    report_to_management: bool = False
    management_label: str = ""
    basis: str = ""
    note: str = ""


class Assisting(_Model):
    """Lead and assisting units (DISPATCH-4, A32).

    ``deadline`` is the assisting unit's own limit for sending its contribution to the lead,
    counted from its receipt and never later than the lead's reply deadline; ``None`` gives
    the lead's reply deadline. No seed sets it (A32): it is this platform's parameter.
    ``lead_waits``: the lead's reply waits for every contribution, or records why not.
    """

    allowed: bool = True
    named_by_label: str = ""  # who names the lead, in the regulation's words
    deadline: Rule | None = None
    lead_waits: bool = True
    basis: str = ""
    note: str = ""


class Meta(_Model):
    """Who the profile is for and how far its text goes."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    title: Text
    regulation: Text
    citation: Text  # prefix of every basis, e.g. "SH-962200"
    reading: Text  # what the file is: the regulation, or our reading of practice
    timezone: Literal["Asia/Shanghai"] = "Asia/Shanghai"
    receipt: Literal["dispatch", "sign_for"] = "dispatch"  # A4
    warning_share: float = Field(gt=0, lt=1)


class Profile(_Model):
    """A validated policy profile."""

    profile: Meta
    categories: dict[Category, CategoryEntry]
    scope: Scope
    review: Review
    clocks: dict[ClockName, Clock]
    returns: Returns = Field(alias="return")
    extension: Extension
    callback: Callback
    supervision: Supervision
    reminder: Reminder
    reopen: Rule
    urgent: Urgent = Urgent()
    assisting: Assisting = Assisting()
    reply: Reply
    escalation: Escalation | None = None

    @property
    def name(self) -> str:
        """Return the profile's name (its file stem)."""
        return self.profile.name

    def clock(self, name: str) -> Clock:
        """Return the clock *name*; raise ``KeyError`` if the profile has none."""
        return self.clocks[name]  # type: ignore[index]

    def group_of(self, category: str) -> str:
        """Return the deadline group of *category*; raise ``KeyError`` if unknown."""
        return self.categories[category].group  # type: ignore[index]

    def rules(self) -> Iterator[tuple[str, Rule]]:
        """Yield every rule with its key path, for the admin screen and tests."""
        for clock_name, clock in self.clocks.items():
            for i, rule in enumerate(clock.rules):
                yield f"clocks.{clock_name}.rules[{i}]", rule
        yield "reopen", self.reopen
        if self.extension.tells_citizen_within is not None:
            yield "extension.tells_citizen_within", self.extension.tells_citizen_within


def escalation_kinds(profile: Profile) -> tuple[ScopeItem, ...]:
    """Return the kinds of matter the unit must take to its head (HANDLE-7, TJ 第二十条, V4).

    The single place that knows where the profile keeps them: its ``[escalation]`` section
    (moved there from the supervision triggers, issue 12). Empty where the profile has none.
    """
    return profile.escalation.matters if profile.escalation is not None else ()


def distinguishes_complex(profile: Profile) -> bool:
    """Return whether a complex matter has another reply limit than a general one (A7)."""
    clock = profile.clock("reply")
    groups = {entry.group for entry in profile.categories.values()}
    return any(
        clock.rule_for(group, complex=True, urgent=False)
        != clock.rule_for(group, complex=False, urgent=False)
        for group in groups
    )


class ProfileError(ValueError):
    """A profile file is missing or invalid; the message names the file and the key."""


class UnknownProfile(ProfileError, LookupError):
    """No profile of that name exists."""


def available_profiles() -> list[str]:
    """Return the names of the profile files, sorted."""
    return sorted(path.stem for path in POLICIES_DIR.glob("*.toml"))


def load_profile(name: str) -> Profile:
    """Return the validated profile *name* (cached); raise :class:`ProfileError`."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise UnknownProfile(f"unknown profile {name!r}; available: {available_profiles()}")
    return _load_cached(name)


@cache
def _load_cached(name: str) -> Profile:
    path = POLICIES_DIR / f"{name}.toml"
    if not path.is_file():
        raise UnknownProfile(f"unknown profile {name!r}; available: {available_profiles()}")
    return load_profile_file(path)


def clear_cache() -> None:
    """Forget loaded profiles (tests, or after editing a file)."""
    _load_cached.cache_clear()


def load_profile_file(path: Path) -> Profile:
    """Read and validate one profile file; raise :class:`ProfileError` naming file and key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path.name}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{path.name}: TOML syntax error: {exc}") from exc
    return parse_profile(data, source=path.name, expected_name=path.stem)


def parse_profile(data: object, *, source: str, expected_name: str | None = None) -> Profile:
    """Validate parsed TOML *data*; *source* names the file in error messages."""
    try:
        profile = Profile.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(_format_errors(source, exc)) from exc
    problems = list(_cross_check(profile, expected_name))
    if problems:
        raise ProfileError("\n".join(f"{source}: {key}: {msg}" for key, msg in problems))
    return profile


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in error["loc"]
        ).lstrip(".")
        msg = error["msg"].removeprefix("Value error, ")
        lines.append(f"{source}: {key or '(top level)'}: {msg}")
    return "\n".join(lines)


def _cross_check(profile: Profile, expected_name: str | None) -> Iterator[tuple[str, str]]:
    """Yield (key, problem) for rules pydantic cannot check field by field."""
    meta = profile.profile
    if expected_name is not None and meta.name != expected_name:
        yield "profile.name", f"is {meta.name!r} but the file is {expected_name!r}"
    # The lifecycle gives re-dispatch and extension decisions to the centre and extension
    # requests to the unit (transition table); a profile saying otherwise is refused.
    if profile.returns.confirmed_by != "centre":
        yield "return.confirmed_by", "only 'centre' confirms a return (HANDLE-3)"
    if profile.extension.allowed and profile.extension.requested_by != "unit":
        yield "extension.requested_by", "only 'unit' requests an extension (HANDLE-5)"
    if profile.extension.allowed and profile.extension.approved_by != "centre":
        yield "extension.approved_by", "only 'centre' decides an extension (HANDLE-5)"
    if profile.returns.ground_required and not profile.returns.grounds:
        yield "return.ground_required", "needs the grounds to choose from"
    for category in CATEGORIES:
        if category not in profile.categories:
            yield f"categories.{category}", "missing: every profile maps every category"
    for clock_name in CLOCKS:
        if clock_name not in profile.clocks:
            yield f"clocks.{clock_name}", "missing: every profile states every clock"
    groups = {entry.group for entry in profile.categories.values()}
    for key, rule in profile.rules():
        if not rule.basis.startswith(meta.citation):
            yield f"{key}.basis", f"must cite the regulation, starting with {meta.citation!r}"
        for group in rule.when.groups or ():
            if group not in groups:
                yield f"{key}.when.groups", f"unknown group {group!r}; known: {sorted(groups)}"
        soft = rule.soft_target
        if soft is not None and soft.unit in LENGTH_UNITS and soft.length is None:
            yield f"{key}.soft_target.length", f"{soft.unit} needs a length"
    for clock_name, clock in profile.clocks.items():
        allowed_starts = CLOCK_STARTS.get(clock_name, frozenset())
        if clock.starts not in allowed_starts:
            yield (
                f"clocks.{clock_name}.starts",
                f"{clock.starts!r} cannot start this clock; use one of {sorted(allowed_starts)}",
            )
        for group, complex_, urgent in product(sorted(groups), (False, True), (False, True)):
            if clock.rule_for(group, complex=complex_, urgent=urgent) is None:
                yield (
                    f"clocks.{clock_name}.rules",
                    f"no rule for group={group!r} complex={complex_} urgent={urgent}",
                )
                break
    for section, items in (
        ("scope.accepted", profile.scope.accepted),
        ("scope.not_accepted", profile.scope.not_accepted),
        ("scope.navigation_only", profile.scope.navigation_only),
        ("return.grounds", profile.returns.grounds),
        ("supervision.triggers", profile.supervision.triggers),
        ("escalation.matters", profile.escalation.matters if profile.escalation else ()),
    ):
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.code in seen:
                yield f"{section}[{i}].code", f"duplicate code {item.code!r}"
            seen.add(item.code)
            if not item.basis.startswith(meta.citation):
                yield f"{section}[{i}].basis", f"must start with {meta.citation!r}"
    assist_rule = profile.assisting.deadline
    if assist_rule is not None and not assist_rule.basis.startswith(meta.citation):
        yield "assisting.deadline.basis", f"must start with {meta.citation!r}"
    for key, basis in (
        ("review.basis", profile.review.basis),
        ("return.basis", profile.returns.basis),
        ("extension.basis", profile.extension.basis),
        ("callback.basis", profile.callback.basis),
        ("supervision.basis", profile.supervision.basis),
        ("reminder.basis", profile.reminder.basis),
        ("reply.basis", profile.reply.basis),
        *((("escalation.basis", profile.escalation.basis),) if profile.escalation else ()),
    ):
        if not basis.startswith(meta.citation):
            yield key, f"must start with {meta.citation!r}"
