"""Phone numbers of callers: the one normaliser the call form, the API and imports use.

Pure functions, no Django. ``phone_normalise`` accepts what an agent types or a channel sends
and returns one stored form, or raises ``InvalidPhone`` with a Chinese message saying what is
wrong (shown next to the field, or as ``{"code", "message"}`` by the API):

- a mainland mobile: 11 digits starting 13–19, stored ``13800138000`` (``+86``, ``0086`` or
  ``86`` in front, spaces and hyphens are dropped);
- a mainland fixed line with its area code, stored ``0755-12345678``, an extension after
  ``转``, ``ext``, ``x``, ``#`` or a further hyphen stored ``0755-12345678-123``. Area codes
  ``010`` and ``02x`` have three digits, every other one four; the local number has 7 or 8;
- an international number (``+`` or ``00`` and a country code other than 86), stored in E.164
  form ``+442079460958`` (8 to 15 digits).

A caller who withholds the number is not a phone number at all: the citizen record says so
(``Citizen.phone_withheld``) and the phone stays empty.
"""

from __future__ import annotations

import re

#: What separates the parts of a number as people type them.
_SEPARATORS = re.compile(r"[\s\-－—–.()（）]+")
#: An extension written after the number.
_EXTENSION = re.compile(
    r"^(?P<main>.+?)\s*(?:转|分机|ext\.?|x|#)\s*(?P<ext>[0-9]{1,6})$", re.IGNORECASE
)
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_FIXED = re.compile(r"^(?P<area>0(?:10|2[0-9]|[3-9][0-9]{2}))(?P<local>[1-9][0-9]{6,7})$")
_INTERNATIONAL = re.compile(r"^[1-9][0-9]{7,14}$")

#: The longest stored form (``Citizen.phone`` is 32 characters).
PHONE_MAX = 32


class InvalidPhone(ValueError):
    """A number that is not a mainland mobile, a fixed line with area code or international."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def phone_normalise(raw: str) -> str:
    """Return ``raw`` in its stored form, or raise ``InvalidPhone`` saying what is wrong."""
    text = (raw or "").strip().replace("＋", "+")
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not text:
        raise InvalidPhone("请填写来电号码；来电人不提供号码时请勾选“来电人未提供号码”。")
    extension = ""
    match = _EXTENSION.match(text)
    if match:
        text, extension = match.group("main"), match.group("ext")
    # "0755-12345678-123": a third group after a fixed line is its extension.
    groups = [g for g in _SEPARATORS.split(text) if g]
    if (
        not extension
        and len(groups) == 3
        and _FIXED.match(groups[0] + groups[1])
        and groups[2].isdigit()
        and len(groups[2]) <= 6
    ):
        extension = groups.pop()
    compact = "".join(groups)
    international = compact.startswith("+") or compact.startswith("00")
    digits = compact.lstrip("+")
    if digits.startswith("00"):
        digits = digits[2:]
    if not digits.isdigit():
        raise InvalidPhone(
            f"号码“{raw.strip()}”含有数字以外的字符，请只填写数字（可带区号和分机）。"
        )
    if international or (len(digits) == 13 and digits.startswith("86")):
        if digits.startswith("86"):
            national = digits[2:]
            # +86 drops the trunk 0 of an area code: +86 755 … is 0755-….
            if national and not national.startswith(("0", "1")):
                national = "0" + national
            return _mainland(national, extension, raw)
        if not _INTERNATIONAL.match(digits):
            raise InvalidPhone(
                "国际号码应为“+国家代码”加号码，共 8 至 15 位数字，例如 +85221234567。"
            )
        return "+" + digits + (f"-{extension}" if extension else "")
    return _mainland(digits, extension, raw)


def _mainland(digits: str, extension: str, raw: str) -> str:
    if digits.startswith("1"):
        if extension:
            raise InvalidPhone("手机号码没有分机号。")
        if _MOBILE.match(digits):
            return digits
        raise InvalidPhone(
            f"手机号码应为 11 位数字（以 13 至 19 开头），“{raw.strip()}”有 {len(digits)} 位。"
        )
    if digits.startswith("0"):
        match = _FIXED.match(digits)
        if match is None:
            raise InvalidPhone(
                "固定电话应为区号加 7 至 8 位号码，例如 0755-12345678 或 010-12345678转123。"
            )
        number = f"{match.group('area')}-{match.group('local')}"
        return number + (f"-{extension}" if extension else "")
    raise InvalidPhone(
        "号码无法识别：手机号码为 11 位，固定电话须带区号（如 0755-12345678），国际号码以 + 开头。"
    )


def phone_normalise_or_none(raw: str) -> str | None:
    """Return the stored form of ``raw``, or ``None`` if it is not a valid number (look-ups)."""
    try:
        return phone_normalise(raw)
    except InvalidPhone:
        return None
