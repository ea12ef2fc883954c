"""Fixtures of the evaluation tests: an evaluated centre (the ``unit`` persona's unit) and an
agent who reviews and calls back."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def agent(centre):
    """An agent who also reviews and calls back, so one person walks a ticket through."""
    return UserFactory(username="agent", unit=centre, roles=["agent", "reviewer", "callback"])
