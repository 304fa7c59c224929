"""Print the BLAS library and kernel that numpy and scipy use at run time (OpenBLAS picks its kernel
from the CPU unless OPENBLAS_CORETYPE names one); with --name, print only numpy's kernel name."""

import sys

import numpy  # noqa: F401  (loads numpy's BLAS)
import scipy.linalg  # noqa: F401  (loads scipy's BLAS)
from threadpoolctl import threadpool_info

blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
if "--name" in sys.argv:
    print(next((i.get("architecture") or "?" for i in blas if "numpy" in i["filepath"]), "?"))
else:
    for i in blas:
        owner = "numpy" if "numpy" in i["filepath"] else "scipy" if "scipy" in i["filepath"] else i["filepath"]
        print(f"BLAS of {owner}: {i['internal_api']} {i['version']}, kernel {i.get('architecture') or '?'}")
