"""Backup and restore of everything the platform keeps (issue 11).

A backup is a directory:

``manifest.json``
    format, time, database vendor and format, applied migrations, row counts, and the size and
    SHA-256 of every other file (restore checks them before it changes anything).
``database.sqlite3`` (SQLite)
    a copy made with SQLite's online backup API: consistent while the platform runs.
``database.jsonl`` (PostgreSQL)
    every row of every model, one JSON object a line, read in one ``REPEATABLE READ`` read-only
    transaction (one snapshot). Times keep their microseconds: the audit chain hashes them.
``media/``, ``kb-index/``, ``secret_key``
    the uploaded files, the knowledge-base search index and the secret key file.

Not kept: sessions (everyone signs in again), the throttling counters, and the task queue
(the outbox that feeds it is in the database and is delivered again).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
JSONL_FILE = "database.jsonl"
CHUNK = 1000

#: Models whose rows a backup leaves out (see the module docstring).
SKIPPED = {"sessions.session"}
#: Models that a freshly migrated installation fills by itself: they do not make it non-empty.
SEEDED = {"contenttypes.contenttype", "auth.permission", "core.auditchainhead"}


class BackupError(Exception):
    """A backup or restore that cannot be carried out; the message says why."""


@dataclass(frozen=True)
class RestoreResult:
    database_format: str
    rows: int
    files: int
    # Where the backup's secret key could not be put back (the operators' file, e.g.
    # /etc/hotline/secret_key owned by root): the path the operator must copy it to.
    key_left_to_operator: Path | None = None


class _Encoder(DjangoJSONEncoder):
    """DjangoJSONEncoder, but times keep their microseconds (it cuts them to milliseconds)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | time):
            return o.isoformat()
        if isinstance(o, date):
            return o.isoformat()
        if isinstance(o, bytes | memoryview):
            raise TypeError("binary fields are not supported by the backup format")
        return super().default(o)


def _models() -> list[type[models.Model]]:
    """Return the models whose rows are backed up: concrete, managed, not auto-created."""
    return [
        m
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.label_lower not in SKIPPED
    ]


def _tables(model_list: list[type[models.Model]]) -> list[str]:
    tables: list[str] = []
    for model in model_list:
        tables.append(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            through: Any = field.remote_field.through
            if through._meta.auto_created:
                tables.append(through._meta.db_table)
    return tables


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            yield path


def _migrations() -> list[str]:
    recorder = MigrationRecorder(connection)
    return sorted(f"{app}.{name}" for app, name in recorder.applied_migrations())


def _rows(model: type[models.Model]) -> Iterator[dict[str, Any]]:
    """Yield the serialized rows of ``model`` in primary-key order, a chunk at a time."""
    queryset = model._default_manager.order_by("pk")
    last = None
    while True:
        chunk = list(queryset.filter(pk__gt=last)[:CHUNK] if last is not None else queryset[:CHUNK])
        if not chunk:
            return
        yield from serializers.serialize("python", chunk)
        last = chunk[-1].pk


def _dump_jsonl(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as out:
        for model in _models():
            n = 0
            for row in _rows(model):
                out.write(json.dumps(row, cls=_Encoder, ensure_ascii=False) + "\n")
                n += 1
            counts[model._meta.label_lower] = n
    return counts


def _counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in _models()}


def backup_create(target: Path) -> dict[str, Any]:
    """Write a consistent backup of the database and the platform's files into ``target``.

    ``target`` must not exist or be empty. Return the manifest.
    """
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; choose a new directory.")
    target.mkdir(parents=True, exist_ok=True)
    connection.ensure_connection()
    vendor = connection.vendor
    if vendor == "sqlite":
        # The online backup API: one consistent copy while other processes go on writing.
        database_file = SQLITE_FILE
        destination = sqlite3.connect(target / SQLITE_FILE)
        try:
            connection.connection.backup(destination)
        finally:
            destination.close()
        counts, migrations = _counts(), _migrations()
    else:
        database_file = JSONL_FILE
        outer = connection.in_atomic_block
        with transaction.atomic():
            if vendor == "postgresql" and not outer:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            counts = _dump_jsonl(target / JSONL_FILE)
            migrations = _migrations()
    # Files after the database: every file a row names already exists.
    copied = {
        "media": _copy_tree(Path(settings.MEDIA_ROOT), target / "media"),
        "kb-index": _copy_tree(Path(settings.KB_INDEX_DIR), target / "kb-index"),
    }
    key_path: Path | None = settings.HOTLINE_SECRET_KEY_PATH
    if key_path is not None and key_path.exists():
        shutil.copy2(key_path, target / "secret_key")
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "database": {"vendor": vendor, "format": database_file, "migrations": migrations},
        "rows": counts,
        "copied": copied,
        "secret_key": key_path is not None and key_path.exists(),
        "files": {
            str(p.relative_to(target)): {"size": p.stat().st_size, "sha256": _sha256(p)}
            for p in _files(target)
        },
    }
    (target / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _copy_tree(source: Path, destination: Path) -> int:
    if not source.is_dir():
        return 0
    shutil.copytree(source, destination, symlinks=False)
    return sum(1 for _ in _files(destination))


def _read_manifest(source: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{source} holds no {MANIFEST}: not a backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    for name, meta in manifest["files"].items():
        path = source / name
        if (
            not path.is_file()
            or path.stat().st_size != meta["size"]
            or _sha256(path) != meta["sha256"]
        ):
            raise BackupError(f"{name} is missing or damaged (size or SHA-256 differ).")
    return manifest


def installation_is_empty() -> bool:
    """Return True when the database holds no data beyond what migrating fills in, and no
    file has been uploaded."""
    for model in _models():
        if model._meta.label_lower not in SEEDED and model._default_manager.exists():
            return False
    media = Path(settings.MEDIA_ROOT)
    return not (media.is_dir() and any(_files(media)))


def backup_restore(source: Path, *, force: bool = False) -> RestoreResult:
    """Bring the backup in ``source`` back onto this installation.

    Refuse unless the installation is empty (``installation_is_empty``) or ``force`` is given;
    then the database's rows and the files are replaced by the backup's. The web server and
    the worker must be stopped meanwhile.
    """
    manifest = _read_manifest(source)
    if not force and not installation_is_empty():
        raise BackupError(
            "This installation already holds data; restore only onto an empty one "
            "(or give --force to replace everything)."
        )
    database = manifest["database"]
    if database["format"] == SQLITE_FILE:
        if connection.vendor != "sqlite":
            raise BackupError("This is a SQLite backup; the installation runs on PostgreSQL.")
        rows = _restore_sqlite(source / SQLITE_FILE)
    else:
        if database["migrations"] != _migrations():
            raise BackupError(
                "The backup was made at another database schema version; run "
                "`hotline migrate` to the same version of hotline first."
            )
        rows = _restore_jsonl(source / JSONL_FILE)
    ContentType.objects.clear_cache()
    files = _replace_tree(source / "media", Path(settings.MEDIA_ROOT))
    files += _replace_tree(source / "kb-index", Path(settings.KB_INDEX_DIR))
    # The index follows the restored database from scratch (knowledge/follow.py rebuilds an
    # index directory without its follow state on the next search or `hotline kb-follow`).
    (Path(settings.KB_INDEX_DIR) / "follow.json").unlink(missing_ok=True)
    key_path: Path | None = settings.HOTLINE_SECRET_KEY_PATH
    left: Path | None = None
    backup_key = source / "secret_key"
    if backup_key.is_file() and key_path is not None and not _same_content(backup_key, key_path):
        try:
            key_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(backup_key, key_path)
            key_path.chmod(0o600)
            files += 1
        except PermissionError:
            # A production key file belongs to root (docs/deploy.md); the service user
            # restores the data and tells the operator which file to copy.
            left = key_path
    return RestoreResult(
        database_format=database["format"], rows=rows, files=files, key_left_to_operator=left
    )


def _same_content(source: Path, target: Path) -> bool:
    return target.is_file() and target.read_bytes() == source.read_bytes()


def _restore_sqlite(path: Path) -> int:
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError("Restore runs outside a transaction.")
    source = sqlite3.connect(path)
    try:
        source.backup(connection.connection)
    finally:
        source.close()
    # A backup of an older version: bring its schema up to date.
    call_command("migrate", interactive=False, verbosity=0)
    return sum(_counts().values())


def _restore_jsonl(path: Path) -> int:
    model_list = _models()
    rows = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in connection.ops.sql_flush(
                no_style(), _tables(model_list), reset_sequences=False, allow_cascade=True
            ):
                cursor.execute(sql)
        with connection.constraint_checks_disabled():
            batch: list[dict[str, Any]] = []
            with path.open(encoding="utf-8") as handle:
                for line in handle:
                    batch.append(json.loads(line))
                    if len(batch) >= CHUNK:
                        rows += _load(batch)
                        batch = []
            rows += _load(batch)
        connection.check_constraints(table_names=_tables(model_list))
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), model_list):
                cursor.execute(sql)
    return rows


def _load(batch: list[dict[str, Any]]) -> int:
    for obj in serializers.deserialize("python", batch):
        obj.save()
    return len(batch)


def _replace_tree(source: Path, destination: Path) -> int:
    if destination.is_dir():
        shutil.rmtree(destination)
    if not source.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return 0
    shutil.copytree(source, destination)
    return sum(1 for _ in _files(destination))
