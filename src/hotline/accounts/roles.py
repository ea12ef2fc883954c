"""Roles and what each may do: plain data, the single source of permissions.

A staff user belongs to one unit and holds one or more roles. Centre roles are held by users
of the centre itself; unit roles by users of a handling unit. Permissions are short dotted
codes checked with ``User.can(code)``.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    AGENT = "agent"
    REVIEWER = "reviewer"
    CALLBACK = "callback"
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    CENTRE_ADMIN = "centre_admin"
    UNIT_HANDLER = "unit_handler"
    UNIT_ADMIN = "unit_admin"


ROLE_LABELS = {
    Role.AGENT: _("Agent"),
    Role.REVIEWER: _("Reviewer"),
    Role.CALLBACK: _("Callback agent"),
    Role.INSPECTOR: _("Quality inspector"),
    Role.SUPERVISOR: _("Supervisor"),
    Role.CENTRE_ADMIN: _("Centre administrator"),
    Role.UNIT_HANDLER: _("Unit handler"),
    Role.UNIT_ADMIN: _("Unit administrator"),
}

CENTRE_ROLES = frozenset(
    {
        Role.AGENT,
        Role.REVIEWER,
        Role.CALLBACK,
        Role.INSPECTOR,
        Role.SUPERVISOR,
        Role.CENTRE_ADMIN,
    }
)
UNIT_ROLES = frozenset({Role.UNIT_HANDLER, Role.UNIT_ADMIN})

# The order in which a user's home page is chosen when they hold several roles.
HOME_PRIORITY = [
    Role.CENTRE_ADMIN,
    Role.SUPERVISOR,
    Role.AGENT,
    Role.REVIEWER,
    Role.CALLBACK,
    Role.INSPECTOR,
    Role.UNIT_ADMIN,
    Role.UNIT_HANDLER,
]

_CENTRE_READ = {"directory.view_all", "citizen.view", "kb.view"}
# Units keep their own knowledge-base articles (KB-3): clerks draft, administrators submit.
_UNIT_KB = {"kb.view", "kb.draft"}

PERMISSIONS: dict[Role, frozenset[str]] = {
    # Agents route tickets themselves where the profile has no review step (e.g. QLH-96881).
    Role.AGENT: frozenset(_CENTRE_READ | {"ticket.register", "ticket.dispatch"}),
    Role.REVIEWER: frozenset(_CENTRE_READ | {"ticket.review", "ticket.dispatch", "kb.review"}),
    Role.CALLBACK: frozenset(_CENTRE_READ | {"ticket.callback"}),
    Role.INSPECTOR: frozenset(_CENTRE_READ | {"ticket.inspect"}),
    Role.SUPERVISOR: frozenset(
        _CENTRE_READ | {"ticket.supervise", "status.view", "kb.report", "evaluation.manage"}
    ),
    Role.CENTRE_ADMIN: frozenset(
        _CENTRE_READ
        | {"directory.manage", "accounts.manage", "audit.view", "status.view", "policy.manage"}
        # The district evaluates its acceptance centres (EVAL-1…5).
        | {"evaluation.manage"}
        # The centre also maintains articles of its own, imports (KB-6) and signs off the
        # legal review of policy articles (KB-4).
        | {"kb.draft", "kb.submit", "kb.review", "kb.legal_review", "kb.import", "kb.report"}
    ),
    Role.UNIT_HANDLER: frozenset({"ticket.handle"} | _UNIT_KB),
    # A unit administrator also sees the unit's sub-units (e.g. a sub-district office and
    # its community committees).
    Role.UNIT_ADMIN: frozenset(
        {"ticket.handle", "unit.subunits", "unit.manage", "kb.submit", "kb.report"} | _UNIT_KB
    ),
}


def permissions_for(roles: set[Role] | frozenset[Role]) -> frozenset[str]:
    """Return the union of the permissions of ``roles``."""
    granted: set[str] = set()
    for role in roles:
        granted |= PERMISSIONS[role]
    return frozenset(granted)
