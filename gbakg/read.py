"""Read a corpus folder: documents → located records (cases, plan items, news measures) and findings.

Input: a folder of text documents and an optional ``manifest.toml``. Output: :class:`DocumentRecords`
per document (lazily from :func:`iter_documents`, eagerly from :func:`read_corpus`), every field with
character offsets into the decoded text. Nothing is dropped silently: what could not be read becomes
a :class:`~gbakg.models.Finding`. Implements the SourceDocument, TypicalCase and WorkPlan sections of
the ontology.

The structural markers matched here (案例名称, 报送单位, 一是…, （一）) are the grammar of the documents,
not semantic cues; semantic cues live in the vocabulary (see :mod:`gbakg.vocab`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import tomllib
from array import array
from collections import Counter
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from .errors import Location, ManifestError, ReadError
from .layout import Line, Located, join_lines, paragraphs, split_lines, width, wrap_width
from .models import (
    Article,
    Case,
    Corpus,
    Document,
    DocumentKind,
    DocumentMeta,
    DocumentRecords,
    Field,
    Finding,
    NewsMeasure,
    PlanItem,
    PlanSection,
    Record,
    Severity,
    SubMeasure,
)
from .numerals import chinese_to_int
from .script import to_simplified
from .vocab import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = (".txt", ".md", ".text")
NUMERAL = "零〇一二三四五六七八九十百两"

CASE_HEADING = re.compile(rf"^\s*(?:#{{1,6}}\s*)?(?:\*\*)?\s*案例\s*([{NUMERAL}]+)\s*(?:\*\*)?\s*$")
TOC_ENTRY = re.compile(rf"^\s*案例([{NUMERAL}]+)\s*[：:]\s*(.+?)\s*(?:\.{{2,}}|…+)\s*(\d+)\s*$")
TITLE_LINE = re.compile(r"^\s*案例名称\s*[：:]\s*")
UNITS_LINE = re.compile(r"^\s*报送单位\s*[：:]\s*")
UNIT_SEPARATORS = re.compile(r"\s*[、，,；;/]\s*|\s{2,}")
SUB_MARKER = re.compile(rf"(?:(?<=^)|(?<=[。；：，、！？”\s]))(?:([{NUMERAL}]+)是|（([{NUMERAL}]+)）)")
BATCH_IN_TITLE = re.compile(rf"第([{NUMERAL}\d]+)批")

PLAN_SECTION = re.compile(rf"^\s*(?:#{{1,6}}\s*)?([{NUMERAL}]+)、\s*(.+?)\s*$")
PLAN_SUBSECTION = re.compile(rf"^\s*(?:#{{1,6}}\s*)?（([{NUMERAL}]+)）\s*(.+?)\s*$")
PLAN_ITEM = re.compile(r"^\s*(?:[-*+]\s+)?(\d{1,3})\s*[.．、]\s*(?=\S)")
PLAN_TITLE = re.compile(r"^\s*#\s+(.+?)\s*$")

BYLINE = re.compile(r"^\s*(?:本报记者|记者|通讯员|文/)\s*\S+|^\s*[\u4e00-\u9fff]{2,4}\s*$")


# --- decoding -----------------------------------------------------------------------------------


def decode(data: bytes, path: Path) -> tuple[str, str]:
    """Decode a document, detecting its encoding.

    Returns:
        The text (BOM removed) and the encoding's name.

    Raises:
        ReadError: empty, binary or undecodable input, located at the first bad byte.
    """
    if not data.strip():
        raise ReadError("the file is empty", location=Location(str(path)), hint="remove it or add its text")
    if data.startswith(b"\xef\xbb\xbf"):
        return _strict(data[3:], "utf-8", path, "utf-8-sig")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _strict(data, "utf-16", path, "utf-16")
    if b"\x00" in data:
        even = data[0::2].count(0)
        odd = data[1::2].count(0)
        if odd > len(data) / 4 and even < len(data) / 50:
            return _strict(data, "utf-16-le", path, "utf-16-le")
        if even > len(data) / 4 and odd < len(data) / 50:
            return _strict(data, "utf-16-be", path, "utf-16-be")
        raise ReadError(
            "the file is binary (it contains NUL bytes), not text",
            location=Location(str(path)),
            hint="give the corpus plain-text documents",
        )
    try:
        text = data.decode("utf-8")
        return _check_text(text, path), "utf-8"
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            prefix = data[: utf8_error.start].decode("utf-8", errors="replace")
            loc = Location.at_offset(path, prefix, len(prefix))
            raise ReadError(
                f"undecodable byte 0x{data[utf8_error.start]:02x} (not UTF-8, GB18030 or UTF-16)",
                location=loc,
                hint="re-save the file as UTF-8",
            ) from utf8_error
        return _check_text(text, path), "gb18030"


def _strict(data: bytes, codec: str, path: Path, name: str) -> tuple[str, str]:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as e:
        raise ReadError(
            f"undecodable bytes at byte {e.start} for {name}",
            location=Location(str(path)),
            hint="re-save the file as UTF-8",
        ) from e
    return _check_text(text.lstrip("\ufeff"), path), name


def _check_text(text: str, path: Path) -> str:
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 100):
        raise ReadError(
            "the file looks binary (many control characters), not text",
            location=Location(str(path)),
            hint="give the corpus plain-text documents",
        )
    return text


# --- manifest ------------------------------------------------------------------------------------


def load_manifest(corpus_dir: Path) -> tuple[dict[str, DocumentMeta], list[Finding]]:
    """Read ``manifest.toml`` if present. A malformed entry becomes a finding, not a crash.

    Raises:
        ManifestError: the file is not valid TOML.
    """
    path = corpus_dir / "manifest.toml"
    if not path.exists():
        return {}, []
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        m = re.search(r"line (\d+), column (\d+)", str(e))
        loc = Location(str(path), int(m.group(1)), int(m.group(2))) if m else Location(str(path))
        raise ManifestError(
            f"the manifest is not valid TOML: {e}",
            location=loc,
            hint="fix the manifest or remove it; documents load without it",
        ) from e
    metas: dict[str, DocumentMeta] = {}
    findings: list[Finding] = []
    for i, entry in enumerate(data.get("document", []), start=1):
        try:
            meta = _meta_from_entry(entry)
        except (KeyError, ValueError, TypeError) as e:
            findings.append(
                Finding("manifest-entry", f"manifest entry {i} is unusable: {e}", Severity.WARNING, str(path))
            )
            continue
        metas[meta.file] = meta
    return metas, findings


def _meta_from_entry(entry: dict) -> DocumentMeta:
    kind = DocumentKind(entry["kind"])
    publisher = entry.get("publisher", ())
    if isinstance(publisher, str):
        publisher = (publisher,)
    announced = entry.get("announced")
    if announced is not None and not isinstance(announced, dt.date):
        announced = dt.date.fromisoformat(str(announced))
    issued = entry.get("issued")
    cats = entry.get("categories", {}) or {}
    return DocumentMeta(
        file=str(entry["file"]),
        kind=kind,
        batch=int(entry["batch"]) if "batch" in entry else None,
        title=entry.get("title"),
        publisher=tuple(str(p) for p in publisher),
        announced=announced,
        issued=issued.isoformat() if isinstance(issued, dt.date) else (str(issued) if issued else None),
        language=entry.get("language"),
        cases=int(entry["cases"]) if "cases" in entry else None,
        categories=tuple(sorted((str(k), int(v)) for k, v in cats.items())),
    )


def infer_meta(path: Path, text: str) -> tuple[DocumentMeta, Finding]:
    """Guess kind, batch and script of a document the manifest does not list."""
    if "案例名称" in text or CASE_HEADING.search(text.split("\n", 1)[0] + "\n"):
        kind = DocumentKind.CASE_BATCH
    elif sum(1 for ln in text.splitlines() if PLAN_ITEM.match(ln)) >= 5:
        kind = DocumentKind.WORK_PLAN
    else:
        kind = DocumentKind.NEWS
    m = BATCH_IN_TITLE.search(text[:4000])
    batch = _numeral(m.group(1)) if m else None
    sample = text[:5000]
    simplified = to_simplified(sample)
    changed = sum(1 for a, b in zip(sample, simplified, strict=False) if a != b)
    language = "zh-Hant" if changed > max(3, len(sample) // 200) else "zh-Hans"
    meta = DocumentMeta(file=path.name, kind=kind, batch=batch, language=language, in_manifest=False)
    finding = Finding(
        "not-in-manifest",
        f"not listed in manifest.toml; read as {kind.value}"
        + (f", batch {batch}" if batch else "")
        + f", {language} (inferred from the text)",
        Severity.WARNING,
        str(path),
    )
    return meta, finding


def _numeral(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    try:
        return chinese_to_int(s)
    except ValueError:
        return None


# --- the lazy and eager API ----------------------------------------------------------------------


def corpus_files(corpus_dir: Path) -> list[Path]:
    """The document files of a corpus folder, in name order.

    Raises:
        ReadError: the folder does not exist.
    """
    if not corpus_dir.is_dir():
        raise ReadError(
            "the corpus folder does not exist",
            location=Location(str(corpus_dir)),
            hint="pass --corpus DIR pointing at a folder of documents",
        )
    return sorted(p for p in corpus_dir.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES)


def iter_documents(corpus_dir: str | Path, vocab: Vocabulary | None = None) -> Iterator[DocumentRecords]:
    """Read each document of a corpus lazily; unreadable documents yield findings, not exceptions.

    Raises:
        ReadError: the corpus folder is missing or its manifest is not valid TOML.
    """
    root = Path(corpus_dir)
    files = corpus_files(root)
    metas, manifest_findings = load_manifest(root)
    vocab = vocab or load_vocabulary()
    listed = {p.name for p in files}
    if not files:
        manifest_findings.append(
            Finding(
                "no-documents",
                f"the corpus folder has no documents ({', '.join(DOCUMENT_SUFFIXES)})",
                Severity.WARNING,
                str(root),
            )
        )
    for name in sorted(set(metas) - listed):
        manifest_findings.append(
            Finding(
                "missing-document",
                f"manifest lists {name}, which is not in the folder",
                Severity.WARNING,
                str(root / "manifest.toml"),
            )
        )
    if manifest_findings:
        yield DocumentRecords(document=_placeholder(root), findings=tuple(manifest_findings))
    for path in files:
        yield read_document(path, metas.get(path.name), vocab)


def iter_records(corpus_dir: str | Path, vocab: Vocabulary | None = None) -> Iterator[Record]:
    """Every case, plan section, plan item, article and news measure of a corpus, lazily."""
    for doc in iter_documents(corpus_dir, vocab):
        yield from doc.records()


def read_corpus(corpus_dir: str | Path, vocab: Vocabulary | None = None) -> Corpus:
    """Read a whole corpus eagerly (see :func:`iter_documents`)."""
    root = Path(corpus_dir)
    docs: list[DocumentRecords] = []
    extra: list[Finding] = []
    for d in iter_documents(root, vocab):
        if d.document.meta.kind is None:
            extra.extend(d.findings)
        else:
            docs.append(d)
    return Corpus(root=root, documents=tuple(docs), findings=tuple(extra))


def _placeholder(root: Path) -> Document:
    meta = DocumentMeta(file="manifest.toml", kind=None, in_manifest=False)
    return Document(root / "manifest.toml", meta, "", "utf-8", "", 0)


def read_document(path: Path, meta: DocumentMeta | None, vocab: Vocabulary) -> DocumentRecords:
    """Read one document. Decoding problems become a finding and an empty record set."""
    data = path.read_bytes()
    try:
        text, encoding = decode(data, path)
    except ReadError as e:
        loc = e.location or Location(str(path))
        bad = DocumentMeta(file=path.name, kind=None, in_manifest=meta is not None)
        doc = Document(path, bad, "", "unknown", hashlib.sha256(data).hexdigest(), len(data))
        return DocumentRecords(
            doc,
            findings=(
                Finding(
                    "unreadable",
                    e.message + (f" ({e.hint})" if e.hint else ""),
                    Severity.VIOLATION,
                    loc.path,
                    loc.line,
                    loc.column,
                ),
            ),
        )
    findings: list[Finding] = []
    if meta is None:
        meta, finding = infer_meta(path, text)
        findings.append(finding)
    doc = Document(path, meta, text, encoding, hashlib.sha256(data).hexdigest(), len(data))
    if encoding not in ("utf-8",):
        findings.append(Finding("encoding", f"decoded as {encoding}", Severity.INFO, str(path)))
    if meta.kind is DocumentKind.CASE_BATCH:
        return _read_case_batch(doc, findings)
    if meta.kind is DocumentKind.WORK_PLAN:
        return _read_work_plan(doc, findings)
    return _read_news(doc, findings, vocab)


def _finding(
    doc: Document, code: str, message: str, severity: Severity, offset: int | None = None, subject: str | None = None
) -> Finding:
    if offset is None:
        return Finding(code, message, severity, str(doc.path), subject=subject)
    loc = Location.at_offset(doc.path, doc.text, offset)
    return Finding(code, message, severity, loc.path, loc.line, loc.column, subject)


# --- case batches --------------------------------------------------------------------------------


def _read_case_batch(doc: Document, findings: list[Finding]) -> DocumentRecords:
    lines = split_lines(doc.text)
    wrap, wrapped = wrap_width(lines)
    batch = doc.meta.batch or 0
    if not doc.meta.batch:
        findings.append(_finding(doc, "no-batch", "batch number unknown; cases numbered as batch 0", Severity.WARNING))
    toc: dict[int, tuple[str, int]] = {}
    headings: list[tuple[int, Line]] = []
    for idx, line in enumerate(lines):
        t = TOC_ENTRY.match(line.text)
        if t:
            n = _numeral(t.group(1))
            if n is not None:
                toc[n] = (re.sub(r"\s+", "", t.group(2)), line.start)
            continue
        h = CASE_HEADING.match(line.text)
        if h:
            n = _numeral(h.group(1))
            if n is None:
                findings.append(
                    _finding(
                        doc,
                        "bad-number",
                        f"case heading with an unreadable number '{h.group(1)}'",
                        Severity.VIOLATION,
                        line.start,
                    )
                )
                continue
            headings.append((idx, line))
    if not headings:
        findings.append(
            _finding(
                doc,
                "no-cases",
                "no case headings (案例一, 案例二 …) found; is this really a case batch?",
                Severity.VIOLATION,
                0,
            )
        )
    cases: list[Case] = []
    seen: dict[int, int] = {}
    for k, (idx, line) in enumerate(headings):
        end_idx = headings[k + 1][0] if k + 1 < len(headings) else len(lines)
        h = CASE_HEADING.match(line.text)
        assert h is not None
        number = _numeral(h.group(1)) or 0
        heading = join_lines(doc.text, [line]).field()
        if number in seen:
            findings.append(
                _finding(
                    doc,
                    "duplicate-case",
                    f"case number {number} appears again (first at line {seen[number]}); both kept",
                    Severity.VIOLATION,
                    line.start,
                    f"b{batch}-{number:02d}",
                )
            )
        seen.setdefault(number, line.number)
        case = _read_case(doc, lines[idx + 1 : end_idx], batch, number, heading, wrap, wrapped, findings)
        cases.append(case)
    _check_numbering(doc, cases, toc, findings)
    return DocumentRecords(doc, cases=tuple(cases), findings=tuple(findings))


def _read_case(
    doc: Document,
    lines: list[Line],
    batch: int,
    number: int,
    heading: Field,
    wrap: int,
    wrapped: bool,
    findings: list[Finding],
) -> Case:
    key = f"b{batch}-{number:02d}"
    content = [ln for ln in lines if not ln.blank and not ln.footer]
    i = 0
    title: Field | None = None
    units: tuple[Field, ...] = ()
    title_idx = next((j for j, ln in enumerate(content[:4]) if TITLE_LINE.match(ln.text)), None)
    units_idx = next((j for j, ln in enumerate(content[:8]) if UNITS_LINE.match(ln.text)), None)
    if title_idx is None:
        findings.append(
            _finding(doc, "no-title", f"case {key} has no 案例名称 line", Severity.VIOLATION, heading.end, key)
        )
    else:
        stop = units_idx if units_idx is not None and units_idx > title_idx else title_idx + 1
        title_lines = content[title_idx:stop]
        loc = join_lines(doc.text, title_lines)
        prefix = TITLE_LINE.match(title_lines[0].text)
        assert prefix is not None
        skip = _skip_to(loc, title_lines[0].start + prefix.end())
        title = loc.field(skip)
        i = stop
    if units_idx is None:
        findings.append(
            _finding(doc, "no-units", f"case {key} has no 报送单位 line", Severity.VIOLATION, heading.end, key)
        )
    else:
        unit_lines = [content[units_idx]]
        first_w = width(content[units_idx].text.strip())
        nxt = content[units_idx + 1] if units_idx + 1 < len(content) else None
        if (
            wrapped
            and nxt is not None
            and first_w >= wrap - 4
            and width(nxt.text.strip()) < 0.6 * wrap
            and not nxt.text.strip().endswith(tuple("。；！？"))
        ):
            unit_lines.append(nxt)
        loc = join_lines(doc.text, unit_lines)
        prefix = UNITS_LINE.match(unit_lines[0].text)
        assert prefix is not None
        loc = loc.sub(_skip_to(loc, unit_lines[0].start + prefix.end()), len(loc))
        units = _split_units(loc)
        if not units:
            findings.append(
                _finding(
                    doc,
                    "no-units",
                    f"case {key} has an empty 报送单位 line",
                    Severity.VIOLATION,
                    unit_lines[0].start,
                    key,
                )
            )
        i = units_idx + len(unit_lines)
    body_lines = content[i:]
    paras = paragraphs(doc.text, body_lines, wrap, wrapped)
    body = join_lines(doc.text, body_lines)
    if not body.text:
        findings.append(
            _finding(
                doc,
                "empty-case",
                f"case {key} has no body text; the document may be truncated",
                Severity.VIOLATION,
                heading.end,
                key,
            )
        )
    elif not body.text.rstrip().endswith(tuple("。！？”）)")):
        findings.append(
            _finding(
                doc,
                "truncated",
                f"case {key} ends mid-sentence; the document may be truncated",
                Severity.WARNING,
                body.field().end,
                key,
            )
        )
    subs = sub_measures(paras)
    results = paras[-1].field() if len(paras) >= 2 and not _holds_marker(paras[-1]) else None
    return Case(
        doc.key, batch, number, heading, title, units, body.field(), tuple(p.field() for p in paras), subs, results
    )


def _skip_to(loc: Located, offset: int) -> int:
    """Index of the first cleaned character at or after a source offset."""
    for k, o in enumerate(loc.offsets):
        if o >= offset:
            return k
    return len(loc)


def _split_units(loc: Located) -> tuple[Field, ...]:
    units = []
    pos = 0
    for m in UNIT_SEPARATORS.finditer(loc.text):
        if m.start() > pos:
            units.append(loc.sub(pos, m.start()).strip().field())
        pos = m.end()
    if pos < len(loc):
        units.append(loc.sub(pos, len(loc)).strip().field())
    return tuple(u for u in units if u.text)


def sub_measures(paras: list[Located]) -> tuple[SubMeasure, ...]:
    """The enumerated sub-measures (一是…二是…, （一）…) in order; each ends where the next begins,
    the last at the end of its paragraph."""
    if not paras:
        return ()
    body = Located("".join(p.text for p in paras), array("l", [o for p in paras for o in p.offsets]))
    ends = list(accumulate(len(p) for p in paras))
    marks: list[tuple[int, str, int]] = []  # position in body, marker, ordinal
    for style in (1, 2):
        expected = 1
        found: list[tuple[int, str, int]] = []
        for start, para in zip([0, *ends[:-1]], paras, strict=True):
            for m in SUB_MARKER.finditer(para.text):
                num = m.group(style)
                if num is not None and _numeral(num) == expected:
                    found.append((start + m.start(), m.group(0), expected))
                    expected += 1
        if len(found) >= 2 and len(found) > len(marks):
            marks = found
    result = []
    for k, (pos, marker, ordinal) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else next(e for e in ends if e > pos)
        result.append(SubMeasure(ordinal, marker, body.sub(pos, end).strip().field()))
    return tuple(result)


def _holds_marker(para: Located) -> bool:
    return any(m.group(1) in ("一", "二") or m.group(2) in ("一", "二") for m in SUB_MARKER.finditer(para.text))


def _check_numbering(
    doc: Document, cases: list[Case], toc: dict[int, tuple[str, int]], findings: list[Finding]
) -> None:
    numbers = sorted({c.number for c in cases})
    if numbers:
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        for n in missing:
            findings.append(
                _finding(doc, "numbering-gap", f"case {n} is missing from the numbering", Severity.VIOLATION)
            )
    announced = doc.meta.cases
    if announced is not None and announced != len(cases):
        findings.append(
            _finding(
                doc,
                "case-count",
                f"{len(cases)} cases read, but the manifest announces {announced}",
                Severity.VIOLATION,
            )
        )
    if toc:
        by_number = {c.number: c for c in cases}
        for n, (entry, offset) in sorted(toc.items()):
            case = by_number.get(n)
            if case is None:
                findings.append(
                    _finding(
                        doc,
                        "toc-mismatch",
                        f"the table of contents lists case {n}, which is not in the text",
                        Severity.WARNING,
                        offset,
                    )
                )
            elif case.title is not None and re.sub(r"\s+", "", case.title.text) != entry:
                findings.append(
                    _finding(
                        doc,
                        "toc-mismatch",
                        f"table of contents and heading differ for case "
                        f"{n}: contents '{entry}', heading '{case.title.text}'",
                        Severity.WARNING,
                        offset,
                        case.key,
                    )
                )
        for n in sorted(set(by_number) - set(toc)):
            findings.append(
                _finding(
                    doc,
                    "toc-mismatch",
                    f"case {n} is not in the table of contents",
                    Severity.WARNING,
                    by_number[n].heading.start,
                    by_number[n].key,
                )
            )


# --- work plans ----------------------------------------------------------------------------------


def _read_work_plan(doc: Document, findings: list[Finding]) -> DocumentRecords:
    lines = split_lines(doc.text)
    sections: list[PlanSection] = []
    items: list[PlanItem] = []
    plan_title: Field | None = None
    top: str | None = None
    current_section: str | None = None
    item_lines: list[Line] = []
    item_number = 0

    def flush() -> None:
        nonlocal item_lines
        if not item_lines:
            return
        loc = join_lines(doc.text, item_lines)
        m = PLAN_ITEM.match(item_lines[0].text)
        assert m is not None
        loc = loc.sub(_skip_to(loc, item_lines[0].start + m.end()), len(loc))
        if current_section is None:
            findings.append(
                _finding(
                    doc,
                    "item-outside-section",
                    f"item {item_number} comes before any section heading",
                    Severity.WARNING,
                    item_lines[0].start,
                )
            )
        items.append(PlanItem(doc.key, item_number, current_section or "", loc.field(), to_simplified(loc.text)))
        item_lines = []

    for line in lines:
        if line.blank or line.footer:
            continue
        text = line.text
        item = PLAN_ITEM.match(text)
        sec = PLAN_SECTION.match(text)
        sub = PLAN_SUBSECTION.match(text)
        open_item = item_lines and not join_lines(doc.text, item_lines).text.endswith(tuple("。！？；"))
        if item:
            flush()
            item_number = int(item.group(1))
            item_lines = [line]
        elif sec and not open_item:
            flush()
            top = sec.group(1)
            current_section = top
            sections.append(PlanSection(sec.group(1), _after(doc, line, sec.start(2)), None))
        elif sub and not open_item:
            flush()
            number = f"{top or ''}（{sub.group(1)}）"
            current_section = number
            sections.append(PlanSection(number, _after(doc, line, sub.start(2)), top))
        elif item_lines and open_item:
            item_lines.append(line)
        else:
            flush()
            title = PLAN_TITLE.match(text)
            if title and plan_title is None and not sections:
                plan_title = _after(doc, line, title.start(1))
    flush()
    numbers = [it.number for it in items]
    for n in sorted(set(range(1, max(numbers, default=0) + 1)) - set(numbers)):
        findings.append(_finding(doc, "numbering-gap", f"work-plan item {n} is missing", Severity.VIOLATION))
    for n, count in Counter(numbers).items():
        if count > 1:
            findings.append(
                _finding(doc, "duplicate-item", f"work-plan item {n} appears {count} times", Severity.VIOLATION)
            )
    if not items:
        findings.append(_finding(doc, "no-items", "no numbered work-plan items found", Severity.VIOLATION, 0))
    return DocumentRecords(
        doc, plan_title=plan_title, plan_sections=tuple(sections), plan_items=tuple(items), findings=tuple(findings)
    )


def _after(doc: Document, line: Line, column: int) -> Field:
    loc = join_lines(doc.text, [line])
    return loc.sub(_skip_to(loc, line.start + column), len(loc)).field()


# --- news pages ----------------------------------------------------------------------------------


def _read_news(doc: Document, findings: list[Finding], vocab: Vocabulary) -> DocumentRecords:
    lines = split_lines(doc.text)
    wrap, wrapped = wrap_width(lines)
    content = [ln for ln in lines if not ln.blank and not ln.footer]
    starts = [0]
    for k in range(1, len(content)):
        ln = content[k]
        block_start = ln.text.startswith(" ") and not ln.text.startswith("  ")
        titled = (
            k + 1 < len(content)
            and BYLINE.match(content[k + 1].text)
            and width(ln.text.strip()) < 0.9 * max(wrap, 24)
            and not ln.text.strip().endswith(tuple("。，；：、"))
        )
        prev = content[k - 1].text.strip()
        if (block_start or titled) and prev.endswith(tuple("。！？”）")) and k - starts[-1] > 2:
            starts.append(k)
    articles: list[Article] = []
    measures: list[NewsMeasure] = []
    for a, s in enumerate(starts, start=1):
        e = starts[a] if a < len(starts) else len(content)
        block = content[s:e]
        title = join_lines(doc.text, block[:1]).field()
        body_lines = block[1:]
        if body_lines and BYLINE.match(body_lines[0].text):
            body_lines = body_lines[1:]
        body = join_lines(doc.text, body_lines)
        relevant = vocab.is_rule_alignment_article(title.text + body.text)
        articles.append(Article(a, title, body.field(), relevant))
        if not relevant:
            continue
        for para in paragraphs(doc.text, body_lines, wrap, wrapped):
            if is_reported_measure(para.text, vocab):
                for segment in measure_segments(para, vocab):
                    measures.append(NewsMeasure(doc.key, doc.meta.batch, a, len(measures) + 1, segment.field()))
    if not any(a.relevant for a in articles):
        findings.append(
            _finding(doc, "no-relevant-article", "no article on this page is about rule alignment", Severity.WARNING)
        )
    return DocumentRecords(doc, articles=tuple(articles), news_measures=tuple(measures), findings=tuple(findings))


REPORTED_FACT = re.compile(r"\d|《|[一二三四五六七八九十]+[家个项名]")


NAMED_THING = re.compile(r"“[^“”]{2,16}”|《[^《》]{2,60}》")
SENTENCE = re.compile(r"[^。！？]*[。！？]”?|[^。！？]+$")


def measure_segments(para: Located, vocab: Vocabulary) -> list[Located]:
    """Split a news paragraph into the measures it reports: a sentence that names something new (a quoted
    initiative or a 《》 instrument) starts a new measure once the current one has reported a figure."""
    segments: list[tuple[int, int]] = []
    start, has_figure = 0, False
    for m in SENTENCE.finditer(para.text):
        sentence = m.group(0)
        if not sentence.strip():
            continue
        if m.start() > start and has_figure and NAMED_THING.search(sentence):
            segments.append((start, m.start()))
            start, has_figure = m.start(), False
        has_figure = has_figure or bool(vocab.figure_pattern.search(sentence))
    segments.append((start, len(para)))
    merged: list[tuple[int, int]] = []
    for s, e in segments:
        if merged and _continues(para.text[merged[-1][0] : merged[-1][1]], para.text[s:e]):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return [para.sub(s, e).strip() for s, e in merged if para.text[s:e].strip()]


def _continues(previous: str, segment: str, length: int = 6) -> bool:
    """A segment continues the previous one when its opening clause repeats a name from it (six or more
    characters): the same centre, programme or body is still the subject."""
    head = re.split(r"[，。；：]", segment, maxsplit=1)[0]
    return any(head[i : i + length] in previous for i in range(len(head) - length + 1))


def is_reported_measure(text: str, vocab: Vocabulary) -> bool:
    """A news paragraph reports a measure when it is concrete (a figure, a date or a named instrument) and
    cross-border (it names Hong Kong or Macao, or carries a cross-border cue such as 跨境); a paragraph
    announcing the batch itself (a batch cue such as 典型案例) is about the batch, not one measure."""
    if not REPORTED_FACT.search(text):
        return False
    if not vocab.cross_border(text) and not any(c in text for c in vocab.cross_border_cues):
        return False
    return not any(cue in text for cue in vocab.batch_cues)
