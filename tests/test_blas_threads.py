"""GMRES runs on one BLAS thread when the process has one thread; the limit is the process's, so with
other threads running it is left alone (changing it would change their BLAS, and overlapping solves
could leave BLAS on one thread for good)."""

from __future__ import annotations

import threading

import scipy.sparse.linalg  # noqa: F401  (GMRES runs on scipy's BLAS: loaded before any limit, as in a solve)
from threadpoolctl import threadpool_info, threadpool_limits

from cge.solve._linear import single_threaded_blas


def _blas_threads() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_a_single_threaded_process_solves_on_one_blas_thread_and_gets_its_count_back():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        with single_threaded_blas():
            inside = _blas_threads()
        after = _blas_threads()
    assert inside and all(n == 1 for n in inside)
    assert after == before


def test_overlapping_solves_in_two_threads_leave_blas_as_they_found_it():
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        first_inside, second_inside = threading.Event(), threading.Event()

        def first():
            with single_threaded_blas():
                first_inside.set()
                second_inside.wait(10)

        def second():
            first_inside.wait(10)
            with single_threaded_blas():
                second_inside.set()

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        after = _blas_threads()
    assert after == before
