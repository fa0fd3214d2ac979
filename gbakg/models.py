"""Records that flow between the pipeline stages: frozen dataclasses and enums for closed sets.

Every field taken from a document is a :class:`Field`: the layout-cleaned text plus the character
offsets ``[start, end)`` of its source in the decoded document text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path

from .errors import Location


class DocumentKind(StrEnum):
    CASE_BATCH = "case-batch"
    WORK_PLAN = "work-plan"
    NEWS = "news"


class Severity(StrEnum):
    """SHACL severities, also used for reader findings."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"


@dataclass(frozen=True)
class Field:
    """A value read from a document: ``text`` is the source ``[start, end)`` with layout noise removed."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentMeta:
    """What the manifest (or, failing it, the text) says about a document."""

    file: str
    kind: DocumentKind | None
    batch: int | None = None
    title: str | None = None
    publisher: tuple[str, ...] = ()
    announced: date | None = None
    issued: str | None = None
    language: str | None = None
    cases: int | None = None
    categories: tuple[tuple[str, int], ...] = ()
    in_manifest: bool = True


@dataclass(frozen=True)
class Document:
    """A decoded source document. ``text`` is the exact decoded text (BOM removed) offsets refer to."""

    path: Path
    meta: DocumentMeta
    text: str
    encoding: str
    sha256: str
    byte_size: int

    @property
    def key(self) -> str:
        """The stable key of the document: its file name without extension."""
        return self.path.stem


@dataclass(frozen=True)
class Finding:
    """Something the reader or extractor could not read or understand, kept for the quality report."""

    code: str
    message: str
    severity: Severity
    path: str
    line: int | None = None
    column: int | None = None
    subject: str | None = None

    @classmethod
    def located(
        cls,
        doc: Document,
        code: str,
        message: str,
        severity: Severity,
        offset: int | None = None,
        subject: str | None = None,
    ) -> Finding:
        """A finding at a character offset of a document (its line and column), or at the document."""
        if offset is None:
            return cls(code, message, severity, str(doc.path), subject=subject)
        loc = Location.at_offset(doc.path, doc.text, offset)
        return cls(code, message, severity, loc.path, loc.line, loc.column, subject)

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where}: {self.severity.value.lower()}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class SubMeasure:
    ordinal: int
    marker: str
    text: Field


@dataclass(frozen=True)
class Case:
    """One typical case of a batch."""

    document: str
    batch: int
    number: int
    heading: Field
    title: Field | None
    units: tuple[Field, ...]
    body: Field
    paragraphs: tuple[Field, ...]
    sub_measures: tuple[SubMeasure, ...]
    results: Field | None

    @property
    def key(self) -> str:
        return f"b{self.batch}-{self.number:02d}"


@dataclass(frozen=True)
class PlanSection:
    number: str
    title: Field
    parent: str | None


@dataclass(frozen=True)
class PlanItem:
    document: str
    number: int
    section: str
    text: Field
    normalised: str


@dataclass(frozen=True)
class Article:
    ordinal: int
    title: Field
    body: Field
    relevant: bool


@dataclass(frozen=True)
class NewsMeasure:
    document: str
    batch: int | None
    article: int
    ordinal: int
    text: Field

    @property
    def key(self) -> str:
        """Stable across re-segmentation: the document and a hash of the measure's opening words."""
        import hashlib

        opening = "".join(self.text.text.split())[:24]
        return f"news-{self.document[:12]}-{hashlib.sha1(opening.encode('utf-8')).hexdigest()[:8]}"


Record = Case | PlanSection | PlanItem | Article | NewsMeasure


@dataclass(frozen=True)
class DocumentRecords:
    """Everything read from one document, including what could not be read."""

    document: Document
    cases: tuple[Case, ...] = ()
    plan_title: Field | None = None
    plan_sections: tuple[PlanSection, ...] = ()
    plan_items: tuple[PlanItem, ...] = ()
    articles: tuple[Article, ...] = ()
    news_measures: tuple[NewsMeasure, ...] = ()
    findings: tuple[Finding, ...] = ()

    def records(self) -> tuple[Record, ...]:
        return (*self.cases, *self.plan_sections, *self.plan_items, *self.articles, *self.news_measures)


@dataclass(frozen=True)
class Corpus:
    """The eager result of reading a corpus folder."""

    root: Path
    documents: tuple[DocumentRecords, ...]
    findings: tuple[Finding, ...] = field(default=())

    def all_findings(self) -> tuple[Finding, ...]:
        return (*self.findings, *(f for d in self.documents for f in d.findings))


# --- extraction results -----------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    """A reference from text to an entity or concept, with its evidence span."""

    key: str
    evidence: Field


@dataclass(frozen=True)
class AgencyMention:
    """An agency or other body: from the registry (``known``) or minted from the text for review."""

    key: str
    name: str
    evidence: Field
    known: bool
    position: int | None = None
    kind: str | None = None
    jurisdiction: str | None = None


@dataclass(frozen=True)
class InstrumentMention:
    key: str
    title: str
    type_key: str | None
    abbreviation: str | None
    evidence: Field
    issuer: str | None = None
    issued: str | None = None
    issued_type: str | None = None


@dataclass(frozen=True)
class LinkFact:
    link_class: str
    mechanism: str
    direction: str | None
    parties: tuple[str, ...]
    recognizer: str | None
    recognized: str | None
    subject: str | None
    agencies: tuple[str, ...]
    instruments: tuple[str, ...]
    evidence: Field


@dataclass(frozen=True)
class OutcomeFact:
    value: Decimal
    value_text: str
    unit: str
    unit_concept: str | None
    multiplier: Decimal | None
    qualifiers: tuple[str, ...]
    qualifier_concepts: tuple[str, ...]
    kind: str
    counts: str
    as_of: str | None
    as_of_type: str | None
    evidence: Field
    lower_text: str | None = None  # a range's lower end as written (5-10%: "5"; value_text is "10")


@dataclass(frozen=True)
class DateFact:
    value: str
    datatype: str
    qualifier: str | None
    label: str
    evidence: Field


@dataclass(frozen=True)
class MeasureFacts:
    """Everything extracted about one measure (a case, a sub-measure or a news-reported measure)."""

    key: str
    label: Field
    jurisdictions: tuple[Mention, ...] = ()
    agencies: tuple[AgencyMention, ...] = ()
    instruments: tuple[InstrumentMention, ...] = ()
    mechanisms: tuple[Mention, ...] = ()
    flows: tuple[Mention, ...] = ()
    domains: tuple[Mention, ...] = ()
    initiatives: tuple[Field, ...] = ()
    links: tuple[LinkFact, ...] = ()
    outcomes: tuple[OutcomeFact, ...] = ()
    dates: tuple[DateFact, ...] = ()
    parts: tuple[MeasureFacts, ...] = ()
