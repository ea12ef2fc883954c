from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from hotline.accounts.models import User
from hotline.core.errors import InvalidInput
from hotline.knowledge import services
from hotline.knowledge.importfiles import rows_from_bytes
from hotline.knowledge.models import Article, Contribution

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(publish):
    public = publish("居住证怎么办理", answer="持身份证和居住登记凭证到社区警务室申请。")
    internal = publish("居住证内部审核要点", answer="内部口径:核查租赁合同。", is_public=False)
    return public, internal


@pytest.mark.req("KB-2")
def test_public_page_searches_and_reads_public_articles_without_login(client, articles):
    public, internal = articles
    page = client.get(reverse("knowledge:public_search"), {"q": "居住证"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "居住证怎么办理" in html
    assert "内部审核" not in html
    assert client.get(reverse("knowledge:public_article", args=[public.pk])).status_code == 200
    assert client.get(reverse("knowledge:public_article", args=[internal.pk])).status_code == 404


@pytest.mark.req("KB-5")
def test_a_citizen_proposes_an_answer_and_the_centre_accepts_it_with_credit(
    client, reviewer, centre
):
    """KB-5: the public may contribute answers, reviewed by the centre first."""
    response = client.post(
        reverse("knowledge:public_propose"),
        {
            "question": "小区门口的公交站什么时候恢复",
            "answer": "公交集团已发布通知,道路施工结束后恢复停靠。",
            "contributor_name": "李",
        },
    )
    assert response.status_code == 200
    contribution = Contribution.objects.get()
    assert contribution.state == "pending"
    assert not Article.objects.exists()
    client.force_login(User.objects.get(username="reviewer"))
    assert client.get(reverse("knowledge:review_queue")).status_code == 200
    client.post(
        reverse("knowledge:contribution", args=[contribution.pk]),
        {"decision": "accept", "unit": centre.code, "title": "", "answer": "", "note": "核实无误"},
    )
    contribution.refresh_from_db()
    assert contribution.state == "accepted"
    article = contribution.article
    assert article.live_version.contributor_credit == "市民李"
    assert article.live_version.is_public


def test_the_honeypot_drops_bot_posts(client, db):
    client.post(
        reverse("knowledge:public_propose"),
        {
            "question": "买药",
            "answer": "点击链接购买便宜药品 http://spam",
            "website": "http://spam",
        },
    )
    assert not Contribution.objects.exists()


def test_staff_pages_render_and_actions_run_through_the_workflow(
    client, unit_officer, unit_admin, reviewer
):
    client.force_login(User.objects.get(username="handler1"))
    response = client.post(
        reverse("knowledge:article_new"),
        {
            "unit": unit_officer.unit.pk,
            "kind": "qa",
            "title": "物业费怎么交",
            "answer": "按物业服务合同约定缴纳。",
            "is_public": "on",
        },
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert client.get(reverse("knowledge:article_list")).status_code == 200
    assert client.get(reverse("knowledge:article_list"), {"q": "物业费"}).status_code == 200
    assert client.get(reverse("knowledge:article_detail", args=[article.pk])).status_code == 200
    assert client.get(reverse("knowledge:article_edit", args=[article.pk])).status_code == 200
    client.force_login(User.objects.get(username="unitadmin1"))
    client.post(reverse("knowledge:article_action", args=[article.pk]), {"action": "submit"})
    client.force_login(User.objects.get(username="reviewer"))
    client.post(reverse("knowledge:article_action", args=[article.pk]), {"action": "approve"})
    article.refresh_from_db()
    assert article.status == "published"
    page = client.get(reverse("knowledge:article_version", args=[article.pk, 1]))
    assert page.status_code == 200


@pytest.mark.req("KB-3")
def test_timeliness_report_per_unit(client, publish, supervisor):
    from datetime import date

    publish("新规解读", source_document="文件1号", source_released_on=date(2026, 3, 2))
    client.force_login(User.objects.get(username="supervisor"))
    page = client.get(reverse("knowledge:timeliness"), {"from": "2026-01-01", "to": "2026-12-31"})
    assert page.status_code == 200
    assert "测试区住房和城乡建设局" in page.content.decode()


def test_import_files_in_csv_xlsx_and_json(centre_admin, unit, tmp_path):
    csv_bytes = (
        "external_id,kind,title,body,keywords\n"
        "csv-1,qa,停车收费标准,按物价局核定标准收费。,停车 收费\n"
    ).encode()
    rows = rows_from_bytes(csv_bytes, "export.csv")
    assert rows[0]["keywords"] == ["停车", "收费"]
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["external_id", "kind", "title", "body"])
    sheet.append(["xlsx-1", "guide", "犬只登记", "携带犬只免疫证明办理。"])
    buffer = io.BytesIO()
    book.save(buffer)
    xlsx_rows = rows_from_bytes(buffer.getvalue(), "export.xlsx")
    json_rows = rows_from_bytes(
        json.dumps(
            [{"external_id": "json-1", "kind": "qa", "title": "题", "body": "正文"}]
        ).encode(),
        "a.json",
    )
    result = services.articles_import(actor=centre_admin, rows=rows + xlsx_rows + json_rows)
    assert result.created == 3
    for bad, name in [
        (b"\xff\xfe garbage", "x.xlsx"),
        (b"{", "x.json"),
        (b"a,b\n1,2\n", "x.csv"),
        (b"", "x.pdf"),
    ]:
        with pytest.raises(InvalidInput):
            rows_from_bytes(bad, name)
    path = tmp_path / "units.json"
    path.write_text(
        json.dumps([{"external_id": "cmd-1", "kind": "qa", "title": "命令导入", "body": "正文"}])
    )
    out = io.StringIO()
    call_command("kb_import", str(path), "--user", "centreadmin", stdout=out)
    assert json.loads(out.getvalue())["created"] == 1
    out = io.StringIO()
    call_command("reindex", stdout=out)
    assert "Indexed 4 articles" in out.getvalue()


def test_attachments_are_uploaded_by_the_unit_and_served_by_visibility(
    client, publish, unit_officer, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    public, internal = publish("公开办事指南"), publish("内部口径", is_public=False)
    client.force_login(unit_officer)
    for article in (public, internal):
        client.post(
            reverse("knowledge:attachment_add", args=[article.pk]),
            {"file": SimpleUploadedFile("申请表.pdf", b"%PDF-1.4 demo")},
        )
    bad = client.post(
        reverse("knowledge:attachment_add", args=[public.pk]),
        {"file": SimpleUploadedFile("run.exe", b"MZ")},
    )
    assert bad.status_code == 302
    assert public.attachments.count() == 1
    public_file = public.attachments.get()
    internal_file = internal.attachments.get()
    client.logout()
    response = client.get(reverse("knowledge:attachment", args=[public_file.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("knowledge:attachment", args=[internal_file.pk])).status_code == 404
    page = client.get(reverse("knowledge:public_article", args=[public.pk])).content.decode()
    assert "申请表.pdf" in page


@pytest.mark.req("PRIVACY-1")
def test_another_units_draft_pages_are_scoped_as_the_api_scopes_them(
    client, unit_officer, unit_admin, reviewer, outsider, settings, tmp_path
):
    """Issue 11 leak 3: a draft belongs to its unit; another unit reads only what is published."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path / "media"
    article = services.article_create(
        actor=unit_officer,
        unit=unit_officer.unit,
        data=services.ArticleInput(title="草稿：内部处理口径", answer="尚未发布的口径"),
    )
    services.attachment_add(
        actor=unit_officer,
        article=article,
        upload=SimpleUploadedFile("草稿附件.pdf", b"%PDF-1.4 draft"),
    )
    draft_file = article.attachments.get()
    detail = reverse("knowledge:article_detail", args=[article.pk])
    edit = reverse("knowledge:article_edit", args=[article.pk])
    client.force_login(outsider)
    assert client.get(detail).status_code == 404
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"title": "改掉"}).status_code == 404
    assert client.get(reverse("knowledge:attachment", args=[draft_file.pk])).status_code == 404
    assert client.get(f"/api/v1/kb/articles/{article.pk}").status_code == 404
    # The owning unit and the centre keep their access.
    client.force_login(unit_officer)
    assert "尚未发布的口径" in client.get(detail).content.decode()
    assert client.get(edit).status_code == 200
    client.force_login(reviewer)
    assert client.get(detail).status_code == 200
    # Once published, another unit reads the published version, as the API shows it; a new
    # working copy on top of it stays with the owner.
    services.article_submit(actor=unit_admin, article=article)
    services.article_review(actor=reviewer, article=article, approve=True)
    article.refresh_from_db()
    services.article_update(
        actor=unit_officer,
        article=article,
        data=services.ArticleInput(title="草稿：内部处理口径", answer="修订中的新口径"),
    )
    client.force_login(outsider)
    response = client.get(detail)
    assert response.status_code == 302
    assert response["Location"] == reverse("knowledge:article_version", args=[article.pk, 1])
    page = client.get(response["Location"]).content.decode()
    assert "尚未发布的口径" in page and "修订中的新口径" not in page
    assert client.get(edit).status_code == 404
    assert client.get(f"/api/v1/kb/articles/{article.pk}").status_code == 200
