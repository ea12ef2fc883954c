"""Issue 19 item 4: the pages name states, actions and clocks from one translated source."""

from __future__ import annotations

import re

from django.utils import translation

from hotline.tickets import labels
from hotline.tickets.sweep import CLOCK_LABELS
from hotline.tickets.transitions import ACTION_LABELS, STATE_LABELS, Action, State

CJK = re.compile(r"[\u3400-\u9fff]")


def test_in_chinese_the_pages_read_exactly_the_names_the_rules_use():
    with translation.override("zh-hans"):
        assert {s: labels.state_label(s) for s in State} == {s: STATE_LABELS[s] for s in State}
        assert {a: labels.action_label(a) for a in Action} == {a: ACTION_LABELS[a] for a in Action}
        assert {k: labels.clock_label(k) for k in CLOCK_LABELS} == CLOCK_LABELS


def test_in_english_no_state_action_or_clock_stays_chinese():
    with translation.override("en"):
        names = [labels.state_label(s) for s in State]
        names += [labels.action_label(a) for a in Action]
        names += [labels.clock_label(k) for k in CLOCK_LABELS]
        assert labels.state_label("dispatched") == "Dispatched"
    assert not [n for n in names if CJK.search(n)]


def test_limits_read_in_the_active_language():
    from hotline.workbench.selectors import _limit_text

    with translation.override("en"):
        assert _limit_text("working_days", 1) == "1 working day"
        assert _limit_text("working_days", 15) == "15 working days"
    with translation.override("zh-hans"):
        assert _limit_text("working_days", 1) == "1个工作日"
        assert _limit_text("hours", 2) == "2小时"
