from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from hotline.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from hotline.core.models import AuditEntry
from hotline.knowledge import services
from hotline.knowledge.models import Article, ReleaseClock, Status
from hotline.knowledge.search import kb_search
from hotline.knowledge.services import ArticleInput

pytestmark = pytest.mark.django_db


@pytest.mark.req("KB-3")
def test_a_unit_clerk_drafts_the_admin_submits_the_centre_publishes(
    unit_officer, unit_admin, reviewer
):
    """KB-3: units maintain their own entries; the centre reviews before publishing."""
    article = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=ArticleInput(title="电梯困人怎么办", answer="请拨打电梯内的应急电话或96333。"),
    )
    assert article.status == Status.DRAFT
    assert kb_search("电梯困人", public_only=False) == []
    with pytest.raises(PermissionDenied):
        services.article_submit(actor=unit_officer, article=article)
    services.article_submit(actor=unit_admin, article=article)
    article = services.article_review(actor=reviewer, article=article, approve=True)
    assert article.status == Status.PUBLISHED
    assert article.live_version.number == 1
    assert [r.id for r in kb_search("电梯困人", public_only=False)] == [article.pk]
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"kb.article.create", "kb.article.submit", "kb.article.publish"} <= actions


def test_a_returned_article_carries_the_comment_and_can_be_resubmitted(
    unit_officer, unit_admin, reviewer
):
    article = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=ArticleInput(title="物业费收费标准", answer="按合同约定。"),
    )
    services.article_submit(actor=unit_admin, article=article)
    with pytest.raises(InvalidInput):
        services.article_review(actor=reviewer, article=article, approve=False, comment="")
    article = services.article_review(
        actor=reviewer, article=article, approve=False, comment="请补充收费依据"
    )
    assert article.status == Status.RETURNED
    assert article.review_comment == "请补充收费依据"
    services.article_update(
        actor=unit_officer,
        article=article,
        data=ArticleInput(title="物业费收费标准", answer="按合同约定,依据《物业管理条例》。"),
    )
    services.article_submit(actor=unit_admin, article=article)
    assert Article.objects.get(pk=article.pk).status == Status.SUBMITTED


@pytest.mark.req("KB-4")
def test_a_policy_article_needs_a_legal_review_by_someone_else(
    unit_officer, unit_admin, reviewer, centre_admin
):
    """KB-4: legal review of published policy information."""
    article = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=ArticleInput(title="住房租赁补贴政策", kind="policy", answer="符合条件的家庭可申请。"),
    )
    services.article_submit(actor=unit_admin, article=article)
    article = services.article_review(actor=centre_admin, article=article, approve=True)
    assert article.status == Status.LEGAL_REVIEW
    with pytest.raises(PermissionDenied):
        services.article_legal_review(actor=reviewer, article=article, approve=True)
    with pytest.raises(DomainError):  # the first reviewer may not sign the legal review
        services.article_legal_review(actor=centre_admin, article=article, approve=True)
    Article.objects.filter(pk=article.pk).update(reviewed_by=reviewer)
    article = services.article_legal_review(actor=centre_admin, article=article, approve=True)
    assert article.status == Status.PUBLISHED


def test_every_publish_is_a_new_version_and_old_versions_stay(
    publish, unit_officer, unit_admin, reviewer
):
    article = publish("燃气泄漏怎么办", answer="关闭阀门,开窗通风,到室外拨打燃气抢修电话。")
    services.article_update(
        actor=unit_officer,
        article=article,
        data=ArticleInput(
            title="燃气泄漏怎么办", answer="关闭总阀,开窗通风,勿开关电器,到室外拨打抢修电话。"
        ),
    )
    # Until the change is published, search and citation still serve version 1.
    assert services.article_cite(article.pk)["version"] == 1
    services.article_submit(actor=unit_admin, article=article)
    services.article_review(actor=reviewer, article=article, approve=True)
    assert services.article_cite(article.pk) == {
        "id": article.pk,
        "version": 2,
        "title": "燃气泄漏怎么办",
    }
    assert list(article.versions.values_list("number", flat=True)) == [2, 1]
    assert "关闭阀门" in article.versions.get(number=1).answer


def test_unit_staff_cannot_touch_another_units_articles(publish, outsider):
    article = publish("停水通知")
    with pytest.raises(PermissionDenied):
        services.article_update(
            actor=outsider, article=article, data=ArticleInput(title="改", answer="改")
        )


def test_cite_an_unpublished_article_is_not_found(unit_officer):
    article = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=ArticleInput(title="草稿", answer="草稿内容"),
    )
    with pytest.raises(NotFound):
        services.article_cite(article.pk)


def test_html_in_articles_is_sanitised(publish):
    article = publish(
        "办事指南", body='<p>材料<script>alert(1)</script><img src=x onerror="alert(2)"></p>'
    )
    assert "script" not in article.live_version.body
    assert "onerror" not in article.live_version.body


@pytest.mark.req("KB-3")
def test_a_source_release_opens_a_clock_met_by_the_publish(publish, settings):
    """KB-3: new information is uploaded within 5 working days of its release."""
    settings.HOTLINE_PROFILE = "shanghai-962200"
    article = publish(
        "2026年医保缴费标准",
        source_document="江州医保〔2026〕1号",
        source_released_on=date(2026, 9, 25),  # a Friday before the National Day holiday
    )
    clock = ReleaseClock.objects.get(article=article)
    # Release day does not count; 5 working days after 9-25 skip the 10-01..10-08 holiday.
    assert clock.due_at is not None
    assert clock.due_at.date() > date(2026, 10, 1)
    assert clock.met_at is not None
    assert clock.met_version == 1
    assert "第十四条" in clock.basis


def test_owners_are_warned_before_expiry_and_expired_articles_leave_search(publish):
    today = timezone.localdate()
    soon = publish("临时交通管制", valid_to=today + timedelta(days=3))
    publish("防汛值班安排", valid_to=today + timedelta(days=60))
    assert len(kb_search("交通管制", public_only=False)) == 1
    counts = services.articles_expiry_sweep(today=today)
    assert counts == {"warned": 1, "expired": 0}
    assert Article.objects.get(pk=soon.pk).expiry_warned_at is not None
    assert soon.events.filter(action="expiry_warning").count() == 1
    # KB-3: the owning unit is told through the outbox (in-app inbox and log).
    from hotline.notifications.models import OutboxMessage

    told = OutboxMessage.objects.filter(topic="kb.article.expiring", adapter="inbox")
    assert told.count() == 1 and told.get().unit_id == soon.unit_id
    assert "临时交通管制" in told.get().title
    # Warned once only.
    assert services.articles_expiry_sweep(today=today)["warned"] == 0
    # Four days later it has expired: the sweep drops it from the index.
    later = today + timedelta(days=4)
    assert services.articles_expiry_sweep(today=later)["expired"] == 1


def test_an_article_past_its_validity_is_never_found(publish):
    yesterday = timezone.localdate() - timedelta(days=1)
    publish("去年的供暖收费通知", valid_to=yesterday)
    publish("明年起施行的新规", valid_from=timezone.localdate() + timedelta(days=30))
    assert kb_search("供暖收费通知", public_only=False) == []
    assert kb_search("施行的新规", public_only=False) == []


def test_a_withdrawn_article_leaves_search_but_its_versions_stay(publish, reviewer):
    article = publish("共享单车停放规定")
    assert kb_search("共享单车", public_only=False)
    services.article_withdraw(actor=reviewer, article=article, comment="政策已废止")
    assert kb_search("共享单车", public_only=False) == []
    assert article.versions.count() == 1
    with pytest.raises(NotFound):
        services.article_cite(article.pk)


def test_area_filter_includes_district_wide_articles(publish, db):
    from tests.factories import AreaFactory

    district = AreaFactory(code="LX", name="澜溪区", kind="district")
    street = AreaFactory(code="LX01", name="东门街道", kind="subdistrict", parent=district)
    other = AreaFactory(code="LX02", name="南浦街道", kind="subdistrict", parent=district)
    everywhere = publish("垃圾清运时间")
    here = publish("东门垃圾清运时间", area_codes=[street.code])
    there = publish("南浦垃圾清运时间", area_codes=[other.code])
    found = {r.id for r in kb_search("垃圾清运", public_only=False, areas=["LX", "LX01"])}
    assert everywhere.pk in found
    assert here.pk in found
    assert there.pk not in found
