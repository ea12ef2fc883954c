"""The second platform of the transfer test: run as a script against its own database.

``python peer_instance.py setup PEER_URL`` creates the centre, a unit and its staff, and the
peer (named "hotline", the first instance); ``python peer_instance.py reply NUMBER`` has the
unit reply the ticket and delivers the outbox (which sends the reply back).
"""

from __future__ import annotations

import sys

import django

django.setup()

from hotline.accounts.models import User, UserRole  # noqa: E402
from hotline.channels.models import Peer  # noqa: E402
from hotline.directory.models import Unit  # noqa: E402
from hotline.notifications.services import outbox_deliver  # noqa: E402
from hotline.tickets import services as svc  # noqa: E402
from hotline.tickets.models import Ticket  # noqa: E402


def _user(username: str, unit: Unit, role: str) -> User:
    user, _ = User.objects.get_or_create(username=username, defaults={"unit": unit})
    UserRole.objects.get_or_create(user=user, role=role)
    return user


def main(argv: list[str]) -> None:
    if argv[0] == "setup":
        centre, _ = Unit.objects.get_or_create(
            code="CENTRE", defaults={"name": "乙区热线中心", "kind": Unit.Kind.CENTRE}
        )
        unit, _ = Unit.objects.get_or_create(
            code="ZJJ", defaults={"name": "乙区住建局", "kind": Unit.Kind.DEPARTMENT}
        )
        _user("agent", centre, "agent")
        _user("handler", unit, "unit_handler")
        Peer.objects.get_or_create(name="hotline", defaults={"url": argv[1], "secret": "k"})
        return
    ticket = Ticket.objects.get(number=argv[1])
    agent = User.objects.get(username="agent")
    handler = User.objects.get(username="handler")
    svc.ticket_dispatch(actor=agent, ticket=ticket, unit_code="ZJJ")
    svc.ticket_sign(actor=handler, ticket=ticket)
    svc.ticket_reply(actor=handler, ticket=ticket, content="乙区已处理完毕。")
    print(outbox_deliver())


if __name__ == "__main__":
    main(sys.argv[1:])
