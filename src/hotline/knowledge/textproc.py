"""Chinese text processing for the knowledge base: plain Python, no Django.

Both sides of search go through here, so indexing and querying always agree:

- ``normalise``: NFKC (full-width → half-width), lower case, collapse white space;
- ``bigrams``: overlapping character pairs of each Chinese run (finds two-character words
  such as 电梯 that a trigram index cannot);
- ``words``: rjieba segmentation (jieba-compatible) with our dictionary of government terms,
  synonyms and the gazetteer's place names;
- ``pinyin_pairs``: toneless pinyin syllable pairs, so ``yibaoka`` and the typo ``社宝卡`` meet
  ``医保卡``/``社保卡``;
- ``Synonyms``: groups of colloquial and official wording (医保卡 ↔ 社保卡);
- ``parse_query``: a citizen's utterance → weighted terms per field;
- ``snippet``: an HTML-escaped excerpt with ``<mark>`` around the matched terms;
- ``sanitise_html`` / ``html_to_text``: article bodies are stored sanitised (nh3).
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from threading import Lock

import nh3
import rjieba

DATA_DIR = Path(__file__).resolve().parent / "data"

#: Longer queries are cut: nobody says more than this in one breath, and it bounds the work.
MAX_QUERY_CHARS = 120

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:\.[0-9]+)?")
_CJK_RE = re.compile(rf"[{_CJK}]")
_SPACE_RE = re.compile(r"\s+")

#: Words a caller says that carry no topic (data/stopwords.txt); removed from queries only.
STOPWORDS = frozenset(
    word
    for line in (DATA_DIR / "stopwords.txt").read_text(encoding="utf-8").splitlines()
    if not line.startswith("#")
    for word in line.split()
)


def normalise(text: str) -> str:
    """Return ``text`` in NFKC, lower case, with white space collapsed."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _SPACE_RE.sub(" ", text).strip()


def runs(text: str) -> list[str]:
    """Return the Chinese runs and the Latin/digit runs of normalised ``text``."""
    return _RUN_RE.findall(text)


def is_cjk(token: str) -> bool:
    return bool(token) and _CJK_RE.match(token[0]) is not None


def bigrams(text: str) -> list[str]:
    """Return the overlapping character pairs of each Chinese run; a lone character stays."""
    out: list[str] = []
    for run in runs(normalise(text)):
        if not is_cjk(run):
            continue
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


# --- words (rjieba with our dictionary) ------------------------------------------------------

_dict_lock = Lock()
_dict_words: set[str] = set()


def dictionary_add(words: Iterable[str]) -> int:
    """Add words (government terms, place names) to the segmenter; return how many were new."""
    added = 0
    with _dict_lock:
        for word in words:
            w = normalise(word)
            if len(w) >= 2 and w not in _dict_words and " " not in w:
                _dict_words.add(w)
                rjieba.add_word(w, 2000, None)
                added += 1
    return added


@cache
def _load_base_dictionary() -> bool:
    path = DATA_DIR / "dictionary.txt"
    if path.exists():
        dictionary_add(
            line.split("#", 1)[0].strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.split("#", 1)[0].strip()
        )
    dictionary_add(w for group in default_synonyms().groups for w in group)
    return True


def words(text: str, *, for_query: bool = False) -> list[str]:
    """Return the words of ``text`` (search-mode segmentation); queries drop stop words."""
    _load_base_dictionary()
    out: list[str] = []
    for run in runs(normalise(text)):
        if not is_cjk(run):
            out.append(run)
            continue
        for w in rjieba.cut_for_search(run):
            if for_query and w in STOPWORDS:
                continue
            if len(w) == 1 and (for_query or w in STOPWORDS):
                continue
            out.append(w)
    return out


def content_segments(text: str) -> list[str]:
    """Return the Chinese pieces of a query left after removing stop words.

    "我的医保卡丢了怎么补办" → ["医保卡丢", "补办"]: character pairs are then taken inside
    each piece, never across a removed filler word.
    """
    _load_base_dictionary()
    pieces: list[str] = []
    for run in runs(normalise(text)):
        if not is_cjk(run):
            continue
        current = ""
        for w in rjieba.cut(run):
            if w in STOPWORDS:
                if current:
                    pieces.append(current)
                current = ""
            else:
                current += w
        if current:
            pieces.append(current)
    return pieces


# --- pinyin -----------------------------------------------------------------------------------


@cache
def _pinyin_table() -> dict[str, str]:
    """Return character → toneless pinyin (first reading), built from pypinyin's table."""
    from pypinyin.pinyin_dict import pinyin_dict

    table: dict[str, str] = {}
    for code, readings in pinyin_dict.items():
        first = readings.split(",", 1)[0]
        plain = "".join(
            c for c in unicodedata.normalize("NFD", first) if not unicodedata.combining(c)
        )
        table[chr(code)] = plain.replace("ü", "v").lower()
    return table


@cache
def _syllables() -> frozenset[str]:
    return frozenset(_pinyin_table().values()) - {""}


def pinyin_of(text: str) -> list[str]:
    """Return the toneless syllables of the Chinese characters in ``text``."""
    table = _pinyin_table()
    return [table[c] for c in text if c in table]


def split_pinyin(latin: str) -> list[str] | None:
    """Return ``latin`` split into pinyin syllables (fewest syllables), or None if it is not."""
    syllables = _syllables()
    n = len(latin)
    if n < 2 or n > 60:
        return None
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        current = best[i]
        if current is None:
            continue
        for j in range(min(n, i + 6), i, -1):
            piece = latin[i:j]
            if piece in syllables:
                candidate = [*current, piece]
                existing = best[j]
                if existing is None or len(candidate) < len(existing):
                    best[j] = candidate
    return best[n]


def _pairs(syllables: list[str]) -> list[str]:
    if len(syllables) == 1:
        return [syllables[0]]
    return [f"{a}_{b}" for a, b in itertools.pairwise(syllables)]


def pinyin_pairs(text: str) -> list[str]:
    """Return syllable pairs ("yi_bao", "bao_ka") of each Chinese run of ``text``."""
    out: list[str] = []
    for run in runs(normalise(text)):
        if is_cjk(run) and len(run) >= 2:
            out.extend(_pairs(pinyin_of(run)))
    return out


# --- synonyms ---------------------------------------------------------------------------------


@dataclass
class Synonyms:
    """Groups of interchangeable wording; a query naming one member also searches the others.

    ``rewrites`` are one-way: the vocabulary that articles and units maintain (an article's
    synonyms lead to its keywords, a unit's responsibility keywords to the matter they
    belong to). A query naming a trigger also searches the targets, not the other way round
    (a matter's generic words must not pull in every keyword of it).

    Matching is on the characters and on the pinyin, so a homophone typo (社宝卡) or pinyin
    input (shebaoka) still reaches the group.
    """

    groups: list[list[str]] = field(default_factory=list)
    rewrites: list[tuple[list[str], list[str]]] = field(default_factory=list)
    _by_text: list[tuple[str, int]] = field(default_factory=list, repr=False)
    _by_pinyin: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        triggers = [*self.groups, *(t for t, _ in self.rewrites)]
        for index, members in enumerate(triggers):
            for member in members:
                if len(member) < 2:
                    continue
                self._by_text.append((member, index))
                if len(member) >= 3 and all(is_cjk(c) for c in member):
                    self._by_pinyin.append((" " + " ".join(pinyin_of(member)) + " ", index))

    @classmethod
    def parse(cls, text: str) -> Synonyms:
        """Parse lines of white-space separated members; ``#`` starts a comment."""
        groups = []
        for line in text.splitlines():
            members = [normalise(m) for m in line.split("#", 1)[0].split()]
            members = [m for m in members if m]
            if len(members) >= 2:
                groups.append(members)
        return cls(groups)

    def with_rewrites(self, rewrites: Iterable[tuple[Iterable[str], Iterable[str]]]) -> Synonyms:
        """Return these groups plus one-way ``(triggers, targets)`` rewrites (normalised)."""
        extra = []
        for triggers, targets in rewrites:
            t = [w for w in (normalise(x) for x in triggers) if len(w) >= 2]
            g = [w for w in (normalise(x) for x in targets) if w]
            if t and g:
                extra.append((t, g))
        return Synonyms(self.groups, [*self.rewrites, *extra])

    def hits(self, text: str, pinyin: str = "") -> set[int]:
        """Return the indexes of the groups and rewrites ``text`` (or its pinyin) mentions;
        ``expand``, ``vouched`` and ``rewrite`` take them to scan a query only once."""
        hit: set[int] = set()
        for member, index in self._by_text:
            if member in text:
                hit.add(index)
        if pinyin:
            for member_py, index in self._by_pinyin:
                if member_py in pinyin:
                    hit.add(index)
        return hit

    def expand(self, text: str, pinyin: str = "", hits: set[int] | None = None) -> list[str]:
        """Return the members of every group that ``text`` (or its pinyin) mentions, minus
        the ones already in ``text`` (groups only; see ``rewrite`` for the one-way ones)."""
        out: list[str] = []
        for index in sorted(self.hits(text, pinyin) if hits is None else hits):
            if index < len(self.groups):
                out.extend(m for m in self.groups[index] if m not in text and m not in out)
        return out

    def vouched(
        self, text: str, pinyin: str = "", hits: set[int] | None = None
    ) -> list[tuple[str, list[str]]]:
        """Return ``(member said, what the vocabulary says it means)`` for every group or
        one-way rewrite that ``text`` mentions by its characters: an article that holds one
        of the meanings covers what the caller said with that member."""
        out: list[tuple[str, list[str]]] = []
        for index in sorted(self.hits(text, pinyin) if hits is None else hits):
            if index < len(self.groups):
                members = self.groups[index]
                out.extend((m, [o for o in members if o not in text]) for m in members if m in text)
            else:
                triggers, targets = self.rewrites[index - len(self.groups)]
                meant = [g for g in targets if g not in text]
                out.extend((t, meant) for t in triggers if t in text)
        return [(said, meant) for said, meant in out if meant]

    def rewrite(self, text: str, pinyin: str = "", hits: set[int] | None = None) -> list[str]:
        """Return the targets of every one-way rewrite whose trigger ``text`` mentions."""
        out: list[str] = []
        for index in sorted(self.hits(text, pinyin) if hits is None else hits):
            if index >= len(self.groups):
                triggers, targets = self.rewrites[index - len(self.groups)]
                said = [t for t in triggers if t in text]
                out.extend(
                    m
                    for m in (*targets, *triggers)
                    if m not in text and m not in out and not any(m in t for t in said)
                )
        return out


@cache
def default_synonyms() -> Synonyms:
    path = DATA_DIR / "synonyms.txt"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return Synonyms.parse(text)


# --- queries ----------------------------------------------------------------------------------

#: Weight of a synonym group's other members in a query (the words said weigh 1).
SYNONYM_WEIGHT = 0.7
#: Weight of what a one-way rewrite adds (an article's keywords, a unit's matter).
REWRITE_WEIGHT = 0.5


@dataclass
class ParsedQuery:
    """A query as weighted terms per kind of field (see ``engine.FIELDS``)."""

    text: str
    bigrams: dict[str, float] = field(default_factory=dict)
    words: dict[str, float] = field(default_factory=dict)
    pinyin: dict[str, float] = field(default_factory=dict)
    #: terms to mark in snippets
    highlight: list[str] = field(default_factory=list)
    #: what the maintained vocabulary added (``Synonyms.rewrite``)
    rewritten: list[str] = field(default_factory=list)
    #: the caller's words the vocabulary gives a meaning to (``Synonyms.vouched``)
    vouched: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.bigrams or self.words or self.pinyin)

    @property
    def semantic_text(self) -> str:
        """Return the text to embed for the semantic signal."""
        return self.text


def _add(target: dict[str, float], terms: Iterable[str], weight: float) -> None:
    for term in terms:
        if weight > target.get(term, 0.0):
            target[term] = weight


def parse_query(raw: str, synonyms: Synonyms | None = None) -> ParsedQuery:
    """Return the weighted terms of a citizen's query.

    Bad input is not an error: an empty, punctuation-only or emoji-only query gives an empty
    ``ParsedQuery``; an overlong one is cut to ``MAX_QUERY_CHARS``.
    """
    synonyms = synonyms if synonyms is not None else default_synonyms()
    text = normalise(raw)[:MAX_QUERY_CHARS]
    query = ParsedQuery(text=text)
    pieces = content_segments(text)
    for piece in pieces:
        _add(query.bigrams, bigrams(piece), 1.0)
        _add(query.pinyin, pinyin_pairs(piece), 0.6)
    _add(query.words, words(text, for_query=True), 1.0)
    pinyin_text = " " + " ".join(pinyin_of("".join(pieces))) + " "
    for run in runs(text):
        if is_cjk(run):
            continue
        syllables = split_pinyin(run)
        if syllables and len(syllables) >= 2:
            _add(query.pinyin, _pairs(syllables), 1.0)
            pinyin_text += " ".join(syllables) + " "
    hits = synonyms.hits(text, pinyin_text)
    for extra in synonyms.expand(text, pinyin_text, hits):
        _add(query.bigrams, bigrams(extra), SYNONYM_WEIGHT)
        _add(query.words, words(extra, for_query=True), SYNONYM_WEIGHT)
        query.highlight.append(extra)
    for extra in synonyms.rewrite(text, pinyin_text, hits):
        _add(query.bigrams, bigrams(extra), REWRITE_WEIGHT)
        _add(query.words, words(extra, for_query=True), REWRITE_WEIGHT)
        query.rewritten.append(extra)
    query.vouched = synonyms.vouched(text, pinyin_text, hits)
    query.highlight.extend(w for w in query.words if len(w) >= 2)
    query.highlight.extend(query.bigrams)
    return query


# --- snippets ---------------------------------------------------------------------------------


def _spans(text: str, terms: list[str]) -> Iterator[tuple[int, int]]:
    terms = sorted({t for t in terms if t and len(t) <= 30}, key=len, reverse=True)
    if not terms:
        return
    pattern = re.compile("|".join(re.escape(t) for t in terms[:200]), re.IGNORECASE)
    for m in pattern.finditer(text):
        yield m.start(), m.end()


def snippet(text: str, terms: list[str], *, width: int = 90) -> str:
    """Return an HTML-escaped excerpt of ``text`` around the densest matches, terms marked."""
    text = _SPACE_RE.sub(" ", text).strip()
    spans = list(_spans(text, terms))
    if not spans:
        cut = text[:width]
        return html.escape(cut) + ("…" if len(text) > width else "")
    # The window start that covers the most matched characters.
    best_start, best_score = 0, -1
    for start, _ in spans:
        window_start = max(0, start - 10)
        score = sum(e - s for s, e in spans if s >= window_start and e <= window_start + width)
        if score > best_score:
            best_start, best_score = window_start, score
    end = min(len(text), best_start + width)
    out: list[str] = ["…" if best_start > 0 else ""]
    pos = best_start
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append(f"<mark>{html.escape(text[s:e])}</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


# --- HTML -------------------------------------------------------------------------------------

_ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4", "blockquote",
    "table", "thead", "tbody", "tr", "th", "td", "a", "span", "sup", "sub", "hr",
}  # fmt: skip


def sanitise_html(value: str) -> str:
    """Return ``value`` with only harmless formatting kept (no script, style or handlers)."""
    return nh3.clean(
        value or "",
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "td": {"colspan", "rowspan"}},
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer",
    ).strip()


_TAG_RE = re.compile(r"<[^>]+>")
_BLOCK_RE = re.compile(r"</?(p|br|li|tr|h3|h4|blockquote|div)[^>]*>", re.IGNORECASE)


def html_to_text(value: str) -> str:
    """Return the readable text of sanitised HTML."""
    text = _BLOCK_RE.sub("\n", value or "")
    text = html.unescape(_TAG_RE.sub("", text))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


def plain_to_html(text: str) -> str:
    """Return plain text as paragraphs of escaped HTML."""
    return "".join(
        f"<p>{html.escape(line.strip())}</p>" for line in (text or "").splitlines() if line.strip()
    )
