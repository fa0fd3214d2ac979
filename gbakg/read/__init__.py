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

import hashlib
from collections.abc import Iterator
from pathlib import Path

from ..errors import Location, ReadError
from ..models import (
    Corpus,
    Document,
    DocumentKind,
    DocumentMeta,
    DocumentRecords,
    Finding,
    Record,
    Severity,
)
from ..vocab import Vocabulary, load_vocabulary
from .cases import _read_case_batch, sub_measures
from .common import DOCUMENT_SUFFIXES
from .decode import decode
from .manifest import infer_meta, load_manifest
from .news import REPORTED_FACT, _read_news, is_reported_measure, measure_segments
from .plans import _read_work_plan

__all__ = [
    "DOCUMENT_SUFFIXES",
    "REPORTED_FACT",
    "corpus_files",
    "decode",
    "infer_meta",
    "is_reported_measure",
    "iter_documents",
    "iter_records",
    "load_manifest",
    "measure_segments",
    "read_corpus",
    "read_document",
    "sub_measures",
]


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
