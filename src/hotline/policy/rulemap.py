"""Which code applies each rule of a profile: "no rule is data only" (issue 12).

Every field of the profile schema (``profiles.Profile``) is listed here under a path pattern
(``clocks.*.starts``, ``scope.not_accepted[].referral``; ``*`` is any clock or category, ``[]``
any list item) in exactly one of:

- ``APPLIED``: the reader (``module:function``, or a template under ``src/hotline/``) and a
  token its source must contain — ``tests/policy/test_rulemap.py`` checks both — with the
  screen or service people meet it in;
- ``NOT_CODE``: fields that need no code, with the reason (a citation, a display label, a
  value the schema or the load-time check already pins);
- ``LATER``: rules an open issue applies (supervision, callbacks, statistics);

``render_markdown()`` writes ``docs/profile-rules.md``: per profile, each rule, its value in
that profile and who applies it. Regenerate with ``python -m hotline.policy.rulemap``.
No Django import: plain data, like the rest of ``policy/``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any, Final, Union, get_args, get_origin

from pydantic import BaseModel

from hotline.policy.profiles import CATEGORIES, CLOCKS, Profile, available_profiles, load_profile

_SVC = "hotline.tickets.services"
_PROFILE_PAGE = "template:policy/templates/policy/profile.html"

#: pattern → (reader, token, where it applies)
APPLIED: Final[dict[str, tuple[str, str, str]]] = {
    # Issue 13: supervision orders and the reminder chain (hotline.supervision).
    "supervision.owner": (
        "hotline.supervision.services:_owner",
        "supervision.owner",
        "supervision page: who owns an order opened by hand (W2)",
    ),
    "supervision.explanation_working_days": (
        "hotline.supervision.services:_explanation_due",
        ".explanation_working_days",
        "supervision: the unit's written explanation deadline (SUPERVISE-3)",
    ),
    "supervision.explanation_basis": (
        "hotline.supervision.services:_explanation_due",
        ".explanation_basis",
        "supervision: the explanation deadline's basis",
    ),
    "supervision.triggers": (
        "hotline.supervision.services:repeat_call_check",
        "supervision.triggers",
        "supervision: the repeat-call trigger (V1)",
    ),
    "reminder.grace_working_days": (
        "hotline.supervision.services:_grace_end",
        "grace_working_days",
        "supervision sweep: when the first reminder notice goes out",
    ),
    "reminder.limit": (
        "hotline.supervision.services:_reminder_step",
        ".limit",
        "supervision sweep: the most notices per ticket",
    ),
    "reminder.enabled": (
        "hotline.supervision.services:_reminder_step",
        ".enabled",
        "supervision sweep: reminders at all",
    ),
    "reminder.escalation": (
        "hotline.supervision.services:_escalate",
        "reminder.escalation",
        "supervision sweep: the 督查小组 and the 通报批评 (W3)",
    ),
    "reminder.escalate_to": (
        "hotline.supervision.services:_escalate",
        "escalate_to",
        "the escalation's addressee, in the regulation's words",
    ),
    # Issue 12 part 2: the rules that were data only.
    "escalation": (f"{_SVC}:_options_part2", "escalation_kinds", "ticket page: flag (HANDLE-7)"),
    "escalation.matters": (
        f"{_SVC}:_escalation_codes",
        "escalation_kinds",
        "registration / flag: the matters for the unit's head (HANDLE-7)",
    ),
    "escalation.matters[].*": (
        f"{_SVC}:_escalation_codes",
        "escalation_kinds",
        "registration / flag: the matters for the unit's head (HANDLE-7)",
    ),
    "clocks.event_report": (
        f"{_SVC}:ticket_event_report",
        '"event_report"',
        "unit: the sudden event's oral report (SH 第十五条)",
    ),
    "clocks.event_followup": (
        f"{_SVC}:ticket_event_report",
        '"event_followup"',
        "unit: the written follow-up (SH 第十五条)",
    ),
    "urgent.phone_liaison": (
        f"{_SVC}:_options_part2",
        "phone_liaison",
        "ticket page: the liaison call prompt (DISPATCH-3)",
    ),
    "urgent.report_to_management": (
        f"{_SVC}:_dispatch_part2",
        "report_to_management",
        "dispatch: the urgent matter reported to management (DISPATCH-3)",
    ),
    "urgent.management_label": (
        f"{_SVC}:_dispatch_part2",
        "management_label",
        "dispatch: who the report goes to, in the regulation's words",
    ),
    "urgent.basis": (f"{_SVC}:_dispatch_part2", "urgent.basis", "the report event's basis"),
    "assisting.allowed": (
        f"{_SVC}:_assisting_check",
        "assisting.allowed",
        "dispatch: assisting units allowed (DISPATCH-4)",
    ),
    "assisting.named_by_label": (
        "hotline.workbench.views:_ticket_page",
        "named_by_label",
        "dispatch form: who names the lead unit",
    ),
    "assisting.deadline": (
        f"{_SVC}:_assist_due",
        "assisting.deadline",
        "dispatch: the assisting unit's deadline (A32)",
    ),
    "assisting.deadline.*": (
        f"{_SVC}:_assist_due",
        "assisting.deadline",
        "dispatch: the assisting unit's deadline (A32)",
    ),
    "assisting.lead_waits": (
        f"{_SVC}:_reply_blockers",
        "lead_waits",
        "reply: the lead waits for contributions (DISPATCH-4)",
    ),
    "profile.name": ("hotline.policy.deadline:deadline_answer", "policy.name", "deadline API"),
    "profile.receipt": (
        f"{_SVC}:_receipt_clocks",
        ".receipt",
        "dispatch / sign-for: when the unit's clocks start (A4)",
    ),
    "profile.warning_share": (f"{_SVC}:warn_at", "warning_share", "lights (SLA-5)"),
    "categories.*.group": (
        "hotline.policy.deadline:deadline_answer",
        "group_of",
        "every deadline: the category's limit (A10)",
    ),
    "categories.*.label": (_PROFILE_PAGE, "c.label", "profile page"),
    # Clocks: each one started, met or read by the service that owns it.
    "clocks.dispatch": (f"{_SVC}:_dispatch", '"dispatch"', "registration/review → dispatch"),
    "clocks.sign_for": (f"{_SVC}:ticket_sign", '"sign_for"', "unit inbox: sign for"),
    "clocks.first_contact": (f"{_SVC}:ticket_contact", '"first_contact"', "unit: first contact"),
    "clocks.reply": (f"{_SVC}:ticket_reply", '"reply"', "unit: reply (HANDLE-4)"),
    "clocks.return": (
        f"{_SVC}:return_window",
        '"return"',
        "unit: return — a window, not a deadline (A5)",
    ),
    "clocks.extension_request": (
        f"{_SVC}:extension_cutoff",
        '"extension_request"',
        "unit: extension request cut-off (A6)",
    ),
    "clocks.callback": (f"{_SVC}:ticket_callback", '"callback"', "callback queue"),
    "clocks.deferred_answer": (
        f"{_SVC}:ticket_defer",
        '"deferred_answer"',
        "desk: answer later (ANSWER-2, T10)",
    ),
    "clocks.kb_update": (
        "hotline.knowledge.services:release_clock_open",
        '"kb_update"',
        "knowledge base: update within the limit (KB-3)",
    ),
    "clocks.evaluation": (
        f"{_SVC}:ticket_evaluate",
        '"evaluation"',
        "desk: the caller's evaluation (ANSWER-3)",
    ),
    "clocks.filing": (
        f"{_SVC}:_EVENT_CLOCKS",
        "filing",
        "reply: the result filed with the centre the same day (T5)",
    ),
    "clocks.*.starts": (
        f"{_SVC}:_start_clocks",
        ".starts",
        "every clock starts at its profile event (issue 12)",
    ),
    "clocks.*.actor": (
        "hotline.tickets.selectors:clock_actor",
        ".actor",
        "ticket API and page: who must act",
    ),
    "clocks.*.actor_label": (_PROFILE_PAGE, "actor_label", "profile page"),
    "clocks.*.rules": ("hotline.policy.deadline:_pick_rule", ".rules", "every deadline"),
    "clocks.*.rules[].when.*": (
        "hotline.policy.deadline:_pick_rule",
        "when.matches",
        "every deadline: the rule that applies",
    ),
    "clocks.*.rules[].unit": ("hotline.policy.deadline:deadline_answer", "rule.limit()", "SLA"),
    "clocks.*.rules[].length": ("hotline.policy.deadline:deadline_answer", "rule.limit()", "SLA"),
    "clocks.*.rules[].before": ("hotline.policy.deadline:deadline_answer", "rule.limit()", "A6"),
    "clocks.*.rules[].roll_forward": (
        "hotline.policy.deadline:deadline_answer",
        "rule.limit()",
        "A5",
    ),
    "clocks.*.rules[].basis": (
        "hotline.policy.deadline:deadline_answer",
        "basis=due.basis",
        "every deadline shows its basis",
    ),
    "scope.not_accepted": (f"{_SVC}:ticket_reject", "scope.not_accepted", "desk: not accepted"),
    "scope.not_accepted[].code": (f"{_SVC}:ticket_reject", "item.code", "desk / API: reason"),
    "scope.not_accepted[].text": (f"{_SVC}:ticket_reject", "item.text", "desk: reason read out"),
    "scope.not_accepted[].referral": (
        f"{_SVC}:ticket_reject",
        "item.referral",
        "desk: the referral numbers (A35)",
    ),
    "scope.not_accepted[].requires_note": (
        f"{_SVC}:ticket_reject",
        "item.requires_note",
        "desk: details of an '等' reason (A34)",
    ),
    "scope.not_accepted[].emergency": (
        "hotline.workbench.views:desk",
        "r.emergency",
        "desk: the emergency referral shown as such (A12)",
    ),
    "scope.navigation_only": (
        "hotline.workbench.views:desk",
        "navigation_only",
        "desk: navigation help outcome (SCOPE-3)",
    ),
    "scope.navigation_only[].text": (
        "template:workbench/templates/workbench/desk.html",
        "item.text",
        "desk",
    ),
    "scope.description": (_PROFILE_PAGE, "scope.description", "profile page"),
    "scope.accepted": (_PROFILE_PAGE, "scope.accepted", "profile page"),
    "scope.accepted[].text": (_PROFILE_PAGE, "item.text", "profile page"),
    "review.required": (f"{_SVC}:_options", "review.required", "dispatch queue (DISPATCH-2)"),
    "return.allowed": (f"{_SVC}:_options", "returns.allowed", "unit: return (HANDLE-3)"),
    "return.grounds": (f"{_SVC}:return_check", "returns.grounds", "unit: return ground (T2)"),
    "return.grounds[].code": (f"{_SVC}:return_check", "g.code", "unit: return form / API"),
    "return.grounds[].text": (f"{_SVC}:return_check", "item.text", "unit: return form"),
    "return.ground_required": (
        f"{_SVC}:return_check",
        "ground_required",
        "unit: return form / API (QLH 五(二))",
    ),
    "return.requires_reason": (f"{_SVC}:return_check", "requires_reason", "unit: return (A29)"),
    "return.requires_basis": (f"{_SVC}:return_check", "requires_basis", "unit: return (A29)"),
    "extension.allowed": (f"{_SVC}:_options", "extension.allowed", "unit: extension (HANDLE-5)"),
    "extension.tells_citizen": (
        f"{_SVC}:citizen_notice_open",
        "tells_citizen",
        "board / unit inbox: tell the citizen (T7)",
    ),
    "extension.tells_citizen_within": (
        f"{_SVC}:citizen_notice_open",
        "tells_citizen_within",
        "the to-do's deadline",
    ),
    "extension.tells_citizen_within.unit": (f"{_SVC}:citizen_notice_open", "rule.limit()", "T7"),
    "extension.tells_citizen_within.length": (f"{_SVC}:citizen_notice_open", "rule.limit()", ""),
    "extension.tells_citizen_within.before": (f"{_SVC}:citizen_notice_open", "rule.limit()", ""),
    "extension.tells_citizen_within.roll_forward": (
        f"{_SVC}:citizen_notice_open",
        "rule.limit()",
        "",
    ),
    "extension.tells_citizen_within.basis": (f"{_SVC}:citizen_notice_open", "due.basis", ""),
    "extension.grounds": (
        "hotline.workbench.forms:ExtensionForm",
        "extension.grounds",
        "unit: extension form",
    ),
    "extension.requires_reason": (
        f"{_SVC}:ticket_extension_request",
        "requires_reason",
        "unit: extension (A6)",
    ),
    "extension.requires_basis": (
        f"{_SVC}:ticket_extension_request",
        "requires_basis",
        "unit: extension (T7)",
    ),
    "extension.cap": (f"{_SVC}:ticket_extension_request", "extension.cap", "extension (A6)"),
    "callback.mode": (
        f"{_SVC}:callback_owed",
        "callback.mode",
        "close after callback (CALLBACK-1)",
    ),
    # Issue 13: callbacks, samples and what dissatisfaction triggers (hotline.callbacks).
    "callback.share": (
        "hotline.callbacks.services:sample_draw",
        "callback.share",
        "`hotline callbacks sample`, the worker: the month's sample per unit (A14)",
    ),
    "callback.supervised_always": (
        "hotline.callbacks.services:reason_for",
        "supervised_always",
        "callback queue: every supervised ticket (SH 第十三条)",
    ),
    "callback.on_dissatisfied": (
        "hotline.callbacks.services:_dissatisfied",
        "on_dissatisfied",
        "callback: quality inspection or redo on a dissatisfied result (C2)",
    ),
    "callback.redo_at_once": (
        "hotline.callbacks.services:_dissatisfied",
        "redo_at_once",
        "callback: the redo order goes out with the result (QLH 五(六))",
    ),
    "callback.close_on_satisfied": (
        f"{_SVC}:ticket_callback",
        "close_on_satisfied",
        "callback: a satisfied result closes the ticket",
    ),
    "callback.max_attempts": (
        "hotline.callbacks.services:on_called_back",
        "max_attempts",
        "callback queue: the centre's limit of tries for an unreached citizen",
    ),
    "callback.retry_minutes": (
        "hotline.callbacks.services:on_called_back",
        "retry_minutes",
        "callback queue: the spacing of the retries",
    ),
    "callback.direct_answers": (
        f"{_SVC}:evaluation_missing",
        "direct_answers",
        "desk: evaluation before close (ANSWER-3)",
    ),
    "reply.asks_satisfaction": (
        f"{_SVC}:reply_satisfaction_check",
        "asks_satisfaction",
        "unit: reply form / API (QLH 五(四))",
    ),
    "reply.basis": (f"{_SVC}:reply_satisfaction_check", "reply.basis", "the refusal cites it"),
    "reopen.unit": (f"{_SVC}:_options", "reopen.limit()", "reopen window"),
    "reopen.length": (f"{_SVC}:_options", "reopen.limit()", ""),
    "reopen.roll_forward": (f"{_SVC}:_options", "reopen.limit()", ""),
    "reopen.before": (f"{_SVC}:_options", "reopen.limit()", ""),
    "reopen.basis": (f"{_SVC}:_options", "reopen.limit()", ""),
}

_CITATION = "a citation: shown with the rule, applied by nothing"
_NOTE = "an explanation for readers of the profile"
#: pattern → why it needs no code
NOT_CODE: Final[dict[str, str]] = {
    "escalation.to": "a display label: who the matters go to, in the regulation's words",
    "escalation.basis": _CITATION,
    "escalation.note": _CITATION,
    "urgent.note": _CITATION,
    "assisting.basis": _CITATION,
    "assisting.note": _CITATION,
    "profile.title": "a display label (profile page, manage screen)",
    "profile.regulation": "a display label (profile page)",
    "profile.reading": "a display label (profile page)",
    "profile.citation": "the prefix every basis must start with; checked at load",
    "profile.timezone": "the schema allows only Asia/Shanghai, the zone of policy.sla (A2)",
    "categories.*.basis": _CITATION,
    "categories.*.note": _NOTE,
    "clocks.*.note": _NOTE,
    "clocks.*.rules[].note": _NOTE,
    "scope.open_ended": "informational: the '等' item carries requires_note (A34)",
    "scope.accepted[].code": "a stable key of a display list",
    "scope.accepted[].basis": _CITATION,
    "scope.not_accepted[].basis": _CITATION,
    "scope.navigation_only[].code": "a stable key of a display list",
    "scope.navigation_only[].basis": _CITATION,
    "review.basis": _CITATION,
    "return.grounds[].basis": _CITATION,
    "return.confirmed_by": "only 'centre' is accepted at load: the table gives re-dispatch to it",
    "return.basis": _CITATION,
    "return.note": _NOTE,
    "extension.requested_by": "only 'unit' is accepted at load: the table gives it the request",
    "extension.approved_by": "only 'centre' is accepted at load: the table gives it the decision",
    "extension.tells_citizen_within.when.*": "a to-do's limit has no category condition",
    "extension.tells_citizen_within.soft_target*": "no soft target for telling the citizen",
    "extension.tells_citizen_within.note": _NOTE,
    "extension.basis": _CITATION,
    "extension.note": _NOTE,
    "callback.basis": _CITATION,
    "callback.note": _NOTE,
    "reply.note": _NOTE,
    "supervision.basis": _CITATION,
    "supervision.triggers[].basis": _CITATION,
    "supervision.triggers[].note": _NOTE,
    "reminder.basis": _CITATION,
    "reminder.note": _NOTE,
    "reopen.when.*": "the reopen window has no category condition",
    "reopen.soft_target*": "no soft target for reopening",
    "reopen.note": _NOTE,
}

_ISSUE_13 = "issue 13 (supervision, callbacks, quality inspection) applies it"
#: pattern → the open issue that applies it (not data only: owned by a planned change)
LATER: Final[dict[str, str]] = {
    "clocks.reminder": _ISSUE_13,
    "clocks.*.rules[].soft_target*": "issue 14 (statistics): a soft target shown, never a breach",
    "supervision.triggers": _ISSUE_13,
    "supervision.triggers[].*": _ISSUE_13,
    "supervision.forms": _ISSUE_13,
    "supervision.follow_up": _ISSUE_13,
    "reminder.*": _ISSUE_13,
}


def schema_paths() -> list[str]:
    """Return every field of the profile schema as a path: each clock by name, each other
    mapping as ``*``, list items as ``[]``."""
    paths: list[str] = []
    _walk(Profile, "", paths)
    return paths


def _submodel(annotation: Any) -> tuple[type[BaseModel] | None, bool]:
    """Return (model, is_list) for ``Model``, ``Model | None`` or ``tuple[Model, ...]``."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Union or (origin is not None and type(None) in args):
        inner = [a for a in args if a is not type(None)]
        return _submodel(inner[0]) if len(inner) == 1 else (None, False)
    if origin is tuple and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    return None, False


def _walk(model: type[BaseModel], prefix: str, out: list[str]) -> None:
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        annotation = info.annotation
        if get_origin(annotation) is dict:
            _, value = get_args(annotation)
            names = CLOCKS if key == "clocks" else CATEGORIES
            if key == "clocks":
                out.extend(f"{key}.{n}" for n in names)
            _walk(value, f"{key}.*.", out)
            continue
        sub, is_list = _submodel(annotation)
        if sub is None or is_list or type(None) in get_args(annotation):
            out.append(key)  # a value, a list, or an optional section: each a rule of its own
        if sub is not None:
            _walk(sub, f"{key}[]." if is_list else f"{key}.", out)


def classify(path: str) -> tuple[str, str] | None:
    """Return (list name, pattern) of the first entry that covers *path*, or None."""
    for name, table in (
        ("APPLIED", APPLIED),
        ("NOT_CODE", NOT_CODE),
        ("LATER", LATER),
    ):
        for pattern in table:
            if fnmatchcase(path, pattern.replace("[]", "[[]]")):
                return name, pattern
    return None


def _value(profile: Profile, path: str) -> str:
    """Return a short view of *path*'s value in *profile* ("" where it varies per item)."""
    if "*" in path or "[]" in path:
        return ""
    if path.startswith("clocks."):
        clock = profile.clock(path.split(".", 1)[1])
        rules = "; ".join(
            f"{r.length} {r.unit}" if r.length is not None else str(r.unit) for r in clock.rules
        )
        return f"from {clock.starts}: {rules}"
    value: Any = profile
    for part in path.split("."):
        attr = "returns" if part == "return" else part
        value = getattr(value, attr, None)
        if value is None:
            return "—"
    if isinstance(value, BaseModel):
        return "set"
    if isinstance(value, tuple):
        return f"{len(value)} items"
    return str(value).replace("|", "/")


def render_markdown() -> str:
    """Return ``docs/profile-rules.md``: per profile, each rule and who applies it."""
    paths = schema_paths()
    lines = [
        "# Profile rules and the code that applies them",
        "",
        "Generated by `python -m hotline.policy.rulemap > docs/profile-rules.md` from",
        "`src/hotline/policy/rulemap.py`; `tests/policy/test_rulemap.py` fails when it is stale.",
        'Every field of a policy profile is applied by code (issue 12, "no rule is data only"),',
        "needs none (a citation, a label), or belongs to an open issue.",
        "",
    ]
    for name in available_profiles():
        profile = load_profile(name)
        lines += [
            f"## {name}: {profile.profile.title}",
            "",
            "| rule | value here | applied by | where |",
            "|---|---|---|---|",
        ]
        seen: set[str] = set()
        for path in paths:
            found = classify(path)
            if found is None or found[1] in seen:
                continue
            kind, pattern = found
            seen.add(pattern)
            if kind == "APPLIED":
                reader, _token, where = APPLIED[pattern]
                by = f"`{reader.removeprefix('template:')}`"
            else:
                table = {"NOT_CODE": NOT_CODE, "LATER": LATER}
                by, where = (
                    {"NOT_CODE": "no code", "LATER": "later"}[kind],
                    table[kind][pattern],
                )
            lines.append(f"| `{pattern}` | {_value(profile, pattern)} | {by} | {where} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(render_markdown(), end="")
