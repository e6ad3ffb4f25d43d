"""Do the Academy's imports run one way: infrastructure ← accounts ← catalogue ← escalator ←
portfolios ← the app?

The rule (docs/architecture.md): a feature imports only features below it;
infrastructure modules and the shared packages import no feature; nothing
imports in a cycle. Imports are read with `ast`, in every function too, but
not inside `if TYPE_CHECKING:` blocks (they are never run).
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

import academy

PACKAGE = Path(academy.__file__).resolve().parent

#: Features, lowest first: each may import those before it, never those after.
FEATURES = ("accounts", "catalogue", "escalator", "portfolios")


@dataclass(frozen=True)
class Import:
    """One import statement: which module, in which file, at which line, of what."""

    module: str
    path: Path
    line: int
    target: str


def module_name(root: Path, path: Path) -> str:
    """The dotted name of a file under the package root (its folder named `academy`)."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _nodes(tree: ast.AST):
    """Every node of a module but those under `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                stack.extend(child.orelse)
            else:
                stack.append(child)


def imports_of(root: Path) -> list[Import]:
    """Every import of an `academy` module made by a file under root."""
    modules = {module_name(root, path) for path in root.rglob("*.py")}
    found = []
    for path in sorted(root.rglob("*.py")):
        name = module_name(root, path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _nodes(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from academy.portfolios import sharing` imports a module, not a name.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                    for alias in node.names
                ]
            for target in targets:
                if target == "academy" or target.startswith("academy."):
                    found.append(Import(name, path.relative_to(root.parent), node.lineno, target))
    return found


def layer(module: str) -> int | None:
    """0 for infrastructure, 1–4 for the features lowest first, None for the app itself."""
    parts = module.split(".")
    if len(parts) == 1:
        return None  # academy/__init__.py composes everything
    return FEATURES.index(parts[1]) + 1 if parts[1] in FEATURES else 0


def against_the_order(found: list[Import]) -> list[str]:
    """Each import from a lower layer into a higher one, as 'file:line: a imports b'."""
    problems = []
    for item in found:
        mine, theirs = layer(item.module), layer(item.target)
        if mine is None:
            continue  # the app composes the features: it may import any of them
        if theirs is None:
            problems.append(f"{item.path}:{item.line}: {item.module} imports the app")
        elif theirs > mine:
            problems.append(
                f"{item.path}:{item.line}: {item.module} imports {item.target}, "
                f"which is above it ({describe(theirs)} over {describe(mine)})"
            )
    return problems


def describe(number: int) -> str:
    """A layer's name."""
    return "infrastructure" if number == 0 else FEATURES[number - 1]


def cycles(found: list[Import]) -> list[str]:
    """Each import cycle between modules, once, as 'a → b → a (file:line, ...)'."""
    edges: dict[str, dict[str, Import]] = {}
    for item in found:
        if item.target != item.module:
            edges.setdefault(item.module, {}).setdefault(item.target, item)
    seen_cycles, problems = set(), []
    state: dict[str, int] = {}  # 1 on the path, 2 finished

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        path.append(module)
        for target in edges.get(module, {}):
            if state.get(target) == 1:
                cycle = path[path.index(target) :] + [target]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    where = ", ".join(
                        f"{edges[a][b].path}:{edges[a][b].line}"
                        for a, b in zip(cycle, cycle[1:], strict=False)
                    )
                    problems.append(f"{' → '.join(cycle)} ({where})")
            elif state.get(target) is None:
                visit(target, path)
        path.pop()
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [])
    return problems


def test_imports_run_one_way():
    """Does every import go from a higher layer to a lower one (or stay within one)?"""
    found = imports_of(PACKAGE)
    assert len(found) > 300, "the reader found the Academy's imports"
    assert against_the_order(found) == []


def test_no_module_imports_in_a_cycle():
    """Is there no cycle among the Academy's modules?"""
    assert cycles(imports_of(PACKAGE)) == []


def test_a_planted_back_import_is_named_with_its_file_and_line(tmp_path):
    """Does the check fail, naming the file and line, when accounts imports portfolios?"""
    root = tmp_path / "academy"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    models = root / "accounts" / "models.py"
    text = models.read_text()
    models.write_text(text + "\n\ndef _late():\n    from academy.portfolios.models import Entry\n")
    line = text.count("\n") + 4

    planted = set(against_the_order(imports_of(root))) - set(against_the_order(imports_of(PACKAGE)))

    assert planted == {
        f"academy/accounts/models.py:{line}: academy.accounts.models imports "
        "academy.portfolios.models, which is above it (portfolios over accounts)"
    }


def test_a_planted_cycle_is_named(tmp_path):
    """Does the check find a cycle, naming each import in it, within a single feature?"""
    root = tmp_path / "academy"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    timeutil = root / "timeutil.py"
    timeutil.write_text(timeutil.read_text() + "\nfrom academy.text import slugify\n")
    text = root / "text.py"
    text.write_text(text.read_text() + "\nfrom academy.timeutil import today\n")

    problems = set(cycles(imports_of(root))) - set(cycles(imports_of(PACKAGE)))

    assert len(problems) == 1
    (problem,) = problems
    assert "academy.text → academy.timeutil → academy.text" in problem or (
        "academy.timeutil → academy.text → academy.timeutil" in problem
    )
    assert "academy/timeutil.py:" in problem and "academy/text.py:" in problem


def test_type_checking_imports_are_not_counted(tmp_path):
    """Is an import only for type checkers left out, as it never runs?"""
    root = tmp_path / "academy"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__"))
    models = root / "accounts" / "models.py"
    models.write_text(
        models.read_text()
        + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        + "    from academy.portfolios.models import PortfolioEntry\n"
    )
    assert against_the_order(imports_of(root)) == against_the_order(imports_of(PACKAGE))
