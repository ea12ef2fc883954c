"""Masked forms of a citizen's phone number and name for lists (PRIVACY-3).

A list shows enough to recognise a caller (the first three and last four digits, the
surname) and nothing more; the full value is shown only on the page whose user needs it,
and that read is audited. One function each, used by every list, API list and notification.
"""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    """Return ``phone`` with its middle digits hidden: ``13900000033`` → ``139****0033``."""
    value = (phone or "").strip()
    digits = [i for i, ch in enumerate(value) if ch.isdigit()]
    if len(digits) < 7:
        # Too short to keep anything recognisable without revealing it.
        return "*" * len(value) if value else ""
    keep = {*digits[:3], *digits[-4:]}
    return "".join(ch if (i in keep or not ch.isdigit()) else "*" for i, ch in enumerate(value))


def mask_name(name: str | None) -> str:
    """Return ``name`` with all but its first character hidden: ``王小明`` → ``王**``.

    A two-character name keeps its surname (``王*``); a Latin name its first letter.
    """
    value = (name or "").strip()
    if not value:
        return ""
    return value[0] + "*" * max(len(value) - 1, 1)
