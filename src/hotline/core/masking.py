"""Masking of personal data in lists (PRIVACY-3): the one place that decides how it looks.

A list, an API list endpoint or a notification shows a citizen's phone as ``139****0033`` and
a name as ``王*`` / ``王*明``; the full value appears only on the page where a role needs it
(the ticket page, the citizen page), and that page audits the read. Pure functions: no Django.
"""

from __future__ import annotations

import re

#: A mainland mobile number, or a landline with its area code, inside free text.
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")


def mask_phone(phone: str) -> str:
    """Return ``phone`` with its middle hidden: ``13900000033`` → ``139****0033``.

    From eleven characters the first three and the last four stay; a shorter number keeps only
    its last four (and one under seven characters is hidden entirely).
    """
    phone = (phone or "").strip()
    if len(phone) < 7:
        return "*" * len(phone)
    if len(phone) < 11:
        return "*" * (len(phone) - 4) + phone[-4:]
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_name(name: str) -> str:
    """Return ``name`` with all but its first (and, from three characters, last) character hidden.

    ``王明`` → ``王*``, ``王小明`` → ``王*明``, ``欧阳小明`` → ``欧**明``; a one-character name
    becomes ``*``.
    """
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_text(text: str) -> str:
    """Return free text (a ticket's content, a notification) with every phone number masked."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text or "")


def redact(text: str, secrets: list[str]) -> str:
    """Return ``text`` with each of ``secrets`` (a hidden citizen's phone, name) replaced by ***.

    Used where a reader must not learn who the citizen is at all (PRIVACY-2): masked values
    would still give the surname and the last digits away. Secrets shorter than two
    characters are left alone: they would erase ordinary words.
    """
    text = text or ""
    for secret in sorted({s.strip() for s in secrets if s and len(s.strip()) >= 2}, key=len)[::-1]:
        text = text.replace(secret, "***")
    return text
