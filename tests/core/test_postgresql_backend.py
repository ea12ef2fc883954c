"""The PostgreSQL backend (decision 0014): server-side binding with prepared statements, kept
within PostgreSQL's 65,535 parameters a statement. Runs in the PostgreSQL pass of make test."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connection

from hotline.knowledge.models import Embedding
from hotline.tickets.models import Ticket
from hotline.tickets.services import ticket_register

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "hotline.core.postgresql",
        reason="runs in the PostgreSQL pass of make test",
    ),
]

MORE_THAN_THE_LIMIT = 70_000


def _tickets(agent, n: int) -> list[Ticket]:
    return [
        ticket_register(
            actor=agent,
            channel="phone",
            category="help",
            content=f"路灯不亮 {i}",
            citizen_phone=f"1390000{i:04d}",
        )
        for i in range(n)
    ]


def test_statements_are_bound_server_side_and_prepared():
    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text", ["参数不拼进语句"])
        assert cursor.fetchone() == ("参数不拼进语句",)
    assert "ServerBinding" in type(connection.connection.cursor()).__name__


def test_a_bulk_insert_beyond_the_parameter_limit_is_cut_into_batches():
    """70,000 cache rows of three columns are 210,000 parameters: one INSERT would fail."""
    rows = [
        Embedding(content_hash=f"{n:064x}", model="bench", vector=b"\x00" * 4)
        for n in range(MORE_THAN_THE_LIMIT)
    ]
    Embedding.objects.bulk_create(rows, batch_size=None)
    assert Embedding.objects.filter(model="bench").count() == MORE_THAN_THE_LIMIT
    Embedding.objects.filter(model="bench").delete()  # the collector's batches too
    assert not Embedding.objects.filter(model="bench").exists()


def test_a_filter_on_a_list_beyond_the_parameter_limit_is_one_array(agent):
    tickets = _tickets(agent, 3)
    ids = [t.pk for t in tickets] + list(range(10**9, 10**9 + MORE_THAN_THE_LIMIT))
    assert Ticket.objects.filter(pk__in=ids).count() == 3
    assert not Ticket.objects.exclude(pk__in=ids).filter(pk__in=[t.pk for t in tickets]).exists()
    numbers = [t.number for t in tickets] + [f"X{n}" for n in range(MORE_THAN_THE_LIMIT)]
    assert Ticket.objects.filter(number__in=numbers).count() == 3
    assert Ticket.objects.filter(number__in=[*numbers, None]).count() == 3
    sql, params = Ticket.objects.filter(pk__in=ids).query.sql_with_params()
    assert "= ANY(%s)" in sql and len(params) == 1


def test_a_short_list_keeps_the_plain_in(agent):
    (ticket,) = _tickets(agent, 1)
    sql, params = Ticket.objects.filter(pk__in=[ticket.pk, 2, 3]).query.sql_with_params()
    assert " IN (%s, %s, %s)" in sql and len(params) == 3
    assert Ticket.objects.filter(pk__in=[ticket.pk, 2, 3]).get() == ticket
