"""House rules a reviewer would otherwise check by eye (DESIGN.md, "Growing the house")."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["ledger_core", "ledger_ui", "ledger_api", "pages"]
# Public API spelled with a leading underscore (namedtuple-style), and the one name the
# standard library exports without one although it is private.
PUBLIC_UNDERSCORED = {"_asdict", "_replace", "_fields", "_make", "_mapping", "_field_defaults"}
PRIVATE_WITHOUT_UNDERSCORE = {"c_make_encoder", "c_encode_basestring", "c_scanstring"}


def _sources() -> list[Path]:
    files = [ROOT / "app.py"] if (ROOT / "app.py").exists() else []
    for package in PACKAGES:
        if (ROOT / package).is_dir():
            files += [p for p in (ROOT / package).rglob("*.py") if "migrations" not in p.parts]
    return files


def _private(name: str) -> bool:
    return (name.startswith("_") and not name.startswith("__") and name not in PUBLIC_UNDERSCORED) \
        or name in PRIVATE_WITHOUT_UNDERSCORE


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {alias.name} from {node.module}")
        elif isinstance(node, ast.Attribute) and _private(node.attr):
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} uses .{node.attr} of another object")
    return found


def test_no_module_reaches_for_a_private_name() -> None:
    problems = [problem for path in _sources() for problem in _violations(path)]
    assert problems == []


def test_core_imports_no_ui_or_dataframe_library_at_module_level() -> None:
    """ledger_core knows nothing of Streamlit or plotly; pandas only inside `to_dataframe()`."""
    code = ("import sys, ledger_core, ledger_core.__main__; "
            "print(sorted(m for m in ('streamlit', 'plotly', 'pandas', 'fastapi') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_only_the_store_asks_which_database_it_talks_to() -> None:
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "ledger_core").rglob("*.py")
                 if "store" not in path.relative_to(ROOT / "ledger_core").parts
                 and "dialect.name" in path.read_text()]
    assert offenders == []


def test_ruff_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", "."], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
