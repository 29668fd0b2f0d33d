"""The layout of synth (issue 28): folders that show the flow, arrows that point down, no cycles.

Every import of every module in synth/, synth_app/, pipelines/ and app.py is read with ``ast``,
module-level and function-level alike: an import written inside a function to dodge a cycle is
still an arrow. The rules, each a plain function over those imports so that a test can show it
failing on a hand-made graph:

* no import cycle among synth's modules;
* synth (the library) never imports synth_app, pipelines or streamlit;
* synth.store imports no service (decisions, convening, export, cli);
* the base layer (records, settings, models, errors, locks, terminal, files, paths, sequence)
  imports no stage;
* a folder of synth imports only the base layer, itself and the folders below it (LAYERS);
* the app (synth_app, app.py) never imports synth.store: it reads and writes through the
  services, which open the transactions (the engine too comes from one, convening.setup).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("synth", "synth_app", "pipelines", "app.py")

# Things every stage uses; nothing in them imports a stage.
BASE = frozenset({"synth.records", "synth.settings", "synth.models", "synth.errors",
                  "synth.locks", "synth.terminal", "synth.files", "synth.paths",
                  "synth.sequence"})
# synth's folders from the bottom up; a folder imports the base layer, itself and the layers
# below its own, never a folder beside it or above it.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("store", "text"),      # the database; turns -> statements and vectors
    ("audio", "themes"),    # recordings -> turns; statements -> candidate priorities
    ("convening",),         # one convening end to end: pipeline, result files, background job
    ("decisions",),         # review, voting, ballots, privacy: what the room decides
    ("export",),            # the staff exports of the decisions
    ("cli",),               # the synth command over all of it
)
SERVICES = ("synth.decisions", "synth.convening", "synth.export", "synth.cli")
OUTSIDE = ("synth_app", "pipelines", "streamlit")
# `synth app` runs Streamlit's own command line in this process (so Ctrl+C reaches it); it
# imports none of the app's modules.
ALLOWED_OUTSIDE = frozenset({("synth.cli.main", "streamlit.web")})
TOP = frozenset({"synth", "synth.__main__"})  # the package itself and `python -m synth`
APP = ("synth_app", "app")
STORE = "synth.store"


@dataclass(frozen=True, slots=True)
class Import:
    """``importer`` imports ``imported`` (a module, or a package's attribute) at ``line``."""

    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    """``synth/store/queries.py`` -> ``synth.store.queries``; a package is its folder's name."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_files() -> dict[str, Path]:
    """Every module of the library, the app and the pipelines, by its dotted name."""
    found: dict[str, Path] = {}
    for source in SOURCES:
        path = ROOT / source
        for p in [path] if path.is_file() else sorted(path.rglob("*.py")):
            found[module_name(p)] = p
    return found


def imports_of(name: str, source: str, known: Iterable[str] = (), *,
               package: bool = False) -> list[Import]:
    """Every import in ``source`` (module ``name``), at any depth: module level, in functions,
    under ``if``. ``from pkg import sub`` names the module ``pkg.sub`` when it is ``known``."""
    known = set(known)
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's own package, then up
                parts = name.split(".") if package else name.split(".")[:-1]
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.append(Import(name, sub if sub in known else base, node.lineno))
    return out


def all_imports() -> list[Import]:
    """The imports of every module of :data:`SOURCES`."""
    files = source_files()
    return [imp for name, path in files.items()
            for imp in imports_of(name, path.read_text(encoding="utf-8"), files,
                                  package=path.name == "__init__.py")]


def in_synth(name: str) -> bool:
    return name == "synth" or name.startswith("synth.")


def synth_graph(imports: Iterable[Import]) -> dict[str, set[str]]:
    """Module -> the synth modules it imports, for synth's own modules only."""
    graph: dict[str, set[str]] = {}
    for imp in imports:
        if in_synth(imp.importer):
            graph.setdefault(imp.importer, set())
            if in_synth(imp.imported) and imp.imported != imp.importer:
                graph[imp.importer].add(imp.imported)
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles of ``graph``: each strongly connected group of two or more modules,
    sorted (Tarjan's algorithm, iterative so a deep graph cannot hit the recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for nxt in edges:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph.get(nxt, ())))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        cycles.append(sorted(group))
    return sorted(cycles)


def folder(name: str) -> str | None:
    """The folder of synth a module sits in (``synth.store.queries`` -> ``store``); None for
    the base layer and the package's own top-level modules."""
    parts = name.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and name not in BASE | TOP) else None


def layer(name: str) -> int | None:
    """How high a module's folder sits in :data:`LAYERS` (0 lowest); None if it is in none."""
    where = folder(name)
    return next((i for i, names in enumerate(LAYERS) if where in names), None)


def _said(imp: Import) -> str:
    return f"{imp.importer} imports {imp.imported} (line {imp.line})"


def outside_violations(imports: Iterable[Import]) -> list[str]:
    """synth importing the app, the pipelines or Streamlit."""
    return [_said(imp) for imp in imports
            if in_synth(imp.importer) and imp.imported.split(".")[0] in OUTSIDE
            and not any(imp.importer == who and (imp.imported + ".").startswith(what + ".")
                        for who, what in ALLOWED_OUTSIDE)]


def store_violations(imports: Iterable[Import]) -> list[str]:
    """synth.store importing a service."""
    return [_said(imp) for imp in imports
            if (imp.importer + ".").startswith("synth.store.")
            and any((imp.imported + ".").startswith(s + ".") for s in SERVICES)]


def base_violations(imports: Iterable[Import]) -> list[str]:
    """A base-layer module importing a stage (any synth module outside the base layer)."""
    return [_said(imp) for imp in imports
            if imp.importer in BASE and in_synth(imp.imported)
            and imp.imported not in BASE and imp.imported != "synth"]


def layer_violations(imports: Iterable[Import]) -> list[str]:
    """A folder importing a folder beside or above it."""
    out = []
    for imp in imports:
        if not (in_synth(imp.importer) and in_synth(imp.imported)):
            continue
        mine, theirs = layer(imp.importer), layer(imp.imported)
        if (theirs is not None and mine is not None and theirs >= mine
                and folder(imp.importer) != folder(imp.imported)):
            out.append(f"{_said(imp)}: {folder(imp.imported)} is not below "
                       f"{folder(imp.importer)}")
    return out


def app_store_violations(imports: Iterable[Import]) -> list[str]:
    """The app importing the store (its queries, schema, transactions or anything else)."""
    return [_said(imp) for imp in imports
            if imp.importer.split(".")[0] in APP and (imp.imported + ".").startswith(STORE + ".")]


def _fail(rule: str, found: list[str]) -> str:
    return f"{rule}:\n  " + "\n  ".join(found)


# --- the tree as it is -----------------------------------------------------------------------


IMPORTS = all_imports()


def test_synth_has_no_import_cycle() -> None:
    cycles = find_cycles(synth_graph(IMPORTS))
    assert not cycles, _fail("import cycles among synth modules (late imports count)",
                             [" <-> ".join(c) for c in cycles])


def test_synth_never_imports_the_app_the_pipelines_or_streamlit() -> None:
    found = outside_violations(IMPORTS)
    assert not found, _fail("the library imports what sits on top of it", found)


def test_the_store_imports_no_service() -> None:
    found = store_violations(IMPORTS)
    assert not found, _fail("synth.store imports a service", found)


def test_the_base_layer_imports_no_stage() -> None:
    found = base_violations(IMPORTS)
    assert not found, _fail("a base-layer module imports a stage", found)


def test_folders_import_only_folders_below_them() -> None:
    found = layer_violations(IMPORTS)
    assert not found, _fail("an arrow points up or sideways (see LAYERS)", found)


def test_the_app_goes_through_services_not_the_store() -> None:
    found = app_store_violations(IMPORTS)
    assert not found, _fail("the app imports synth.store; call a service of synth.decisions, "
                            "synth.convening or synth.export instead (one transaction each)",
                            found)


def test_every_synth_module_is_in_the_base_layer_or_a_known_folder() -> None:
    # A new folder must be given its place in LAYERS, or the layer rule would not see it.
    lost = sorted(name for name in source_files() if in_synth(name) and name not in BASE | TOP
                  and layer(name) is None)
    assert not lost, _fail("synth modules outside BASE and LAYERS", lost)


def test_every_synth_import_names_a_module_that_exists() -> None:
    # `from synth.x import y` and `import synth.x` must name a module of today's tree (a moved
    # module leaves no stub at its old path).
    files = source_files()
    stale = [_said(imp) for imp in IMPORTS if in_synth(imp.imported) and imp.imported not in files]
    assert not stale, _fail("imports of synth modules that do not exist", stale)


# --- each rule can fail ----------------------------------------------------------------------


def test_a_cycle_is_found_and_named() -> None:
    graph = {"synth.a": {"synth.b"}, "synth.b": {"synth.c"}, "synth.c": {"synth.a"},
             "synth.d": {"synth.a"}, "synth.e": set()}
    assert find_cycles(graph) == [["synth.a", "synth.b", "synth.c"]]
    assert find_cycles({"synth.a": {"synth.b"}, "synth.b": set()}) == []


def test_a_late_import_closes_a_cycle_too() -> None:
    cli = "from synth.cli import review\n"
    review = ("def errors():\n"
              "    from synth.cli import expected_errors\n"
              "    return expected_errors\n")
    known = {"synth.cli", "synth.cli.review"}
    imports = (imports_of("synth.cli", cli, known, package=True)
               + imports_of("synth.cli.review", review, known))
    assert Import("synth.cli.review", "synth.cli", 2) in imports
    assert find_cycles(synth_graph(imports)) == [["synth.cli", "synth.cli.review"]]


def test_relative_and_submodule_imports_resolve_to_modules() -> None:
    known = {"synth.store", "synth.store.queries", "synth.store.db"}
    got = imports_of("synth.store.audit", "from . import queries\nfrom .db import transaction\n"
                     "from synth.store import queries, make_engine\n", known)
    assert [i.imported for i in got] == ["synth.store.queries", "synth.store.db",
                                         "synth.store.queries", "synth.store"]


def test_the_library_importing_the_app_fails() -> None:
    imports = [Import("synth.export.render", "synth_app.results", 3),
               Import("synth.decisions.review", "streamlit", 9),
               Import("synth.cli.main", "streamlit.web", 266),
               Import("synth_app.results", "streamlit", 1)]
    assert outside_violations(imports) == ["synth.export.render imports synth_app.results "
                                           "(line 3)",
                                           "synth.decisions.review imports streamlit (line 9)"]


def test_the_store_importing_a_service_fails() -> None:
    imports = [Import("synth.store.importer", "synth.decisions.privacy", 183),
               Import("synth.store.importer", "synth.store.withdrawn", 40),
               Import("synth.decisions.privacy", "synth.store", 41)]
    assert store_violations(imports) == ["synth.store.importer imports synth.decisions.privacy "
                                         "(line 183)"]


def test_the_base_layer_importing_a_stage_fails() -> None:
    imports = [Import("synth.locks", "synth.convening.jobs", 12),
               Import("synth.models", "synth.settings", 30),
               Import("synth.text.embed", "synth.models", 20)]
    assert base_violations(imports) == ["synth.locks imports synth.convening.jobs (line 12)"]


def test_an_arrow_up_or_sideways_fails() -> None:
    imports = [Import("synth.text.statements", "synth.themes.clustering", 19),  # up
               Import("synth.store.importer", "synth.text.embed", 5),  # sideways
               Import("synth.themes.quotes", "synth.text.statements", 33),  # down
               Import("synth.export.office", "synth.export.common", 16)]  # same folder
    assert layer_violations(imports) == [
        "synth.text.statements imports synth.themes.clustering (line 19): themes is not below "
        "text",
        "synth.store.importer imports synth.text.embed (line 5): text is not below store"]


def test_the_app_importing_the_store_fails() -> None:
    known = {"synth.store", "synth.store.queries", "synth.decisions.review_view"}
    imports = (imports_of("synth_app.view", "from synth.store import queries, transaction\n"
                          "from synth.decisions.review_view import read_convening\n", known)
               + imports_of("app", "def main():\n    import synth.store.schema\n", known)
               + [Import("synth.decisions.review_view", "synth.store.queries", 16),
                  Import("synth_app.results", "synth.storefront", 2)])
    assert app_store_violations(imports) == [
        "synth_app.view imports synth.store.queries (line 1)",
        "synth_app.view imports synth.store (line 1)",
        "app imports synth.store.schema (line 2)"]
