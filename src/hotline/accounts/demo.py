"""Demo staff users: one per centre role, a handler and an administrator in three units."""

from __future__ import annotations

from django.db import transaction

from hotline.accounts.models import User, UserRole
from hotline.accounts.roles import Role
from hotline.directory.models import Unit

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
