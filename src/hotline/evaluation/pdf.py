"""The evaluation report as PDF: total, subtotals, every lost point explained, deductions and
rectification items (EVAL-1…4).

Set in STSong-Light, the CID font every PDF reader carries (as the supervision notices), with
reportlab's platypus so long reasons wrap (CJK word wrap) and tables break across pages. The
report names the centre and tickets only by number: no citizen data.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from hotline.evaluation.selectors import RoundView

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

_BODY = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=15, wordWrap="CJK")
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=9, leading=13)
_TITLE = ParagraphStyle("title", parent=_BODY, fontSize=18, leading=26, alignment=1)
_SUB = ParagraphStyle("sub", parent=_BODY, fontSize=11, leading=16, alignment=1)
_H2 = ParagraphStyle("h2", parent=_BODY, fontSize=13, leading=20, spaceBefore=8, spaceAfter=4)
_STATE = {"open": "未整改", "done": "已报告整改", "closed": "已核实关闭"}


def _p(text: Any, style: ParagraphStyle = _SMALL) -> Paragraph:
    safe = str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return Paragraph(safe.replace("\n", "<br/>"), style)


def _n(value: Any) -> str:
    """Return a score as people write it: 3, 10.5 (never 3.0)."""
    return "—" if value is None else f"{float(value):g}"


def _table(rows: list[list[Any]], widths: list[float], header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def round_pdf(view: RoundView) -> bytes:
    """Return the round's report as an A4 PDF."""
    rnd = view.round
    std = view.standard
    bd = view.breakdown
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{rnd.centre.name} {rnd.year}年评估报告",
        invariant=1,
        pageCompression=0,
    )
    story: list[Any] = [
        _p(f"{rnd.centre.name}", _TITLE),
        _p(f"{rnd.year}年社区事务受理服务中心评估报告", _TITLE),
        _p(f"依据：{std.title}（{std.id}）", _SUB),
        Spacer(1, 6 * mm),
        _table(
            [
                [_p("总分"), _p("指标得分"), _p("扣分"), _p("已评指标")],
                [
                    _p(f"{_n(bd.total)} / {_n(std.total_points)}", _H2),
                    _p(_n(bd.raw)),
                    _p(f"−{_n(bd.deducted)}" if bd.deducted else "0"),
                    _p(f"{view.scored} / {len(std.second_level())}"),
                ],
            ],
            [45 * mm, 40 * mm, 40 * mm, 49 * mm],
        ),
        _p("一、各项指标得分", _H2),
    ]
    rows: list[list[Any]] = [[_p("指标"), _p("分值"), _p("得分"), _p("失分"), _p("失分原因")]]
    for first, subtotal, items in view.groups:
        rows.append(
            [_p(f"{first.id} {first.name}", _BODY), _p(_n(first.points)), _p(_n(subtotal)), "", ""]
        )
        for row in items:
            reason = row.score.lost_reason if row.score is not None else "未评分"
            if row.score is not None and row.score.overrule_reason:
                computed = _n(row.score.computed_points)
                reason += f"\n（改判系统计算的{computed}分：{row.score.overrule_reason}）"
            rows.append(
                [
                    _p(f"　{row.indicator.id} {row.indicator.name}"),
                    _p(_n(row.indicator.points)),
                    _p(_n(row.score.points if row.score else None)),
                    _p(_n(row.lost) if row.lost else ""),
                    _p(reason if (row.lost or row.score is None) else ""),
                ]
            )
    story.append(_table(rows, [48 * mm, 14 * mm, 14 * mm, 14 * mm, 84 * mm]))

    story.append(_p("二、扣分项", _H2))
    if view.deductions:
        drows: list[list[Any]] = [[_p("扣分项"), _p("事由"), _p("记录时间")]]
        kinds = std.deduction_kinds()
        for d in view.deductions:
            item = kinds.get(d.kind)
            label = f"{item.id} {item.name}（−{_n(item.points)}）" if item else d.kind
            drows.append(
                [_p(label), _p(d.description), _p(f"{timezone.localtime(d.recorded_at):%Y-%m-%d}")]
            )
        story.append(_table(drows, [50 * mm, 100 * mm, 24 * mm]))
        story.append(Spacer(1, 2 * mm))
        story.append(
            _p(
                f"合计扣{_n(bd.deducted)}分。{std.deduction_rule}（同一扣分项多次发生只扣一次。）",
                _SMALL,
            )
        )
    else:
        story.append(_p("本轮无扣分项。", _BODY))

    story.append(_p("三、整改事项", _H2))
    if view.rectifications:
        rrows: list[list[Any]] = [
            [_p("指标"), _p("问题"), _p("整改措施"), _p("责任人"), _p("期限"), _p("状态")]
        ]
        for r in view.rectifications:
            rrows.append(
                [
                    _p(r.indicator),
                    _p(r.problem),
                    _p(r.measure),
                    _p(r.owner_name),
                    _p(f"{r.deadline:%Y-%m-%d}"),
                    _p(_STATE.get(r.state, r.state)),
                ]
            )
        story.append(_table(rrows, [14 * mm, 52 * mm, 52 * mm, 20 * mm, 20 * mm, 16 * mm]))
    else:
        story.append(_p("暂无整改事项。", _BODY))

    if view.previous is not None:
        story.append(_p(f"四、上一轮（{view.previous.year}年）整改情况", _H2))
        if view.previous_items:
            prows: list[list[Any]] = [[_p("指标"), _p("问题"), _p("状态"), _p("核实情况")]]
            for r in view.previous_items:
                prows.append(
                    [
                        _p(r.indicator),
                        _p(r.problem),
                        _p(_STATE.get(r.state, r.state)),
                        _p(r.closing_note or r.done_note),
                    ]
                )
            story.append(_table(prows, [14 * mm, 80 * mm, 24 * mm, 56 * mm]))
        else:
            story.append(_p("上一轮无整改事项。", _BODY))

    story.append(Spacer(1, 8 * mm))
    story.append(_p(f"生成时间：{timezone.localtime():%Y年%m月%d日 %H:%M}", _SMALL))
    doc.build(story)
    return buffer.getvalue()
