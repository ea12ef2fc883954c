"""The ticket transition table: every legal step, every refusal, and replay (no database)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.tickets.transitions import (
    ALL_ROLES,
    RULES,
    Action,
    Options,
    Relation,
    RoleNotAllowed,
    State,
    TicketTransitionError,
    TransitionNotAllowed,
    UnitNotAllowed,
    allowed_actions,
    guard_option,
    replay,
    transition_check,
)

S = State
A = Action
C = Relation.CENTRE
U = Relation.ASSIGNED_UNIT

# (requirement, state, action, outcome, role, relation, options, expected target): written out
# by hand, independently of the table, so a slip in either shows.
LEGAL: list[tuple[str, State | None, Action, str | None, str, Relation, dict[str, bool], State]] = [
    ("INTAKE-3", None, A.REGISTER, None, "agent", C, {}, S.REGISTERED),
    ("SCOPE-2", S.REGISTERED, A.REJECT, None, "agent", C, {}, S.NOT_ACCEPTED),
    ("SCOPE-2", S.REVIEWED, A.REJECT, None, "reviewer", C, {}, S.NOT_ACCEPTED),
    ("ANSWER-1", S.REGISTERED, A.ANSWER, None, "agent", C, {}, S.ANSWERED),
    ("ANSWER-2", S.ANSWER_DEFERRED, A.ANSWER, None, "agent", C, {}, S.ANSWERED),
    ("ANSWER-2", S.REGISTERED, A.DEFER, None, "agent", C, {}, S.ANSWER_DEFERRED),
    ("DISPATCH-2", S.REGISTERED, A.REVIEW, None, "reviewer", C, {}, S.REVIEWED),
    ("DISPATCH-1", S.REGISTERED, A.DISPATCH, None, "agent", C, {}, S.DISPATCHED),
    ("DISPATCH-2", S.REVIEWED, A.DISPATCH, None, "reviewer", C, {}, S.DISPATCHED),
    ("HANDLE-2", S.DISPATCHED, A.SIGN, None, "unit_handler", U, {}, S.SIGNED),
    ("HANDLE-2", S.SIGNED, A.CONTACT, None, "unit_admin", U, {}, S.IN_PROGRESS),
    ("HANDLE-3", S.DISPATCHED, A.RETURN, None, "unit_handler", U, {}, S.RETURNED),
    ("HANDLE-3", S.SIGNED, A.RETURN, None, "unit_handler", U, {}, S.RETURNED),
    ("HANDLE-3", S.IN_PROGRESS, A.RETURN, None, "unit_admin", U, {}, S.RETURNED),
    ("HANDLE-3", S.RETURNED, A.REDISPATCH, None, "reviewer", C, {}, S.DISPATCHED),
    ("HANDLE-5", S.SIGNED, A.EXTENSION_REQUEST, None, "unit_handler", U, {}, S.SIGNED),
    ("HANDLE-5", S.IN_PROGRESS, A.EXTENSION_REQUEST, None, "unit_handler", U, {}, S.IN_PROGRESS),
    ("HANDLE-5", S.SIGNED, A.EXTENSION_DECIDE, "approved", "supervisor", C, {}, S.SIGNED),
    ("HANDLE-5", S.IN_PROGRESS, A.EXTENSION_DECIDE, "refused", "reviewer", C, {}, S.IN_PROGRESS),
    ("HANDLE-6", S.SIGNED, A.EXPLAIN, None, "unit_handler", U, {}, S.REPLIED),
    ("HANDLE-6", S.IN_PROGRESS, A.EXPLAIN, None, "unit_handler", U, {}, S.REPLIED),
    ("HANDLE-7", S.SIGNED, A.ESCALATE, None, "unit_handler", U, {}, S.SIGNED),
    ("HANDLE-7", S.IN_PROGRESS, A.ESCALATE, None, "unit_admin", U, {}, S.IN_PROGRESS),
    ("HANDLE-4", S.SIGNED, A.REPLY, None, "unit_handler", U, {}, S.REPLIED),
    ("HANDLE-4", S.IN_PROGRESS, A.REPLY, None, "unit_handler", U, {}, S.REPLIED),
    ("CALLBACK-2", S.REPLIED, A.CALLBACK, "satisfied", "callback", C, {}, S.CALLED_BACK),
    ("CALLBACK-2", S.REPLIED, A.CALLBACK, "basically_satisfied", "callback", C, {}, S.CALLED_BACK),
    ("CALLBACK-3", S.REPLIED, A.CALLBACK, "dissatisfied", "callback", C, {}, S.DISSATISFIED),
    ("CALLBACK-2", S.REPLIED, A.CALLBACK, "unreached", "callback", C, {}, S.REPLIED),
    ("CALLBACK-3", S.DISSATISFIED, A.REDO, None, "inspector", C, {}, S.DISPATCHED),
    # Issue 13: a sampled or supervised ticket that closed before its callback (A14).
    (
        "CALLBACK-1",
        S.CLOSED,
        A.CALLBACK,
        "satisfied",
        "callback",
        C,
        {"callback_required": True},
        S.CLOSED,
    ),
    (
        "CALLBACK-3",
        S.CLOSED,
        A.CALLBACK,
        "dissatisfied",
        "callback",
        C,
        {"callback_required": True},
        S.DISSATISFIED,
    ),
    ("ANSWER-3", S.ANSWERED, A.CLOSE, None, "agent", C, {}, S.CLOSED),
    ("CALLBACK-2", S.CALLED_BACK, A.CLOSE, None, "callback", C, {}, S.CLOSED),
    ("CALLBACK-3", S.DISSATISFIED, A.CLOSE, None, "supervisor", C, {}, S.CLOSED),
    ("CALLBACK-1", S.REPLIED, A.CLOSE, None, "reviewer", C, {}, S.CLOSED),
    ("DISPATCH-6", S.REGISTERED, A.TRANSFER, None, "agent", C, {}, S.TRANSFERRED),
    ("DISPATCH-6", S.REVIEWED, A.TRANSFER, None, "reviewer", C, {}, S.TRANSFERRED),
    ("DISPATCH-6", S.RETURNED, A.TRANSFER, None, "reviewer", C, {}, S.TRANSFERRED),
    ("INTAKE-4", S.CLOSED, A.REOPEN, None, "supervisor", C, {}, S.REGISTERED),
    ("INTAKE-3", S.CLOSED, A.ARCHIVE, None, "centre_admin", C, {}, S.ARCHIVED),
    ("SCOPE-2", S.NOT_ACCEPTED, A.ARCHIVE, None, "supervisor", C, {}, S.ARCHIVED),
    ("DISPATCH-6", S.TRANSFERRED, A.ARCHIVE, None, "supervisor", C, {}, S.ARCHIVED),
    # issue 12: navigation help (SCOPE-3) and the immediate evaluation (ANSWER-3).
    ("SCOPE-3", S.REGISTERED, A.NAVIGATE, None, "agent", C, {}, S.NAVIGATED),
    ("SCOPE-3", S.NAVIGATED, A.ARCHIVE, None, "supervisor", C, {}, S.ARCHIVED),
    ("ANSWER-3", S.ANSWERED, A.EVALUATE, "satisfied", "agent", C, {}, S.ANSWERED),
    ("ANSWER-3", S.ANSWERED, A.EVALUATE, "declined", "agent", C, {}, S.ANSWERED),
]

# Issue 12 part 2: actions that stay in the state; each guard's option is set.
AU = Relation.ASSISTING_UNIT
_WITH_UNIT = (S.DISPATCHED, S.SIGNED, S.IN_PROGRESS)
LEGAL += [
    *[
        ("DISPATCH-3", s, A.LIAISON_CALL, None, "agent", C, {"liaison_call": True}, s)
        for s in _WITH_UNIT
    ],
    *[("DISPATCH-4", s, A.ASSIST_SIGN, None, "unit_handler", AU, {}, s) for s in _WITH_UNIT],
    *[("DISPATCH-4", s, A.ASSIST_SUBMIT, None, "unit_admin", AU, {}, s) for s in _WITH_UNIT],
    *[
        ("DISPATCH-4", s, A.ASSIST_WAIVE, None, "unit_handler", U, {"assist_open": True}, s)
        for s in (S.SIGNED, S.IN_PROGRESS)
    ],
    *[
        ("HANDLE-7", s, A.ESCALATION_FLAG, None, "agent", C, {"escalation_kinds": True}, s)
        for s in (S.REGISTERED, S.REVIEWED, S.DISPATCHED, S.RETURNED)
    ],
    *[
        ("HANDLE-7", s, A.ESCALATION_FLAG, None, "unit_handler", U, {"escalation_kinds": True}, s)
        for s in (S.SIGNED, S.IN_PROGRESS)
    ],
    *[
        ("A7", s, A.RECLASSIFY_REQUEST, None, "unit_handler", U, {"reclassify_open": True}, s)
        for s in _WITH_UNIT
    ],
    *[
        ("A7", s, A.RECLASSIFY_DECIDE, "approved", "reviewer", C, {"reclassify_pending": True}, s)
        for s in _WITH_UNIT
    ],
    *[
        ("PUBLISH-3", s, A.EVENT_FLAG, None, "unit_handler", U, {"event_clocks": True}, s)
        for s in _WITH_UNIT
    ],
    *[
        ("PUBLISH-3", s, A.EVENT_REPORT, "oral", "unit_admin", U, {"event_flagged": True}, s)
        for s in (*_WITH_UNIT, S.REPLIED)
    ],
]

LEGAL_PAIRS = {(state, action) for _, state, action, *_ in LEGAL}
ALL_STATES: list[State | None] = [None, *State]
RELATIONS = list(Relation)


def _rule_cases() -> list[tuple[Any, ...]]:
    """Return (rule, source) for every row of the table."""
    return [(rule, source) for rule in RULES for source in sorted(rule.sources, key=str)]


def _outcome(rule: Any) -> str | None:
    return next(iter(rule.outcomes), None)


@pytest.mark.parametrize(
    ("req", "state", "action", "outcome", "role", "relation", "options", "target"),
    LEGAL,
    ids=[f"{r[0]}-{r[1]}-{r[2]}-{r[3]}" for r in LEGAL],
)
def test_every_legal_transition_reaches_its_target(
    req: str,
    state: State | None,
    action: Action,
    outcome: str | None,
    role: str,
    relation: Relation,
    options: dict[str, bool],
    target: State,
) -> None:
    """Each regulated step (INTAKE-3, SCOPE-2, ANSWER-1/2, DISPATCH-1/2/6, HANDLE-2…7,
    CALLBACK-1…3) leads where the lifecycle says."""
    transition = transition_check(
        state=state,
        action=action,
        roles={role},
        relation=relation,
        options=Options(**options),
        outcome=outcome,
    )
    assert transition.target is target
    assert transition.source == state
    assert transition.action is action


def test_the_table_holds_exactly_the_expected_steps_once_each() -> None:
    pairs = [(source, rule.action) for rule in RULES for source in rule.sources]
    assert len(pairs) == len(set(pairs))
    assert set(pairs) == LEGAL_PAIRS
    assert {action for _, action in pairs} == set(Action)


@pytest.mark.parametrize(
    ("state", "action"),
    [pair for pair in itertools.product(ALL_STATES, list(Action)) if pair not in LEGAL_PAIRS],
)
def test_it_refuses_an_action_the_state_does_not_allow(state: State | None, action: Action) -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(state=state, action=action, roles=ALL_ROLES, relation=Relation.CENTRE)
    assert refused.value.code == "transition_not_allowed"
    assert type(refused.value) is TransitionNotAllowed


@pytest.mark.parametrize(("rule", "source"), _rule_cases())
def test_it_refuses_every_role_the_rule_does_not_name(rule: Any, source: State | None) -> None:
    for role in sorted(ALL_ROLES - rule.roles):
        with pytest.raises(RoleNotAllowed) as refused:
            transition_check(
                state=source,
                action=rule.action,
                roles={role},
                relation=rule.relation,
                outcome=_outcome(rule),
            )
        assert refused.value.code == "role_not_allowed"
        assert refused.value.status == 403


@pytest.mark.parametrize(("rule", "source"), _rule_cases())
def test_it_refuses_an_actor_from_the_wrong_unit(rule: Any, source: State | None) -> None:
    for relation in RELATIONS:
        if relation == rule.relation:
            continue
        with pytest.raises(UnitNotAllowed) as refused:
            transition_check(
                state=source,
                action=rule.action,
                roles=rule.roles,
                relation=relation,
                outcome=_outcome(rule),
            )
        assert refused.value.code == "unit_not_allowed"


@pytest.mark.req("HANDLE-3")
def test_an_assisting_unit_may_neither_return_nor_reply() -> None:
    """HANDLE-3/4: only the lead unit returns or replies; an assisting unit contributes notes."""
    for action in (A.RETURN, A.REPLY, A.SIGN):
        state = S.DISPATCHED if action is A.SIGN else S.SIGNED
        with pytest.raises(UnitNotAllowed):
            transition_check(
                state=state,
                action=action,
                roles={"unit_handler"},
                relation=Relation.ASSISTING_UNIT,
            )


@pytest.mark.req("DISPATCH-4")
@pytest.mark.parametrize(
    ("action", "state", "relation", "option", "code"),
    [
        (A.LIAISON_CALL, S.DISPATCHED, C, "liaison_call", "liaison_call_not_required"),
        (A.ASSIST_WAIVE, S.SIGNED, U, "assist_open", "no_assist_open"),
        (A.ESCALATION_FLAG, S.REGISTERED, C, "escalation_kinds", "escalation_not_applicable"),
        (A.RECLASSIFY_REQUEST, S.SIGNED, U, "reclassify_open", "reclassify_not_allowed"),
        (A.EVENT_FLAG, S.SIGNED, U, "event_clocks", "event_report_not_applicable"),
    ],
)
def test_the_part_two_actions_wait_for_their_profile_option(
    action: Action, state: State, relation: Relation, option: str, code: str
) -> None:
    """DISPATCH-3/4, HANDLE-7, A7, PUBLISH-3: each new action is refused while its option is
    false (the profile has no such rule, or nothing is owed)."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=state,
            action=action,
            roles=ALL_ROLES,
            relation=relation,
            options=Options(**{option: False}),
        )
    assert refused.value.code == code


@pytest.mark.req("DISPATCH-2")
def test_with_review_required_a_ticket_is_reviewed_before_dispatch() -> None:
    """DISPATCH-2: where the profile has a review step, dispatch waits for it."""
    options = Options(review_required=True)
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.REGISTERED, action=A.DISPATCH, roles={"reviewer"}, relation=C, options=options
        )
    assert refused.value.code == "review_required"
    reviewed = transition_check(
        state=S.REGISTERED, action=A.REVIEW, roles={"reviewer"}, relation=C, options=options
    )
    dispatched = transition_check(
        state=reviewed.target, action=A.DISPATCH, roles={"reviewer"}, relation=C, options=options
    )
    assert dispatched.target is S.DISPATCHED


@pytest.mark.req("HANDLE-3")
def test_a_return_is_refused_where_the_profile_or_window_forbids_it() -> None:
    """HANDLE-3, A29: returns are allowed unless the profile or its window says no."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.SIGNED,
            action=A.RETURN,
            roles={"unit_handler"},
            relation=U,
            options=Options(returns_allowed=False),
        )
    assert refused.value.code == "returns_not_allowed"


@pytest.mark.req("HANDLE-5")
def test_an_extension_request_is_refused_where_extensions_are_not_allowed() -> None:
    """HANDLE-5, A6: no extension where the profile has none or the cut-off has passed."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.IN_PROGRESS,
            action=A.EXTENSION_REQUEST,
            roles={"unit_handler"},
            relation=U,
            options=Options(extensions_allowed=False),
        )
    assert refused.value.code == "extensions_not_allowed"


@pytest.mark.req("HANDLE-5")
def test_an_extension_decision_is_approved_or_refused() -> None:
    """HANDLE-5: the centre approves or refuses; nothing else is a decision."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.SIGNED, action=A.EXTENSION_DECIDE, roles={"supervisor"}, relation=C
        )
    assert refused.value.code == "invalid_outcome"


@pytest.mark.req("CALLBACK-1")
def test_a_ticket_that_must_be_called_back_cannot_close_before() -> None:
    """CALLBACK-1: with every-ticket callbacks (or a sampled ticket) close waits for the call."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.REPLIED,
            action=A.CLOSE,
            roles={"callback"},
            relation=C,
            options=Options(callback_required=True),
        )
    assert refused.value.code == "callback_required"


def test_guard_option_names_what_the_applying_rule_reads() -> None:
    """The services look up an option only where the rule that applies reads it."""
    assert guard_option(S.REPLIED, A.CLOSE) == "callback_required"
    assert guard_option(S.CLOSED, A.CALLBACK) == "callback_required"
    assert guard_option(S.REPLIED, A.CALLBACK) is None
    assert guard_option(S.CALLED_BACK, A.CLOSE) is None
    assert guard_option(S.SIGNED, A.CLOSE) is None  # no rule at all
    for rule in RULES:
        for source in rule.sources:
            expected = rule.guard.option if rule.guard else None
            assert guard_option(source, rule.action) == expected


@pytest.mark.req("CALLBACK-3")
@pytest.mark.parametrize("outcome", [None, "happy", "满意"])
def test_a_callback_needs_a_known_result(outcome: str | None) -> None:
    """CALLBACK-2, A19: satisfied, basically satisfied, dissatisfied or unreached."""
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.REPLIED, action=A.CALLBACK, roles={"callback"}, relation=C, outcome=outcome
        )
    assert refused.value.code == "invalid_outcome"


@pytest.mark.req("CALLBACK-3")
def test_a_dissatisfied_citizen_sends_the_ticket_back_to_the_unit() -> None:
    """CALLBACK-3, A15: dissatisfied → redo → a new assignment the unit signs for again."""
    state = replay(
        [
            ("register", None),
            ("dispatch", None),
            ("sign", None),
            ("reply", None),
            ("callback", "dissatisfied"),
            ("redo", None),
        ]
    )
    assert state is S.DISPATCHED


def test_reopen_is_refused_once_the_window_has_passed() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(
            state=S.CLOSED,
            action=A.REOPEN,
            roles={"agent"},
            relation=C,
            options=Options(reopen_window_open=False),
        )
    assert refused.value.code == "reopen_window_closed"


def test_an_unknown_action_is_refused_with_its_own_code() -> None:
    with pytest.raises(TransitionNotAllowed) as refused:
        transition_check(state=S.REGISTERED, action="teleport", roles={"agent"}, relation=C)
    assert refused.value.code == "unknown_action"


def test_refusals_are_value_errors_with_a_one_line_chinese_message() -> None:
    with pytest.raises(ValueError, match="不能签收") as refused:
        transition_check(state=S.CLOSED, action=A.SIGN, roles={"unit_handler"}, relation=U)
    assert isinstance(refused.value, TicketTransitionError)
    assert "\n" not in refused.value.message
    assert refused.value.status == 409


@pytest.mark.req("HANDLE-4")
def test_a_full_lifecycle_replays_to_archived() -> None:
    """HANDLE-1…4, CALLBACK-2: register → dispatch → sign → contact → reply → callback → close."""
    events = [
        ("register", None),
        ("review", None),
        ("dispatch", None),
        ("sign", None),
        ("contact", None),
        ("extension_request", None),
        ("extension_decide", "approved"),
        ("reply", None),
        ("callback", "unreached"),
        ("callback", "basically_satisfied"),
        ("close", None),
        ("archive", None),
    ]
    assert replay(events) is S.ARCHIVED
    assert replay([]) is None


def test_replay_refuses_an_impossible_history() -> None:
    with pytest.raises(TransitionNotAllowed):
        replay([("register", None), ("close", None)])


def test_archived_is_final_and_every_other_state_has_a_way_on() -> None:
    assert allowed_actions(S.ARCHIVED) == ()
    for state in ALL_STATES:
        if state is not S.ARCHIVED:
            assert allowed_actions(state), state


_OUTCOMES = [None, "satisfied", "basically_satisfied", "dissatisfied", "unreached", "approved"]
_options = st.builds(
    Options,
    review_required=st.booleans(),
    returns_allowed=st.booleans(),
    extensions_allowed=st.booleans(),
    callback_required=st.booleans(),
    reopen_window_open=st.booleans(),
)


def _draw_step(
    data: st.DataObject, state: State | None
) -> tuple[Action, str | None, frozenset[str], Relation]:
    """Draw an action aimed at a legal step half the time, and anything at all otherwise."""
    candidates = allowed_actions(state)
    if candidates and data.draw(st.booleans()):
        action = data.draw(st.sampled_from(candidates))
        rule = next(r for r in RULES if r.action is action and state in r.sources)
        roles = frozenset({data.draw(st.sampled_from(sorted(rule.roles)))})
        relation = (
            rule.relation if data.draw(st.integers(0, 9)) else data.draw(st.sampled_from(RELATIONS))
        )
        outcome = data.draw(st.sampled_from(list(rule.outcomes) or [None]))
        return action, outcome, roles, relation
    return (
        data.draw(st.sampled_from(list(Action))),
        data.draw(st.sampled_from(_OUTCOMES)),
        data.draw(st.frozensets(st.sampled_from(sorted(ALL_ROLES)), max_size=3)),
        data.draw(st.sampled_from(RELATIONS)),
    )


@settings(max_examples=300, deadline=None)
@given(data=st.data(), length=st.integers(0, 80), options=_options)
def test_random_histories_stay_defined_and_replay_to_the_same_state(
    data: st.DataObject, length: int, options: Options
) -> None:
    """Random actions by random actors under random profiles: a refusal changes nothing, the
    state is always one of the table's, and replaying the accepted actions gives the state."""
    state: State | None = None
    accepted: list[tuple[Action, str | None]] = []
    for _ in range(length):
        action, outcome, roles, relation = _draw_step(data, state)
        try:
            transition = transition_check(
                state=state,
                action=action,
                roles=roles,
                relation=relation,
                options=options,
                outcome=outcome,
            )
        except TicketTransitionError:
            continue
        assert transition.source == state
        state = transition.target
        assert isinstance(state, State)
        accepted.append((action, outcome))
        assert replay(accepted) == state
    assert state is None or state in set(State)
    assert replay(accepted) == state
