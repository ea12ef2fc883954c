"""Fixtures of the callback tests: a profile switch and the people of the centre."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory


@pytest.fixture
def use_profile(settings):
    def use(name: str) -> None:
        settings.HOTLINE_PROFILE = name

    return use


@pytest.fixture
def agent(centre):
    """An agent who also reviews, so that a review step (DISPATCH-2) is one person."""
    return UserFactory(username="agent", unit=centre, roles=["agent", "reviewer"])
