"""Attachments: documents and images filed with a ticket, their type and size checked."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from hotline.core.edge import file_name_clean, file_name_shorten, upload_name
from hotline.core.errors import Conflict, InvalidInput
from hotline.tickets.events import events_record
from hotline.tickets.models import Attachment, Ticket, TicketEvent
from hotline.tickets.transitions import State

MAX_BYTES = 10 * 1024 * 1024

#: States in which a ticket's file is shut: nothing more is filed with it (issue 19).
FILE_SHUT = frozenset({State.CLOSED.value, State.ARCHIVED.value})


def attachments_open(ticket: Ticket) -> bool:
    """Return whether documents may still be filed with ``ticket`` (not once it is closed)."""
    return ticket.state not in FILE_SHUT


#: Accepted extensions, with the leading bytes the file must start with (None: not checked).
ALLOWED: dict[str, tuple[str, tuple[bytes, ...] | None]] = {
    ".pdf": ("application/pdf", (b"%PDF",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK",)),
    ".doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    ".xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
    ".txt": ("text/plain", None),
}


def attachment_add(*, actor: Any, ticket: Ticket, upload: UploadedFile[Any]) -> Attachment:
    """File ``upload`` with ``ticket`` after checking its size, extension and leading bytes.

    A closed or archived ticket takes no more files (``Conflict``).
    """
    if not attachments_open(ticket):
        raise Conflict("工单已办结，不能再上传附件。", code="ticket_closed")
    if not (upload.name or "").strip():
        raise InvalidInput("请选择要上传的文件。")
    # The name shown keeps up to 200 characters; the stored one fits the file system (90
    # Chinese characters are 270 bytes, over the 255 a file name may have).
    clean = file_name_clean(upload.name or "")
    name = file_name_shorten(clean, max_chars=Attachment._meta.get_field("name").max_length)
    size = upload.size or 0
    if size == 0:
        raise InvalidInput("文件为空。")
    if size > MAX_BYTES:
        raise InvalidInput(f"文件过大（{size // 1024} KB），单个附件不能超过 10 MB。")
    suffix = PurePath(name).suffix.lower()
    allowed = ALLOWED.get(suffix)
    if allowed is None:
        raise InvalidInput(
            f"不支持的文件类型“{suffix or name}”，可上传：{'、'.join(sorted(ALLOWED))}。"
        )
    content_type, magic = allowed
    head = upload.read(16)
    upload.seek(0)
    if magic is not None and not head.startswith(magic):
        raise InvalidInput("文件内容与扩展名不符，请检查后重新上传。")
    now = timezone.now()
    with transaction.atomic():
        attachment = Attachment(
            ticket=ticket,
            name=name,
            content_type=content_type,
            size=size,
            uploaded_by=actor,
            uploaded_at=now,
        )
        attachment.file.save(upload_name(clean), upload, save=False)
        attachment.save()
        events_record(
            [
                TicketEvent(
                    ticket=ticket,
                    at=now,
                    actor=actor,
                    action="ticket.attachment.added",
                    from_state=ticket.state,
                    to_state=ticket.state,
                    # No file name here: events travel (timeline, subscribers, exports) and the
                    # name may identify the complainant (PRIVACY-2); the reader's view adds it
                    # where it may.
                    note="",
                    payload={"attachment": attachment.pk, "size": size},
                )
            ]
        )
    return attachment
