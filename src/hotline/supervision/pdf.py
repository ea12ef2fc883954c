"""The reminder notice 催办通知书 as PDF (SUPERVISE-1, A16), Chinese intact.

The text is set in STSong-Light, a CID font every PDF reader carries (Adobe-GB1), so the file
needs no embedded font file and stays small. The notice names the unit, the ticket, the
overdue deadline and the notice's own limit; it carries no personal data of the citizen.
"""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from hotline.policy.profiles import load_profile
from hotline.supervision.models import Reminder

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _when(value: object) -> str:
    if value is None:
        return "—"
    return f"{timezone.localtime(value):%Y年%m月%d日 %H:%M}"  # type: ignore[arg-type]


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (Chinese breaks anywhere)."""
    lines: list[str] = []
    line = ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = ""
        line += char
    if line:
        lines.append(line)
    return lines


def reminder_pdf(reminder: Reminder) -> bytes:
    """Return the notice as a one-page A4 PDF."""
    profile = load_profile(reminder.ticket.profile)
    issuer = profile.supervision.owner
    deadline = reminder.deadline
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=0, invariant=1)
    canvas.setTitle(f"催办通知书 第{reminder.sequence}号 {reminder.ticket.number}")
    width, height = A4
    left, right = 25 * mm, width - 25 * mm
    canvas.setFont(FONT, 22)
    canvas.drawCentredString(width / 2, height - 35 * mm, "催办通知书")
    canvas.setFont(FONT, 12)
    canvas.drawCentredString(
        width / 2, height - 45 * mm, f"（{reminder.ticket.number}-{reminder.sequence}号）"
    )
    y = height - 62 * mm
    canvas.drawString(left, y, f"{reminder.unit.name}：")
    if reminder.due_at is not None:
        ask = f"请于{_when(reminder.due_at)}前办理完毕，或书面报告说明理由。"
    else:
        ask = "请抓紧办理，或书面报告说明理由。"
    body = (
        f"你单位承办的工单{reminder.ticket.number}（{reminder.ticket.get_category_display()}），"
        f"办理时限为{_when(deadline.due_at)}，现已超过办理期限且未报告说明理由。"
        f"这是对该工单发出的第{reminder.sequence}份催办通知书。{ask}"
    )
    if profile.reminder.escalation == "inspection_group" and profile.reminder.escalate_to:
        body += (
            f"经催办未按期办理且不报告说明理由的，将上报{profile.reminder.escalate_to}，"
            "并发出书面通报批评。"
        )
    y -= 10 * mm
    for line in _wrap("　　" + body, right - left, 12):
        canvas.drawString(left, y, line)
        y -= 7 * mm
    y -= 4 * mm
    canvas.drawString(left, y, f"依据：{reminder.basis or profile.reminder.basis}")
    y -= 20 * mm
    canvas.drawRightString(right, y, issuer)
    y -= 7 * mm
    canvas.drawRightString(right, y, _when(reminder.issued_at))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
