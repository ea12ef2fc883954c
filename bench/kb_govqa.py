"""The untuned evaluation set for knowledge search (issue 18): the Beijing government FAQ.

``../shared/data/msgabench/gov_qa_2081.csv`` (columns 用户问题 question, 正文内容 answer,
处理单位 unit) is de-duplicated (rows with an empty question or answer dropped; of rows that
repeat a question, punctuation and spaces ignored, the first kept) and every article is
indexed. The articles are split by a fixed seed into a tuning part and a test part; the
split is stored in ``tests/knowledge/govqa_split.json``. Paraphrased questions, written by
hand as a citizen on the phone says them (colloquial, typos, homophones, no wording shared
with the title), are in ``tests/knowledge/govqa_paraphrases.json``: only the tuning part's
questions may be used to choose anything; the test part is reported.

    .venv/bin/python bench/kb_govqa.py --split   # (re)write the stored split
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_SHARED = [ROOT.parent / "shared", Path("/work/shared")]
CSV = next(
    (p for p in (s / "data/msgabench/gov_qa_2081.csv" for s in _SHARED) if p.exists()),
    _SHARED[0] / "data/msgabench/gov_qa_2081.csv",
)
SPLIT = ROOT / "tests/knowledge/govqa_split.json"
PARAPHRASES = ROOT / "tests/knowledge/govqa_paraphrases.json"
SEED = 20261128


def articles(path: Path = CSV) -> list[dict[str, str]]:
    """Return the de-duplicated FAQ as ``{"external_id", "title", "body", "unit"}``."""
    with open(path, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    seen: set[str] = set()
    out = []
    for index, row in enumerate(rows):
        question = row["用户问题"].strip()
        body = row["正文内容"].strip()
        key = re.sub(r"[\W_]+", "", question).lower()
        if not key or not body or key in seen:
            continue
        seen.add(key)
        out.append(
            {
                "external_id": f"QA-{index:04d}",
                "title": question,
                "body": body,
                "unit": row["处理单位"].strip(),
            }
        )
    return out


def make_split(ids: list[str], seed: int = SEED) -> dict[str, list[str]]:
    shuffled = sorted(ids)
    random.Random(seed).shuffle(shuffled)
    half = len(shuffled) // 2
    return {"tune": sorted(shuffled[:half]), "test": sorted(shuffled[half:])}


def load_split() -> dict[str, list[str]]:
    return json.loads(SPLIT.read_text(encoding="utf-8"))


def load_paraphrases() -> dict[str, list[dict]]:
    """Return ``{"tune": [...], "test": [...]}`` of ``{"q", "relevant"}``."""
    data = json.loads(PARAPHRASES.read_text(encoding="utf-8"))
    split = load_split()
    out: dict[str, list[dict]] = {"tune": [], "test": []}
    for item in data["questions"]:
        part = "tune" if item["relevant"][0] in set(split["tune"]) else "test"
        out[part].append(item)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--split", action="store_true", help="write the stored split")
    parser.add_argument("--sample", choices=["tune", "test"], help="print articles to paraphrase")
    parser.add_argument("-n", type=int, default=80)
    args = parser.parse_args()
    docs = articles()
    if args.split:
        split = make_split([d["external_id"] for d in docs])
        payload = {
            "about": (
                "gov_qa_2081.csv de-duplicated by question, punctuation and spaces ignored "
                "(first row kept, empty rows dropped), "
                f"article ids QA-<csv row>, split in halves with random.Random({SEED})."
            ),
            "seed": SEED,
            "articles": len(docs),
            **split,
        }
        SPLIT.write_text(json.dumps(payload, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"{len(docs)} articles: {len(split['tune'])} tune, {len(split['test'])} test")
    if args.sample:
        # The sample to paraphrase: the part's articles in the seed's order.
        part = set(load_split()[args.sample])
        order = [d for d in docs if d["external_id"] in part]
        random.Random(SEED + 1).shuffle(order)
        for d in order[: args.n]:
            print(d["external_id"], d["title"], "|", d["body"][:60].replace("\n", " "))


if __name__ == "__main__":
    sys.exit(main())
