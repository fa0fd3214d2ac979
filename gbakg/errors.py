"""Every exception gbakg raises: one base class, one subclass per stage.

Each error carries its context (file, line, column, case, shape, query) and renders a message that
says what was wrong, where, and what to do. Bad *data* is not an exception: the reader and the
validator return findings and reports; only unreadable files, broken shapes or queries, and
unreachable servers raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Location:
    """A place in a source file; line and column count from 1."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.path]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    @classmethod
    def at_offset(cls, path: str | Path, text: str, offset: int) -> Location:
        """The location of a character offset in a decoded text."""
        offset = max(0, min(offset, len(text)))
        line = text.count("\n", 0, offset) + 1
        last_nl = text.rfind("\n", 0, offset)
        return cls(str(path), line, offset - last_nl)


class GbakgError(Exception):
    """Base of every gbakg error.

    Args:
        message: what was wrong.
        location: where, if it comes from a file.
        hint: what the user can do about it.
    """

    def __init__(self, message: str, *, location: Location | None = None, hint: str | None = None):
        self.message = message
        self.location = location
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class ReadError(GbakgError):
    """A document or manifest could not be read or decoded."""


class ManifestError(ReadError):
    """The corpus manifest is malformed."""


class VocabularyError(GbakgError):
    """The ontology, vocabularies or reference data are missing or malformed."""


class ExtractError(GbakgError):
    """Extraction met an inconsistency it cannot report as a finding."""


class MappingError(GbakgError):
    """Records could not be mapped to RDF."""


class ShapesError(GbakgError):
    """The SHACL shapes are missing or malformed."""


class QueryError(GbakgError):
    """A named query is unknown, malformed, or was given bad parameters."""


class EndpointError(GbakgError):
    """A SPARQL endpoint could not be reached or answered with an error."""


class ExportError(GbakgError):
    """A graph could not be exported in the requested format or view."""


class OutputError(GbakgError):
    """An output file could not be written."""


def require_graph_file(path: Path) -> None:
    """Raise a located ReadError, with what to do, when a graph file does not exist.

    Raises:
        ReadError: the file is missing.
    """
    if not Path(path).exists():
        raise ReadError(
            "graph file not found",
            location=Location(str(path)),
            hint="run `gbakg build` first or pass an existing file",
        )
