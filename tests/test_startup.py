"""The entry points defer Pyomo's scipy finaliser (cge/runtime/pyomo_compat.py) without breaking Pyomo;
``import cge`` alone changes nothing in Pyomo."""

import subprocess
import sys


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_command_run_imports_no_scipy_stats():
    out = _run("import sys, cge.cli\n"
               "cge.cli.main(['options'])\n"
               "import cge.results.run, cge.results.write, cge.data.intensity, cge.solve\n"
               "import scipy.sparse.linalg\n"
               "print('scipy.stats' in sys.modules)")
    assert out.splitlines()[-1] == "False"


def test_importing_the_package_leaves_pyomo_as_it_is():
    """The patch is made by the entry points, never as a side effect of ``import cge``."""
    out = _run("import sys, cge, cge.results.run, cge.solve\n"
               "import scipy.sparse.linalg\n"
               "print('scipy.stats' in sys.modules)")
    assert out == "True"


def test_pyomo_still_resolves_scipy_and_runs_its_finaliser_when_it_asks():
    out = _run("import sys, cge.cli, cge.results.run\n"
               "cge.cli.main(['options'])\n"
               "from pyomo.common.dependencies import scipy_available\n"
               "print(bool(scipy_available), 'scipy.stats' in sys.modules)")
    assert out.splitlines()[-1] == "True True"


def test_deferral_does_nothing_when_scipy_was_imported_first():
    out = _run("import scipy, pyomo.environ\n"
               "from cge.runtime.pyomo_compat import defer_pyomo_scipy_finaliser\n"
               "print(defer_pyomo_scipy_finaliser())")
    assert out == "False"
