"""Small filters of the statistics pages: a row's value by name, a rate as a percentage."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(row: dict[str, Any], name: str) -> Any:
    """Return ``row[name]`` (0 when absent)."""
    return row.get(name, 0)


@register.filter
def percent(value: float | None) -> str:
    """Return a rate (0…1) as ``97.5%``, or ``—`` when it has no denominator."""
    if value is None:
        return "—"
    return f"{100 * value:.1f}%"
