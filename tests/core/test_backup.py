"""`hotline backup` and `hotline restore` (issue 11): a round trip on the test database brings
back every ticket's timeline, the audit chain, the uploaded files and the secret key."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from hotline.core.audit import audit_chain_verify, audit_record
from hotline.tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def places(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.KB_INDEX_DIR = tmp_path / "kb-index"
    settings.HOTLINE_SECRET_KEY_PATH = tmp_path / "etc" / "secret_key"
    settings.HOTLINE_SECRET_KEY_PATH.parent.mkdir()
    settings.HOTLINE_SECRET_KEY_PATH.write_text("the-secret-key-of-this-centre")
    return tmp_path


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def demo_data_load(*, tickets: int) -> None:
    """The demo district, staff, citizens and tickets (not the knowledge base: slow to embed)."""
    from hotline.accounts.demo import accounts_demo_load
    from hotline.citizens.demo import citizens_demo_load
    from hotline.directory.demo import directory_demo_load
    from hotline.tickets.demo import tickets_demo_load

    directory_demo_load()
    accounts_demo_load()
    citizens_demo_load()
    tickets_demo_load(tickets)


def timelines() -> dict[str, list[tuple[Any, ...]]]:
    """Return every ticket's timeline: its events with every field."""
    result: dict[str, list[tuple[Any, ...]]] = {}
    for ticket in Ticket.objects.order_by("number"):
        result[ticket.number] = [
            (e.pk, e.at, e.actor_id, e.action, e.from_state, e.to_state, e.note, e.payload)
            for e in TicketEvent.objects.filter(ticket=ticket).order_by("at", "id")
        ]
    return result


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_a_backup_restores_onto_an_empty_installation(places):
    demo_data_load(tickets=25)
    ticket = Ticket.objects.order_by("number").first()
    assert ticket is not None
    attachment = Attachment(ticket=ticket, name="现场照片.png", content_type="image/png", size=12)
    attachment.file.save("现场照片.png", ContentFile(b"\x89PNG\r\n\x1a\nabcd"), save=False)
    attachment.save()
    for n in range(5):
        audit_record(actor=None, action="citizen.view", detail={"n": n, "phone": "13900000033"})
    before = timelines()
    assert sum(len(events) for events in before.values()) > 50
    (places / "kb-index" / "segments").mkdir(parents=True)
    (places / "kb-index" / "meta.json").write_text('{"segments": ["a1"]}')
    (places / "kb-index" / "segments" / "a1.idx").write_bytes(b"\x00\x01index")
    index_before = tree(places / "kb-index")
    audit_before = audit_chain_verify()
    assert audit_before.intact and audit_before.checked > 0

    target = places / "backup"
    assert "backup written" in run("backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["rows"]["tickets.ticket"] == 25
    assert "secret_key" in manifest["files"]
    assert any(name.startswith("kb-index/") for name in manifest["files"])
    assert any(name.startswith("media/") for name in manifest["files"])

    with pytest.raises(CommandError, match="already holds data"):
        run("restore", str(target))
    with pytest.raises(CommandError, match="not empty"):
        run("backup", str(target))

    # An empty installation: no rows, no files, another secret key.
    call_command("flush", interactive=False, verbosity=0)
    for path in Path(places / "media").rglob("*"):
        if path.is_file():
            path.unlink()
    places.joinpath("etc", "secret_key").write_text("a-new-installation-key")
    assert Ticket.objects.count() == 0

    assert "restored" in run("restore", str(target))
    assert timelines() == before
    audit_after = audit_chain_verify()
    assert audit_after.intact and audit_after.checked == audit_before.checked
    restored = Attachment.objects.get(pk=attachment.pk)
    assert restored.file.read() == b"\x89PNG\r\n\x1a\nabcd"
    assert places.joinpath("etc", "secret_key").read_text() == "the-secret-key-of-this-centre"
    assert tree(places / "kb-index") == index_before

    # New rows after a restore get fresh keys (sequences were reset).
    audit_record(actor=None, action="after.restore")
    assert audit_chain_verify().intact

    # --force replaces what a non-empty installation holds.
    demo_ticket_count = Ticket.objects.count()
    Ticket.objects.filter(pk=ticket.pk).delete()
    assert "restored" in run("restore", str(target), "--force")
    assert Ticket.objects.count() == demo_ticket_count
    assert timelines() == before


def test_a_damaged_backup_is_refused_before_anything_changes(places):
    demo_data_load(tickets=3)
    target = places / "backup"
    run("backup", str(target))
    manifest = json.loads((target / "manifest.json").read_text())
    database = target / manifest["database"]["format"]
    with database.open("ab") as handle:
        handle.write(b"x")
    count = Ticket.objects.count()
    with pytest.raises(CommandError, match="damaged"):
        run("restore", str(target), "--force")
    assert Ticket.objects.count() == count


def test_a_root_owned_key_file_is_left_to_the_operator_with_the_command_to_copy_it(
    places, monkeypatch
):
    """docs/deploy.md: /etc/hotline/secret_key belongs to root and the service user runs the
    restore. The data comes back; the operator is told which file to copy where."""
    demo_data_load(tickets=2)
    target = places / "backup"
    run("backup", str(target))
    before = timelines()
    call_command("flush", interactive=False, verbosity=0)
    key = places / "etc" / "secret_key"
    key.write_text("a-new-installation-key")

    def refuse(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        raise PermissionError(13, "Permission denied", str(dst))

    # The tests run as root, who may write anywhere: the refusal a service user meets.
    monkeypatch.setattr("hotline.core.backup.shutil.copyfile", refuse)
    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), stdout=out, stderr=err)

    assert "restored" in out.getvalue()
    assert timelines() == before
    assert key.read_text() == "a-new-installation-key"
    assert f"install -o root -g hotline -m 640 {target / 'secret_key'} {key}" in err.getvalue()


def test_the_same_key_is_not_copied_again(places):
    demo_data_load(tickets=1)
    target = places / "backup"
    run("backup", str(target))
    call_command("flush", interactive=False, verbosity=0)
    key = places / "etc" / "secret_key"
    key.chmod(0o640)
    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(target), stdout=out, stderr=err)
    assert err.getvalue() == ""
    assert key.stat().st_mode & 0o777 == 0o640  # untouched: the operator's mode stays
