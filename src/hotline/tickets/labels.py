"""What people read for a state, an action or a clock: the one translated source (issue 19).

``transitions.py`` is pure (no Django) and keeps the Chinese names the API returns
(``state_label``) and the rules cite; the pages show these instead, through gettext, so the
English interface reads English and the Chinese one reads exactly the same Chinese names
(``tests/tickets/test_labels.py`` checks that the catalogue gives back the pure names).
Contexts keep the words apart from equal English words elsewhere ("Reply" the button).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext_lazy

from hotline.tickets.transitions import Action, State

STATES: dict[str, Any] = {
    State.REGISTERED: pgettext_lazy("ticket state", "Registered"),
    State.NOT_ACCEPTED: pgettext_lazy("ticket state", "Not accepted"),
    State.ANSWER_DEFERRED: pgettext_lazy("ticket state", "Answer deferred"),
    State.ANSWERED: pgettext_lazy("ticket state", "Answered directly"),
    State.REVIEWED: pgettext_lazy("ticket state", "Reviewed, to dispatch"),
    State.DISPATCHED: pgettext_lazy("ticket state", "Dispatched"),
    State.SIGNED: pgettext_lazy("ticket state", "Signed for"),
    State.IN_PROGRESS: pgettext_lazy("ticket state", "In progress"),
    State.RETURNED: pgettext_lazy("ticket state", "Returned"),
    State.REPLIED: pgettext_lazy("ticket state", "Replied, awaiting callback"),
    State.CALLED_BACK: pgettext_lazy("ticket state", "Called back"),
    State.DISSATISFIED: pgettext_lazy("ticket state", "Dissatisfied at callback"),
    State.CLOSED: pgettext_lazy("ticket state", "Closed"),
    State.TRANSFERRED: pgettext_lazy("ticket state", "Transferred to another platform"),
    State.ARCHIVED: pgettext_lazy("ticket state", "Archived"),
    State.NAVIGATED: pgettext_lazy("ticket state", "Navigation help given"),
}

ACTIONS: dict[str, Any] = {
    Action.REGISTER: pgettext_lazy("ticket action", "Register"),
    Action.REJECT: pgettext_lazy("ticket action", "Not accept"),
    Action.ANSWER: pgettext_lazy("ticket action", "Answer directly"),
    Action.DEFER: pgettext_lazy("ticket action", "Answer later"),
    Action.REVIEW: pgettext_lazy("ticket action", "Review"),
    Action.DISPATCH: pgettext_lazy("ticket action", "Dispatch"),
    Action.SIGN: pgettext_lazy("ticket action", "Sign for"),
    Action.CONTACT: pgettext_lazy("ticket action", "First contact"),
    Action.RETURN: pgettext_lazy("ticket action", "Return"),
    Action.REDISPATCH: pgettext_lazy("ticket action", "Dispatch again"),
    Action.EXTENSION_REQUEST: pgettext_lazy("ticket action", "Request an extension"),
    Action.EXTENSION_DECIDE: pgettext_lazy("ticket action", "Decide on the extension"),
    Action.EXPLAIN: pgettext_lazy("ticket action", "Explain it cannot be solved"),
    Action.ESCALATE: pgettext_lazy("ticket action", "Report to the unit's head"),
    Action.REPLY: pgettext_lazy("ticket action", "Reply"),
    Action.CALLBACK: pgettext_lazy("ticket action", "Call back"),
    Action.REDO: pgettext_lazy("ticket action", "Redo"),
    Action.CLOSE: pgettext_lazy("ticket action", "Close"),
    Action.TRANSFER: pgettext_lazy("ticket action", "Transfer to another platform"),
    Action.REOPEN: pgettext_lazy("ticket action", "Reopen"),
    Action.ARCHIVE: pgettext_lazy("ticket action", "Archive"),
    Action.LIAISON_CALL: pgettext_lazy("ticket action", "Call the liaison"),
    Action.ASSIST_SIGN: pgettext_lazy("ticket action", "Sign for as assisting unit"),
    Action.ASSIST_SUBMIT: pgettext_lazy("ticket action", "Submit the contribution"),
    Action.ASSIST_WAIVE: pgettext_lazy("ticket action", "Reply without the contribution"),
    Action.ESCALATION_FLAG: pgettext_lazy("ticket action", "Flag for the unit's head"),
    Action.RECLASSIFY_REQUEST: pgettext_lazy("ticket action", "Request complex status"),
    Action.RECLASSIFY_DECIDE: pgettext_lazy("ticket action", "Decide on complex status"),
    Action.EVENT_FLAG: pgettext_lazy("ticket action", "Flag a major sudden event"),
    Action.EVENT_REPORT: pgettext_lazy("ticket action", "Record the event report"),
    Action.NAVIGATE: pgettext_lazy("ticket action", "Navigation help"),
    Action.EVALUATE: pgettext_lazy("ticket action", "Evaluation at once"),
}

CLOCKS: dict[str, Any] = {
    "dispatch": pgettext_lazy("clock", "Dispatch"),
    "deferred_answer": pgettext_lazy("clock", "Deferred answer"),
    "sign_for": pgettext_lazy("clock", "Sign-for"),
    "first_contact": pgettext_lazy("clock", "First contact"),
    "return": pgettext_lazy("clock", "Return"),
    "reply": pgettext_lazy("clock", "Reply"),
    "extension_request": pgettext_lazy("clock", "Extension request"),
    "callback": pgettext_lazy("clock", "Callback"),
    "assist": pgettext_lazy("clock", "Assisting contribution"),
    "event_report": pgettext_lazy("clock", "Oral report of a sudden event"),
    "event_followup": pgettext_lazy("clock", "Written report of a sudden event"),
    "evaluation": pgettext_lazy("clock", "Evaluation at once"),
    "filing": pgettext_lazy("clock", "Filing returned"),
    "tell_citizen": pgettext_lazy("clock", "Telling the citizen of the extension"),
    "kb_update": pgettext_lazy("clock", "Knowledge base update"),
    "reminder": pgettext_lazy("clock", "Answer to a reminder notice"),
}


def state_label(state: str | None) -> str:
    """Return the state's name in the active language (the code itself if unknown)."""
    label = STATES.get(state or "")
    return str(label) if label is not None else (state or "")


def action_label(action: str) -> str:
    """Return the action's name in the active language (the code itself if unknown)."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def clock_label(kind: str) -> str:
    """Return the clock's name in the active language (the code itself if unknown)."""
    label = CLOCKS.get(kind)
    return str(label) if label is not None else kind
