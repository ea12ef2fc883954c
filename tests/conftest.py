"""Personas shared by the tests: an agent and a supervisor at the centre, a unit officer,
an officer of another unit (the outsider), and a unit administrator with a sub-unit."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.directory.models import Unit
from tests.factories import UnitFactory, UserFactory


@pytest.fixture(scope="session", autouse=True)
def worker_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under ``pytest -n`` (make test), each worker process keeps its uploads, reports and
    search index in a folder of its own: two workers never share a tantivy index's lock."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    from django.conf import settings

    root: Path = tmp_path_factory.mktemp("worker-var")
    saved = settings.MEDIA_ROOT, settings.KB_INDEX_DIR
    settings.MEDIA_ROOT, settings.KB_INDEX_DIR = root / "media", root / "kb-index"
    yield
    settings.MEDIA_ROOT, settings.KB_INDEX_DIR = saved


@pytest.fixture
def centre(db: None) -> Unit:
    return UnitFactory(code="CENTRE", name="测试区12345热线中心", kind=Unit.Kind.CENTRE)


@pytest.fixture
def unit(db: None) -> Unit:
    return UnitFactory(code="ZJJ", name="测试区住房和城乡建设局", short_name="区住建局")


@pytest.fixture
def other_unit(db: None) -> Unit:
    return UnitFactory(code="SW", name="测试区自来水公司", kind=Unit.Kind.PUBLIC_SERVICE)


@pytest.fixture
def subunit(unit: Unit) -> Unit:
    return UnitFactory(code="ZJJ-WY", name="住建局物业科", parent=unit)


@pytest.fixture
def agent(centre: Unit):
    return UserFactory(username="agent", unit=centre, roles=["agent"])


@pytest.fixture
def supervisor(centre: Unit):
    return UserFactory(username="supervisor", unit=centre, roles=["supervisor"])


@pytest.fixture
def centre_admin(centre: Unit):
    return UserFactory(username="centreadmin", unit=centre, roles=["centre_admin"], is_staff=True)


@pytest.fixture
def unit_officer(unit: Unit):
    return UserFactory(username="handler1", unit=unit, roles=["unit_handler"])


@pytest.fixture
def unit_admin(unit: Unit):
    return UserFactory(username="unitadmin1", unit=unit, roles=["unit_admin"])


@pytest.fixture
def outsider(other_unit: Unit):
    return UserFactory(username="handler3", unit=other_unit, roles=["unit_handler"])


@pytest.fixture
def callback_agent(centre: Unit):
    return UserFactory(username="callback", unit=centre, roles=["callback"])


@pytest.fixture
def inspector(centre: Unit):
    return UserFactory(username="inspector", unit=centre, roles=["inspector"])


@pytest.fixture
def reviewer(centre: Unit):
    return UserFactory(username="reviewer", unit=centre, roles=["reviewer"])
