"""The one place that decides which units' objects a user may reach.

Pages and API endpoints obtain unit-owned objects only through these functions (or through an
app's ``access.py`` built on them), so the rule lives here once:

- centre staff (and superusers) reach every unit;
- a unit handler reaches objects of their own unit;
- a unit administrator reaches their unit and its sub-units (``unit.subunits``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models
from django.db.models import Q

from hotline.core.errors import NotFound

if TYPE_CHECKING:
    from hotline.accounts.models import User
    from hotline.directory.models import Unit

M = TypeVar("M", bound=models.Model)


def unit_scope_paths(user: User) -> list[str] | None:
    """Return the unit paths whose subtree (or node) the user reaches; None means every unit."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_centre_staff:
        return None
    if user.unit is None:
        return []
    return [user.unit.path]


def _unit_q(user: User, prefix: str) -> Q | None:
    """Return the filter on ``<prefix>`` (a Unit relation) for ``user``; None for no limit."""
    paths = unit_scope_paths(user)
    if paths is None:
        return None
    if not paths:
        return Q(pk__in=[])
    if user.can("unit.subunits"):
        q = Q()
        for path in paths:
            q |= Q(**{f"{prefix}path__startswith": path})
        return q
    return Q(**{f"{prefix}pk": user.unit_id})


def units_visible_to(user: User) -> models.QuerySet[Unit]:
    """Return the units the user may see."""
    from hotline.directory.models import Unit

    q = _unit_q(user, "")
    units = Unit.objects.all()
    return units if q is None else units.filter(q)


def scope_to_units(user: User, queryset: models.QuerySet[M], unit_field: str) -> models.QuerySet[M]:
    """Return ``queryset`` limited to objects whose ``unit_field`` is a unit the user reaches."""
    q = _unit_q(user, f"{unit_field}__")
    return queryset if q is None else queryset.filter(q)


def unit_get_for_user(user: User, code: str) -> Unit:
    """Return the unit with ``code`` if the user may see it; otherwise raise ``NotFound``.

    A unit the user may not see is reported exactly like one that does not exist, so that
    nobody learns what lies outside their scope.
    """
    unit = units_visible_to(user).filter(code=code).first()
    if unit is None:
        raise NotFound()
    return unit
