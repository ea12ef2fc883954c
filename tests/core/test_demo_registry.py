"""Each app offers its demo loader; core runs them in dependency order, knowing none."""

from __future__ import annotations

import pytest
from django.apps import apps

from hotline.core.demo import demo_loaders


def test_the_loaders_run_after_what_they_need():
    order = [loader.app for loader in demo_loaders()]
    # The order among independent apps is the registry's business; what is asserted is that
    # every app with demo data has its loader and each runs after what it needs.
    assert set(order) == {
        "directory",
        "accounts",
        "citizens",
        "tickets",
        "supervision",
        "callbacks",
        "quality",
        "evaluation",
        "knowledge",
        "notifications",
        "stats",
        "channels",
        "franchise",
        "suggest",
    }
    assert order[:4] == ["directory", "accounts", "citizens", "tickets"]
    for position, loader in enumerate(demo_loaders()):
        assert set(loader.after) <= set(order[:position])


def test_a_loader_waiting_for_an_app_without_one_is_refused(monkeypatch):
    monkeypatch.setattr(apps.get_app_config("citizens"), "demo_after", ("workbench",))
    with pytest.raises(ValueError, match="workbench"):
        demo_loaders()


def test_loaders_waiting_for_each_other_are_refused(monkeypatch):
    monkeypatch.setattr(
        apps.get_app_config("directory"), "demo_after", ("accounts",), raising=False
    )
    with pytest.raises(ValueError, match="wait for each other"):
        demo_loaders()
