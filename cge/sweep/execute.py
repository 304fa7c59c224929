"""Run a sweep on Dask (``dask.distributed``), resumably.

The driver plans and validates every point, recovers the output folder, and submits the
points not yet done in batches (draws of one design in order, so consecutive points are
close). Each worker builds and compiles a model once per structure and re-solves its points
(see :mod:`cge.sweep.worker`); the driver alone writes results, one Parquet partition per
finished batch (see :mod:`cge.sweep.store`). ``workers=0`` runs in-process without Dask
(same code path for the points, handy for debugging).

The output folder must be new or a sweep folder (marker of :mod:`cge.io.outdir`; ``force`` adopts
anything else except an input); the driver holds its lock (``DIR/.cge-lock``) for the whole run,
so a second sweep on the same folder stops with a message (or waits with ``wait``). Ctrl-C stops
the driver cleanly: Dask workers are started with SIGINT ignored (the driver shuts them down), the
points finished so far stay in the store and a re-run resumes.
"""

from __future__ import annotations

import json
import logging
import math
import os
import signal
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cge.data.benchmark import dataset_fingerprint
from cge.errors import CGEError
from cge.sweep.spec import Point, SweepSpec, plan_points
from cge.sweep.store import SCHEMAS, Store

log = logging.getLogger("cge.sweep")
#: generous disk space per point (partition share, points.parquet, summaries) for the pre-flight check
POINT_BYTES = 20_000


@dataclass
class SweepRun:
    out: Path
    total: int            # distinct points in the plan
    already_done: int     # done before this run
    solved: int           # recorded in this run (ok + failed)
    failed: int           # failed in this run
    lost: int             # not recorded in this run (worker died); a re-run retries them
    elapsed_s: float
    summary: pd.DataFrame | None = None


def default_workers() -> int:
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:
        n = os.cpu_count() or 1
    return max(1, n)


@contextmanager
def _sigint_ignored_in_children():
    """Processes started in the block inherit SIGINT ignored (Ctrl-C reaches only the driver)."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:                       # not the main thread: nothing to arrange
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _connect(scheduler: str | None, workers: int | None, timeout_s: float):
    """A Dask client for ``scheduler`` (an address) or a new LocalCluster; errors name the address."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{timeout_s}s", set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise CGEError(f"cannot reach the Dask scheduler at {scheduler} within {timeout_s:g} s "
                           f"({type(exc).__name__}: {exc})") from None
        except ValueError as exc:
            raise CGEError(f"--scheduler {scheduler!r}: not a valid scheduler address ({exc})") from None
        return client, None
    n = workers or default_workers()
    with _sigint_ignored_in_children():
        # no dashboard, and the scheduler's HTTP server (health checks) on a free port: at Dask's default
        # (8787) it warns "Port 8787 is already in use" whenever another program or cluster holds it
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None,
                               scheduler_kwargs={"dashboard_address": ":0"}, silence_logs=logging.ERROR)
    return Client(cluster, set_as_default=False), cluster


class Progress:
    """Points done / failed / rate / ETA on the terminal (one updating line on a TTY) and in the log."""

    def __init__(self, total: int, done_before: int, stream=None, every_s: float = 2.0):
        self.total, self.done_before = total, done_before
        self.done = self.failed = 0
        self.t0 = time.perf_counter()
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.every_s, self._last = every_s, 0.0

    def line(self) -> str:
        el = time.perf_counter() - self.t0
        rate = self.done / el * 60 if el > 0 else 0.0
        left = self.total - self.done_before - self.done
        eta = left / (rate / 60) if rate > 0 else math.inf
        eta_s = "--" if not math.isfinite(eta) else time.strftime("%H:%M:%S", time.gmtime(eta))
        return (f"points {self.done_before + self.done}/{self.total} done, {self.failed} failed, "
                f"{rate:.1f} points/min, ETA {eta_s}")

    def update(self, n_done: int, n_failed: int, final: bool = False) -> None:
        self.done += n_done
        self.failed += n_failed
        text = self.line()
        log.info(text)
        now = time.perf_counter()
        if self.tty:
            print("\r" + text + " " * 4, end="\n" if final else "", file=self.stream, flush=True)
        elif final or now - self._last >= self.every_s:
            print(text, file=self.stream, flush=True)
            self._last = now


def _batches(points: list[Point], batch_size: int) -> list[list[Point]]:
    """Consecutive points of one design per batch (draws of a design are close: good warm starts).

    Which compiled model a point uses is decided on the worker by ``structure_of`` equality."""
    groups: dict = {}
    for p in points:
        groups.setdefault(p.design, []).append(p)
    out = []
    for group in groups.values():
        out += [group[k:k + batch_size] for k in range(0, len(group), batch_size)]
    return out


def _log_to(out: Path) -> logging.Handler:
    h = logging.FileHandler(out / "sweep.log")
    h.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(h)
    log.setLevel(logging.INFO)
    return h


def _write_plan(out: Path, spec: SweepSpec, points: list[Point], dataset_label: str, fingerprint: str) -> None:
    rows = []
    for p in points:
        row = {"point_id": p.id, "design": p.design, "draw": p.draw, "weight": p.weight,
               "scenario": json.dumps(p.definition, default=str)}
        row.update({f"ssa:{k}": v for k, v in p.factors.items()})
        rows.append(row)
    plan = pd.DataFrame(rows)
    tmp = out / "plan.parquet.tmp"
    plan.to_parquet(tmp, index=False)
    os.replace(tmp, out / "plan.parquet")
    path = spec.path
    meta = {"name": spec.name, "kind": sweep_kind(spec), "source": spec.source, "description": spec.description,
            "dataset": dataset_label, "dataset_fingerprint": fingerprint,
            "ssa_design": spec.ssa.design if spec.ssa else None,
            "ssa_parameters": {k: {"distribution": d.kind, **d.p, "scale": spec.ssa.scale[k]}
                               for k, d in spec.ssa.parameters.items()} if spec.ssa else {},
            "ssa_seed": spec.ssa.seed if spec.ssa and spec.ssa.design == "monte_carlo" else None,
            "designs": list(dict.fromkeys(p.design for p in points)), "points": len(points),
            "distinct_points": len({p.id for p in points}), "solver": spec.solver}
    if path is not None:
        meta["path"] = {"end": path.end, "step": path.step, "scenarios": path.scenarios,
                        "policy_from": path.policy_from, "discount_rate_pct": path.discount_rate,
                        "assumptions": path.assumptions,
                        # what a `cge baseline` folder must share for the report to draw these bands around it
                        "years": points[0].definition["years"] if points else [],
                        "designs": points[0].definition["designs"] if points else {}}
    tmp = out / "sweep.json.tmp"
    tmp.write_text(json.dumps(meta, indent=1, default=str))
    os.replace(tmp, out / "sweep.json")
    if spec.source and Path(spec.source).is_file():
        (out / "sweep.yaml").write_text(Path(spec.source).read_text())


def sweep_kind(spec: SweepSpec) -> str:
    """What the folder holds (:data:`cge.sweep.store.SCHEMAS`): a point per scenario, or per set of path
    assumptions."""
    return "scenario" if spec.path is None else "path"


def _solver_of(kind: str):
    """The batch solver of a kind of sweep (imported on the worker)."""
    if kind == "path":
        from cge.sweep.path_worker import solve_path_batch

        return solve_path_batch
    from cge.sweep.worker import solve_batch

    return solve_batch


def summary_writer(kind: str):
    """The function writing the summary tables of a kind of sweep folder."""
    if kind == "path":
        from cge.sweep.path_bands import write_path_summary

        return write_path_summary
    from cge.sweep.summary import write_summary

    return write_summary


def run_sweep(spec: SweepSpec, benchmark, out: str | Path, *, workers: int | None = None,
              scheduler: str | None = None, route: str = "auto", dataset_label: str = "",
              connect_timeout_s: float = 5.0, progress_stream=None, summarize: bool = True,
              points: list[Point] | None = None, force: bool = False, wait: bool = False,
              inputs=()) -> SweepRun:
    """Solve every point of ``spec`` not yet in ``out``; write partitions, manifest, summaries.
    ``points`` is ``plan_points(spec, benchmark)`` when the caller already has it; ``inputs`` are
    files and folders the sweep reads (never overwritten); ``force``/``wait``: module docstring."""
    t_start = time.perf_counter()
    if points is None:
        points = plan_points(spec, benchmark)               # validation: before any work
    if workers is not None and workers < 0:
        raise CGEError(f"--workers {workers}: must be >= 0 (0 = in-process, no Dask)")
    distinct: dict[str, Point] = {}
    for p in points:
        distinct.setdefault(p.id, p)
    out = Path(out)
    s = _Session()
    try:
        if scheduler:
            s.client, s.cluster = _connect(scheduler, workers, connect_timeout_s)   # unreachable: fail here
        store, fp, todo = _open_folder(s, out, spec, points, distinct, benchmark, dataset_label, inputs, force,
                                       wait, progress_stream)
        already = len(distinct) - len(todo)
        prog = Progress(len(distinct), already, progress_stream)
        tally = _Tally()
        if todo and s.client is None and workers != 0:
            s.client, s.cluster = _connect(None, workers, connect_timeout_s)
        if todo:
            n_workers = 1 if s.client is None else max(1, len(s.client.scheduler_info()["workers"]) or (workers or 1))
            bs = spec.batch_size or max(1, min(16, math.ceil(len(todo) / (4 * n_workers))))
            batches = _batches(todo, bs)
            where = "in-process" if s.client is None else (scheduler or f"LocalCluster({n_workers} workers)")
            log.info("solving %d points in %d batches of up to %d on %s", len(todo), len(batches), bs, where)
            job = _Job(benchmark, fp, spec.solver, route, store, distinct, prog, tally, _solver_of(sweep_kind(spec)))
            if s.client is None:
                _solve_in_process(job, batches)
            else:
                _solve_on_dask(job, batches, s.client)
        prog.update(0, 0, final=True)
        if tally.lost:
            print(f"warning: {tally.lost} points were not solved (worker lost); run the sweep again to retry them",
                  file=progress_stream or sys.stderr)
        summary = None
        if summarize:
            summary = summary_writer(sweep_kind(spec))(out)
        return SweepRun(out, len(distinct), already, tally.solved, tally.failed, tally.lost,
                        time.perf_counter() - t_start, summary)
    except KeyboardInterrupt:
        logging.getLogger("distributed").setLevel(logging.CRITICAL)   # no shutdown noise after Ctrl-C
        log.warning("interrupted; finished points are saved, a re-run resumes")
        raise
    finally:
        s.close()


@dataclass
class _Session:
    """What a run holds until it ends: the Dask client and cluster, the log handler, the lock."""

    client: object = None
    cluster: object = None
    handler: logging.Handler | None = None
    lock: object = None

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        if self.handler is not None:
            log.removeHandler(self.handler)
            self.handler.close()
        if self.lock is not None:
            self.lock.release()


def _open_folder(s: _Session, out: Path, spec: SweepSpec, points: list[Point], distinct: dict[str, Point],
                 benchmark, dataset_label: str, inputs, force: bool, wait: bool, progress_stream):
    """Claim and lock the output folder, check the disk, write the plan, recover the store:
    ``(store, dataset fingerprint, points still to solve)``."""
    from cge.io.outdir import LOCK_SUFFIX, FolderLock, claim_folder, preflight

    _check_same_kind(out, sweep_kind(spec))        # before anything is written (the marker, the lock)
    claim_folder(out, "sweep", inputs=[spec.source, *inputs], force=force)
    s.lock = FolderLock(out / LOCK_SUFFIX, str(out), wait).acquire()
    preflight(out, POINT_BYTES * len(distinct) + 1_000_000, out)     # a full disk fails before solving
    fp = dataset_fingerprint(benchmark)
    _check_same_dataset(out, fp, dataset_label)
    s.handler = _log_to(out)
    _write_plan(out, spec, points, dataset_label, fp)
    store = Store(out, SCHEMAS[sweep_kind(spec)])
    done = store.recover()
    for name, reason in store.quarantined:
        print(f"warning: {out}/parts/{name}: {reason}; moved to quarantine/, its points are solved again",
              file=progress_stream or sys.stderr)
    todo = [p for pid, p in distinct.items() if pid not in done]
    log.info("sweep %s: %d points (%d distinct), %d already done, %d to solve", spec.name, len(points),
             len(distinct), len(distinct) - len(todo), len(todo))
    return store, fp, todo


def _recorded(out: Path) -> dict:
    """The folder's ``sweep.json`` ({} for a new folder, or one without a readable record)."""
    try:
        recorded = json.loads((out / "sweep.json").read_text())
    except (OSError, ValueError):
        return {}
    return recorded if isinstance(recorded, dict) else {}


def _has_points(out: Path) -> bool:
    return any((out / "parts").glob("part-*.parquet"))


def _check_same_kind(out: Path, kind: str) -> None:
    """A folder holding points of one kind of sweep (:func:`sweep_kind`) is never resumed with the other
    (``--force`` included): its partitions would be quarantined and its plan and record overwritten."""
    theirs = _recorded(out).get("kind", "scenario")    # folders written before path sweeps: scenario sweeps
    if theirs != kind and _has_points(out):
        raise CGEError(f"{out} holds a {theirs} sweep; use another --out")


def _check_same_dataset(out: Path, fingerprint: str, dataset_label: str) -> None:
    """A folder holding points of one dataset is never resumed with another (``--force`` included):
    the points of both would be mixed in one folder and one summary."""
    recorded = _recorded(out)
    theirs = recorded.get("dataset_fingerprint")
    if not theirs or theirs == fingerprint or not _has_points(out):
        return
    raise CGEError(f"{out}: holds points of dataset {recorded.get('dataset') or '?'} (fingerprint {theirs[:12]}); "
                   f"the dataset given, {dataset_label or '?'} (fingerprint {fingerprint[:12]}), is another dataset; "
                   "use another --out, or the folder's dataset to resume it")


@dataclass
class _Tally:
    solved: int = 0       # recorded in this run (ok + failed)
    failed: int = 0
    lost: int = 0         # in batches whose worker died


@dataclass
class _Job:
    """Everything a batch needs to be solved and recorded."""

    benchmark: object
    fingerprint: str
    solver: dict
    route: str
    store: Store
    distinct: dict
    progress: Progress
    tally: _Tally
    solve: object          # solve_batch(benchmark, fingerprint, [(id, work)], solver, route) -> records

    def record(self, recs: list[dict]) -> None:
        n_failed = _record(self.store, recs, self.distinct)
        self.tally.solved += len(recs)
        self.tally.failed += n_failed
        self.progress.update(len(recs), n_failed)


def _solve_in_process(job: _Job, batches: list[list[Point]]) -> None:
    for batch in batches:
        job.record(job.solve(job.benchmark, job.fingerprint, [(p.id, p.work) for p in batch], job.solver,
                             job.route))


def _solve_on_dask(job: _Job, batches: list[list[Point]], client) -> None:
    """Submit every batch (the benchmark scattered once) and record them as they finish; a
    lost batch is counted, logged and left for a re-run."""
    from distributed import as_completed

    bfut = client.scatter(job.benchmark, broadcast=True)
    futures = {client.submit(job.solve, bfut, job.fingerprint, [(p.id, p.work) for p in batch], job.solver,
                             job.route, pure=False): batch for batch in batches}
    for fut in as_completed(list(futures), loop=client.loop):
        batch = futures.pop(fut)
        try:
            recs = fut.result()
        except Exception as exc:  # noqa: BLE001 - a lost batch never stops the sweep
            job.tally.lost += len(batch)
            log.error("batch of %d points lost (%s: %s); a re-run retries them", len(batch),
                      type(exc).__name__, exc)
            continue
        job.record(recs)


def _record(store: Store, recs: list[dict], distinct: dict[str, Point]) -> int:
    for r in recs:
        p = distinct[r["id"]]
        r["design"], r["draw"] = p.design, p.draw
    store.write(recs)
    n_failed = 0
    for r in recs:
        if r["status"] != "ok":
            n_failed += 1
            log.warning("point %s (%s, draw %s) failed: %s", r["id"], r["design"], r["draw"], r.get("reason"))
    return n_failed
