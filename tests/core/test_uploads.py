"""Temporary upload files stay under var/ and do not outlive a crash for long (issue 11)."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.management import call_command

from hotline.core.tasks import upload_temp_cleanup
from hotline.core.uploads import upload_temp_sweep


def test_uploads_are_spooled_under_the_var_directory():
    temp_dir = Path(settings.FILE_UPLOAD_TEMP_DIR)
    assert temp_dir.is_relative_to(settings.VAR_DIR)
    upload = TemporaryUploadedFile("诉求.pdf", "application/pdf", 3_000_000, None)
    try:
        assert Path(upload.temporary_file_path()).parent == temp_dir
    finally:
        upload.close()


def _file(directory: Path, name: str, age: timedelta) -> Path:
    path = directory / name
    path.write_bytes(b"%PDF partial")
    stamp = time.time() - age.total_seconds()
    os.utime(path, (stamp, stamp))
    return path


@pytest.fixture
def temp_dir(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.HOTLINE_UPLOAD_TEMP_MAX_AGE_MINUTES = 60
    return tmp_path


def test_the_sweep_removes_only_stale_files(temp_dir):
    stale = _file(temp_dir, "tmpa1b2.upload.pdf", timedelta(minutes=61))
    fresh = _file(temp_dir, "tmpc3d4.upload.pdf", timedelta(minutes=5))
    (temp_dir / "subdir").mkdir()
    assert upload_temp_sweep() == 1
    assert not stale.exists() and fresh.exists() and (temp_dir / "subdir").exists()
    assert upload_temp_sweep(max_age=timedelta(minutes=1)) == 1
    assert not fresh.exists()


def test_the_worker_schedule_and_hotline_sweep_both_clean_up(temp_dir, db):
    _file(temp_dir, "a.upload", timedelta(hours=2))
    upload_temp_cleanup.call_local()
    assert list(temp_dir.iterdir()) == []
    _file(temp_dir, "b.upload", timedelta(hours=2))
    out = io.StringIO()
    call_command("sweep", stdout=out)
    assert "stale upload files removed 1" in out.getvalue()
    assert list(temp_dir.iterdir()) == []
