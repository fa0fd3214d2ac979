"""RDF namespaces. ``GBA`` is closed over the terms ontology/gbakg.ttl defines, so a misspelt term
raises at import or call time; tests/test_namespaces.py checks the list against the ontology."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import ClosedNamespace


class _Cached:
    """Each term looked up once: rdflib makes (and for a closed namespace checks) a new URIRef on every
    attribute access, 2-4 µs, and mapping a large corpus does it millions of times."""

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = super().__getattr__(name)  # type: ignore[misc]
        if not name.startswith("_"):
            self.__dict__[name] = term
        return term


class CachedNamespace(_Cached, Namespace):
    pass


class CachedClosedNamespace(_Cached, ClosedNamespace):
    pass


class Terms:
    """A standard namespace (rdflib's RDF, XSD …) whose terms are looked up once, misspellings still
    raising AttributeError."""

    def __init__(self, namespace: object):
        self._namespace = namespace

    def __getattr__(self, name: str) -> URIRef:
        term: URIRef = getattr(self._namespace, name)
        if not name.startswith("_"):
            self.__dict__[name] = term
        return term


GBA_URI = "https://w3id.org/gbakg/ontology#"
ID_URI = "https://w3id.org/gbakg/id/"

GBA = CachedClosedNamespace(
    GBA_URI,
    terms=[
        "Agency",
        "AlignmentLink",
        "CaseBatch",
        "CompactForm",
        "Convergence",
        "DatedEvent",
        "ExternalParty",
        "FalseFriend",
        "Instrument",
        "JointInspection",
        "JointStandardSetting",
        "Jurisdiction",
        "Measure",
        "MutualRecognition",
        "NonGovernmentOrganisation",
        "Outcome",
        "PlanLink",
        "ReportedMeasure",
        "RuleApplication",
        "SourceDocument",
        "SourceSpan",
        "Submission",
        "SystemInterconnection",
        "TypicalCase",
        "WorkPlan",
        "WorkPlanItem",
        "WorkPlanSection",
        "abbreviation",
        "abbreviationCue",
        "agency",
        "alignment",
        "announced",
        "announcedCaseCount",
        "asOf",
        "asWritten",
        "basedOn",
        "batchCue",
        "batchNumber",
        "carriesOut",
        "caseNumber",
        "category",
        "counts",
        "crossBorderCue",
        "cue",
        "cuePattern",
        "currency",
        "customsTerritory",
        "date",
        "dateQualifier",
        "denotes",
        "describes",
        "direction",
        "documentKind",
        "encoding",
        "event",
        "evidence",
        "factor",
        "factorFlow",
        "figureKind",
        "forProperty",
        "inBatch",
        "inPlan",
        "inSection",
        "initiative",
        "instrumentType",
        "involves",
        "itemNumber",
        "jurisdiction",
        "jurisdictionType",
        "legalSystem",
        "level",
        "linkClass",
        "lowerValue",
        "measure",
        "mechanism",
        "multiplier",
        "needsReview",
        "normalisedText",
        "ordinal",
        "origin",
        "outcome",
        "partOf",
        "party",
        "planItem",
        "policyDomain",
        "position",
        "prefixCue",
        "qualifier",
        "recognized",
        "recognizerSide",
        "recognizer",
        "regionCue",
        "reportedIn",
        "resultsText",
        "score",
        "sectionNumber",
        "sharedTerm",
        "subMeasure",
        "subject",
        "stopCue",
        "submission",
        "submittedBy",
        "successor",
        "suffixCue",
        "text",
        "unit",
        "unitConcept",
        "unitCue",
        "usesInstrument",
        "value",
    ],
)
ID = CachedNamespace(ID_URI)
OA = CachedNamespace("http://www.w3.org/ns/oa#")
WD = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "gba": GBA_URI,
    "id": ID_URI,
    "case": ID_URI + "case/",
    "measure": ID_URI + "measure/",
    "agency": ID_URI + "agency/",
    "jur": ID_URI + "jurisdiction/",
    "inst": ID_URI + "instrument/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "wd": "http://www.wikidata.org/entity/",
}

# Prefixes for serialised files: the instance namespaces each get their own, so that local names
# stay plain (an "id:" prefix would force escaped slashes such as id:level\/national).
SERIAL_PREFIXES = {k: v for k, v in PREFIXES.items() if k != "id"} | {
    f"gb{name}" if name in ("level", "unit", "axis", "flow", "domain", "span") else name: ID_URI + path
    for name, path in (
        ("batch", "batch/"),
        ("outcome", "outcome/"),
        ("event", "event/"),
        ("link", "link/"),
        ("evidence", "evidence/"),
        ("span", "span/"),
        ("submission", "submission/"),
        ("doc", "document/"),
        ("workplan", "workplan/"),
        ("mech", "mechanism/"),
        ("flow", "flow/"),
        ("domain", "domain/"),
        ("itype", "instrument-type/"),
        ("level", "level/"),
        ("unit", "unit/"),
        ("axis", "axis/"),
        ("fkind", "figure-kind/"),
        ("graph", "graph/"),
    )
}
