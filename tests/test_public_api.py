"""The front door: ``cge`` exports a short public API grouped by stage, each name taken from the
module that defines it, and ``import cge`` alone imports none of them (they load on first use)."""

import subprocess
import sys

import cge


def test_every_public_name_comes_from_the_module_that_defines_it():
    for name, module in cge.API.items():
        obj = getattr(cge, name)
        assert getattr(obj, "__module__", module) == module, f"{name} is defined in {obj.__module__}, not {module}"
    assert set(cge.__all__) == {"__version__", *cge.API}


def test_import_cge_loads_no_stage_until_a_name_is_used():
    code = ("import sys, cge\n"
            "print(sorted(m for m in sys.modules if m.startswith('cge.')))\n"
            "cge.read_benchmark\n"
            "print('cge.data.benchmark' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True"


def test_an_unknown_name_is_an_attribute_error():
    try:
        cge.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("cge.no_such_name did not raise")


def test_the_docstring_lists_every_public_name_in_its_group():
    """The grouped listing of ``cge.__doc__`` (what ``help(cge)`` shows) is the API, no more, no less."""
    listing = cge.__doc__.split("The public API, by stage of the flow")[1].split("\n\n")[1]
    listed = [name.strip() for line in listing.splitlines() for name in line.split(None, 1)[1].split(",")]
    assert sorted(listed) == sorted(cge.API)
