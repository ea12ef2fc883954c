"""The deadline calculator: the contract behind ``hotline deadline`` and ``GET /api/v1/deadline``.

``deadline_answer(profile=..., clock=..., start=..., calendar=...)`` returns a
:class:`DeadlineAnswer` that serialises to::

    {"due_at": "2026-10-14T00:00:00+08:00", "provisional": false,
     "basis": "SH-962200 第十一条(二)", "unit": "working_days", "length": 5}

``due_at`` is ``null`` (printed ``none``) when the clock has no limit or is "at once" (A9).
Bad input raises :class:`PolicyInputError` with a stable ``code`` and a one-line Chinese
message: the command exits with status 2 and the API answers HTTP 400.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from hotline.policy.calendar import WorkCalendar
from hotline.policy.profiles import (
    CATEGORIES,
    CLOCKS,
    Clock,
    ProfileError,
    Rule,
    UnknownProfile,
    available_profiles,
    load_profile,
)
from hotline.policy.sla import Limit, Unit, compute_due, display, require_aware

#: The clocks the command and the API accept (the first nine are the published contract).
CLOCK_CHOICES: Final = CLOCKS
#: The categories the command and the API accept.
CATEGORY_CHOICES: Final = CATEGORIES


class PolicyInputError(ValueError):
    """Bad input to the calculator: ``code`` is stable, ``message`` is one line in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def as_dict(self) -> dict[str, str]:
        """Return the JSON error body."""
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class DeadlineAnswer:
    """A computed deadline with the rule it comes from."""

    due_at: datetime | None
    provisional: bool
    basis: str
    unit: Unit
    length: int | None
    profile: str
    clock: str
    category: str | None
    starts: str  # the starting event of the clock
    actor: str  # who must act
    actor_label: str

    def as_dict(self) -> dict[str, object]:
        """Return the contract's JSON object (exactly these five keys)."""
        return {
            "due_at": self.due_at.isoformat() if self.due_at is not None else None,
            "provisional": self.provisional,
            "basis": self.basis,
            "unit": str(self.unit),
            "length": self.length,
        }

    def to_json(self) -> str:
        """Return :meth:`as_dict` as JSON (Chinese kept readable)."""
        return json.dumps(self.as_dict(), ensure_ascii=False)

    def to_text(self) -> str:
        """Return the plain output of the command: the ISO instant, or ``none``."""
        return self.due_at.isoformat() if self.due_at is not None else "none"

    @property
    def display(self) -> str:
        """Return the due time as people read it ("2026-10-13 24:00")."""
        return display(self.due_at)


def parse_start(start: str | datetime) -> datetime:
    """Return *start* as an aware instant in Asia/Shanghai; raise :class:`PolicyInputError`."""
    if isinstance(start, str):
        try:
            value = datetime.fromisoformat(start.strip())
        except ValueError as exc:
            raise PolicyInputError(
                "invalid_start",
                f"开始时间格式无效:{start!r},应为 ISO 8601,例如 2026-09-30T15:00:00+08:00",
            ) from exc
    else:
        value = start
    if value.tzinfo is None or value.utcoffset() is None:
        raise PolicyInputError(
            "naive_start",
            f"开始时间缺少时区:{value.isoformat()},请带上时区,例如 2026-09-30T15:00:00+08:00",
        )
    return require_aware(value)


def _pick_rule(spec: Clock, group: str | None, *, complex: bool, urgent: bool) -> Rule | None:
    """Return the first matching rule; without a category, rules by group are skipped."""
    for rule in spec.rules:
        if group is None and rule.when.groups is not None:
            continue
        if rule.when.matches(group, complex=complex, urgent=urgent):
            return rule
    return None


def deadline_answer(
    *,
    profile: str,
    clock: str,
    start: str | datetime,
    calendar: WorkCalendar,
    category: str | None = None,
    complex: bool = False,
    urgent: bool = False,
    limit_override: Limit | None = None,
) -> DeadlineAnswer:
    """Return when *clock* of *profile* falls due for an event at *start*.

    *limit_override* is a statutory, promised or departmental limit that replaces the
    profile's (A8, SLA-2, SLA-3); its ``basis`` is reported.
    """
    try:
        policy = load_profile(profile)
    except UnknownProfile as exc:
        raise PolicyInputError(
            "unknown_profile",
            f"未知的政策配置:{profile!r},可选:{', '.join(available_profiles())}",
        ) from exc
    except ProfileError as exc:
        raise PolicyInputError("invalid_profile", f"政策配置 {profile!r} 无效:{exc}") from exc
    if clock not in CLOCKS:
        raise PolicyInputError(
            "unknown_clock", f"未知的时限类型:{clock!r},可选:{', '.join(CLOCKS)}"
        )
    group: str | None = None
    if category is not None:
        if category not in CATEGORIES:
            raise PolicyInputError(
                "unknown_category",
                f"未知的诉求类别:{category!r},可选:{', '.join(CATEGORIES)}",
            )
        group = policy.group_of(category)
    moment = parse_start(start)
    spec = policy.clock(clock)
    rule = _pick_rule(spec, group, complex=complex, urgent=urgent)
    if rule is None:
        raise PolicyInputError(
            "missing_category",
            f"{clock} 的时限按诉求类别区分,请指定类别:{', '.join(CATEGORIES)}",
        )
    limit = limit_override if limit_override is not None else rule.limit()
    due = compute_due(moment, limit, calendar)
    return DeadlineAnswer(
        due_at=due.due_at,
        provisional=due.provisional,
        basis=due.basis,
        unit=due.unit,
        length=due.length,
        profile=policy.name,
        clock=clock,
        category=category,
        starts=spec.starts,
        actor=spec.actor,
        actor_label=spec.actor_label,
    )
