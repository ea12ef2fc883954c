"""The learned part of the dispatch suggestion (DISPATCH-1): text → label scores.

Plain Python and scikit-learn, no Django. One ``TextClassifier`` is a character n-gram TF-IDF
(1–3 characters, sublinear term frequency, the 100,000 most frequent n-grams seen at least
twice) and a linear support-vector machine (one-vs-rest). Scores are the softmax of the
decision values: they rank and compare within one answer, they are not calibrated
probabilities. Those settings were chosen on the validation part of the Teddy Cup split below
(``bench/suggest.py`` prints the figures); the held-out test part was never used for a choice.

The Teddy Cup 2020 C messages (``fj2_detail_pool_reconstructed.csv``: title for about half,
body, first-level category) are read, de-duplicated by body and split by a hash of the body,
so the split never depends on the file's order or its own ``split`` column (which disagrees
between the files): 65 % train, 15 % validation, 20 % test. Titles of
``fj2_titles_labels_9210.csv`` join the training part, except a title that is the title of a
validation or test message, or whose character pairs are mostly (80 %) inside one of their
texts (the same message, without its title in the pool).
"""

from __future__ import annotations

import csv
import hashlib
import math
import pickle
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

#: The vectoriser's and the model's settings (chosen on the validation part).
NGRAMS = (1, 3)
MAX_FEATURES = 100_000
MIN_DF = 2
C = 1.0
#: The longest text a classifier reads (characters); the rest adds little and costs time.
MAX_CHARS = 2000

POOL_FILE = "fj2_detail_pool_reconstructed.csv"
TITLES_FILE = "fj2_titles_labels_9210.csv"

_SPACE_RE = re.compile(r"\s+")


def _clip(text: str) -> str:
    return text[:MAX_CHARS]


class TextClassifier:
    """Character n-gram TF-IDF + a linear SVM; ``scores`` returns label → softmax score."""

    def __init__(self, *, max_features: int = MAX_FEATURES, min_df: int = MIN_DF) -> None:
        self.max_features = max_features
        self.min_df = min_df
        self.labels: list[str] = []
        self._vectoriser: Any = None
        self._model: Any = None
        self._constant: str | None = None

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        """Learn from ``texts`` and their ``labels`` (at least one example)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        if not texts or len(texts) != len(labels):
            raise ValueError("texts and labels: as many, at least one")
        self.labels = sorted(set(labels))
        if len(self.labels) == 1:  # nothing to tell apart
            self._constant = self.labels[0]
            return self
        self._vectoriser = TfidfVectorizer(
            analyzer="char",
            ngram_range=NGRAMS,
            sublinear_tf=True,
            min_df=min(self.min_df, max(1, len(texts) // 50)),
            max_features=self.max_features,
            dtype=np.float32,
        )
        matrix = self._vectoriser.fit_transform([_clip(t) for t in texts])
        self._model = LinearSVC(C=C).fit(matrix, list(labels))
        self._model.coef_ = self._model.coef_.astype(np.float32)
        # Not needed to predict, and as large as the vocabulary.
        if hasattr(self._vectoriser, "stop_words_"):
            del self._vectoriser.stop_words_
        return self

    def decision(self, texts: Sequence[str]) -> np.ndarray:
        """Return one row of decision values per text, one column per label."""
        if self._constant is not None:
            return np.ones((len(texts), 1), dtype=np.float32)
        values = self._model.decision_function(
            self._vectoriser.transform([_clip(t) for t in texts])
        )
        if len(self.labels) == 2:  # binary: one column, for the second label
            values = np.column_stack([-values, values])
        return np.asarray(values)

    def predict(self, texts: Sequence[str]) -> list[str]:
        """Return the best label of each text."""
        values = self.decision(texts)
        return [self.labels[i] for i in values.argmax(axis=1)]

    def scores(self, text: str) -> dict[str, float]:
        """Return label → score (softmax of the decision values; they sum to 1)."""
        values = self.decision([text])[0].astype(np.float64)
        # Decision values of a linear SVM lie around [-1, 1]: sharpen before the softmax.
        exp = np.exp(4.0 * (values - values.max()))
        total = float(exp.sum())
        return {label: float(v) / total for label, v in zip(self.labels, exp, strict=True)}


def to_bytes(value: Any) -> bytes:
    """Return ``value`` (a dict of classifiers and tables) pickled and compressed."""
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 3)


def from_bytes(blob: bytes) -> Any:
    """Return what ``to_bytes`` stored. Only the platform's own database is read this way."""
    return pickle.loads(zlib.decompress(blob))  # noqa: S301  (our own rows, never uploads)


# ----------------------------------------------------------------------------- Teddy Cup data


@dataclass
class Example:
    text: str
    label: str
    title: str = ""
    body: str = ""


@dataclass
class Split:
    """The Teddy Cup messages in three parts, plus the extra titles for training."""

    train: list[Example] = field(default_factory=list)
    validation: list[Example] = field(default_factory=list)
    test: list[Example] = field(default_factory=list)
    titles: list[Example] = field(default_factory=list)
    read: int = 0
    duplicates: int = 0
    titles_left_out: int = 0

    def sizes(self) -> dict[str, int]:
        return {
            "read": self.read,
            "duplicates": self.duplicates,
            "train": len(self.train),
            "validation": len(self.validation),
            "test": len(self.test),
            "extra_titles": len(self.titles),
            "titles_left_out": self.titles_left_out,
        }


def _norm(text: str) -> str:
    return _SPACE_RE.sub("", text or "")


def _part(body: str) -> str:
    bucket = int(hashlib.sha1(_norm(body).encode()).hexdigest()[:8], 16) % 100  # noqa: S324
    if bucket < 20:
        return "test"
    if bucket < 35:
        return "validation"
    return "train"


def _pairs(text: str) -> set[str]:
    text = _norm(text)
    return {text[i : i + 2] for i in range(len(text) - 1)}


def resolve_data(path: str | Path) -> Path:
    """Return the Teddy Cup pool file: ``path`` itself, or the pool file inside ``path``."""
    found = Path(path)
    if found.is_dir():
        found = found / POOL_FILE
    if not found.is_file():
        raise FileNotFoundError(str(found))
    return found


def teddycup_split(path: str | Path, *, titles: bool = True) -> Split:
    """Read, de-duplicate and split the Teddy Cup messages (see the module's docstring);
    ``titles``: add the extra titles (a few seconds on a busy machine)."""
    pool = resolve_data(path)
    split = Split()
    seen: dict[str, dict[str, str]] = {}
    with pool.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            split.read += 1
            key = _norm(row.get("detail", ""))
            label = (row.get("label") or "").strip()
            if not key or not label:
                continue
            if key in seen:
                split.duplicates += 1
                if not seen[key]["title"] and row.get("title"):
                    seen[key] = row
                continue
            seen[key] = row
    for row in seen.values():
        title, body = (row.get("title") or "").strip(), row["detail"].strip()
        example = Example(f"{title}。{body}" if title else body, row["label"].strip(), title, body)
        getattr(split, _part(body)).append(example)
    titles_file = pool.parent / TITLES_FILE
    if titles_file.is_file() and titles:
        split.titles, split.titles_left_out = _extra_titles(titles_file, split)
    return split


def _extra_titles(path: Path, split: Split) -> tuple[list[Example], int]:
    held = split.validation + split.test
    held_titles = {_norm(e.title) for e in held if e.title}
    train_titles = {_norm(e.title) for e in split.train if e.title}
    index: dict[str, set[int]] = defaultdict(set)
    for i, example in enumerate(held):
        for pair in _pairs(example.text):
            index[pair].add(i)
    kept, left_out, seen = [], 0, set()
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            title, label = (row.get("title") or "").strip(), (row.get("label") or "").strip()
            key = _norm(title)
            if not key or not label or key in seen or key in train_titles:
                continue
            seen.add(key)
            pairs = _pairs(title)
            hits: Counter[int] = Counter()
            for pair in pairs:
                hits.update(index.get(pair, ()))
            if key in held_titles or (hits and hits.most_common(1)[0][1] >= 0.8 * len(pairs)):
                left_out += 1
                continue
            kept.append(Example(title, label, title, ""))
    return kept, left_out


def accuracy(classifier: TextClassifier, examples: Iterable[Example]) -> float:
    """Return the share of ``examples`` whose best label is their label."""
    rows = list(examples)
    if not rows:
        return math.nan
    predicted = classifier.predict([e.text for e in rows])
    return sum(p == e.label for p, e in zip(predicted, rows, strict=True)) / len(rows)
