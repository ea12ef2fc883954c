"""Temporary upload files: kept under var/ and swept when a crash leaves them behind.

Django spools uploads larger than ``FILE_UPLOAD_MAX_MEMORY_SIZE`` into
``settings.FILE_UPLOAD_TEMP_DIR`` and removes the file when the request ends; a killed worker
process leaves it there. The worker removes such files every quarter hour.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def upload_temp_sweep(*, now: datetime | None = None, max_age: timedelta | None = None) -> int:
    """Remove temporary upload files not written to for ``max_age``; return how many.

    A file still being received is written to all the time, so only abandoned ones are old.
    """
    directory = Path(settings.FILE_UPLOAD_TEMP_DIR)
    if max_age is None:
        max_age = timedelta(minutes=settings.HOTLINE_UPLOAD_TEMP_MAX_AGE_MINUTES)
    cutoff = ((now or timezone.now()) - max_age).timestamp()
    removed = 0
    if not directory.is_dir():
        return 0
    for entry in os.scandir(directory):
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
        except FileNotFoundError:
            continue  # the request finished and removed it meanwhile
    return removed
