"""The ticket's lifecycle as one explicit transition table: plain data, no Django import.

Each ``Rule`` says which action may be taken in which states, what state follows (possibly
depending on the action's outcome, e.g. a callback's result), which roles may take it, and how
the actor's unit must relate to the ticket: ``centre`` for the centre's staff, ``assigned_unit``
for the lead unit's handlers and administrators (DISPATCH-4). Profile rules reach this module as
plain booleans in ``Options``; windows and clocks (return window, extension cut-off, reopen
window) are computed by the services from the profile and passed in as booleans too.

``transition_check`` is the only gate the lifecycle services use; ``replay`` rebuilds a ticket's
state from its events (the ``TicketEvent`` rows) without re-checking roles or the profile, since
history is what happened under the rules of its day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final, Literal


class State(StrEnum):
    """Where a ticket stands; ``None`` stands for "not registered yet"."""

    REGISTERED = "registered"  # accepted and registered, awaiting answer, review or dispatch
    NOT_ACCEPTED = "not_accepted"  # SCOPE-2: refused with reason and referral, still registered
    ANSWER_DEFERRED = "answer_deferred"  # ANSWER-2: the agent answers later (within 1 hour)
    ANSWERED = "answered"  # ANSWER-1: answered directly by the agent (即办件)
    NAVIGATED = "navigated"  # SCOPE-3: pointed to the right channel (导航), not an answer
    REVIEWED = "reviewed"  # DISPATCH-2: reviewed by the centre, awaiting dispatch
    DISPATCHED = "dispatched"  # DISPATCH-1/4: sent to a lead unit, not yet signed for
    SIGNED = "signed"  # HANDLE-1/2: the lead unit signed for it
    IN_PROGRESS = "in_progress"  # HANDLE-2: first contact with the citizen made
    RETURNED = "returned"  # HANDLE-3: returned by the unit, awaiting the centre's re-dispatch
    REPLIED = "replied"  # HANDLE-4/6: the unit's reply (or explanation) is in
    CALLED_BACK = "called_back"  # CALLBACK-2: citizen satisfied or basically satisfied
    DISSATISFIED = "dissatisfied"  # CALLBACK-3: citizen dissatisfied; redo or close
    CLOSED = "closed"
    TRANSFERRED = "transferred"  # DISPATCH-6: handed to another platform
    ARCHIVED = "archived"  # final


class Action(StrEnum):
    REGISTER = "register"
    REJECT = "reject"
    ANSWER = "answer"
    DEFER = "defer"
    REVIEW = "review"
    DISPATCH = "dispatch"
    SIGN = "sign"
    CONTACT = "contact"
    RETURN = "return"
    REDISPATCH = "redispatch"
    EXTENSION_REQUEST = "extension_request"
    EXTENSION_DECIDE = "extension_decide"
    EXPLAIN = "explain"
    ESCALATE = "escalate"
    REPLY = "reply"
    CALLBACK = "callback"
    REDO = "redo"
    CLOSE = "close"
    TRANSFER = "transfer"
    REOPEN = "reopen"
    ARCHIVE = "archive"
    # Issue 12 part 2: rules that were data only.
    LIAISON_CALL = "liaison_call"
    ASSIST_SIGN = "assist_sign"
    ASSIST_SUBMIT = "assist_submit"
    ASSIST_WAIVE = "assist_waive"
    ESCALATION_FLAG = "escalation_flag"
    RECLASSIFY_REQUEST = "reclassify_request"
    RECLASSIFY_DECIDE = "reclassify_decide"
    EVENT_FLAG = "event_flag"
    EVENT_REPORT = "event_report"
    NAVIGATE = "navigate"
    EVALUATE = "evaluate"


class Relation(StrEnum):
    """How the actor's unit relates to the ticket; the access layer computes it."""

    CENTRE = "centre"
    ASSIGNED_UNIT = "assigned_unit"  # the current lead unit (or, for its admin, a parent unit)
    ASSISTING_UNIT = "assisting_unit"
    OTHER = "other"


#: The target "stay in the current state" (extension requests, escalations, unreached callbacks).
SAME: Final = "same"
Target = State | Literal["same"]

# Role codes as in ``hotline.accounts.roles.Role`` (not imported: it pulls in Django).
AGENT: Final = "agent"
REVIEWER: Final = "reviewer"
CALLBACK: Final = "callback"
INSPECTOR: Final = "inspector"
SUPERVISOR: Final = "supervisor"
CENTRE_ADMIN: Final = "centre_admin"
UNIT_HANDLER: Final = "unit_handler"
UNIT_ADMIN: Final = "unit_admin"
ALL_ROLES: Final = frozenset(
    {AGENT, REVIEWER, CALLBACK, INSPECTOR, SUPERVISOR, CENTRE_ADMIN, UNIT_HANDLER, UNIT_ADMIN}
)
_UNIT = frozenset({UNIT_HANDLER, UNIT_ADMIN})
_DISPATCHERS = frozenset({AGENT, REVIEWER})

STATE_LABELS: Final[Mapping[State, str]] = {
    State.REGISTERED: "已登记",
    State.NOT_ACCEPTED: "不予受理",
    State.ANSWER_DEFERRED: "待答复",
    State.ANSWERED: "已直接答复",
    State.REVIEWED: "已审核待派单",
    State.DISPATCHED: "已派单",
    State.SIGNED: "已签收",
    State.IN_PROGRESS: "办理中",
    State.RETURNED: "已退回",
    State.REPLIED: "已答复待回访",
    State.CALLED_BACK: "已回访",
    State.DISSATISFIED: "回访不满意",
    State.CLOSED: "已办结",
    State.TRANSFERRED: "已转其他平台",
    State.ARCHIVED: "已归档",
    State.NAVIGATED: "已导航",
}

ACTION_LABELS: Final[Mapping[Action, str]] = {
    Action.REGISTER: "登记",
    Action.REJECT: "不予受理",
    Action.ANSWER: "直接答复",
    Action.DEFER: "延后答复",
    Action.REVIEW: "审核",
    Action.DISPATCH: "派单",
    Action.SIGN: "签收",
    Action.CONTACT: "先行联系",
    Action.RETURN: "退回",
    Action.REDISPATCH: "重新派单",
    Action.EXTENSION_REQUEST: "申请延期",
    Action.EXTENSION_DECIDE: "审批延期",
    Action.EXPLAIN: "说明无法解决",
    Action.ESCALATE: "报单位负责人",
    Action.REPLY: "答复",
    Action.CALLBACK: "回访",
    Action.REDO: "重办",
    Action.CLOSE: "办结",
    Action.TRANSFER: "转其他平台",
    Action.REOPEN: "重新打开",
    Action.ARCHIVE: "归档",
    Action.LIAISON_CALL: "电话通知联络人",
    Action.ASSIST_SIGN: "协办签收",
    Action.ASSIST_SUBMIT: "提交协办意见",
    Action.ASSIST_WAIVE: "不等协办意见",
    Action.ESCALATION_FLAG: "标记须报单位负责人",
    Action.RECLASSIFY_REQUEST: "申请改为复杂事项",
    Action.RECLASSIFY_DECIDE: "审批复杂事项申请",
    Action.EVENT_FLAG: "标记重大突发事项",
    Action.EVENT_REPORT: "记录突发事项报告",
    Action.NAVIGATE: "导航",
    Action.EVALUATE: "即时评价",
}

#: Callback results (readings A19) and extension decisions.
CALLBACK_RESULTS: Final = ("satisfied", "basically_satisfied", "dissatisfied", "unreached")
EXTENSION_DECISIONS: Final = ("approved", "refused")
#: Reports of a major sudden event (SH 第十五条, A17): oral within 30 minutes, written in 2 hours.
EVENT_REPORT_KINDS: Final = ("oral", "written")
#: The citizen's evaluation of a direct answer at the end of the call (ANSWER-3, A19), or
#: "declined" when the citizen would not evaluate.
EVALUATION_RESULTS: Final = ("satisfied", "basically_satisfied", "dissatisfied", "declined")


@dataclass(frozen=True)
class Options:
    """The profile's and the ticket's rules that the table depends on, as plain booleans.

    ``review_required``: ``profile.review.required`` (DISPATCH-2).
    ``returns_allowed``: ``profile.returns.allowed`` and, where the profile has a window, the
    return window still open (HANDLE-3, A5, A29).
    ``extensions_allowed``: ``profile.extension.allowed`` and the request cut-off not passed
    (HANDLE-5, A6).
    ``callback_required``: a callback is owed on this ticket (CALLBACK-1: mode ``every_ticket``,
    a supervised ticket where ``supervised_always``, drawn in the sample, a market service's
    feedback sheet): an unmet ``callback`` deadline. A replied ticket may not close while one
    is owed; a closed ticket may still be called back while one is (the ``callbacks`` app
    queues it).
    ``reopen_window_open``: the profile's ``reopen`` window has not passed.
    ``liaison_call``: an urgent ticket under a profile that has the liaison phoned (DISPATCH-3).
    ``assist_open``: an assisting unit has neither contributed nor been waived (DISPATCH-4).
    ``escalation_kinds``: the profile lists matters for the unit's head (HANDLE-7).
    ``reclassify_open``: the profile distinguishes complex matters, the ticket is not complex,
    no request is pending and the first-contact deadline has not passed (A7).
    ``reclassify_pending``: a reclassification request awaits the centre (A7).
    ``event_clocks``: the profile has event-report clocks and no event is flagged yet.
    ``event_flagged``: an event is flagged and a report is still owed (SH 第十五条).
    ``evaluation_missing``: a direct answer that the profile has evaluated at once
    (``callback.direct_answers = "evaluate_at_once"``, ANSWER-3) has no evaluation yet.
    """

    review_required: bool = False
    returns_allowed: bool = True
    extensions_allowed: bool = True
    callback_required: bool = False
    reopen_window_open: bool = True
    liaison_call: bool = False
    assist_open: bool = False
    escalation_kinds: bool = False
    reclassify_open: bool = False
    reclassify_pending: bool = False
    event_clocks: bool = False
    event_flagged: bool = False
    evaluation_missing: bool = False


@dataclass(frozen=True)
class Guard:
    """A profile condition on a rule: ``Options.<option>`` must equal ``expected``."""

    option: str
    expected: bool
    code: str
    message: str

    def holds(self, options: Options) -> bool:
        return bool(getattr(options, self.option)) is self.expected


@dataclass(frozen=True)
class Rule:
    """One row of the table: ``action`` in any of ``sources`` leads to ``target``.

    Where ``outcomes`` is set, the action needs one of its keys and the key gives the target.
    """

    action: Action
    sources: frozenset[State | None]
    target: Target
    roles: frozenset[str]
    relation: Relation
    outcomes: Mapping[str, Target] = field(default_factory=dict)
    guard: Guard | None = None
    requirement: str = ""


@dataclass(frozen=True)
class Transition:
    """An allowed transition, as ``transition_check`` returns it."""

    action: Action
    source: State | None
    target: State
    outcome: str | None
    rule: Rule


class TicketTransitionError(ValueError):
    """A refused action, with a stable ``code``, a one-line Chinese message and an HTTP status."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TransitionNotAllowed(TicketTransitionError):
    """The action is not possible in this state, or the profile does not allow it."""


class RoleNotAllowed(TicketTransitionError):
    """None of the actor's roles may take this action."""

    status = 403


class UnitNotAllowed(TicketTransitionError):
    """The actor's unit is not the one that may take this action on this ticket."""

    status = 403


def _rule(
    action: Action,
    sources: Iterable[State | None],
    target: Target,
    roles: Iterable[str],
    relation: Relation,
    requirement: str,
    *,
    outcomes: Mapping[str, Target] | None = None,
    guard: Guard | None = None,
) -> Rule:
    return Rule(
        action=action,
        sources=frozenset(sources),
        target=target,
        roles=frozenset(roles),
        relation=relation,
        outcomes=dict(outcomes or {}),
        guard=guard,
        requirement=requirement,
    )


S = State
A = Action
_C = Relation.CENTRE
_U = Relation.ASSIGNED_UNIT
_AU = Relation.ASSISTING_UNIT
_HANDLING = (S.SIGNED, S.IN_PROGRESS)
_WITH_UNIT = (S.DISPATCHED, *_HANDLING)


def _g(option: str, code: str, message: str) -> Guard:
    return Guard(option, True, code, message)


_ESCALATION = _g("escalation_kinds", "escalation_not_applicable", "本平台未规定须报负责人的事项")
_RECLASSIFY = _g(
    "reclassify_open",
    "reclassify_not_allowed",
    "不能申请改为复杂事项（本平台不区分、已是复杂事项、已有申请或已过先行联系时限）",
)
_EVENT = _g("event_clocks", "event_report_not_applicable", "本平台未规定突发事项报告时限，或已标记")

#: The table. At most one rule per (action, source state); ``test_transitions`` checks it.
RULES: Final[tuple[Rule, ...]] = (
    # INTAKE-3/4: every call is registered, accepted or not.
    _rule(A.REGISTER, [None], S.REGISTERED, [AGENT], _C, "INTAKE-3"),
    # SCOPE-2, A35: refused with a reason code (and a referral where one exists).
    _rule(A.REJECT, [S.REGISTERED, S.REVIEWED], S.NOT_ACCEPTED, _DISPATCHERS, _C, "SCOPE-2"),
    # ANSWER-1/2: a direct answer, at once or after a deferral.
    _rule(A.ANSWER, [S.REGISTERED, S.ANSWER_DEFERRED], S.ANSWERED, [AGENT], _C, "ANSWER-1"),
    _rule(A.DEFER, [S.REGISTERED], S.ANSWER_DEFERRED, [AGENT], _C, "ANSWER-2"),
    # DISPATCH-2: the centre's review before dispatch, where the profile has it.
    _rule(A.REVIEW, [S.REGISTERED], S.REVIEWED, [REVIEWER], _C, "DISPATCH-2"),
    _rule(
        A.DISPATCH,
        [S.REGISTERED],
        S.DISPATCHED,
        _DISPATCHERS,
        _C,
        "DISPATCH-1",
        guard=Guard("review_required", False, "review_required", "本平台规定工单须先审核再派单"),
    ),
    _rule(A.DISPATCH, [S.REVIEWED], S.DISPATCHED, _DISPATCHERS, _C, "DISPATCH-2"),
    # HANDLE-1/2: sign for, then first contact with the citizen.
    _rule(A.SIGN, [S.DISPATCHED], S.SIGNED, _UNIT, _U, "HANDLE-2"),
    _rule(A.CONTACT, [S.SIGNED], S.IN_PROGRESS, _UNIT, _U, "HANDLE-2"),
    # HANDLE-3: return with reason and basis; the centre confirms and re-dispatches.
    _rule(
        A.RETURN,
        [S.DISPATCHED, *_HANDLING],
        S.RETURNED,
        _UNIT,
        _U,
        "HANDLE-3",
        guard=Guard("returns_allowed", True, "returns_not_allowed", "本平台不允许或已超过退回期限"),
    ),
    _rule(A.REDISPATCH, [S.RETURNED], S.DISPATCHED, _DISPATCHERS, _C, "HANDLE-3"),
    # HANDLE-5: extension request and decision; the deadline moves, the state does not.
    _rule(
        A.EXTENSION_REQUEST,
        _HANDLING,
        SAME,
        _UNIT,
        _U,
        "HANDLE-5",
        guard=Guard(
            "extensions_allowed", True, "extensions_not_allowed", "本平台不允许或已超过延期申请期限"
        ),
    ),
    _rule(
        A.EXTENSION_DECIDE,
        _HANDLING,
        SAME,
        [REVIEWER, SUPERVISOR],
        _C,
        "HANDLE-5",
        outcomes={decision: SAME for decision in EXTENSION_DECISIONS},
    ),
    # HANDLE-6: cannot be solved now; the explanation stands in for the reply (缓办, A20).
    _rule(A.EXPLAIN, _HANDLING, S.REPLIED, _UNIT, _U, "HANDLE-6"),
    # HANDLE-7: reported to the unit's head; handling goes on.
    _rule(A.ESCALATE, _HANDLING, SAME, _UNIT, _U, "HANDLE-7"),
    # HANDLE-4, A9: a reply without a separate first contact is allowed.
    _rule(A.REPLY, _HANDLING, S.REPLIED, _UNIT, _U, "HANDLE-4"),
    # CALLBACK-2/3, A19: an unreached citizen leaves the ticket waiting for another try.
    _rule(
        A.CALLBACK,
        [S.REPLIED],
        S.CALLED_BACK,
        [CALLBACK],
        _C,
        "CALLBACK-2",
        outcomes={
            "satisfied": S.CALLED_BACK,
            "basically_satisfied": S.CALLED_BACK,
            "dissatisfied": S.DISSATISFIED,
            "unreached": SAME,
        },
    ),
    # CALLBACK-1, A14: a ticket drawn into a sample (or supervised) after it closed is still
    # called back; a dissatisfied result brings it back for a redo or an inspection.
    _rule(
        A.CALLBACK,
        [S.CLOSED],
        SAME,
        [CALLBACK],
        _C,
        "CALLBACK-1",
        outcomes={
            "satisfied": SAME,
            "basically_satisfied": SAME,
            "dissatisfied": S.DISSATISFIED,
            "unreached": SAME,
        },
        guard=_g("callback_required", "no_callback_due", "该工单没有待进行的回访"),
    ),
    # CALLBACK-3, A15: a redo order to the same unit, a new assignment with a new reply clock.
    # QLH 五(六): the centre's callback agent issues it with the dissatisfied result.
    _rule(
        A.REDO,
        [S.DISSATISFIED],
        S.DISPATCHED,
        [CALLBACK, REVIEWER, INSPECTOR, SUPERVISOR],
        _C,
        "CALLBACK-3",
    ),
    _rule(
        A.CLOSE,
        [S.ANSWERED],
        S.CLOSED,
        [AGENT],
        _C,
        "ANSWER-3",
        guard=Guard(
            "evaluation_missing", False, "evaluation_missing", "该直接答复须先记录诉求人的即时评价"
        ),
    ),
    _rule(
        A.CLOSE,
        [S.CALLED_BACK, S.DISSATISFIED],
        S.CLOSED,
        [CALLBACK, REVIEWER, INSPECTOR, SUPERVISOR],
        _C,
        "CALLBACK-3",
    ),
    _rule(
        A.CLOSE,
        [S.REPLIED],
        S.CLOSED,
        [CALLBACK, REVIEWER, SUPERVISOR],
        _C,
        "CALLBACK-1",
        guard=Guard("callback_required", False, "callback_required", "该工单须先回访才能办结"),
    ),
    # DISPATCH-6: handed to another platform before a unit has it.
    _rule(
        A.TRANSFER,
        [S.REGISTERED, S.REVIEWED, S.RETURNED],
        S.TRANSFERRED,
        _DISPATCHERS,
        _C,
        "DISPATCH-6",
    ),
    _rule(
        A.REOPEN,
        [S.CLOSED],
        S.REGISTERED,
        [AGENT, SUPERVISOR],
        _C,
        "INTAKE-4",
        guard=Guard("reopen_window_open", True, "reopen_window_closed", "已超过重新打开期限"),
    ),
    _rule(
        A.ARCHIVE,
        [S.CLOSED, S.NOT_ACCEPTED, S.TRANSFERRED, S.NAVIGATED],
        S.ARCHIVED,
        [SUPERVISOR, CENTRE_ADMIN],
        _C,
        "INTAKE-3",
    ),
    # DISPATCH-3, A12: after an urgent dispatch the agent phones the unit's liaison.
    _rule(
        A.LIAISON_CALL,
        _WITH_UNIT,
        SAME,
        _DISPATCHERS,
        _C,
        "DISPATCH-3",
        guard=_g("liaison_call", "liaison_call_not_required", "本平台不要求为该工单电话通知联络人"),
    ),
    # DISPATCH-4, A32: assisting units sign for and send their contribution to the lead; the
    # lead may reply without a contribution only by recording why.
    _rule(A.ASSIST_SIGN, _WITH_UNIT, SAME, _UNIT, _AU, "DISPATCH-4"),
    _rule(A.ASSIST_SUBMIT, _WITH_UNIT, SAME, _UNIT, _AU, "DISPATCH-4"),
    _rule(
        A.ASSIST_WAIVE,
        _HANDLING,
        SAME,
        _UNIT,
        _U,
        "DISPATCH-4",
        guard=_g("assist_open", "no_assist_open", "没有待提交意见的协办单位"),
    ),
    # HANDLE-7: flagged by the centre before a unit handles it, or by the lead unit.
    _rule(
        A.ESCALATION_FLAG,
        [S.REGISTERED, S.REVIEWED, S.DISPATCHED, S.RETURNED],
        SAME,
        _DISPATCHERS,
        _C,
        "HANDLE-7",
        guard=_ESCALATION,
    ),
    _rule(
        A.ESCALATION_FLAG,
        _HANDLING,
        SAME,
        _UNIT,
        _U,
        "HANDLE-7",
        guard=_ESCALATION,
    ),
    # A7: the unit asks to treat the matter as complex; the centre decides.
    _rule(
        A.RECLASSIFY_REQUEST,
        _WITH_UNIT,
        SAME,
        _UNIT,
        _U,
        "A7",
        guard=_RECLASSIFY,
    ),
    _rule(
        A.RECLASSIFY_DECIDE,
        _WITH_UNIT,
        SAME,
        [REVIEWER, SUPERVISOR],
        _C,
        "A7",
        outcomes={decision: SAME for decision in EXTENSION_DECISIONS},
        guard=_g("reclassify_pending", "no_reclassify_pending", "没有待审批的复杂事项申请"),
    ),
    # SH 第十五条, A17: the unit flags a major sudden event and records its two reports.
    _rule(
        A.EVENT_FLAG,
        _WITH_UNIT,
        SAME,
        _UNIT,
        _U,
        "PUBLISH-3",
        guard=_EVENT,
    ),
    _rule(
        A.EVENT_REPORT,
        [*_WITH_UNIT, S.REPLIED],
        SAME,
        _UNIT,
        _U,
        "PUBLISH-3",
        outcomes={kind: SAME for kind in EVENT_REPORT_KINDS},
        guard=_g("event_flagged", "no_event_report_owed", "该工单没有待报告的重大突发事项"),
    ),
    # SCOPE-3: navigation help, recorded as such and counted apart from answers (A20).
    _rule(A.NAVIGATE, [S.REGISTERED], S.NAVIGATED, [AGENT], _C, "SCOPE-3"),
    # ANSWER-3: the citizen evaluates a direct answer at the end of the call.
    _rule(
        A.EVALUATE,
        [S.ANSWERED],
        SAME,
        [AGENT],
        _C,
        "ANSWER-3",
        outcomes={result: SAME for result in EVALUATION_RESULTS},
    ),
)

_INDEX: Final[Mapping[tuple[Action, State | None], Rule]] = {
    (rule.action, source): rule for rule in RULES for source in rule.sources
}


def _label(state: State | None) -> str:
    return "未登记" if state is None else STATE_LABELS[state]


def _parse_action(action: Action | str) -> Action:
    try:
        return Action(action)
    except ValueError:
        raise TransitionNotAllowed("unknown_action", f"未知的操作「{action}」") from None


def _find_rule(state: State | None, action: Action) -> Rule:
    rule = _INDEX.get((action, state))
    if rule is None:
        raise TransitionNotAllowed(
            "transition_not_allowed",
            f"工单当前状态为「{_label(state)}」，不能{ACTION_LABELS[action]}",
        )
    return rule


def _resolve(rule: Rule, state: State | None, outcome: str | None) -> State:
    target = rule.target
    if rule.outcomes:
        if outcome is None or outcome not in rule.outcomes:
            choices = "、".join(rule.outcomes)
            raise TransitionNotAllowed(
                "invalid_outcome", f"{ACTION_LABELS[rule.action]}的结果须为：{choices}"
            )
        target = rule.outcomes[outcome]
    if target == SAME:
        if state is None:  # no rule stays in "not registered"; kept for the type checker
            raise TransitionNotAllowed("transition_not_allowed", "工单尚未登记")
        return state
    return State(target)


def transition_check(
    *,
    state: State | None,
    action: Action | str,
    roles: Iterable[str],
    relation: Relation | str,
    options: Options | None = None,
    outcome: str | None = None,
) -> Transition:
    """Return the transition ``action`` makes from ``state``, or raise why it may not.

    The checks run in this order, so a refusal names the first thing wrong: the action exists
    and is possible in ``state`` (``TransitionNotAllowed``), one of ``roles`` may take it
    (``RoleNotAllowed``), the actor's unit has the required ``relation`` (``UnitNotAllowed``),
    the profile allows it (``TransitionNotAllowed`` with the guard's code), and ``outcome`` is
    one the action knows (callback results, extension decisions).
    """
    options = options or Options()
    parsed = _parse_action(action)
    rule = _find_rule(state, parsed)
    if not rule.roles & frozenset(roles):
        raise RoleNotAllowed("role_not_allowed", f"您的角色不能对工单{ACTION_LABELS[parsed]}")
    if relation != rule.relation:
        raise UnitNotAllowed(
            "unit_not_allowed",
            "只有热线中心可以执行此操作"
            if rule.relation is Relation.CENTRE
            else "只有工单的协办单位可以执行此操作"
            if rule.relation is Relation.ASSISTING_UNIT
            else "只有工单的承办单位可以执行此操作",
        )
    if rule.guard is not None and not rule.guard.holds(options):
        raise TransitionNotAllowed(rule.guard.code, rule.guard.message)
    target = _resolve(rule, state, outcome)
    return Transition(action=parsed, source=state, target=target, outcome=outcome, rule=rule)


def next_state(state: State | None, action: Action | str, outcome: str | None = None) -> State:
    """Return the state ``action`` leads to from ``state``, ignoring roles and the profile."""
    parsed = _parse_action(action)
    return _resolve(_find_rule(state, parsed), state, outcome)


def replay(events: Iterable[tuple[Action | str, str | None]]) -> State | None:
    """Return the state rebuilt from ``(action, outcome)`` events, oldest first.

    Raises ``TransitionNotAllowed`` if the history holds an impossible step.
    """
    state: State | None = None
    for action, outcome in events:
        state = next_state(state, action, outcome)
    return state


def guard_option(state: State | None, action: Action) -> str | None:
    """Return the ``Options`` field the rule for ``action`` in ``state`` is guarded by (None
    when no rule applies or it has no guard), so that callers look up only what it reads."""
    rule = _INDEX.get((action, state))
    return rule.guard.option if rule is not None and rule.guard is not None else None


def allowed_actions(state: State | None) -> tuple[Action, ...]:
    """Return the actions some actor may take in ``state``, in table order (for the UI)."""
    return tuple(dict.fromkeys(rule.action for rule in RULES if state in rule.sources))
