"""The demo data as a whole: ``hotline demo-data`` calls ``demo_data_load``."""

from __future__ import annotations

from hotline.accounts.demo import DEMO_PASSWORD, DEMO_USERS


def demo_data_load(*, tickets: int = 300) -> list[str]:
    """Load every app's demo data in order (idempotent); return summary lines."""
    from hotline.accounts.demo import accounts_demo_load
    from hotline.citizens.demo import citizens_demo_load
    from hotline.directory.demo import directory_demo_load
    from hotline.tickets.demo import tickets_demo_load

    counts = directory_demo_load()
    users = accounts_demo_load()
    citizens = citizens_demo_load()
    ticket_count = tickets_demo_load(tickets)
    from hotline.knowledge.demo import knowledge_demo_load

    knowledge = knowledge_demo_load()
    return [
        f"Directory: {counts['areas']} areas, {counts['units']} units, "
        f"{counts['liaisons']} liaisons, {counts['responsibilities']} responsibility items.",
        f"Staff: {len(users)} demo users. Citizens: {citizens}. Tickets: {ticket_count}.",
        f"Knowledge base: {knowledge['total']} articles ({knowledge['created']} new).",
    ]


def demo_logins_text() -> str:
    """Return the demo logins as a small table (only if the demo users exist)."""
    from hotline.accounts.models import User

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
