"""The package's import graph: records flow one way.

A module imports only from the stages to its left in read -> normalize -> segment ->
extract -> link/variants -> spool -> score -> evaluate -> dataset -> review -> cache -> process -> workers -> pipeline -> cli, plus
the shared modules every stage may use. Imports inside functions count: a cycle hidden by
a function-level import is still a cycle.
"""

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "align"
SHARED = {"align", "align.records", "align.errors", "align.text", "align.lexicon", "align.cedict_data", "align.config",
          "align.encoder", "align.records_json", "align.memo"}
# Left to right; modules of one stage share a rank.
STAGES = [
    {"align.read", "align.markup", "align.manifest", "align.licenses"},
    {"align.normalize"},
    {"align.segment"},
    {"align.candidates", "align.features", "align.pair_model", "align.extract", "align.corrections"},
    {"align.link", "align.variants"},
    {"align.spool"},  # the pair rows on disk, read by the corpus-wide steps from score on
    {"align.score"},
    {"align.gold", "align.evaluate"},
    {"align.dataset"},
    {"align.review"},
    {"align.publish", "align.push"},
    {"align.cache"},
    {"align.process"},
    {"align.workers"},
    {"align.pipeline"},
    {"align.cli", "align.__main__"},
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, name: str) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] + [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out |= {n for n in names if n.startswith("align")}
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {}
    for name, path in files.items():
        graph[name] = {t for t in _imports(path, name) if t in files and t != name}
    return graph


def _stage(name: str) -> int | None:
    for rank, members in enumerate(STAGES):
        if any(name == m or name.startswith(m + ".") for m in members):
            return rank
    return None


def test_every_module_has_a_place():
    unplaced = [n for n in _graph() if n not in SHARED and _stage(n) is None]
    assert not unplaced, f"add these modules to STAGES or SHARED: {unplaced}"


def test_no_module_imports_a_later_stage():
    upward = []
    for name, targets in _graph().items():
        for t in targets:
            if t in SHARED:
                continue
            if name in SHARED:
                upward.append(f"{name} (shared) imports {t}")
            elif _stage(t) > _stage(name):
                upward.append(f"{name} imports the later {t}")
    assert not upward, upward


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for t in sorted(graph[node]):
            # A package importing its own submodules (its __init__ re-exporting) is not a cycle.
            if t.startswith(node + "."):
                continue
            if state.get(t) == 1:
                cycles.append(path[path.index(t):] + [t] if t in path else [node, t])
            elif t not in state:
                visit(t, path + [t])
        state[node] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycles, cycles


def test_a_build_writes_its_parquet_without_importing_datasets(tmp_path):
    """``datasets`` takes a second to import: the build writes parquet with pyarrow alone."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from align.cli import main\n"
        f"sys.argv = ['align', 'build', '--raw', {str(ROOT / 'raw')!r}, '--out', {str(tmp_path / 'b')!r}, '--no-link']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('datasets' in sys.modules)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.stdout.strip().splitlines()[-1] == "False", run.stdout[-500:] + run.stderr[-500:]
    assert (tmp_path / "b" / "pairs" / "train-00000-of-00001.parquet").exists()
