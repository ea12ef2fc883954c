"""Chain the audit entries written before the hash chain existed, oldest first, and create the
chain head. Reverse: forget the hashes and the head."""

from django.db import migrations

from hotline.core.auditchain import GENESIS, entry_digest


def chain_existing(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    prev, last_id, count = GENESIS, None, 0
    for entry in AuditEntry.objects.using(db).order_by("id").iterator(chunk_size=2000):
        digest = entry_digest(prev, entry)
        AuditEntry.objects.using(db).filter(pk=entry.pk).update(prev_hash=prev, entry_hash=digest)
        prev, last_id, count = digest, entry.pk, count + 1
    AuditChainHead.objects.using(db).update_or_create(
        pk=1, defaults={"last_entry_id": last_id, "last_hash": prev, "entries": count}
    )


def unchain(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    AuditEntry.objects.using(db).update(prev_hash="", entry_hash="")
    AuditChainHead.objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_hash_chain")]

    operations = [migrations.RunPython(chain_existing, unchain)]
