"""The import contracts ([tool.importlinter] in pyproject.toml) hold on the tree, and a
module that breaks one makes lint-imports, which `make lint` runs, fail and name it.

Each bad import is written into a copy of the apps' Python files, never into the tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {c["name"] for c in CONFIG["contracts"]}

DEVTOOLS = "Product code never imports the development app"
LAYERS = "Each app imports only the apps below it"
CORE = "The core imports no app"
READS = "Selectors never import services"


def lint_imports(cwd: Path) -> tuple[int, dict[str, str], str]:
    """Run lint-imports in cwd; its exit code, each contract's verdict and its output."""
    executable = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "COLUMNS": "500", "NO_COLOR": "1", "PYTHONPATH": str(cwd)}
    done = subprocess.run(
        [str(executable), "--no-cache"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    verdicts = {}
    for line in done.stdout.splitlines():
        name, _, verdict = line.rstrip().rpartition(" ")
        if name in CONTRACTS and verdict in ("KEPT", "BROKEN"):
            verdicts[name] = verdict
    return done.returncode, verdicts, done.stdout + done.stderr


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the root packages' Python files and the contracts, to break at will."""

    def not_python(folder, names):
        return [n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()]

    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=not_python)
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_contracts_are_the_four_the_house_rules_name():
    assert {DEVTOOLS, LAYERS, CORE, READS} == CONTRACTS


def test_the_tree_keeps_every_contract():
    code, verdicts, output = lint_imports(ROOT)
    assert code == 0, output
    assert verdicts == dict.fromkeys(CONTRACTS, "KEPT"), output


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        # A read that imports another app's writes (and so reaches up a layer too).
        (
            "records/selectors/probe.py",
            "from referrals.services import decisions",
            {READS, LAYERS},
        ),
        # A read that imports its own app's writes: no layer is crossed.
        ("timetables/selectors/probe.py", "from timetables.services import plans", {READS}),
        # An app whose reads are one module, not a package, is held to it too.
        ("notifications/selectors.py", "from notifications import services", {READS}),
        ("records/probe.py", "import referrals.models", {LAYERS}),
        ("enigma/probe.py", "import notifications.models", {CORE, LAYERS}),
        ("timetables/probe.py", "import devtools", {DEVTOOLS}),
        # The oversight pages sit on top: nothing below reads them, disclosure included.
        ("notifications/probe.py", "import oversight.selectors", {LAYERS}),
        ("disclosure/probe.py", "import oversight.selectors", {LAYERS}),
        ("enigma/probe.py", "import oversight.selectors", {CORE, LAYERS}),
        ("oversight/probe.py", "import devtools", {DEVTOOLS}),
    ],
    ids=[
        "selectors-import-another-apps-services",
        "selectors-import-their-apps-services",
        "selectors-module-imports-services",
        "records-imports-referrals",
        "core-imports-an-app",
        "product-imports-devtools",
        "notifications-imports-oversight",
        "disclosure-imports-oversight",
        "core-imports-oversight",
        "oversight-imports-devtools",
    ],
)
def test_a_bad_import_breaks_its_contract(tree, module, bad_import, broken):
    with (tree / module).open("a") as file:  # a new module, or the end of an existing one
        file.write(f"\n{bad_import}\n")
    code, verdicts, output = lint_imports(tree)
    assert code != 0, output
    assert verdicts == {name: "BROKEN" if name in broken else "KEPT" for name in CONTRACTS}, output
