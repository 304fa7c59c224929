"""The GDX library polars-gdx vendors is checked at load against the version whose C signatures
cge/data/gdx.py declares, so a changed library is refused in one line instead of crashing."""

import pytest

from cge.data.gdx import CHECKED_LIBRARY, check_library_version
from cge.errors import DataError


def test_the_checked_gdx_library_version_is_accepted():
    check_library_version(f"{CHECKED_LIBRARY} (AUDIT) Tue Oct  6 15:14:33 2026 x86_64 Linux")


@pytest.mark.parametrize("reported", ["GDX Library C++ V8 (AUDIT) 2027 x86_64 Linux", "GDX Library C++ V70", ""])
def test_another_gdx_library_version_is_refused_naming_polars_gdx(reported):
    with pytest.raises(DataError, match="polars-gdx"):
        check_library_version(reported)


def test_the_installed_library_loads_and_passes_the_check():
    pytest.importorskip("polars_gdx")
    from cge.data.gdx import _library

    _library.cache_clear()
    assert _library() is not None
