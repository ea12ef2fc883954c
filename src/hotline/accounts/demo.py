"""Demo staff users: one per centre role, a handler and an administrator in three units."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from hotline.accounts.models import User, UserRole
from hotline.accounts.roles import Role
from hotline.directory.models import Unit

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

# The demo password exists only here, in the demo data; never use it for real accounts.
DEMO_PASSWORD = "hotline-demo-2026"  # noqa: S105

# (username, full name, unit code, roles)
DEMO_USERS: list[tuple[str, str, str, list[Role]]] = [
    ("agent", "接线员 林晓", "CENTRE", [Role.AGENT]),
    ("reviewer", "审核员 周敏", "CENTRE", [Role.REVIEWER]),
    ("callback", "回访员 吴佳", "CENTRE", [Role.CALLBACK]),
    ("inspector", "质检员 郑航", "CENTRE", [Role.INSPECTOR]),
    ("supervisor", "督办员 王立", "CENTRE", [Role.SUPERVISOR]),
    ("centreadmin", "中心管理员 陈静", "CENTRE", [Role.CENTRE_ADMIN]),
    ("handler1", "承办人 赵明", "ZJJ", [Role.UNIT_HANDLER]),
    ("unitadmin1", "单位管理员 钱芳", "ZJJ", [Role.UNIT_ADMIN]),
    ("handler2", "承办人 孙伟", "DMJD", [Role.UNIT_HANDLER]),
    ("unitadmin2", "单位管理员 李娜", "DMJD", [Role.UNIT_ADMIN]),
    ("handler3", "承办人 周强", "SW", [Role.UNIT_HANDLER]),
    ("unitadmin3", "单位管理员 冯丽", "SW", [Role.UNIT_ADMIN]),
]


@transaction.atomic
def accounts_demo_load() -> list[tuple[str, str, list[str]]]:
    """Create the demo users (password only set on creation); return (username, unit, roles)."""
    created = []
    for username, full_name, unit_code, roles in DEMO_USERS:
        unit = Unit.objects.get(code=unit_code)
        user, is_new = User.objects.get_or_create(
            username=username,
            defaults={
                "full_name": full_name,
                "unit": unit,
                "is_staff": Role.CENTRE_ADMIN in roles,
            },
        )
        if is_new:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        for role in roles:
            UserRole.objects.get_or_create(user=user, role=role.value)
        created.append((username, unit.short_name or unit.name, [r.value for r in roles]))
    return created


def accounts_demo(options: DemoOptions) -> list[str]:
    """The accounts' demo loader (``AccountsConfig.demo_loader``)."""
    users = accounts_demo_load()
    return [f"Staff: {len(users)} demo users."]


def demo_logins_text() -> str:
    """Return the demo logins as a small table (only if the demo users exist)."""
    existing = set(
        User.objects.filter(username__in=[u[0] for u in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    if not existing:
        return "No demo users: run `hotline demo-data` to create them."
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for username, full_name, unit_code, roles in DEMO_USERS:
        if username in existing:
            role_names = ", ".join(r.value for r in roles)
            lines.append(f"  {username:<12} {role_names:<14} {unit_code:<8} {full_name}")
    return "\n".join(lines)
