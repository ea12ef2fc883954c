"""The audit log is tamper-evident (issue 11): a hash chain that `hotline audit verify` walks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor

from hotline.core.audit import audit_chain_verify, audit_record
from hotline.core.auditchain import GENESIS, entry_digest
from hotline.core.models import AuditChainHead, AuditEntry


def _verify_output() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_each_entry_carries_the_hash_of_the_one_before(agent):
    first = audit_record(actor=agent, action="citizen.view", detail={"phone": "13900000033"})
    second = audit_record(actor=None, action="token.create", channel="cli")
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.entry_hash
    assert second.entry_hash == entry_digest(first.entry_hash, AuditEntry.objects.get(pk=second.pk))
    head = AuditChainHead.objects.get()
    assert (head.last_entry_id, head.last_hash, head.entries) == (second.pk, second.entry_hash, 2)
    assert _verify_output() == "audit log intact: 2 entries\n"


@pytest.mark.django_db
def test_verify_reports_a_row_changed_behind_the_applications_back(agent):
    entries = [audit_record(actor=agent, action=f"citizen.view.{i}") for i in range(5)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET actor_username = %s WHERE id = %s",
            ["someone-else", entries[2].pk],
        )
    report = audit_chain_verify()
    assert report.first_break is not None
    assert report.first_break.entry_id == entries[2].pk
    assert report.checked == 2
    with pytest.raises(CommandError, match=f"entry #{entries[2].pk} does not fit") as exc:
        _verify_output()
    assert exc.value.returncode == 1


@pytest.mark.django_db
def test_verify_reports_a_deleted_row_and_a_cut_off_end(agent):
    entries = [audit_record(actor=agent, action="citizen.view") for _ in range(4)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entries[1].pk])
    assert audit_chain_verify().first_break.entry_id == entries[2].pk  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id >= %s", [entries[1].pk])
    brk = audit_chain_verify().first_break
    assert brk is not None and brk.entry_id == entries[3].pk and "chain head" in brk.reason


@pytest.mark.django_db
def test_a_rehashed_forgery_still_breaks_at_the_chain_head(agent):
    """Recomputing one row's hash after changing it does not help: the next row's link breaks."""
    entries = [audit_record(actor=agent, action="citizen.view") for _ in range(3)]
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.action = "nothing.happened"
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditentry SET action = %s, entry_hash = %s WHERE id = %s",
            [forged.action, entry_digest(forged.prev_hash, forged), forged.pk],
        )
    assert audit_chain_verify().first_break.entry_id == entries[2].pk  # type: ignore[union-attr]


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain(agent):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers itself; the row lock matters on PostgreSQL")
    barrier = threading.Barrier(8)

    def write(n: int) -> None:
        try:
            barrier.wait()
            for i in range(10):
                audit_record(actor=None, action=f"load.{n}.{i}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report = audit_chain_verify()
    assert report.intact and report.checked == 80
    assert len(set(AuditEntry.objects.values_list("prev_hash", flat=True))) == 80


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_chains_existing_entries():
    executor = MigrationExecutor(connection)
    executor.migrate([("core", "0001_initial")])
    old_apps = executor.loader.project_state([("core", "0001_initial")]).apps
    OldEntry = old_apps.get_model("core", "AuditEntry")
    for i in range(3):
        OldEntry.objects.create(
            at=datetime(2026, 1, 1, 8, i, 0, 123456, tzinfo=UTC),
            action="citizen.view",
            ip_address="::ffff:10.0.0.1",
            detail={"n": i, "nested": [1, "二"]},
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    report = audit_chain_verify()
    assert report.intact and report.checked == 3
    audit_record(actor=None, action="after.migration")
    assert audit_chain_verify().checked == 4
