"""No function in synth/ or pipelines/ runs over MAX_LINES lines (issue 28): each does one thing.

Every function (and method, and nested function) is read with ``ast``; its length runs from its
``def`` line (or first decorator) to its last line, docstring and comments included, since
those are what a reader has to get through.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("synth", "pipelines")
MAX_LINES = 60
# Alembic migrations are generated DDL, one create_table statement per table: their upgrade()
# is as long as the schema is wide, and splitting it would hide the schema it writes down.
EXEMPT = (Path("synth/store/migrations/versions"),)


def long_functions(source: str, filename: str, max_lines: int = MAX_LINES) -> Iterator[str]:
    """Yield ``file:line name (N lines)`` for each function in ``source`` over ``max_lines``."""
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > max_lines:
                yield f"{filename}:{node.lineno} {node.name} ({length} lines)"


def source_files() -> Iterator[Path]:
    """Every Python file under SOURCES, less the exempt folders, relative to the repository."""
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if not any(relative.is_relative_to(exempt) for exempt in EXEMPT):
                yield relative


def test_the_checker_names_a_long_function_and_passes_a_short_one():
    source = textwrap.dedent("""\
        def short():
            a = 1
            return a


        class Ballot:
            @staticmethod
            def long():
                a = 1
                b = 2
                return a + b
        """)
    # short: 3 lines; long: decorator, def and 3 body lines, nested in a class.
    assert list(long_functions(source, "m.py", max_lines=4)) == ["m.py:8 long (5 lines)"]
    assert list(long_functions(source, "m.py", max_lines=5)) == []


def test_the_checker_reads_the_library_and_the_pipelines():
    files = {path.as_posix() for path in source_files()}
    assert "pipelines/batch.py" in files and "synth/records.py" in files
    assert not any(name.startswith("synth/store/migrations/versions/") for name in files)


def test_no_function_is_over_the_limit():
    found = [
        line
        for path in source_files()
        for line in long_functions((ROOT / path).read_text(encoding="utf-8"), path.as_posix())
    ]
    assert not found, f"functions over {MAX_LINES} lines:\n" + "\n".join(found)
