"""Issue 19 item 5: the knowledge article page looks finished, the list says whose entries it
shows, and the demo answers read once, with Chinese punctuation."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from hotline.knowledge import services
from hotline.knowledge.demo import CORPUS
from hotline.knowledge.views import body_beyond_answer

pytestmark = pytest.mark.django_db

ANSWER = "市政道路路灯不亮请拨打12345，由区城市管理局安排维修。"


def test_a_body_that_repeats_the_answer_is_not_shown_twice():
    body = f"<p>{ANSWER}</p><p>如有疑问，请拨打12345。</p>"
    assert body_beyond_answer(body, ANSWER) == "<p>如有疑问，请拨打12345。</p>"
    assert body_beyond_answer(f"<p>{ANSWER}</p>", ANSWER) == ""
    assert body_beyond_answer("<p>另有说明</p>", ANSWER) == "<p>另有说明</p>"


def test_the_article_page_shows_no_empty_rows_codes_or_lone_comment_box(client, publish, agent):
    article = publish("路灯不亮报修", answer=ANSWER, body=f"<p>{ANSWER}</p>")
    client.force_login(agent)
    html = client.get(reverse("knowledge:article_detail", args=[article.pk])).content.decode()
    assert html.count("由区城市管理局安排维修") == 1
    assert "有效期" not in html and "同义词" not in html  # nothing to say: no row
    assert 'name="comment"' not in html  # an agent has no workflow button: no comment box
    history = html[html.index('id="history-h"') :]
    assert "创建" in history and "提交审核" in history
    assert not re.search(r">\s*(created|submitted|approved)\s*<", history)
    assert 'class="card"' in html


def test_the_public_page_reads_the_answer_once(client, publish):
    article = publish("路灯不亮报修", answer=ANSWER, body=f"<p>{ANSWER}</p><p>另有说明。</p>")
    html = client.get(reverse("knowledge:public_article", args=[article.pk])).content.decode()
    assert html.count("由区城市管理局安排维修") == 1 and "另有说明" in html


def test_a_centre_agent_sees_no_other_units_draft_under_an_honest_heading(
    client, publish, agent, unit_officer
):
    published = publish("已发布的条目", answer="已发布。")
    draft = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=services.ArticleInput(title="别单位的草稿", answer="草稿。"),
    )
    client.force_login(agent)
    html = client.get(reverse("knowledge:article_list")).content.decode()
    assert published.title in html and draft.title not in html
    assert "本单位的知识条目" not in html and "其他单位已发布的条目" in html


def test_the_demo_answers_use_chinese_commas():
    articles = json.loads(CORPUS.read_text(encoding="utf-8"))
    text = "".join(a.get("answer", "") + a.get("body", "") for a in articles)
    assert not re.findall(r"[\u3400-\u9fff],|,[\u3400-\u9fff]", text)
