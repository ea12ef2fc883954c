"""Every machine's index follows the database (knowledge/follow.py, decision 0009).

Two index directories stand for two web machines (``HOTLINE_VAR_DIR``s) on one database: what
is published, edited or withdrawn through one is found the same way through the other.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from hotline.knowledge import follow, search, services
from hotline.knowledge.models import IndexChange
from hotline.knowledge.search import kb_search

pytestmark = pytest.mark.django_db

QUERIES = ["电梯困人", "共享单车停放", "垃圾清运时间", "社保卡补办"]


@pytest.fixture
def machines(settings, tmp_path):
    """Switch the process between two machines' index directories."""
    settings.KB_FOLLOW_SECONDS = 0

    def on(name: str) -> None:
        settings.KB_INDEX_DIR = tmp_path / name / "kb-index"
        search.reset_index_cache()
        follow.reset_checks()

    return on


def answers(public_only: bool = False) -> list[list[tuple[int, str, float]]]:
    return [
        [(r.id, r.title, r.score) for r in kb_search(q, public_only=public_only)] for q in QUERIES
    ]


def test_two_machines_answer_the_same_after_a_publish_through_one(machines, publish, reviewer):
    machines("a")
    lift = publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    machines("b")  # a fresh machine: builds its index from the database on first use
    assert follow.state_load() is None
    first_b = answers()
    assert follow.state_load() is not None
    machines("a")
    assert answers() == first_b
    assert [r.id for r in kb_search("电梯困人", public_only=False)] == [lift.pk]

    # Publish and withdraw through machine a; machine b follows the change sequence.
    bikes = publish("共享单车停放规定", answer="请停放在划定区域内。")
    services.article_withdraw(actor=reviewer, article=lift, comment="过期")
    a = answers()
    machines("b")
    b = answers()
    assert a == b
    assert [r.id for r in kb_search("共享单车停放", public_only=False)] == [bikes.pk]
    assert kb_search("电梯困人", public_only=False) == []

    # And the other way round: published through b, found through a.
    card = publish("社保卡补办流程", answer="携带身份证到社保窗口办理。")
    b = answers()
    machines("a")
    assert [r.id for r in kb_search("社保卡补办", public_only=False)] == [card.pk]
    assert answers() == b
    assert answers(public_only=True) == (machines("b"), answers(public_only=True))[1]


def test_a_change_committed_out_of_order_is_applied_when_it_appears(machines, publish):
    machines("a")
    article = publish("垃圾清运时间安排", answer="每日早七点前清运。")
    state = follow.state_load()
    assert state is not None
    top = state.seq
    # Ids top+1 and top+3 are visible, top+2 commits later (another transaction).
    IndexChange.objects.create(id=top + 1, article_id=article.pk)
    IndexChange.objects.create(id=top + 3, article_id=article.pk)
    follow.follow()
    state = follow.state_load()
    assert state.seq == top + 3
    assert top + 2 in state.gaps
    IndexChange.objects.create(id=top + 2, article_id=article.pk)
    assert follow.follow()["applied"] == 1
    assert top + 2 not in follow.state_load().gaps
    # A gap that never appears is given up after GAP_WAIT.
    IndexChange.objects.create(id=top + 5, article_id=article.pk)
    follow.follow()
    assert top + 4 in follow.state_load().gaps
    follow.follow(now=time.time() + follow.GAP_WAIT + 1)
    assert top + 4 not in follow.state_load().gaps


def test_an_index_that_stopped_following_is_rebuilt(machines, publish):
    machines("a")
    publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    assert follow.follow()["rebuilt"] == 0
    later = time.time() + follow.RETENTION.total_seconds()
    assert follow.follow(now=later)["rebuilt"] == 1
    assert follow.follow(now=later)["rebuilt"] == 0


def test_old_changes_are_pruned(machines, publish):
    machines("a")
    publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    assert IndexChange.objects.count() == 1
    assert follow.changes_prune() == 0
    assert follow.changes_prune(now=timezone.now() + follow.RETENTION + timedelta(seconds=1)) == 1


def test_kb_follow_once_builds_a_fresh_machines_index(machines, publish, capsys):
    machines("a")
    article = publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    machines("b")
    call_command("kb_follow", "--once")
    assert "'rebuilt': 1" in capsys.readouterr().out
    assert search.get_index().num_docs() == 1
    assert [r.id for r in kb_search("电梯困人", public_only=False)] == [article.pk]


def test_reindex_rebuilds_and_follows_on(machines, publish, capsys):
    machines("a")
    publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    call_command("reindex")
    assert "Indexed 1 articles" in capsys.readouterr().out
    state = follow.state_load()
    assert state is not None and state.seq == IndexChange.objects.latest("id").id


def test_an_index_ahead_of_the_database_is_rebuilt(machines, publish):
    """The database was recreated under the same index directory: its sequence went back."""
    machines("a")
    publish("电梯困人怎么办", answer="请拨打电梯内的应急电话。")
    IndexChange.objects.all().delete()
    assert follow.follow()["rebuilt"] == 1
