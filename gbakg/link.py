"""Link work-plan items to the measures that carry them out.

Input: plan items (Traditional script, normalised to Simplified with OpenCC) and measures (cases and
news-reported measures) with their extracted facts. Output: :class:`PlanLinkFact` candidates with a
score in [0, 1], their evidence (shared terms, instruments, initiatives, places, agencies) and their
origin (inferred or curated). Curated decisions from the curation file override inference.

Scoring, designed for short Chinese texts:
- lexical: TF-IDF cosine over character bigrams of the item and of the measure (title counted twice);
- specific: the rarest shared strings of three or more characters (maximal common substrings weighted
  by inverse document frequency over all measures), so that a shared 等效先认 or 港珠澳大桥 counts for
  more than a shared 合作;
- entities: shared instruments, named initiatives, agencies and places other than the three
  jurisdictions every text names;
- zones: an item about a whole cooperation zone (its first clause names the zone) is carried out by the
  measures of that zone;
- facilities: an item about one named port, airport or bridge is not carried out at another of its kind
  (the score is halved).
- partners: an item of a plan between Guangdong and a SAR (its publishers, or failing them its title,
  name the SAR) is carried out only by measures that involve that SAR, unless the item is about a
  whole cooperation zone.
The weights and the threshold were chosen on a hand-judged sample (see README, "Work plan").
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import Location, ReadError
from .figures import INSTRUMENT
from .models import MeasureFacts, PlanItem
from .namespaces import ID
from .script import to_simplified
from .vocab import DATA_ROOT, Vocabulary

CURATION_FILE = DATA_ROOT / "curation" / "plan-links.csv"
# Chosen on the hand-judged sample in benchmarks/plan-link-judgements.csv (benchmarks/plan_link_eval.py):
# at 0.38 precision 0.92, recall 0.71, F1 0.80 (85 judged pairs) - precision first, as an analyst wants.
THRESHOLD = 0.38
REVIEW_THRESHOLD = 0.25
# Candidate generation: each item is scored against the measures nearest to it by TF-IDF cosine
# (and all measures of a zone it names), not against every measure.
CANDIDATES = 25
WEIGHTS = {"lexical": 0.35, "specific": 0.35, "entities": 0.30}
UBIQUITOUS = {str(ID[f"jurisdiction/{k}"]) for k in ("guangdong", "hong-kong", "macao", "mainland")}
SARS = frozenset(str(ID[f"jurisdiction/{k}"]) for k in ("hong-kong", "macao"))
ITEM_HEAD = re.compile(r"[。；]")  # ends an item's first sentence
ITEM_CLAUSE = re.compile(r"[，,：:]")  # ends its first clause
PUNCT = re.compile(r"[\s，。；：、！？“”‘’《》（）()「」『』\-—·,.;:!?\"'0-9A-Za-z]+")


@dataclass(frozen=True)
class MeasureText:
    """What the linker compares: a measure's key, title, body and extracted entities."""

    key: str
    title: str
    body: str
    instruments: frozenset[str] = frozenset()
    initiatives: frozenset[str] = frozenset()
    places: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    zones: frozenset[str] = frozenset()


@dataclass(frozen=True)
class PlanLinkFact:
    plan: str  # the work plan's document key: item numbers are per plan
    item: int
    measure: str
    score: float
    origin: str
    shared: tuple[str, ...] = field(default=())


def _bigrams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for run in PUNCT.split(text):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _common_strings(a: str, b: str, min_len: int = 3) -> set[str]:
    """Maximal substrings of ``a`` of at least ``min_len`` characters that occur in ``b``."""
    found: set[str] = set()
    for run in PUNCT.split(a):
        i = 0
        while i <= len(run) - min_len:
            j = i + min_len
            if run[i:j] not in b:
                i += 1
                continue
            while j < len(run) and run[i : j + 1] in b:
                j += 1
            found.add(run[i:j])
            i = j
    return {s for s in found if not any(s != t and s in t for t in found)}


@dataclass(frozen=True)
class Cosines:
    """An item's TF-IDF cosine to each measure that shares a bigram with it: measure indexes in
    ascending order (numpy arrays) and the cosines."""

    measures: Any
    values: Any

    def of(self, ks: list[int]) -> list[float]:
        """The cosines to measures ``ks`` (0 where no bigram is shared)."""
        import numpy as np

        if not len(self.measures):
            return [0.0] * len(ks)
        at = np.searchsorted(self.measures, ks)
        found = (at < len(self.measures)) & (self.measures[np.minimum(at, len(self.measures) - 1)] == ks)
        return [float(self.values[a]) if f else 0.0 for a, f in zip(at.tolist(), found.tolist(), strict=True)]


class PlanLinker:
    """Scores every (item, measure) pair; IDF statistics come from all measures."""

    def __init__(
        self,
        measures: list[MeasureText],
        vocab: Vocabulary,
        items: Iterable[PlanItem] = (),
        partners: Mapping[str, frozenset[str]] | None = None,
    ):
        self.measures = measures
        self.partners = partners or {}  # plan document → the SARs it is with (:func:`plan_partners`)
        # Document frequencies of shared strings count the plan items too, so that phrases common to
        # policy prose (推动落实, 交流合作机制) do not anchor a link.
        self.reference = [i.normalised for i in items]
        self.vocab = vocab
        self.docs = [m.title + "。" + m.title + "。" + m.body for m in measures]
        df: Counter[str] = Counter()
        for d in self.docs:
            df.update(set(_bigrams(d)))
        n = len(self.docs) or 1
        self.n = n
        self.idf = {g: math.log((n + 1) / (c + 1)) + 1 for g, c in df.items()}
        self.vectors = [self._vector(d) for d in self.docs]
        self._df_cache: dict[str, int] = {}
        self._item_vectors: dict[str, dict[str, float]] = {}
        self._facilities: dict[str, tuple[frozenset[str], ...]] = {}  # text → facilities named, by kind
        # Candidate generation by cosine: the measures' vectors as a sparse bigram × measure matrix, so
        # an item's scores against every measure are one sparse product (in C, not a Python loop over
        # the postings of each bigram, which grows with items × measures).
        # numpy and scipy are imported here, not with the module: a build links in a forked process, so
        # the import (a fifth of a second) is paid there, beside the mapping, not before it.
        import numpy as np
        from scipy import sparse

        self.columns: dict[str, int] = {}
        rows, cols, weights = [], [], []
        for k, vec in enumerate(self.vectors):
            for gram, w in vec.items():
                rows.append(self.columns.setdefault(gram, len(self.columns)))
                cols.append(k)
                weights.append(w)
        self.postings = sparse.csr_matrix(
            (weights, (rows, cols)), shape=(len(self.columns), len(self.vectors)), dtype=np.float64
        )
        # bigram → all texts (for the document frequency of a shared string, checked only where all its
        # bigrams occur).
        self.texts = self.docs + self.reference
        self.text_postings: dict[str, set[int]] = {}
        for k, text in enumerate(self.texts):
            for gram in _bigrams(text):
                self.text_postings.setdefault(gram, set()).add(k)

    def _vector(self, text: str) -> dict[str, float]:
        tf = _bigrams(text)
        vec = {g: (1 + math.log(c)) * self.idf.get(g, math.log(self.n + 1) + 1) for g, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {g: v / norm for g, v in vec.items()}

    def _item_vector(self, text: str) -> dict[str, float]:
        """An item's vector, made once for all the measures it is scored against."""
        vec = self._item_vectors.get(text)
        if vec is None:
            vec = self._item_vectors[text] = self._vector(text)
        return vec

    def _df(self, s: str) -> int:
        """How many texts (measures and plan items) contain ``s``."""
        if s not in self._df_cache:
            grams = [s[i : i + 2] for i in range(len(s) - 1)]
            sets = sorted((self.text_postings.get(g, set()) for g in grams), key=len)
            candidates = set.intersection(*sets) if sets else set()
            self._df_cache[s] = sum(1 for k in candidates if s in self.texts[k])
        return self._df_cache[s]

    def nearest(self, item_texts: list[str], k: int = CANDIDATES) -> list[tuple[list[int], Cosines]]:
        """For each item, the ``k`` measures with the highest TF-IDF cosine to it (ties: the earlier
        measure; scores rounded to 12 places so that the order of summation cannot decide), and its
        cosine to every measure that shares a bigram with it (what :meth:`score` would work out, to
        the last bits of a float: the sparse product sums in another order)."""
        import numpy as np
        from scipy import sparse

        rows, cols, weights = [], [], []
        for i, text in enumerate(item_texts):
            for gram, w in self._vector(text).items():
                col = self.columns.get(gram)
                if col is not None:
                    rows.append(i)
                    cols.append(col)
                    weights.append(w)
        items = sparse.csr_matrix((weights, (rows, cols)), shape=(len(item_texts), len(self.columns)))
        scores = (items @ self.postings).tocsr()
        scores.sort_indices()
        out = []
        for i in range(len(item_texts)):
            start, end = scores.indptr[i], scores.indptr[i + 1]
            measures, values = scores.indices[start:end], scores.data[start:end]
            if len(values) > k:
                # Only values that can round to at least the k-th largest can be among the first k
                # (rounding moves a value by under 1e-12): those are ordered, not the whole row.
                kth = np.partition(values, len(values) - k)[len(values) - k]
                near = np.flatnonzero(values >= kth - 1e-12)
            else:
                near = np.arange(len(values))
            order = near[np.lexsort((measures[near], -np.round(values[near], 12)))[:k]]
            out.append(([int(m) for m in measures[order]], Cosines(measures, values)))
        return out

    def anchors(self, item_text: str, m_index: int) -> list[tuple[float, str]]:
        """Shared strings rare enough to anchor a link: n ≥ 4 characters found in at most n texts (measures
        and plan items), or three characters found in two; place names alone do not count."""
        out = []
        for s in _common_strings(item_text, self.docs[m_index]):
            df = self._df(s)
            if (len(s) >= 4 and df <= len(s)) or (len(s) == 3 and df <= 2):
                masked = s
                for m in self.vocab.jurisdiction_matches(s):
                    if m.targets:
                        masked = masked.replace(m.text, "")
                if len(masked) >= 3:
                    out.append((len(s) * math.log((self.n + 1) / (df + 0.5)), s))
        return sorted(out, reverse=True)

    def score(
        self, item_text: str, item_places: set[str], item_zone: str | None, m_index: int, lexical: float | None = None
    ) -> tuple[float, tuple[str, ...]]:
        """An item's score against a measure and its evidence; ``lexical``, their TF-IDF cosine, is
        worked out here unless given (:meth:`nearest` gives it for every pair that shares a bigram)."""
        m = self.measures[m_index]
        if lexical is None:
            iv = self._item_vector(item_text)
            mv = self.vectors[m_index]
            lexical = sum(v * mv.get(g, 0.0) for g, v in iv.items())
        anchors = self.anchors(item_text, m_index)
        shared_entities = [t for t in m.instruments | m.initiatives if t in item_text]
        places = (item_places & m.places) - UBIQUITOUS
        specific = min(1.0, sum(w for w, _ in anchors[:3]) / 20.0)
        entities = min(1.0, 0.5 * len(shared_entities) + 0.25 * len(places))
        total = WEIGHTS["lexical"] * lexical + WEIGHTS["specific"] * specific + WEIGHTS["entities"] * entities
        if not anchors and not shared_entities:
            total *= 0.5
        if self.other_facility(item_text, m_index):
            total *= 0.5
        # An anchor that is a shared instrument or initiative is given once, as that (“等效先认”).
        shared = [s for _, s in anchors[:6] if s not in shared_entities]
        shared += [f"《{t}》" if t in m.instruments else f"“{t}”" for t in shared_entities]
        shared += [f"place:{self.vocab.jurisdictions.get(p, p)}" for p in sorted(places)]
        if item_zone and item_zone in m.zones:
            total = max(total, THRESHOLD + 0.1 + 0.1 * lexical)
            shared.append(f"zone:{self.vocab.jurisdictions.get(item_zone, item_zone)}")
        return round(min(total, 1.0), 3), tuple(dict.fromkeys(shared))

    def other_facility(self, item_text: str, m_index: int) -> bool:
        """Whether the measure is at another facility of a kind the item names one of: the item names
        皇岗口岸, the measure names 青茂口岸 and not 皇岗口岸 (named facilities: ontology/reference/facilities.ttl)."""
        pairs = zip(self.facilities_named(item_text), self.facilities_named(self.docs[m_index]), strict=True)
        return any(in_item and in_measure and not in_item & in_measure for in_item, in_measure in pairs)

    def facilities_named(self, text: str) -> tuple[frozenset[str], ...]:
        """The named facilities a text names, kind by kind (worked out once per text)."""
        try:
            return self._facilities[text]
        except KeyError:
            found = tuple(
                frozenset(f for f, names in named if any(n in text for n in names))
                for named in self.vocab.facilities.values()
            )
            self._facilities[text] = found
            return found

    def candidates(self, items: Iterable[PlanItem], lower: float = REVIEW_THRESHOLD) -> list[PlanLinkFact]:
        out = []
        items = list(items)
        nearest = self.nearest([item.normalised for item in items])
        by_zone: dict[str, list[int]] = {}
        for k, m in enumerate(self.measures):
            for z in m.zones:
                by_zone.setdefault(z, []).append(k)
        for item, (near, cosines) in zip(items, nearest, strict=True):
            text = item.normalised
            places = {t for m in self.vocab.jurisdiction_matches(text) for t in m.targets}
            zone = self.whole_zone(text)
            pool = set(near)
            if zone:
                pool |= set(by_zone.get(zone, ()))
            elif partners := self.partners.get(item.document):
                # a Guangdong–Hong Kong item is not carried out by a measure Hong Kong has no part in
                pool = {k for k in pool if self.measures[k].places & partners}
            ks = sorted(pool)
            for k, lexical in zip(ks, cosines.of(ks), strict=True):
                m = self.measures[k]
                s, shared = self.score(text, places, zone, k, lexical)
                if s >= lower:
                    out.append(PlanLinkFact(item.document, item.number, m.key, s, "inferred", shared))
        return sorted(out, key=_link_order)

    def whole_zone(self, item_text: str) -> str | None:
        """The cooperation zone an item is about as a whole, which every measure of the zone carries
        out: its first clause names a zone as such (it ends with a :attr:`Vocabulary.whole_zone_endings`:
        打造南沙粤港澳全面合作示范区, 加快深港科技创新合作区建设) and its first sentence says which one,
        outside an instrument's title. An item that places one action in a zone (推进横琴跨境信用互认,
        落实《南沙职业资格目录》) is linked as any other: by what it does."""
        head = ITEM_HEAD.split(item_text, maxsplit=1)[0]
        if not ITEM_CLAUSE.split(head, maxsplit=1)[0].strip().endswith(self.vocab.whole_zone_endings):
            return None
        named = INSTRUMENT.sub("", head)
        return next((z for cue, z in self.vocab.zone_cues if cue in named), None)


def measure_texts(facts: Iterable[MeasureFacts], bodies: dict[str, str], vocab: Vocabulary) -> list[MeasureText]:
    """The linker's view of each top-level measure."""
    out = []
    for f in facts:
        title = f.label.text
        submitted_zones = {
            vocab.agencies[a.key].jurisdiction for a in f.agencies if a.position is not None and a.key in vocab.agencies
        }
        title_zones = {t for m in vocab.jurisdiction_matches(title) for t in m.targets}
        out.append(
            MeasureText(
                key=f.key,
                title=title,
                body=bodies.get(f.key, ""),
                instruments=frozenset(i.title for i in f.instruments),
                initiatives=frozenset(i.text for i in f.initiatives),
                places=frozenset(j.key for j in f.jurisdictions),
                agencies=frozenset(a.key for a in f.agencies),
                zones=vocab.zones.intersection(submitted_zones | title_zones),
            )
        )
    return out


def _link_order(f: PlanLinkFact) -> tuple[str, int, float, str]:
    return (f.plan, f.item, -f.score, f.measure)


@dataclass(frozen=True)
class Curation:
    """Curated decisions by (plan, item, measure); a plan of "" is a row that names no plan."""

    decisions: dict[tuple[str, int, str], tuple[str, str]]

    def for_plans(self, plans: Iterable[str]) -> tuple[Curation, list[tuple[int, str]]]:
        """The decisions with every row's plan named: a row that names none is about the corpus's only
        work plan. With several plans such a row is ambiguous: it is returned, (item, measure), apart."""
        known = sorted(set(plans))
        decisions: dict[tuple[str, int, str], tuple[str, str]] = {}
        ambiguous = []
        for (plan, item, measure), decision in sorted(self.decisions.items()):
            if not plan and len(known) != 1:
                ambiguous.append((item, measure))
                continue
            decisions[(plan or known[0], item, measure)] = decision
        return Curation(decisions), ambiguous


def load_curation(path: Path | None = None) -> Curation:
    """Curated decisions: CSV with columns item, measure, decision (accept|reject), note, and plan (the
    work plan's document key; needed only where the corpus has several work plans).

    Raises:
        ReadError: a row is malformed (the message names the line).
    """
    p = path or CURATION_FILE
    if not p.exists():
        return Curation({})
    decisions: dict[tuple[str, int, str], tuple[str, str]] = {}
    with p.open(encoding="utf-8", newline="") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for n, row in enumerate(rows, start=2):
            try:
                item = int(row["item"])
                measure = row["measure"].strip()
                decision = row["decision"].strip().lower()
            except (KeyError, ValueError, AttributeError) as e:
                raise ReadError(
                    f"malformed curation row: {e}",
                    location=Location(str(p), n),
                    hint="columns are item,measure,decision,note",
                ) from e
            if decision not in ("accept", "reject"):
                raise ReadError(f"decision must be accept or reject, not {decision!r}", location=Location(str(p), n))
            decisions[((row.get("plan") or "").strip(), item, measure)] = (decision, (row.get("note") or "").strip())
    return Curation(decisions)


def apply_curation(
    inferred: list[PlanLinkFact], curation: Curation, threshold: float = THRESHOLD
) -> list[PlanLinkFact]:
    """Links kept: inferred ones at or above the threshold, minus curated rejections, plus curated
    acceptances. The curation's plans must be named (:meth:`Curation.for_plans`)."""
    by_key = {(f.plan, f.item, f.measure): f for f in inferred}
    out = []
    for f in inferred:
        if (f.plan, f.item, f.measure) not in curation.decisions and f.score >= threshold:
            out.append(f)
    for (plan, item, measure), (decision, note) in sorted(curation.decisions.items()):
        if decision == "accept":
            base = by_key.get((plan, item, measure))
            shared = base.shared if base else ()
            score = base.score if base else 1.0
            out.append(
                PlanLinkFact(plan, item, measure, score, "curated", shared + ((f"note:{note}",) if note else ()))
            )
    return sorted(out, key=_link_order)


def plan_partners(corpus, vocab: Vocabulary) -> dict[str, frozenset[str]]:
    """For each work plan, the SARs it is with: the homes of its publishers (广东省人民政府, 香港特别行政区
    政府: Hong Kong), or, where the manifest names none, the SARs its title names (粤港合作: Hong Kong).
    A plan that names none is left out: its items are linked to any measure."""
    out: dict[str, frozenset[str]] = {}
    for d in corpus.documents:
        if not d.plan_items:
            continue
        meta = d.document.meta
        homes = {vocab.agencies[iri].jurisdiction for name in meta.publisher for *_, iri in vocab.agency_matches(name)}
        if not meta.publisher:
            title = to_simplified(meta.title or "")
            homes = {t for m in vocab.jurisdiction_matches(title) for t in m.targets}
        if found := frozenset(h for h in homes if h in SARS):
            out[d.document.key] = found
    return out


def plan_inputs(corpus, facts: Iterable[MeasureFacts], vocab: Vocabulary) -> tuple[list[MeasureText], list[PlanItem]]:
    """The linker's measures (cases and news-reported measures) and the plan items of a corpus."""
    bodies: dict[str, str] = {}
    items: list[PlanItem] = []
    for d in corpus.documents:
        for c in d.cases:
            bodies[c.key] = c.body.text
        for m in d.news_measures:
            bodies[m.key] = m.text.text
        items.extend(d.plan_items)
    return measure_texts(facts, bodies, vocab), items
