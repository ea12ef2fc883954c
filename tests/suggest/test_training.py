"""Training the dispatch suggestion: the classifier, the Teddy Cup split, the command, the
worker's schedule and the demo step (DISPATCH-1)."""

from __future__ import annotations

import json
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from hotline.core.demo import DemoOptions
from hotline.suggest import learn
from hotline.suggest.demo import suggest_demo
from hotline.suggest.models import LearnedModel
from hotline.suggest.services import model_current, teddycup_data

DATA = Path("/work/shared/data/teddycup2020c")
if not DATA.exists():  # pragma: no cover
    DATA = Path(__file__).resolve().parents[3] / "shared/data/teddycup2020c"
needs_data = pytest.mark.skipif(not (DATA / learn.POOL_FILE).exists(), reason="no Teddy Cup data")


def test_the_classifier_learns_and_survives_storage():
    texts = ["路灯不亮", "路灯坏了", "噪音扰民", "施工噪音", "路灯闪烁", "夜间噪音"]
    labels = ["城管", "城管", "环保", "环保", "城管", "环保"]
    model = learn.TextClassifier().fit(texts, labels)
    again = learn.from_bytes(learn.to_bytes({"m": model}))["m"]
    assert again.predict(["这里的路灯坏了", "工地噪音很大"]) == ["城管", "环保"]
    scores = again.scores("路灯")
    assert set(scores) == {"城管", "环保"} and abs(sum(scores.values()) - 1) < 1e-6
    assert scores["城管"] > scores["环保"]
    single = learn.TextClassifier().fit(["路灯"], ["城管"])
    assert single.scores("噪音") == {"城管": 1.0}
    with pytest.raises(ValueError):
        learn.TextClassifier().fit([], [])


@needs_data
def test_the_teddy_cup_split_is_deduplicated_and_disjoint():
    split = learn.teddycup_split(DATA)
    sizes = split.sizes()
    assert sizes["train"] > sizes["test"] > sizes["validation"] > 500
    bodies = [{e.body for e in part} for part in (split.train, split.validation, split.test)]
    assert not (bodies[0] & bodies[1]) and not (bodies[0] & bodies[2])
    assert not (bodies[1] & bodies[2])
    held = {e.title for e in split.validation + split.test if e.title}
    assert not held & {e.text for e in split.titles}  # no held-out title trains
    assert split.titles_left_out > 0
    assert learn.teddycup_split(DATA / learn.POOL_FILE).sizes() == sizes  # file or directory


@pytest.mark.req("DISPATCH-1")
def test_the_command_trains_from_the_history(history):
    out = StringIO()
    call_command("suggest", "train", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["history"] == 24 and summary["units"] == 2
    assert LearnedModel.objects.count() == 1 and model_current() is not None
    with pytest.raises(CommandError):
        call_command("suggest", "train", "--from-file", "/nonexistent/teddy")
    with pytest.raises(CommandError):
        call_command("suggest", "train", "--limit", "0")


@needs_data
@pytest.mark.req("DISPATCH-1")
def test_the_command_learns_the_categories_from_the_file(history, lamp_unit):
    out = StringIO()
    call_command("suggest", "train", "--from-file", str(DATA), "--limit", "600", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["kind"] == "subject" and "城乡建设" in summary["categories"]
    assert summary["file"]["trained_on"] == 600 and summary["file"]["test_accuracy"] > 0.6
    from hotline.suggest.services import suggest

    answer = suggest("小区门口的路灯坏了，晚上一片漆黑")
    assert answer.categories[0].code == answer.categories[0].label == "城乡建设"
    assert not answer.categories[0].fillable  # not a ticket type: shown, not filled in


def test_the_worker_retrains_on_a_schedule():
    tasks = {task.name: task for task in HUEY._registry.periodic_tasks}
    assert "retrain_suggestion" in tasks
    night = datetime(2026, 3, 2, 18, 40)  # noqa: DTZ001  (Huey compares naive UTC times)
    assert tasks["retrain_suggestion"].validate_datetime(night)


def test_the_task_trains(history):
    from hotline.suggest.tasks import retrain_suggestion

    retrain_suggestion.call_local()
    assert LearnedModel.objects.get().summary["history"] == 24


def test_the_demo_trains_once(history, monkeypatch, tmp_path):
    monkeypatch.setenv("HOTLINE_SUGGEST_DATA", str(tmp_path))  # no file there
    assert teddycup_data() is None
    options = DemoOptions(now=timezone.now())
    lines = suggest_demo(options)
    assert "24 dispatched tickets" in lines[0]
    assert "already" in suggest_demo(options)[0]
    assert LearnedModel.objects.count() == 1


@needs_data
def test_the_demo_learns_a_sample_of_the_file_quickly(history, monkeypatch):
    monkeypatch.setenv("HOTLINE_SUGGEST_DATA", str(DATA))
    lines = suggest_demo(DemoOptions(now=timezone.now()))
    assert "800 Teddy Cup messages" in lines[0]
    learned = LearnedModel.objects.get().summary["file"]
    assert learned["extra_titles"] == 0 and "test_accuracy" not in learned
