"""Demo data of the knowledge base: about 480 articles for 澜溪区 and a few in the workflow.

The articles (``demo/articles.json``, built by ``bench/kb_make_corpus.py`` from public data)
are imported like a unit's own system would (KB-6), so loading twice changes nothing. The
machine's follower indexes the articles after the import commits, the worker embeds them
(decision 0010; ``hotline reindex`` also builds the index).
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from hotline.knowledge import services
from hotline.knowledge.models import Article, Contribution
from hotline.knowledge.services import ArticleInput

if TYPE_CHECKING:
    from hotline.core.demo import DemoOptions

CORPUS = Path(__file__).resolve().parent / "demo" / "articles.json"


def knowledge_demo_load() -> dict[str, int]:
    """Import the demo corpus and stage a few workflow examples (idempotent)."""
    from hotline.accounts.models import User
    from hotline.directory.models import Unit

    rows = json.loads(CORPUS.read_text(encoding="utf-8"))
    known = set(Unit.objects.values_list("code", flat=True))
    rows = [r for r in rows if r.get("unit_code") in known]
    result = services.articles_import(actor=None, rows=rows)
    users = {u.username: u for u in User.objects.filter(username__in=["handler1", "unitadmin1"])}
    handler, admin = users.get("handler1"), users.get("unitadmin1")
    staged = Article.objects.filter(external_id__startswith="DEMO-WF-").exists()
    if handler is not None and handler.unit is not None and admin is not None and not staged:
        with transaction.atomic():
            today = timezone.localdate()
            services.article_create(
                actor=handler,
                unit=handler.unit,
                external_id="DEMO-WF-1",
                data=ArticleInput(
                    title="2026年老旧小区加装电梯补贴政策解读",
                    kind="policy",
                    answer="既有多层住宅加装电梯,每台补贴20万元,由业主向所在街道提出申请。",
                    keywords=["加装电梯", "补贴", "老旧小区"],
                    source_document="澜溪住建〔2026〕8号",
                    source_released_on=today - timedelta(days=3),
                ),
            )
            submitted = services.article_create(
                actor=handler,
                unit=handler.unit,
                external_id="DEMO-WF-2",
                data=ArticleInput(
                    title="物业服务企业信用评价查询",
                    answer="可在“澜溪住建”公众号查询物业服务企业的信用评价结果。",
                    keywords=["物业", "信用评价"],
                ),
            )
            services.article_submit(actor=admin, article=submitted)
    if not Contribution.objects.exists():
        services.contribution_create(
            question="小区门口的共享单车乱停放找谁",
            answer="可以拨打12345反映,也可以在共享单车App里举报具体位置,运营企业会安排清理。",
            contributor_name="张",
        )
    return {"created": result.created, "total": Article.objects.count()}


def knowledge_demo(options: DemoOptions) -> list[str]:
    """The knowledge base's demo loader (``KnowledgeConfig.demo_loader``)."""
    knowledge = knowledge_demo_load()
    return [f"Knowledge base: {knowledge['total']} articles ({knowledge['created']} new)."]
