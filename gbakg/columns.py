"""The validator's input as columns: the union's statements in one file per predicate (``rdf:type``
statements in one per class), from which small stores are made, each holding only what a group of
readers reads. The lines are N-Triples (a build's runs) or N-Quads (a graph file, :meth:`Columns.of_file`).

Oxigraph's in-memory store takes about 320 bytes a statement: on the earlier 100× synthetic corpus the whole union
(7.5 M statements) takes 2.4 GB. But each check of the compiled shapes reads a few predicates (its
query's :class:`~gbakg.rdfio.Footprint`, :func:`gbakg.shacl.query_footprint`), and each report
declares what it reads. :func:`pack` groups the readers so that each group's columns stay under a
budget of statements; each group is then run over a store of its own columns, made and freed in
turn. A store with more statements than a reader reads answers it as the whole graph would, and a
:class:`~gbakg.rdfio.StoreView` refuses reads outside its footprint, so a missing declaration fails
loudly instead of finding nothing.

Statements with a blank node go to one column, which every store loads (Oxigraph renames the blank
nodes of each load, so a blank node's statements must be loaded together).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from .rdfio import RDF_TYPE, Footprint, Run

Key = tuple[str, str]  # a column: (predicate, class for rdf:type statements, else "")
BLANK: Key = ("", "")  # the statements with a blank node
SUBCLASS_OF = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
FLUSH = 200_000  # lines held in memory before they are appended to their files
_TYPE = f"<{RDF_TYPE}>".encode()


def _sources(run: Run) -> Iterator[Iterable[bytes]]:
    """A run's lines as UTF-8, a file (or a list in memory) at a time, in no particular order."""
    for part in run.parts or (run,):
        if part.lines is not None:
            yield (line.encode("utf-8") for line in part.lines)
        elif part.path is not None:
            with part.path.open("rb") as fh:
                yield fh


def _key(raw: bytes) -> Key:
    if not raw:
        return BLANK
    predicate, _, obj = raw.partition(b" ")
    iri = predicate[1:-1].decode("utf-8")
    if not obj:
        return iri, ""
    cls = obj.decode("utf-8")
    return iri, cls[1:-1] if cls.startswith("<") else cls


def triple_key(s: object, p: object, o: object) -> Key:
    """The column of a statement given as rdflib terms: what routing its N-Triples line gives."""
    from rdflib import BNode, URIRef

    from .rdfio import nt

    if isinstance(s, BNode) or isinstance(o, BNode):
        return BLANK
    if str(p) == RDF_TYPE:
        return RDF_TYPE, str(o) if isinstance(o, URIRef) else nt(o)  # type: ignore[arg-type]
    return str(p), ""


class Columns:
    """The distinct statements of some runs, split into column files in a folder (removed by
    :meth:`close`); ``sizes`` counts each column's lines (a statement in several graphs counts once per
    graph: an upper bound, which is what a budget needs)."""

    def __init__(self, directory: Path, files: dict[Key, Path], sizes: dict[Key, int]):
        self.directory = directory
        self.files = files
        self.sizes = sizes
        self._subclasses: dict[str, set[str]] | None = None

    @classmethod
    def write(cls, runs: Iterable[Run], directory: Path) -> Columns:
        """Route every line of the runs to its column's file in ``directory`` (made if missing)."""
        directory.mkdir(parents=True, exist_ok=True)
        columns = cls(directory, {}, {})
        columns.add(runs)
        return columns

    def add(self, runs: Iterable[Run]) -> None:
        """Route the lines of more runs to the columns' files (a build routes its documents' graphs
        while the linker still works, and the rest after)."""
        routes: dict[bytes, Key] = {}
        buffers: dict[bytes, list[bytes]] = {}

        def flush() -> None:
            for raw, lines in buffers.items():
                key = routes.get(raw) or routes.setdefault(raw, _key(raw))
                path = self.files.get(key)
                if path is None:
                    path = self.files[key] = self.directory / f"{len(self.files)}.nt"
                with path.open("ab") as fh:
                    fh.writelines(lines)
                self.sizes[key] = self.sizes.get(key, 0) + len(lines)
            buffers.clear()

        held = 0
        for run in runs:
            for source in _sources(run):
                for line in source:
                    s, p, rest = line.split(b" ", 2)
                    if s[:2] == b"_:" or rest[:2] == b"_:":
                        raw = b""
                    elif p == _TYPE:  # the class: up to the graph name (N-Quads) or the final " ."
                        raw = p + b" " + (rest[: rest.find(b" ")] if rest[:1] == b"<" else rest.rstrip()[:-1].rstrip())
                    else:
                        raw = p
                    lines = buffers.get(raw)
                    if lines is None:
                        lines = buffers[raw] = []
                    lines.append(line)
                    held += 1
                    if held == FLUSH:
                        flush()
                        held = 0
        flush()
        self._subclasses = None

    def add_keyed(self, lines: Mapping[Key, Sequence[str]]) -> None:
        """Append lines already sorted into their columns (made with their column known, as the plan
        links' are: :func:`gbakg.mapping.plan_link_lines`)."""
        for key, column in lines.items():
            if not column:
                continue
            path = self.files.get(key)
            if path is None:
                path = self.files[key] = self.directory / f"{len(self.files)}.nt"
            with path.open("ab") as fh:
                fh.write("".join(column).encode("utf-8"))
            self.sizes[key] = self.sizes.get(key, 0) + len(column)
        self._subclasses = None

    def beside(self, suffix: str) -> Columns:
        """New, empty columns in a folder beside these (named with ``suffix``): another process
        routes into them, and these :meth:`adopt` them (the object travels back pickled)."""
        return Columns.write([], self.directory.with_name(self.directory.name + suffix))

    def adopt(self, other: Columns) -> None:
        """Take in the columns another process routed (into a folder of its own): each file is
        appended to this one's file of its column, or moved here where this has none; ``other``'s
        folder is then removed."""
        for key, path in other.files.items():
            mine = self.files.get(key)
            if mine is None:
                mine = self.files[key] = self.directory / f"{len(self.files)}.nt"
                path.replace(mine)
            else:
                with mine.open("ab") as out, path.open("rb") as fh:
                    shutil.copyfileobj(fh, out)
            self.sizes[key] = self.sizes.get(key, 0) + other.sizes[key]
        other.close()
        self._subclasses = None

    @classmethod
    def of_file(cls, path: Path, fmt: ox.RdfFormat, directory: Path) -> Columns:
        """An RDF file's statements (of every graph, for a dataset) as columns in ``directory``:
        Oxigraph rewrites the file as N-Quads, streaming, and the lines are routed from that.

        Raises:
            SyntaxError: the file does not parse (Oxigraph's message gives the line and column).
            OSError: the file cannot be read or the folder written.
        """
        directory.mkdir(parents=True, exist_ok=True)
        quads = directory / "statements.nq"
        try:
            ox.serialize(ox.parse(path=str(path), format=fmt), output=str(quads), format=ox.RdfFormat.N_QUADS)
            return cls.write([Run.spilled(quads, 0)], directory / "columns")
        finally:
            quads.unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def subclasses(self) -> dict[str, set[str]]:
        """Each class's direct subclasses, from the ``rdfs:subClassOf`` statements (those through blank
        nodes included)."""
        if self._subclasses is None:
            out: dict[str, set[str]] = defaultdict(set)
            for key in ((SUBCLASS_OF, ""), BLANK):
                if key in self.files:
                    for t in ox.parse(path=str(self.files[key]), format=ox.RdfFormat.N_QUADS):
                        if t.predicate.value == SUBCLASS_OF:
                            out[str(t.object)].add(str(t.subject))
            self._subclasses = out
        return self._subclasses

    def descendants(self, classes: Iterable[str]) -> set[str]:
        """The classes and their subclasses, at any depth."""
        sub = self.subclasses()
        seen: set[str] = set()
        frontier = [f"<{c}>" for c in classes]
        while frontier:
            c = frontier.pop()
            if c not in seen:
                seen.add(c)
                frontier.extend(sub.get(c, ()))
        return {c[1:-1] for c in seen if c.startswith("<")}

    def keys(self, footprint: Footprint) -> frozenset[Key]:
        """The columns a store must hold to answer a reader of this footprint as the whole graph would."""
        if footprint.everything:
            return frozenset(self.files)
        keys = {(p, "") for p in footprint.predicates if (p, "") in self.files}
        types = [k for k in self.files if k[0] == RDF_TYPE]
        if footprint.classes is None:
            keys.update(types)
        elif footprint.classes:
            wanted = self.descendants(footprint.classes)
            keys.update(k for k in types if k[1] in wanted)
        if BLANK in self.files:
            keys.add(BLANK)
        return frozenset(keys)

    def size(self, keys: Iterable[Key]) -> int:
        return sum(self.sizes[k] for k in keys)

    def store(self, keys: Iterable[Key]) -> ox.Store:
        """A new in-memory store of these columns (N-Triples lines in its default graph, N-Quads lines
        in their graphs). The lines were written by the build or by Oxigraph from a file it parsed, so
        they are loaded leniently: their IRIs and tags are not validated again (a fifth less time)."""
        store = ox.Store()
        for key in sorted(keys):
            store.load(path=str(self.files[key]), format=ox.RdfFormat.N_QUADS, lenient=True)
        return store


def pack(columns: Columns, needs: Sequence[frozenset[Key]], budget: int) -> list[list[int]]:
    """Readers (the columns each needs) in groups whose columns hold at most ``budget`` statements
    together, or a reader alone where it needs more: the largest first, each into the group it adds
    the fewest statements to. The groups, as sorted lists of reader indexes, in the order made."""
    groups: list[tuple[set[Key], list[int]]] = []
    for i in sorted(range(len(needs)), key=lambda i: (-columns.size(needs[i]), i)):
        best: tuple[int, int] | None = None
        for g, (keys, _) in enumerate(groups):
            added = columns.size(needs[i] - keys)
            if columns.size(keys) + added <= budget and (best is None or added < best[0]):
                best = (added, g)
        if best is None:
            groups.append((set(needs[i]), [i]))
        else:
            keys, members = groups[best[1]]
            keys.update(needs[i])
            members.append(i)
    return [sorted(members) for _, members in groups]
