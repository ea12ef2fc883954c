"""Dispatch suggestion (issue 18, DISPATCH-1): first-level category accuracy on the Teddy Cup
2020 C messages, the platform's classifier beside a TF-IDF + linear baseline.

The data (``../shared/data/teddycup2020c``, or ``--data``) is read, de-duplicated and split by
``hotline.suggest.learn.teddycup_split`` (a hash of each message's body: 65 % train, 15 %
validation, 20 % test; the file's own ``split`` column is ignored). The validation part chose
the classifier's settings (n-gram range, vocabulary size, C, the extra titles); the test part
was never used for a choice. Every figure is title + body.

Printed, with the sizes of each part:

- baseline: character-bigram TF-IDF + logistic regression (scikit-learn's defaults), trained
  on the train part;
- ours on validation and test: ``learn.TextClassifier`` (character 1–3-gram TF-IDF, sublinear,
  100,000 features, linear SVM), trained on the train part and the extra titles;
- ours as deployed: trained on train + validation + extra titles, scored on test.

    .venv/bin/python bench/suggest.py [--data DIR]

Goal: >= 0.94 on the test part.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
sys.path.insert(0, str(ROOT / "src"))

from hotline.suggest import learn  # noqa: E402

GOAL = 0.94


def _baseline(split: learn.Split) -> float:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(2, 2))
    model = LogisticRegression(max_iter=1000)
    model.fit(
        vectoriser.fit_transform([e.text for e in split.train]), [e.label for e in split.train]
    )
    predicted = model.predict(vectoriser.transform([e.text for e in split.test]))
    return sum(p == e.label for p, e in zip(predicted, split.test, strict=True)) / len(split.test)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/teddycup2020c"))
    args = parser.parse_args()
    data = Path(args.data)
    if not (data / learn.POOL_FILE).exists() and Path("/work/shared/data/teddycup2020c").exists():
        data = Path("/work/shared/data/teddycup2020c")
    split = learn.teddycup_split(data)
    sizes = split.sizes()
    print(f"data: {data}")
    print(
        f"messages read {sizes['read']}, duplicates dropped {sizes['duplicates']}; "
        f"train {sizes['train']}, validation {sizes['validation']} (choices), "
        f"test {sizes['test']} (held out); extra titles for training {sizes['extra_titles']} "
        f"({sizes['titles_left_out']} left out: titles of held-out messages)"
    )
    rows = []
    started = time.monotonic()
    rows.append(
        ("baseline: char-bigram TF-IDF + logistic regression", "train", "test", _baseline(split))
    )
    baseline_s = time.monotonic() - started
    started = time.monotonic()
    ours = learn.TextClassifier().fit(
        [e.text for e in split.train + split.titles], [e.label for e in split.train + split.titles]
    )
    rows.append(
        (
            "ours: char 1-3 TF-IDF + linear SVM",
            "train+titles",
            "validation",
            learn.accuracy(ours, split.validation),
        )
    )
    rows.append(
        (
            "ours: char 1-3 TF-IDF + linear SVM",
            "train+titles",
            "test",
            learn.accuracy(ours, split.test),
        )
    )
    ours_s = time.monotonic() - started
    deployed = split.train + split.validation + split.titles
    final = learn.TextClassifier().fit([e.text for e in deployed], [e.label for e in deployed])
    rows.append(
        ("ours as deployed", "train+validation+titles", "test", learn.accuracy(final, split.test))
    )
    print(f"{'classifier':<52} {'trained on':<25} {'scored on':<11} accuracy")
    for name, trained, scored, acc in rows:
        print(f"{name:<52} {trained:<25} {scored:<11} {acc:.4f}")
    print(f"time: baseline {baseline_s:.1f} s, ours (fit + 2 scorings) {ours_s:.1f} s")
    best = rows[-1][3]
    print(f"goal >= {GOAL}: {'met' if best >= GOAL else 'NOT met'} ({best:.4f} on test)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
