"""The article review workflow as plain data (KB-3, KB-4): no Django import.

A unit clerk drafts; the unit administrator submits; the centre reviews; policy articles
then pass a legal review; the result is published, or returned with comments to the unit.
"""

from __future__ import annotations

from typing import Final

#: action → (states it may start from, permission it needs)
ACTIONS: Final[dict[str, tuple[frozenset[str], str]]] = {
    "edit": (frozenset({"draft", "returned", "published", "withdrawn"}), "kb.draft"),
    "submit": (frozenset({"draft", "returned"}), "kb.submit"),
    "approve": (frozenset({"submitted"}), "kb.review"),
    "legal_approve": (frozenset({"legal_review"}), "kb.legal_review"),
    "return": (frozenset({"submitted", "legal_review"}), "kb.review"),
    "withdraw": (frozenset({"published", "draft", "returned"}), "kb.review"),
}


def next_state(action: str, *, needs_legal_review: bool) -> str:
    """Return the state an action leads to."""
    if action == "approve":
        return "legal_review" if needs_legal_review else "published"
    return {
        "edit": "draft",
        "submit": "submitted",
        "legal_approve": "published",
        "return": "returned",
        "withdraw": "withdrawn",
    }[action]


def allowed(action: str, state: str) -> bool:
    """Return whether ``action`` may start from ``state``."""
    states, _ = ACTIONS[action]
    return state in states
