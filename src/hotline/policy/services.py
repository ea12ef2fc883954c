"""The calendar in force (package + the centre's overrides) and importing a year's arrangement."""

from __future__ import annotations

import csv
import io
import time
import tomllib
from dataclasses import dataclass
from datetime import date
from threading import Lock
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from hotline.core.audit import audit_record
from hotline.core.errors import InvalidInput
from hotline.policy.calendar import WorkCalendar
from hotline.policy.models import CalendarOverride, PublishedYear
from hotline.policy.signals import calendar_changed

_cache_lock = Lock()
_cache: dict[str, Any] = {"signature": None, "calendar": None, "checked": float("-inf")}


def calendar_cache_clear(**_: Any) -> None:
    """Forget the cached calendar (on every override or published-year change in-process)."""
    with _cache_lock:
        _cache.update(signature=None, calendar=None, checked=float("-inf"))


for _model in (CalendarOverride, PublishedYear):
    post_save.connect(calendar_cache_clear, sender=_model, dispatch_uid=f"calendar-{_model}")
    post_delete.connect(calendar_cache_clear, sender=_model, dispatch_uid=f"calendar-d-{_model}")


def _signature() -> tuple[object, ...]:
    overrides = CalendarOverride.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    years = PublishedYear.objects.aggregate(n=Count("id"), last=Max("created_at"))
    return (overrides["n"], overrides["last"], years["n"], years["last"])


def calendar_current() -> WorkCalendar:
    """Return the calendar in force, rebuilt only when the overrides changed.

    Changes made in this process clear the cache at once (signals); changes made by another
    process (an import on another server) are noticed within ``HOTLINE_CALENDAR_CHECK_SECONDS``
    by two small queries, so that a busy service does not pay them on every action.
    """
    ttl = float(getattr(settings, "HOTLINE_CALENDAR_CHECK_SECONDS", 0))
    with _cache_lock:
        if _cache["calendar"] is not None and time.monotonic() - _cache["checked"] < ttl:
            cached: WorkCalendar = _cache["calendar"]
            return cached
    signature = _signature()
    with _cache_lock:
        if _cache["signature"] == signature and _cache["calendar"] is not None:
            _cache["checked"] = time.monotonic()
            calendar: WorkCalendar = _cache["calendar"]
            return calendar
    overrides = dict(CalendarOverride.objects.values_list("date", "is_working_day"))
    published = list(PublishedYear.objects.values_list("year", flat=True))
    calendar = WorkCalendar(overrides, published_years=published)
    with _cache_lock:
        _cache.update(signature=signature, calendar=calendar, checked=time.monotonic())
    return calendar


@dataclass(frozen=True)
class OverrideRow:
    date: date
    is_working_day: bool
    note: str = ""


_WORK = {"work", "working", "working_day", "workday", "1", "true", "yes", "班", "上班", "工作日"}
_REST = {"rest", "rest_day", "holiday", "off", "0", "false", "no", "休", "休息", "休息日", "节假日"}


def _kind(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in _WORK:
        return True
    if v in _REST:
        return False
    raise InvalidInput(f"{where}：无法识别“{value}”，请填写 work(上班) 或 rest(休息)。")


def _day(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"{where}：日期“{value}”格式应为 YYYY-MM-DD。") from None


def overrides_parse(content: str, *, filename: str) -> list[OverrideRow]:
    """Parse a CSV (``date,kind,note``) or TOML (``[[day]] date kind note``) arrangement file.

    Raises ``InvalidInput`` naming the line or entry that is wrong; nothing is saved then.
    """
    rows: list[OverrideRow] = []
    if filename.lower().endswith(".toml"):
        try:
            data = tomllib.loads(content)
        except tomllib.TOMLDecodeError as exc:
            raise InvalidInput(f"{filename}：TOML 格式错误：{exc}") from None
        for i, entry in enumerate(data.get("day", []), start=1):
            where = f"{filename} 第 {i} 个 [[day]]"
            if "date" not in entry or "kind" not in entry:
                raise InvalidInput(f"{where}：缺少 date 或 kind。")
            rows.append(
                OverrideRow(
                    _day(str(entry["date"]), where),
                    _kind(str(entry["kind"]), where),
                    str(entry.get("note", "")),
                )
            )
    else:
        reader = csv.reader(io.StringIO(content))
        for lineno, record in enumerate(reader, start=1):
            if not record or not "".join(record).strip() or record[0].startswith("#"):
                continue
            if lineno == 1 and record[0].strip().lower() == "date":
                continue
            where = f"{filename} 第 {lineno} 行"
            if len(record) < 2:
                raise InvalidInput(f"{where}：至少需要“日期,类型”两列。")
            note = record[2].strip() if len(record) > 2 else ""
            rows.append(OverrideRow(_day(record[0], where), _kind(record[1], where), note))
    if not rows:
        raise InvalidInput(f"{filename}：文件中没有任何日期。")
    seen: set[date] = set()
    for row in rows:
        if row.date in seen:
            raise InvalidInput(f"{filename}：日期 {row.date} 出现了两次。")
        seen.add(row.date)
    return rows


def calendar_import(
    *,
    rows: list[OverrideRow],
    source_document: str,
    published_year: int | None = None,
    actor: Any = None,
) -> dict[str, int]:
    """Save the overrides (and mark ``published_year`` complete) in one transaction.

    Existing overrides for the same dates are replaced. With ``published_year``, every row
    must fall in that year. Returns counts of created and updated rows.
    """
    if published_year is not None:
        stray = [r.date for r in rows if r.date.year != published_year]
        if stray:
            raise InvalidInput(f"日期 {stray[0]} 不在 {published_year} 年内。")
    created = updated = 0
    with transaction.atomic():
        for row in rows:
            _, is_new = CalendarOverride.objects.update_or_create(
                date=row.date,
                defaults={
                    "is_working_day": row.is_working_day,
                    "note": row.note,
                    "source_document": source_document,
                    "created_by": actor if getattr(actor, "is_authenticated", False) else None,
                    "updated_at": timezone.now(),
                },
            )
            created += is_new
            updated += not is_new
        if published_year is not None:
            PublishedYear.objects.update_or_create(
                year=published_year, defaults={"source_document": source_document}
            )
        counts = {"created": created, "updated": updated}
        counts.update(
            calendar_announce(
                dates=[row.date for row in rows], source_document=source_document, actor=actor
            )
        )
        audit_record(
            actor=actor,
            action="calendar.import",
            channel="" if actor else "cli",
            detail={"document": source_document, "published_year": published_year, **counts},
        )
    return counts


def calendar_announce(
    *, dates: list[date], source_document: str = "", actor: Any = None
) -> dict[str, int]:
    """Announce changed working days (``calendar_changed``); return the receivers' counts.

    Call it inside the transaction that changed the overrides, after the change.
    """
    calendar_cache_clear()
    counts: dict[str, int] = {}
    responses = calendar_changed.send(
        sender=CalendarOverride,
        dates=sorted(set(dates)),
        source_document=source_document,
        actor=actor,
    )
    for _receiver, response in responses:
        if isinstance(response, dict):
            for key, value in response.items():
                counts[key] = counts.get(key, 0) + int(value)
    return counts
