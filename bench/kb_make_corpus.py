"""Build the demo corpus ``src/hotline/knowledge/demo/articles.json`` from public data.

Run once (it needs ``../shared/data``); the output is committed, so the demo and the benches
do not need the shared folder. Sources: hand-written core articles (``kb_core_articles.py``),
the Beijing government FAQ (rewritten for the fictional 江州市澜溪区) and Guangdong service
items (as service guides at the district's service centre).
"""

from __future__ import annotations

import ast
import csv
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from kb_core_articles import CORE

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
OUT = ROOT / "src/hotline/knowledge/demo/articles.json"

QA_UNITS = {
    "医保局": "YBJ",
    "人力资源社会保障局": "RSJ",
    "住房公积金管理中心": "GJJ",
    "交通委": "JTJ",
    "交管局": "GAFJ",
    "应急局": "YJJ",
    "规划自然资源委": "ZRJ",
    "体育局": "WLTJ",
    "科委": "KJJ",
    "文物局": "WLTJ",
    "药监局": "SCJ",
    "城市管理委": "CGJ",
    "首都之窗": "SJJ",
    "北京市经济和信息化局": "JXJ",
}
GD_UNITS = [
    ("公安", "GAFJ"), ("人力资源", "RSJ"), ("市场监督", "SCJ"), ("卫生", "WJW"), ("教育", "JYJ"),
    ("民政", "MZJ"), ("交通", "JTJ"), ("住房", "ZJJ"), ("自然资源", "ZRJ"), ("生态环境", "STJ"),
    ("农业", "NYJ"), ("文化", "WLTJ"), ("税务", "SWJ"), ("医疗保障", "YBJ"), ("水利", "SLJ"),
    ("应急", "YJJ"), ("司法", "SFJ"), ("退役军人", "TYJ"), ("商务", "SHWJ"), ("财政", "CZJ"),
]  # fmt: skip


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def localise(text: str) -> str:
    text = text.replace("北京市", "江州市").replace("北京", "江州").replace("首都", "江州")
    text = text.replace("广东省", "江州市").replace("广州市", "江州市")
    text = re.sub(r"\*{2,}", "某", text)
    return text.replace("&lt;", "《").replace("&gt;", "》").strip()


def answer_wording(body: str) -> str:
    sentences = re.split(r"(?<=[。；;])", body)
    out = ""
    for s in sentences:
        if len(out) + len(s) > 160:
            break
        out += s
    return out or body[:160]


def core() -> list[dict]:
    return [
        {
            "external_id": ext,
            "unit_code": unit,
            "kind": kind,
            "title": title,
            "answer": answer,
            "body": f"<p>{answer}</p><p>如有疑问,请拨打12345政务服务便民热线咨询。</p>",
            "keywords": keywords.split(),
            "public": True,
        }
        for ext, unit, kind, title, answer, keywords in CORE
    ]


def gov_qa(limit_per_unit: int = 32) -> list[dict]:
    rows = _read_csv(DATA / "msgabench/gov_qa_2081.csv")
    seen: set[str] = set()
    per_unit: dict[str, int] = {}
    out = []
    for index, row in enumerate(rows):
        question = row["用户问题"].strip()
        body = row["正文内容"].strip()
        unit = QA_UNITS.get(row["处理单位"].strip())
        if not unit or question in seen or len(question) > 60 or len(body) < 20:
            continue
        seen.add(question)
        if per_unit.get(unit, 0) >= limit_per_unit:
            continue
        per_unit[unit] = per_unit.get(unit, 0) + 1
        body = localise(body)
        kind = (
            "policy" if re.search(r"《.+(办法|条例|规定|通知)》", body) and index % 3 == 0 else "qa"
        )
        out.append(
            {
                "external_id": f"QA-{index:04d}",
                "unit_code": unit,
                "kind": kind,
                "title": localise(question),
                "answer": answer_wording(body),
                "body": "".join(f"<p>{p}</p>" for p in body.splitlines() if p.strip()),
                "keywords": [],
                # Some answers are for agents only (e.g. internal handling notes).
                "public": index % 11 != 0,
            }
        )
    return out


def gd_items(limit: int = 70) -> list[dict]:
    rows = _read_csv(DATA / "gd_service_items/gd_service_items_2262.csv")
    out, seen = [], set()
    for index, row in enumerate(rows):
        name = row["TASK_NAME"].strip()
        if name in seen or (row["matter_level"] != "省级" and index % 2):
            continue
        seen.add(name)
        unit = next((code for key, code in GD_UNITS if key in row["DEPT_NAME"]), None)
        if unit is None:
            continue
        try:
            materials = (
                ast.literal_eval(row["material_intro"])
                if row["material_intro"] not in ("", "无")
                else []
            )
        except (ValueError, SyntaxError):
            materials = []
        limit_text = row["handle_time_limit"].replace("(工作日)", "个工作日")
        standard = localise(row["accept_standard"])[:500] if row["accept_standard"] != "无" else ""
        parts = [
            f"<p>办理地点:澜溪区政务服务中心({unit}窗口),也可通过“江州一网通办”网上办理。</p>",
            f"<p>承诺办结时限:{limit_text}。</p>" if limit_text and limit_text != "无" else "",
            f"<p>受理条件:{standard}</p>" if standard else "",
            (
                "<p>申请材料:</p><ul>"
                + "".join(f"<li>{localise(m)}</li>" for m in materials[:8])
                + "</ul>"
            )
            if materials
            else "",
        ]
        answer = f"“{localise(name)}”可到澜溪区政务服务中心或在“江州一网通办”办理"
        if limit_text and limit_text != "无":
            answer += f",承诺{limit_text}内办结"
        if materials:
            answer += ",需提交" + "、".join(localise(m) for m in materials[:3]) + "等材料"
        out.append(
            {
                "external_id": f"GD-{index:04d}",
                "unit_code": unit,
                "kind": "guide",
                "title": localise(name),
                "answer": answer + "。",
                "body": "".join(p for p in parts if p),
                "keywords": [],
                "public": True,
            }
        )
        if len(out) >= limit:
            break
    return out


def main() -> None:
    articles = core() + gov_qa() + gd_items()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(articles, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(articles)} articles → {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
