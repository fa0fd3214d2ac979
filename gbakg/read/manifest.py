"""The corpus manifest, and what can be inferred about a document it does not list."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

from ..errors import Location, ManifestError
from ..models import (
    DocumentKind,
    DocumentMeta,
    Finding,
    Severity,
)
from ..script import to_simplified
from .common import BATCH_IN_TITLE, CASE_HEADING, PLAN_ITEM, _numeral

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
