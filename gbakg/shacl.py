"""SHACL validation inside Oxigraph: each constraint of the shapes compiled to one SPARQL query.

pySHACL checks every focus node in Python, about 11,000 triples a second; at a hundred times the
corpus that is most of the build. Here every constraint component of every shape becomes one SELECT
that returns exactly the focus nodes (and value nodes) violating it, and Oxigraph's Rust engine runs
it over the whole graph at once. The results are the ones pySHACL gives (the same focus node, value,
path, source shape, component and severity; messages where the shape states them), which the tests
check on every shape's examples and on the corpus.

Supported: targets (class with subclasses, implicit class, node, subjects-of, objects-of and
SPARQL-based); predicate, sequence, alternative, inverse and repeated paths; the components sh:class,
sh:datatype (lexical forms checked, and values by Oxigraph's casts: no 2024-02-30), sh:nodeKind,
sh:in, sh:hasValue, sh:languageIn, sh:uniqueLang, sh:pattern, sh:minLength, sh:maxLength, sh:minInclusive,
sh:maxInclusive, sh:minExclusive, sh:maxExclusive, sh:minCount, sh:maxCount, sh:equals, sh:disjoint,
sh:lessThan, sh:lessThanOrEquals, and sh:or, sh:and, sh:not, sh:node over shapes whose own
constraints are value constraints, sh:hasValue or sh:minCount 1. Anything else raises
:class:`ShapesError` naming the shape and the component: a shapes file this engine cannot check is
refused, never half-checked.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .errors import ShapesError
from .rdfio import Footprint, convert_to_ox, term_converter

# The XSD lexical spaces checked with sh:datatype (pySHACL rejects ill-typed literals too).
LEXICAL = {
    XSD.integer: r"^[+-]?[0-9]+$",
    XSD.nonNegativeInteger: r"^(\+?[0-9]+|-0+)$",
    XSD.positiveInteger: r"^\+?0*[1-9][0-9]*$",
    XSD.decimal: r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$",
    XSD.boolean: r"^(true|false|1|0)$",
    XSD.date: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.gYearMonth: r"^-?[0-9]{4,}-(0[1-9]|1[0-2])(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.gYear: r"^-?[0-9]{4,}(Z|[+-][0-9]{2}:[0-9]{2})?$",
    XSD.anyURI: r"^[^\s]*$",
}
# Types whose values Oxigraph's casts check beyond the lexical form (2024-02-30 is no xsd:date).
CASTS = {XSD.date, XSD.dateTime, XSD.time, XSD.integer, XSD.decimal, XSD.boolean, XSD.double, XSD.float}
# Oxigraph's store keeps a literal of a derived integer type as xsd:integer ("5"^^xsd:int comes back
# as "5"^^xsd:integer), so such a datatype is checked as xsd:integer within the derived type's range.
# The one difference from pySHACL: an xsd:integer in that range passes where the derived type is asked.
INTEGER_RANGES = {
    XSD.nonNegativeInteger: (0, None),
    XSD.positiveInteger: (1, None),
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
}
# sh:minInclusive etc.: the SPARQL operator a conforming value satisfies against the bound.
RANGE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">", SH.maxExclusive: "<"}
PAIRS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNode: "isBlank({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}
# The message of a result whose shape states none ({arg}: the parameter, {path}: the path).
GENERIC_MESSAGES = {
    SH.minCount: "Fewer than {arg} values of {path}",
    SH.maxCount: "More than {arg} values of {path}",
    SH.hasValue: "{path} does not have the value {arg}",
    SH.uniqueLang: "More than one value of {path} in the same language",
    SH["class"]: "Value is not an instance of {arg}",
    SH.datatype: "Value is not a literal of datatype {arg}",
    SH.nodeKind: "Value is not of node kind {arg}",
    SH["in"]: "Value is not one of the allowed values",
    SH.languageIn: "Value is not in one of the allowed languages",
    SH.pattern: "Value does not match the pattern {arg}",
    SH.minLength: "Value is shorter than {arg} characters",
    SH.maxLength: "Value is longer than {arg} characters",
    SH.minInclusive: "Value is less than {arg}",
    SH.maxInclusive: "Value is greater than {arg}",
    SH.minExclusive: "Value is not greater than {arg}",
    SH.maxExclusive: "Value is not less than {arg}",
    SH.equals: "Value is not also a value of {arg}, or the reverse",
    SH.disjoint: "Value is also a value of {arg}",
    SH.lessThan: "Value is not less than the value of {arg}",
    SH.lessThanOrEquals: "Value is not less than or equal to the value of {arg}",
    SH["or"]: "Value does not conform to any shape of its sh:or",
    SH["and"]: "Value does not conform to every shape of its sh:and",
    SH["not"]: "Value conforms to the shape of its sh:not",
    SH.node: "Value does not conform to the shape {arg}",
}
# Predicates of a shape that are not constraint parameters.
NOT_PARAMETERS = {
    SH.path,
    SH.severity,
    SH.message,
    SH.name,
    SH.description,
    SH.order,
    SH.group,
    SH.deactivated,
    SH.targetClass,
    SH.targetNode,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.target,
    SH.property,
    SH.flags,
    SH.defaultValue,
}


def component(name: str) -> URIRef:
    return SH[name[0].upper() + name[1:] + "ConstraintComponent"]


@dataclass(frozen=True)
class Check:
    """One constraint of one shape as a query whose rows (``?this``, and ``?value`` where the result
    has a value node) are its violations."""

    node_shape: Node
    component: URIRef
    path_text: str | None
    path_iris: tuple[str, ...]
    severity: URIRef
    message: str | None
    query: str
    values: bool  # whether its rows (and results) name a value node


@dataclass(frozen=True)
class RawResult:
    """A SHACL validation result as a report states it (from either engine)."""

    node_shape: Node
    focus: Node
    path_text: str | None
    path_iris: tuple[str, ...]
    value: Node | None
    component: URIRef
    severity: URIRef
    message: str | None


def path_iris(g: Graph, path: Node | None) -> tuple[str, ...]:
    """The IRIs of a predicate path or of a sequence path, in order (empty for other paths)."""
    if isinstance(path, URIRef):
        return (str(path),)
    if path is not None and (path, RDF.first, None) in g:
        return tuple(str(i) for i in g.items(path))
    return ()


def path_text(g: Graph, path: Node | None, name: Callable[[str], str] = str) -> str | None:
    """A path as text: an IRI, sequence steps joined by " / ", ^inverse, (a | b), p*, p+ or p?; IRIs
    written by ``name``."""
    if path is None:
        return None
    if isinstance(path, URIRef):
        return name(path)
    if (path, RDF.first, None) in g:
        return " / ".join(path_text(g, p, name) or "" for p in g.items(path))
    for prop, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"), (SH.oneOrMorePath, "{}+")):
        inner = g.value(path, prop)
        if inner is not None:
            return fmt.format(path_text(g, inner, name))
    inner = g.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return f"{path_text(g, inner, name)}?"
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + " | ".join(path_text(g, p, name) or "" for p in g.items(alternatives)) + ")"
    return str(path)


def sparql_term(term: Node) -> str:
    """A term in SPARQL syntax, escaped by Oxigraph (shape parameters never reach a query raw)."""
    return str(convert_to_ox(term))


class Compiler:
    """Compiles the node shapes of a shapes graph into :class:`Check` queries."""

    def __init__(self, shapes: Graph):
        self.g = shapes
        self._fresh = itertools.count()

    def var(self) -> str:
        return f"?_v{next(self._fresh)}"

    # -- shapes and their parts -----------------------------------------------------------------

    def checks(self) -> list[Check]:
        out: list[Check] = []
        for shape in sorted(self.node_shapes(), key=str):
            if self.deactivated(shape):
                continue
            target, rows = self.target(shape), self.target(shape, distinct=False)
            if target is None or rows is None:
                continue
            prefixes = self.prefixes(shape)
            out.extend(self.node_checks(shape, rows, prefixes))
            for prop in sorted(self.g.objects(shape, SH.property), key=str):
                if not self.deactivated(prop):
                    out.extend(self.property_checks(shape, prop, (target, rows), prefixes))
        return out

    def node_shapes(self) -> set[Node]:
        shapes = set(self.g.subjects(RDF.type, SH.NodeShape))
        for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            for s in self.g.subjects(p, None):
                if (s, SH.path, None) in self.g:
                    raise self.unsupported(s, "a property shape with targets of its own")
                shapes.add(s)
        return shapes

    def deactivated(self, shape: Node) -> bool:
        return any(isinstance(v, Literal) and v.value is True for v in self.g.objects(shape, SH.deactivated))

    def severity(self, shape: Node) -> URIRef:
        value = self.g.value(shape, SH.severity)
        return value if isinstance(value, URIRef) else SH.Violation

    def message(self, shape: Node) -> str | None:
        messages = sorted(self.g.objects(shape, SH.message), key=lambda m: (getattr(m, "language", "") != "en", m))
        return str(messages[0]) if messages else None

    def target(self, shape: Node, distinct: bool = True) -> str | None:
        """A group pattern binding ``?this`` to each focus node of the shape, or None: once each, or
        with ``distinct=False`` once per way it is a focus node (a node of two classes of the target,
        say). Checks whose results are distinct anyway read the second: on the earlier 100× corpus,
        making 257,210 plan links distinct took 0.3 s of each of their checks' 0.5 to 1.6 s."""
        parts = []
        classes = list(self.g.objects(shape, SH.targetClass))
        if (shape, RDF.type, RDFS.Class) in self.g:
            classes.append(shape)
        for c in sorted(classes, key=str):
            parts.append(f"{{ ?this a ?_class . ?_class <{RDFS.subClassOf}>* {sparql_term(c)} }}")
        for n in sorted(self.g.objects(shape, SH.targetNode), key=str):
            parts.append(f"{{ BIND({sparql_term(n)} AS ?this) }}")
        for p in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            parts.append(f"{{ ?this {sparql_term(p)} ?_o }}")
        for p in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            parts.append(f"{{ ?_s {sparql_term(p)} ?this }}")
        for t in sorted(self.g.objects(shape, SH.target), key=str):
            select = self.g.value(t, SH.select)
            if (t, RDF.type, SH.SPARQLTarget) not in self.g or select is None:
                raise self.unsupported(shape, "a target that is not a sh:SPARQLTarget with sh:select")
            parts.append(f"{{ {select} }}")
        if not parts:
            return None
        return "{ SELECT " + "DISTINCT " * distinct + "?this WHERE { " + " UNION ".join(parts) + " } }"

    def prefixes(self, shape: Node) -> str:
        """PREFIX declarations of the shape's SPARQL-based targets (sh:prefixes → sh:declare)."""
        decls: dict[str, str] = {}
        for t in self.g.objects(shape, SH.target):
            for ontology in self.g.objects(t, SH.prefixes):
                for d in self.g.objects(ontology, SH.declare):
                    prefix, ns = self.g.value(d, SH.prefix), self.g.value(d, SH.namespace)
                    if prefix is not None and ns is not None:
                        decls[str(prefix)] = str(ns)
        return "".join(f"PREFIX {p}: {sparql_term(URIRef(ns))}\n" for p, ns in sorted(decls.items()))

    def path(self, path: Node) -> str:
        """A SHACL property path in SPARQL syntax."""
        if isinstance(path, URIRef):
            return sparql_term(path)
        if (path, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.g.items(path)) + ")"
        for prop, fmt in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = self.g.value(path, prop)
            if inner is not None:
                return "(" + fmt.format(self.path(inner)) + ")"
        alternatives = self.g.value(path, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.g.items(alternatives)) + ")"
        raise ShapesError(
            f"unsupported SHACL path {path}", hint="use predicate, sequence, inverse or alternative paths"
        )

    def unsupported(self, shape: Node, what: str) -> ShapesError:
        owner = shape
        for _ in range(8):  # a blank property or nested shape is named by the shape that holds it
            if isinstance(owner, URIRef):
                break
            owner = next(self.g.subjects(None, owner), owner)
        where = f"shape <{owner}>" if isinstance(owner, URIRef) else f"shape {shape}"
        return ShapesError(
            f"the oxigraph validator does not implement {what} (in {where})",
            hint="validate with --engine pyshacl, or use the components listed in gbakg/shacl.py",
        )

    @staticmethod
    def sh(term: URIRef) -> str:
        """A SHACL term as sh:name."""
        return "sh:" + str(term).removeprefix(str(SH))

    def parameters(self, shape: Node) -> Iterator[tuple[URIRef, Node]]:
        for p, o in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if isinstance(p, URIRef) and str(p).startswith(str(SH)) and p not in NOT_PARAMETERS:
                yield p, o

    # -- top-level checks -----------------------------------------------------------------------

    def node_checks(self, shape: Node, rows: str, prefixes: str) -> Iterator[Check]:
        """Constraints of the node shape itself: the focus node is the value node. ``rows`` binds each
        focus node, maybe more than once (:meth:`target`)."""
        for param, arg in self.parameters(shape):
            if param in (SH.minCount, SH.maxCount, SH.uniqueLang) or param in PAIRS:
                raise self.unsupported(shape, f"{self.sh(param)} on a node shape")
            if param in (SH.prefixes, SH.ignoredProperties, SH.closed, SH.qualifiedValueShape):
                if param == SH.prefixes:
                    continue
                raise self.unsupported(shape, self.sh(param))
            cond = self.value_condition(shape, param, arg, "?value")
            if cond is None:
                continue
            body = f"{rows} BIND(?this AS ?value) FILTER(!COALESCE({cond}, false))"
            query = f"{prefixes}SELECT DISTINCT ?this ?value WHERE {{ {body} }}"
            yield self.check(shape, shape, param, arg, None, query, True)

    def property_checks(self, node_shape: Node, prop: Node, targets: tuple[str, str], prefixes: str) -> Iterator[Check]:
        """The checks of a property shape; ``targets``: the focus nodes once each, and maybe more than
        once (:meth:`target`), which every check but a property pair's makes distinct itself."""
        target, rows = targets
        path_node = self.g.value(prop, SH.path)
        if path_node is None:
            raise self.unsupported(prop, "a property shape without sh:path")
        path = self.path(path_node)
        head = prefixes + "SELECT "
        for param, arg in self.parameters(prop):
            values = False
            if param == SH.minCount:
                n = int(arg)  # type: ignore[call-overload]
                if n == 0:
                    continue
                if n == 1:
                    # a look-up per focus node for a predicate; MINUS, a hash join, for any other path
                    # (NOT EXISTS would evaluate a sequence path anew for each focus node)
                    missing = (
                        f"FILTER NOT EXISTS {{ ?this {path} ?_any }}"
                        if isinstance(path_node, URIRef)
                        else f"MINUS {{ ?this {path} ?_any }}"
                    )
                    q = f"{head}DISTINCT ?this WHERE {{ {rows} {missing} }}"
                else:
                    q = (
                        f"{head}?this WHERE {{ {rows} OPTIONAL {{ ?this {path} ?_v }} }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) < {n})"
                    )
            elif param == SH.maxCount:
                n = int(arg)  # type: ignore[call-overload]
                if n <= 1:  # any value, or two different values: a join, not a count per focus node
                    two = f" . ?this {path} ?_b FILTER(!sameTerm(?_v, ?_b))" if n == 1 else ""
                    q = f"{head}DISTINCT ?this WHERE {{ {rows} ?this {path} ?_v{two} }}"
                else:
                    q = (
                        f"{head}?this WHERE {{ {rows} ?this {path} ?_v }} "
                        f"GROUP BY ?this HAVING (COUNT(DISTINCT ?_v) > {n})"
                    )
            elif param == SH.hasValue:
                q = f"{head}DISTINCT ?this WHERE {{ {rows} MINUS {{ ?this {path} {sparql_term(arg)} }} }}"
            elif param == SH.uniqueLang:
                if not (isinstance(arg, Literal) and arg.value is True):
                    continue
                # One result per language tag used by two values (none names a value, as in pySHACL).
                q = (
                    f"{head}?this WHERE {{ {{ SELECT DISTINCT ?this (LCASE(LANG(?_a)) AS ?_lang) WHERE {{ "
                    f"{rows} ?this {path} ?_a, ?_b FILTER(LANG(?_a) != '' && !sameTerm(?_a, ?_b) "
                    f"&& LCASE(LANG(?_a)) = LCASE(LANG(?_b))) }} }} }}"
                )
            elif param in PAIRS:
                q = f"{head}?this ?value WHERE {{ {target} {self.pair(param, arg, path)} }}"
                values = True
            elif param == SH["class"]:  # the values less the instances: a hash join, not a look-up per value
                instances = f"?value a ?_c . ?_c <{RDFS.subClassOf}>* {sparql_term(arg)}"
                q = f"{head}DISTINCT ?this ?value WHERE {{ {rows} ?this {path} ?value MINUS {{ {instances} }} }}"
                values = True
            else:
                cond = self.value_condition(prop, param, arg, "?value")
                if cond is None:
                    continue
                q = (
                    f"{head}DISTINCT ?this ?value WHERE {{ {rows} ?this {path} ?value "
                    f"FILTER(!COALESCE({cond}, false)) }}"
                )
                values = True
            yield self.check(node_shape, prop, param, arg, path_node, q, values)

    def pair(self, param: URIRef, other: Node, path: str) -> str:
        """The violations of a property-pair constraint, a row per offending value (and compared value)."""
        p2 = sparql_term(other)
        if param == SH.equals:
            return (
                f"{{ ?this {path} ?value FILTER NOT EXISTS {{ ?this {p2} ?value }} }} UNION "
                f"{{ ?this {p2} ?value FILTER NOT EXISTS {{ ?this {path} ?value }} }}"
            )
        if param == SH.disjoint:
            return f"?this {path} ?value . ?this {p2} ?value"
        op = "<" if param == SH.lessThan else "<="
        return f"?this {path} ?value . ?this {p2} ?_other FILTER(!COALESCE(?value {op} ?_other, false))"

    def check(
        self, node_shape: Node, source: Node, param: URIRef, arg: Node, path: Node | None, query: str, values: bool
    ) -> Check:
        name = str(param).removeprefix(str(SH))
        text, iris = path_text(self.g, path), path_iris(self.g, path)
        severity, message = self.severity(source), self.message(source)
        if message is None:
            short = self.g.namespace_manager.normalizeUri
            shown = short(arg) if isinstance(arg, URIRef) else str(arg)
            steps = path_text(self.g, path, short) or "the focus node"
            message = GENERIC_MESSAGES.get(param, "Violates " + name).format(arg=shown, path=steps)
        return Check(node_shape, component(name), text, iris, severity, message, query, values)

    # -- conditions on one value node ---------------------------------------------------------

    def value_condition(self, shape: Node, param: URIRef, arg: Node, v: str) -> str | None:
        """A SPARQL expression true when the value node ``v`` satisfies the constraint (errors are
        caught by the caller's COALESCE), or None for a parameter that constrains nothing alone."""
        if param == SH["class"]:
            return f"EXISTS {{ {v} a ?_c . ?_c <{RDFS.subClassOf}>* {sparql_term(arg)} }}"
        if param == SH.datatype:
            if arg == RDF.langString:
                return f"(isLiteral({v}) && LANG({v}) != '')"
            cond = f"(isLiteral({v}) && LANG({v}) = '' && DATATYPE({v}) = {sparql_term(arg)})"
            if arg in INTEGER_RANGES:
                low, high = INTEGER_RANGES[arg]  # type: ignore[index]
                bounds = [f"{v} >= {low}"] * (low is not None) + [f"{v} <= {high}"] * (high is not None)
                stored = " && ".join([f"isLiteral({v})", f"DATATYPE({v}) = {sparql_term(XSD.integer)}", *bounds])
                cond = f"({cond} || ({stored}))"
            lexical = LEXICAL.get(arg)  # type: ignore[call-overload]
            if lexical:
                cond = f"({cond} && REGEX(STR({v}), {sparql_term(Literal(lexical))}))"
            if arg in CASTS:  # a failed cast is an error, which the caller's COALESCE makes a violation
                cond = f"({cond} && DATATYPE({sparql_term(arg)}(STR({v}))) = {sparql_term(arg)})"
            return cond
        if param == SH.nodeKind:
            if arg not in NODE_KINDS:
                raise self.unsupported(shape, f"sh:nodeKind {arg}")
            return NODE_KINDS[arg].format(v=v)  # type: ignore[index]
        if param == SH["in"]:
            terms = [f"sameTerm({v}, {sparql_term(t)})" for t in self.g.items(arg)]
            return "(" + " || ".join(terms) + ")" if terms else "false"
        if param == SH.hasValue:
            return f"sameTerm({v}, {sparql_term(arg)})"
        if param == SH.languageIn:
            tags = [f"langMatches(LANG({v}), {sparql_term(Literal(str(t)))})" for t in self.g.items(arg)]
            return f"(isLiteral({v}) && ({' || '.join(tags) or 'false'}))"
        if param == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            args = sparql_term(Literal(str(arg))) + (f", {sparql_term(Literal(str(flags)))}" if flags else "")
            return f"(!isBlank({v}) && REGEX(STR({v}), {args}))"
        if param in (SH.minLength, SH.maxLength):
            op = ">=" if param == SH.minLength else "<="
            return f"(!isBlank({v}) && STRLEN(STR({v})) {op} {int(arg)})"  # type: ignore[call-overload]
        if param in RANGE:
            return f"({v} {RANGE[param]} {sparql_term(arg)})"
        if param in (SH["or"], SH["and"]):
            parts = [self.conforms(s, v) for s in self.g.items(arg)]
            joiner = " || " if param == SH["or"] else " && "
            return "(" + joiner.join(parts) + ")" if parts else ("false" if param == SH["or"] else "true")
        if param == SH["not"]:
            return f"!{self.conforms(arg, v)}"
        if param == SH.node:
            return self.conforms(arg, v)
        if param == SH.flags:
            return None
        raise self.unsupported(shape, self.sh(param))

    def conforms(self, shape: Node, v: str) -> str:
        """A SPARQL expression (never an error) true when ``v`` conforms to a nested shape."""
        parts = []
        if (shape, SH.path, None) in self.g:
            parts.append(self.property_condition(shape, v))
        else:
            for param, arg in self.parameters(shape):
                cond = self.value_condition(shape, param, arg, v)
                if cond is not None:
                    parts.append(f"COALESCE({cond}, false)")
        for prop in sorted(self.g.objects(shape, SH.property), key=str):
            parts.append(self.property_condition(prop, v))
        return "(" + " && ".join(parts or ["true"]) + ")"

    def property_condition(self, prop: Node, v: str) -> str:
        path = self.path(self.g.value(prop, SH.path))  # type: ignore[arg-type]
        parts = []
        for param, arg in self.parameters(prop):
            if param == SH.minCount and int(arg) <= 1:  # type: ignore[call-overload]
                if int(arg) == 1:  # type: ignore[call-overload]
                    parts.append(f"EXISTS {{ {v} {path} {self.var()} }}")
            elif param == SH.hasValue:
                parts.append(f"EXISTS {{ {v} {path} {sparql_term(arg)} }}")
            elif param in (SH.minCount, SH.maxCount, SH.uniqueLang) or param in PAIRS:
                raise self.unsupported(prop, f"{self.sh(param)} inside sh:or, sh:and, sh:not or sh:node")
            else:
                w = self.var()
                cond = self.value_condition(prop, param, arg, w)
                if cond is not None:
                    parts.append(f"NOT EXISTS {{ {v} {path} {w} FILTER(!COALESCE({cond}, false)) }}")
        return "(" + " && ".join(parts or ["true"]) + ")"


def compile_shapes(shapes: Graph) -> list[Check]:
    """The checks of every active node shape with a target.

    Raises:
        ShapesError: a shape uses something this engine does not implement.
    """
    return Compiler(shapes).checks()


def run(checks: Iterable[Check], store: ox.Store) -> Iterator[RawResult]:
    """The violations of each check over the union of the store's graphs.

    Raises:
        ShapesError: a compiled query (a SPARQL-based target, say) is not valid SPARQL.
    """
    for check in checks:
        try:
            rows = store.query(check.query, use_default_graph_as_union=True)
        except SyntaxError as e:
            raise ShapesError(
                f"the SPARQL of shape {check.node_shape} does not parse: {e}", hint="fix its sh:select"
            ) from e
        term = term_converter()
        for row in rows:  # type: ignore[union-attr]
            value = row["value"] if check.values else None
            yield RawResult(
                check.node_shape,
                term(row["this"]),
                check.path_text,
                check.path_iris,
                term(value) if value is not None else None,
                check.component,
                check.severity,
                check.message,
            )


def query_footprint(query: str) -> Footprint | None:
    """The statements a SPARQL query can read (:class:`~gbakg.rdfio.Footprint`), from its algebra:
    the predicates of its triple and path patterns, and for ``?x a C`` or ``?x a ?c . ?c
    rdfs:subClassOf* C`` (what the compiled targets and sh:class write) the class C. A variable
    predicate or a negated path reads every predicate, and any other ``rdf:type`` pattern every class.
    None for a query over named graphs or services (``GRAPH``, ``SERVICE``, ``FROM``), which a store
    of the union's statements cannot answer, and for one rdflib's parser does not read (Oxigraph then
    runs it over the whole store, and names the shape of a query that is not SPARQL).
    """
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath
    from rdflib.plugins.sparql import prepareQuery
    from rdflib.plugins.sparql.algebra import translateGroupGraphPattern
    from rdflib.plugins.sparql.parserutils import CompValue

    try:
        algebra = prepareQuery(query).algebra
    except Exception:  # pyparsing's ParseException and rdflib's own errors
        return None
    bgps: list[list[tuple[Node, object, Node]]] = []
    named = False

    def walk(node: object) -> None:
        nonlocal named
        if isinstance(node, CompValue):
            if node.name in ("Graph", "ServiceGraphPattern") or dict.get(node, "datasetClause"):
                named = True
            if node.name == "BGP":
                bgps.append(node.triples)
            if node.name == "GroupGraphPatternSub":  # an EXISTS pattern, left untranslated by rdflib
                walk(translateGroupGraphPattern(node))
                return
            for v in node.values():
                walk(v)
        elif isinstance(node, list | tuple):
            for v in node:
                walk(v)

    walk(algebra)
    predicates: set[str] = set()
    classes: set[str] = set()
    every_predicate = every_class = False

    def path_iris(p: object) -> Iterator[URIRef]:
        nonlocal every_predicate
        if isinstance(p, URIRef):
            yield p
        elif isinstance(p, SequencePath | AlternativePath):
            for a in p.args:
                yield from path_iris(a)
        elif isinstance(p, InvPath):
            yield from path_iris(p.arg)
        elif isinstance(p, MulPath):
            yield from path_iris(p.path)
        else:  # a variable, a negated path, anything else: every predicate
            every_predicate = True

    for triples in bgps:
        # in one basic graph pattern, ?c rdfs:subClassOf* C holds for every solution
        superclasses: dict[object, set[str]] = defaultdict(set)
        for s, p, o in triples:
            if isinstance(p, MulPath) and p.path == RDFS.subClassOf and p.mod == "*" and isinstance(o, URIRef):
                superclasses[s].add(str(o))
        for _, p, o in triples:
            for iri in path_iris(p):
                if iri != RDF.type:
                    predicates.add(str(iri))
                elif p == RDF.type and isinstance(o, URIRef):
                    classes.add(str(o))
                elif p == RDF.type and o in superclasses:
                    classes.update(superclasses[o])
                else:
                    every_class = True
    if named:
        return None
    if every_predicate:
        return Footprint(everything=True)
    return Footprint(frozenset(predicates), None if every_class else frozenset(classes))


def footprints(checks: Iterable[Check]) -> list[Footprint] | None:
    """Each check's :func:`query_footprint`; None if one cannot be narrowed to the union's statements.

    The queries are parsed on a thread of their own. rdflib's SPARQL parser (pyparsing) leaves
    exceptions, their tracebacks and frames referring to one another, and a frame holds its caller's
    frame: parsed on the caller's thread, that garbage would keep every caller's locals alive (at 100
    times the corpus the build's records, 2.4 M objects) until the cyclic collector runs, which a build
    pauses; it then took 2.3 s at the end of the build. On a thread of its own it holds that thread's
    frames only.
    """
    queries = [check.query for check in checks]
    out: list[Footprint | None] = []
    failed: list[BaseException] = []

    def parse() -> None:
        try:
            out.extend(query_footprint(q) for q in queries)
        except BaseException as e:  # raised again on the caller's thread
            failed.append(e)

    worker = threading.Thread(target=parse, name="gbakg-footprints")
    worker.start()
    worker.join()
    if failed:
        raise failed[0]
    if any(fp is None for fp in out):
        return None
    return [fp for fp in out if fp is not None]
