"""KB-6: read a unit's export (CSV, xlsx or JSON) into the rows ``articles_import`` takes.

Columns/keys: ``external_id, kind, title, body, answer, keywords, unit_code, public,
valid_from, valid_to, source_document, source_released_on``. Keywords in a CSV or xlsx cell
are separated by spaces, commas or 、. A file that cannot be read raises ``InvalidInput`` with
the reason; nothing is imported from it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

from hotline.core.errors import InvalidInput

COLUMNS = (
    "external_id",
    "kind",
    "title",
    "body",
    "answer",
    "keywords",
    "unit_code",
    "public",
    "valid_from",
    "valid_to",
    "source_document",
    "source_released_on",
)
MAX_BYTES = 50 * 1024 * 1024


def _row(values: dict[str, Any]) -> dict[str, Any]:
    row = {k: v for k, v in values.items() if k in COLUMNS and v not in (None, "")}
    if isinstance(row.get("keywords"), str):
        row["keywords"] = re.split(r"[\s,,、;;]+", row["keywords"].strip())
    for key in ("external_id", "unit_code"):
        if key in row:
            row[key] = str(row[key]).strip()
    return row


def rows_from_bytes(content: bytes, filename: str) -> list[Any]:
    """Return the rows of an export file; raise ``InvalidInput`` if it cannot be read."""
    if len(content) > MAX_BYTES:
        raise InvalidInput("文件过大(最大50MB)。")
    suffix = Path(filename).suffix.lower()
    if suffix == ".json":
        try:
            data = json.loads(content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput(f"JSON 文件无法解析:{exc}") from None
        if isinstance(data, dict) and isinstance(data.get("articles"), list):
            data = data["articles"]
        if not isinstance(data, list):
            raise InvalidInput("JSON 文件应为文章列表。")
        return [_row(r) if isinstance(r, dict) else r for r in data]
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError:
                raise InvalidInput("CSV 文件编码无法识别(请用 UTF-8)。") from None
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "external_id" not in reader.fieldnames:
            raise InvalidInput("CSV 文件缺少表头 external_id。")
        return [_row(dict(r)) for r in reader]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise InvalidInput(f"xlsx 文件无法读取:{type(exc).__name__}") from None
        sheet = book.active
        if sheet is None:
            raise InvalidInput("xlsx 文件没有工作表。")
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
        if "external_id" not in header:
            raise InvalidInput("xlsx 第一行缺少表头 external_id。")
        out = []
        for values in rows:
            if values is None or all(v is None for v in values):
                continue
            out.append(_row(dict(zip(header, values, strict=False))))
        return out
    raise InvalidInput("仅支持 CSV、xlsx 和 JSON 文件。")
