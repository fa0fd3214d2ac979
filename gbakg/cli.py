"""The ``gbakg`` command: each subcommand parses its arguments, makes one library call, renders the
result and returns an exit code. Exit codes: 0 ok, 1 the data has violations, 2 bad input,
configuration or environment.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import GbakgError

DEFAULT_CORPUS = "../shared/corpus"
DEFAULT_OUT = "out"
EPILOG_EXIT = "exit codes: 0 ok, 1 the data has violations, 2 bad input, configuration or environment"


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _progress(quiet: bool) -> Callable[[str, int, int], None]:
    start = time.perf_counter()
    tty = sys.stderr.isatty()
    shown = 0  # the length of the line on screen, to be overwritten

    def report(stage: str, step: int, total: int) -> None:
        nonlocal shown
        if quiet:
            return
        line = f"[{step}/{total}] {stage:<10} {time.perf_counter() - start:6.2f}s"
        if tty:
            sys.stderr.write("\r" + line.ljust(shown))
            shown = len(line)
            if step == total:
                sys.stderr.write("\n")
        else:
            sys.stderr.write(line + "\n")
        sys.stderr.flush()

    return report


# --- read -----------------------------------------------------------------------------------------


def cmd_read(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from .models import Case, NewsMeasure, PlanItem, PlanSection
    from .read import iter_documents

    out = sys.stdout
    problems = 0
    for doc in iter_documents(args.corpus):
        for f in doc.findings:
            print(f, file=sys.stderr)
            problems += f.severity.value == "Violation"
        for rec in doc.records():
            if args.format == "jsonl":
                row = {"type": type(rec).__name__, "document": doc.document.path.name, **asdict(rec)}
                out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
            elif isinstance(rec, Case):
                title = rec.title.text if rec.title else "(no title)"
                span = f"[{rec.title.start}:{rec.title.end}]" if rec.title else ""
                out.write(f"case {rec.key} {span} {title}\n")
                for u in rec.units:
                    out.write(f"  unit [{u.start}:{u.end}] {u.text}\n")
                for s in rec.sub_measures:
                    out.write(f"  sub-measure {s.ordinal} [{s.text.start}:{s.text.end}] {s.text.text[:60]}\n")
                if rec.results:
                    out.write(f"  results [{rec.results.start}:{rec.results.end}] {rec.results.text[:60]}\n")
            elif isinstance(rec, PlanSection):
                out.write(f"section {rec.number} [{rec.title.start}:{rec.title.end}] {rec.title.text}\n")
            elif isinstance(rec, PlanItem):
                out.write(
                    f"  item {rec.number} ({rec.section}) [{rec.text.start}:{rec.text.end}] {rec.text.text[:60]}\n"
                )
            elif isinstance(rec, NewsMeasure):
                out.write(
                    f"news measure {rec.ordinal} (article {rec.article}) [{rec.text.start}:{rec.text.end}] "
                    f"{rec.text.text[:60]}\n"
                )
    return 2 if problems else 0


# --- build ----------------------------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    from .pipeline import build

    result = build(
        args.corpus,
        args.out,
        progress=_progress(args.quiet),
        shapes_dir=Path(args.shapes) if args.shapes else None,
        jobs=args.jobs,
        engine=args.engine,
    )
    print(f"Built the graph of {args.corpus} (validated with {result.engine})")
    for k, v in result.counts.items():
        print(f"  {k:<20} {v}")
    print(
        f"  {'time':<20} {result.wall_s:.2f}s wall "
        f"({', '.join(f'{k} {v:.2f}s' for k, v in result.timings.items())}); "
        f"peak memory {result.peak_memory_mb:.0f} MB"
    )
    print(f"  {'memory by stage':<20} {', '.join(f'{k} {v:.0f} MB' for k, v in result.memory_mb.items())}")
    print("Outputs:")
    for _name, path in result.files.items():
        print(f"  {path}")
    if result.exit_code:
        print(f"The graph has {result.report.violations} violations: see {result.files['report.md']}")
    return result.exit_code


# --- validate -------------------------------------------------------------------------------------


def _jobs_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "-j",
        "--jobs",
        type=int,
        choices=(1, 2),
        help=f"processes: {what} (default: 2 on a machine with two cores)",
    )


def _engine_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=("auto", "pyshacl", "oxigraph"),
        default="auto",
        help="validator: pySHACL, or the shapes compiled to SPARQL inside Oxigraph (same results, ten "
        "times faster); auto (default) takes pySHACL up to 200,000 triples",
    )


def cmd_validate(args: argparse.Namespace) -> int:
    from . import report
    from .parallel import default_jobs, gc_paused
    from .pipeline import STORE_BUDGET, choose_engine
    from .validate import load_graph_columns, load_graph_file, load_graph_store, load_shapes, validate, validate_columns

    path = Path(args.graph)
    with gc_paused(), tempfile.TemporaryDirectory(prefix="gbakg-validate-") as folder:
        shapes = load_shapes(Path(args.shapes) if args.shapes else None)
        engine, checked = args.engine, None
        if engine != "pyshacl":
            # the file's statements by predicate: their number chooses the validator, and a file larger
            # than one store's budget is validated over stores of what each check reads
            columns = load_graph_columns(path, Path(folder))
            size = sum(columns.sizes.values())
            engine = choose_engine(engine, size)
            if engine == "oxigraph" and size > STORE_BUDGET:
                checked = validate_columns(columns, shapes, budget=STORE_BUDGET)
            columns.close()
        if checked is not None:
            rep = checked[0]
        else:
            # pySHACL reads the file itself: Oxigraph's store keeps derived XSD types as primitive ones.
            data = load_graph_store(path) if engine == "oxigraph" else load_graph_file(path)
            rep = validate(data, shapes, jobs=args.jobs or default_jobs(), engine=engine)
    if args.format == "md":
        text = report.to_markdown(rep, extra=[("graph", args.graph)])
    elif args.format == "html":
        text = report.to_html(rep, extra=[("graph", args.graph)])
    else:
        text = report.to_turtle(rep)
    if args.out:
        from .pipeline import write_atomically

        out = Path(args.out)
        write_atomically(out.parent, {out.name: text})
        print(f"report written to {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 1 if rep.violations else 0


# --- curate ---------------------------------------------------------------------------------------


def cmd_curate(args: argparse.Namespace) -> int:
    import csv

    from .link import CURATION_FILE, REVIEW_THRESHOLD, THRESHOLD, load_curation
    from .pipeline import build_graph

    curation_file = Path(args.curation) if args.curation else CURATION_FILE
    built = build_graph(args.corpus, curation_file=curation_file)
    curation, _ = load_curation(curation_file).for_plans(c.plan for c in built.plan_candidates)
    rows = []
    for c in built.plan_candidates:
        if c.score < args.min_score:
            continue
        decided = curation.decisions.get((c.plan, c.item, c.measure))
        status = decided[0] + "ed" if decided else ("linked" if c.score >= THRESHOLD else "candidate")
        rows.append((c.item, c.measure, f"{c.score:.3f}", status, "; ".join(c.shared), c.plan))
    if args.format == "csv":
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(["item", "measure", "decision", "note", "plan", "score", "status", "evidence"])
        for item, measure, score, status, evidence, plan in rows:
            w.writerow([item, measure, "", "", plan, score, status, evidence])
    else:
        print(
            f"candidates at or above {args.min_score} (links are made at {THRESHOLD}; review from {REVIEW_THRESHOLD});"
        )
        print(f"settle one by adding 'item,measure,accept|reject,note' to {curation_file}")
        several = len({plan for *_, plan in rows}) > 1  # then each row says which plan its item is in
        print(f"{'plan  ' if several else ''}{'item':>4}  {'measure':<22} {'score':>5}  {'status':<9} evidence")
        for item, measure, score, status, evidence, plan in rows:
            where = f"{plan}  " if several else ""
            print(f"{where}{item:>4}  {measure:<22} {score:>5}  {status:<9} {evidence}")
    return 0


# --- analyze --------------------------------------------------------------------------------------


def cmd_analyze(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from . import analyse
    from .validate import load_graph_file

    graph = load_graph_file(Path(args.graph))
    if args.target == "path":
        if len(args.entities) != 2:
            from .errors import QueryError

            raise QueryError("path needs two entities", hint="gbakg analyze path 惠州 香港")
        steps = analyse.explained_path(graph, args.entities[0], args.entities[1], args.lang)
        if args.format == "json":
            print(json.dumps([asdict(s) for s in steps], ensure_ascii=False, indent=1))
        else:
            print(f"{steps[0].source_label} → {steps[-1].target_label}: {len(steps)} steps" if steps else "same entity")
            for step in steps:
                print(f"  {step.source_label} —{step.relation}→ {step.target_label}")
                if step.evidence:
                    print(f"      evidence: {step.evidence[:100]}")
        return 0
    nxg = analyse.projection(graph, args.target, args.lang)
    rows = analyse.measures(nxg)[: args.top]
    if args.format == "json":
        print(
            json.dumps(
                {"projection": args.target, "summary": analyse.summary(nxg), "nodes": [asdict(r) for r in rows]},
                ensure_ascii=False,
                indent=1,
            )
        )
        return 0
    info = analyse.summary(nxg)
    print(
        f"{args.target}: {info['nodes']} nodes, {info['edges']} edges, {info['components']} components, "
        f"density {info['density']}"
    )
    print(f"{'weighted':>8} {'degree':>7} {'between':>7} {'comm':>4}  label")
    for r in rows:
        print(f"{r.weighted_degree:8.0f} {r.degree:7.3f} {r.betweenness:7.3f} {r.community:4d}  {r.label}")
    return 0


# --- export ---------------------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    from .export import export
    from .validate import load_graph_file

    graph = load_graph_file(Path(args.graph))
    nxg = export(graph, args.format, Path(args.out), args.view, args.lang)
    print(f"wrote {args.out}: {args.view} view, {nxg.number_of_nodes()} nodes, {nxg.number_of_edges()} edges")
    return 0


# --- push and serve -------------------------------------------------------------------------------


def cmd_push(args: argparse.Namespace) -> int:
    from .server import push

    result = push(
        Path(args.file),
        args.endpoint,
        update_url=args.update,
        query_url=args.query,
        graph_iri=args.graph,
        timeout=args.timeout,
        progress=_progress(args.quiet),
    )
    print(
        f"pushed {sum(result.graphs.values())} triples in {len(result.graphs)} named graphs to {args.endpoint} "
        f"in {result.seconds:.1f}s"
    )
    for name, n in result.graphs.items():
        print(f"  {name}  {n}")
    return 0


def _stop_on_terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # a service manager's stop, like Ctrl-C: the server and its store are removed


def cmd_serve(args: argparse.Namespace) -> int:
    import signal

    from .server import start_server

    previous = signal.signal(signal.SIGTERM, _stop_on_terminate)
    try:
        print(f"Loading {args.file} into Oxigraph (about a minute at 100 times the corpus)…", file=sys.stderr)
        server = start_server(port=args.port, read_only=True, graph_file=Path(args.file))
        print(f"Oxigraph is serving {args.file} on {server.url}/")
        print(f"  query page:      {server.url}/")
        print(f"  query endpoint:  {server.url}/query")
        print("Press Ctrl-C to stop.", flush=True)
        try:
            server.process.wait()
        finally:
            server.stop()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


# --- query --------------------------------------------------------------------------------------


def cmd_query(args: argparse.Namespace) -> int:
    from .errors import QueryError
    from .query import RENDERERS, library, open_store, run

    if args.list:
        for nq in library().values():
            names = ", ".join(f"{p.name}{'?' if p.optional else ''}" for p in nq.params)
            print(f"{nq.name:<26} {nq.title}" + (f"  [params: {names}]" if names else ""))
            print(f"{'':<26} {nq.description}")
        return 0
    if not args.name and not args.sparql:
        raise QueryError("give a query name, a .rq file or --sparql TEXT", hint="see `gbakg query --list`")
    params: dict[str, str] = {}
    for item in args.param or []:
        if "=" not in item:
            raise QueryError(f"--param needs key=value, not {item!r}")
        k, v = item.split("=", 1)
        params[k.strip()] = v
    graph = None if args.endpoint else open_store(Path(args.graph))
    result = run(
        args.name,
        sparql=args.sparql,
        graph=graph,
        endpoint=args.endpoint,
        params=params,
        limit=args.limit,
        offset=args.offset,
    )
    sys.stdout.write(RENDERERS[args.format](result))
    return 0


def _count_arg(text: str) -> int:
    """A whole number of rows, 0 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, not {n}")
    return n


def add_query_parser(sub: argparse._SubParsersAction) -> None:
    from .query import RENDERERS

    q = sub.add_parser(
        "query",
        help="run a named SPARQL query, a .rq file or query text",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run a query of the library (queries/*.rq), a .rq file or --sparql TEXT on the last build's "
        "graph, another graph file, or a SPARQL endpoint.\n\nexamples:\n"
        "  gbakg query --list\n"
        "  gbakg query case-agencies --param case=case:b3-07\n"
        "  gbakg query outcomes --format csv > outcomes.csv\n"
        "  gbakg query plan-links --limit 50 --offset 100\n"
        "  gbakg query cases --endpoint http://127.0.0.1:7878/query",
        epilog="exit codes: 0 ok, 2 bad query, parameters, graph or endpoint",
    )
    q.add_argument("name", nargs="?", help="a query name from the library, or a .rq file")
    q.add_argument("--sparql", help="query text instead of a name")
    q.add_argument("--graph", default="out/graph.ttl", help="graph file to query (default: out/graph.ttl)")
    q.add_argument("--endpoint", help="SPARQL 1.1 query endpoint URL instead of a graph file")
    q.add_argument("--param", action="append", metavar="KEY=VALUE", help="bind a parameter (repeatable)")
    q.add_argument("--format", choices=tuple(RENDERERS), default="table", help="output format (default: table)")
    q.add_argument("--limit", type=_count_arg, help="at most N rows: one page of a listing (default: all)")
    q.add_argument("--offset", type=_count_arg, default=0, help="skip the first N rows (default: 0)")
    q.add_argument("--list", action="store_true", help="list the query library")
    q.set_defaults(func=cmd_query)


# --- parser ---------------------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="gbakg",
        description="Knowledge graph of the rule-alignment measures between Guangdong, Hong Kong and Macao.",
        epilog=EPILOG_EXIT,
        formatter_class=_Formatter,
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log what each stage does")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    r = sub.add_parser(
        "read",
        help="show what the reader finds in a corpus",
        formatter_class=_Formatter,
        description="Read every document of a corpus and print its records with character "
        "offsets.\n\nexample:\n  gbakg read --corpus ../shared/corpus --format table",
        epilog=EPILOG_EXIT,
    )
    r.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"corpus folder (default: {DEFAULT_CORPUS})")
    r.add_argument("--format", choices=("table", "jsonl"), default="table", help="output format (default: table)")
    r.set_defaults(func=cmd_read)

    b = sub.add_parser(
        "build",
        help="build, validate and write the graph",
        formatter_class=_Formatter,
        description="Build the knowledge graph of a corpus, validate it and write graph.trig, "
        "graph.ttl, graph.jsonld and the quality report (report.md, report.html, "
        "report.ttl).\n\nexample:\n  gbakg build --corpus ../shared/corpus --out out",
        epilog=EPILOG_EXIT,
    )
    b.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"corpus folder (default: {DEFAULT_CORPUS})")
    b.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    b.add_argument("--shapes", help="folder of SHACL shapes (default: the project's shapes/)")
    _jobs_option(b, "2 links, writes the graph files and validates side by side")
    _engine_option(b)
    b.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser(
        "validate",
        help="validate any RDF file against the shapes",
        formatter_class=_Formatter,
        description="Validate an RDF file against the SHACL shapes and print the report.\n\nexamples:\n"
        "  gbakg validate out/graph.ttl --format md > report.md\n"
        "  gbakg validate big.nq --engine oxigraph --format html --out report.html",
        epilog=EPILOG_EXIT,
    )
    v.add_argument("graph", help="RDF file (.ttl, .trig, .jsonld, .nt, .rdf)")
    v.add_argument("--shapes", help="folder of SHACL shapes (default: the project's shapes/)")
    v.add_argument("--format", choices=("md", "html", "ttl"), default="md", help="report format (default: md)")
    v.add_argument("--out", help="write the report to this file instead of standard output")
    _jobs_option(v, "2 share the shapes (pySHACL)")
    _engine_option(v)
    v.set_defaults(func=cmd_validate)

    a = sub.add_parser(
        "analyze",
        help="network measures and explained paths (networkx)",
        formatter_class=_Formatter,
        description="Project the graph into a network and rank its nodes by weighted degree, "
        "degree and betweenness centrality with Louvain communities, or explain the "
        "shortest path between two entities with the facts and evidence along it."
        "\n\nexamples:\n  gbakg analyze jurisdictions\n  gbakg analyze agencies --top 10"
        "\n  gbakg analyze path 惠州 香港",
        epilog=EPILOG_EXIT,
    )
    a.add_argument(
        "target",
        choices=("jurisdictions", "agencies", "measure-instrument", "measure-jurisdiction", "path"),
        help="a projection, or path",
    )
    a.add_argument("entities", nargs="*", help="for path: two entities (IRI, prefixed name or label)")
    a.add_argument("--graph", default="out/graph.ttl", help="graph file (default: out/graph.ttl)")
    a.add_argument("--top", type=int, default=25, help="rows to show (default: 25)")
    a.add_argument("--lang", choices=("zh-Hans", "zh-Hant", "en"), default="zh-Hans", help="label language")
    a.add_argument("--format", choices=("table", "json"), default="table", help="output format (default: table)")
    a.set_defaults(func=cmd_analyze)

    from .export import FORMAT_NAMES, LANGS

    x = sub.add_parser(
        "export",
        help="export a view for Gephi, Cytoscape, yEd, Graphviz or a browser",
        formatter_class=_Formatter,
        description="Export a view of the graph. Views: full, jurisdictions, agencies, plan, "
        "case:ID (one case and everything one hop around it)."
        "\n\nexamples:\n  gbakg export --format html --view full --out graph.html"
        "\n  gbakg export --format gexf --view agencies --lang en --out agencies.gexf"
        "\n  gbakg export --format png --view case:b3-10 --out b3-10.png",
        epilog=EPILOG_EXIT,
    )
    x.add_argument("--format", choices=FORMAT_NAMES, required=True, help="output format")
    x.add_argument("--view", default="full", help="full, jurisdictions, agencies, plan or case:ID (default: full)")
    x.add_argument("--lang", choices=LANGS, default="zh-Hans", help="label language, with fallback (default: zh-Hans)")
    x.add_argument("--graph", default="out/graph.ttl", help="graph file (default: out/graph.ttl)")
    x.add_argument("--out", required=True, help="output file")
    x.set_defaults(func=cmd_export)

    pu = sub.add_parser(
        "push",
        help="push the graph to a SPARQL server (Graph Store Protocol)",
        formatter_class=_Formatter,
        description="Replace the named graph of each source document on a SPARQL 1.1 Graph Store. "
        "Graphs are uploaded to staging graphs and swapped in by one SPARQL Update, so a "
        "failed or interrupted push leaves the previous graphs intact."
        "\n\nexample:\n  gbakg push --endpoint http://127.0.0.1:7878/store",
        epilog=EPILOG_EXIT,
    )
    pu.add_argument("--endpoint", required=True, help="Graph Store endpoint URL, e.g. http://127.0.0.1:7878/store")
    pu.add_argument("--graph", help="push everything into this one named graph instead of one per document")
    pu.add_argument("--update", help="SPARQL Update endpoint (default: the sibling /update of --endpoint)")
    pu.add_argument("--query", help="SPARQL query endpoint (default: the sibling /query of --endpoint)")
    pu.add_argument("--file", default="out/graph.trig", help="TriG file to push (default: out/graph.trig)")
    pu.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each request (default: 60)")
    pu.add_argument("-q", "--quiet", action="store_true", help="no progress display")
    pu.set_defaults(func=cmd_push)

    sv = sub.add_parser(
        "serve",
        help="serve the built graph with Oxigraph on 127.0.0.1",
        formatter_class=_Formatter,
        description="Start an Oxigraph SPARQL server on 127.0.0.1 with the built graph loaded "
        "(read-only, union of the named graphs as default graph) and print the address "
        "of its query page.\n\nexample:\n  gbakg serve --port 7878",
        epilog=EPILOG_EXIT,
    )
    sv.add_argument("--port", type=int, help="port (default: a free one)")
    sv.add_argument("--file", default="out/graph.trig", help="graph file to serve (default: out/graph.trig)")
    sv.set_defaults(func=cmd_serve)

    from .link import REVIEW_THRESHOLD

    c = sub.add_parser(
        "curate",
        help="list work-plan link candidates for review",
        formatter_class=_Formatter,
        description="List the candidate links from work-plan items to measures with their score, "
        "status (linked, candidate, accepted, rejected) and evidence. Settle a candidate "
        "by adding a row to curation/plan-links.csv; curated decisions override the "
        "linker and survive rebuilds.\n\nexample:\n  gbakg curate --format csv > review.csv",
        epilog=EPILOG_EXIT,
    )
    c.add_argument("--corpus", default=DEFAULT_CORPUS, help=f"corpus folder (default: {DEFAULT_CORPUS})")
    c.add_argument("--curation", help="curation file (default: curation/plan-links.csv)")
    c.add_argument(
        "--min-score", type=float, default=REVIEW_THRESHOLD, help=f"lowest score listed (default: {REVIEW_THRESHOLD})"
    )
    c.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default: table)")
    c.set_defaults(func=cmd_curate)

    add_query_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        return int(args.func(args))
    except GbakgError as e:
        print(f"gbakg: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("gbakg: interrupted; outputs already written are complete, nothing was half-written", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


def run() -> None:  # pragma: no cover - the console script
    """The ``gbakg`` command: :func:`main`, then exit without tearing down the build's objects one by one.

    A build leaves hundreds of thousands of objects alive; freeing them at interpreter exit takes a
    noticeable fraction of a second and does nothing useful. Output streams and logging are flushed
    first, so nothing written is lost.
    """
    code = main()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # a reader that went away, a closed stream
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
