"""Fault suite, concurrency and damaged sweep folders: one writer per folder (a second stops with
a message or queues with --wait), and a store with duplicated or corrupted partitions quarantines
them and re-solves their points instead of double-counting or crashing forever."""

import json
import os
import subprocess
import sys
import threading
import time

import pandas as pd
import pytest
from faults import REPO, child, cli, one_clean_error

from cge.errors import OutputError
from cge.io.outdir import LOCK_SUFFIX, MARKER, claim_folder, read_marker

SWEEP = """
name: two-designs
base:
  coalition: [annex1]
  policy: {instrument: coalition_cap, cut: 0.2}
designs:
  - {name: REF}
  - {name: BCA, bca.import_charge: true}
grid:
  policy.cut: [0.1, 0.2]
"""
SYNTH = "3x6:1"


@pytest.fixture()
def spec(tmp_path):
    p = tmp_path / "sweep.yaml"
    p.write_text(SWEEP)
    return p


def sweep(spec, out, *extra):
    return cli("sweep", spec, "--out", out, "--synthetic", SYNTH, "--workers", "0", *extra)


def stats(out) -> pd.DataFrame:
    return pd.read_csv(out / "summary_stats.csv")


def manifest_ids(out) -> list[str]:
    lines = (out / "manifest.jsonl").read_text().splitlines()
    return [rec["id"] for line in lines for rec in json.loads(line)["points"]]


HOLDER = """
import sys, time
from cge.io.outdir import FolderLock, claim_folder
claim_folder(sys.argv[1], "sweep")
lock = FolderLock(sys.argv[2], sys.argv[1]).acquire()
print("LOCKED", flush=True)
time.sleep(float(sys.argv[3]))
lock.release()
"""


def hold_lock(out, seconds):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), str(out / LOCK_SUFFIX), str(seconds)],
                         stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "LOCKED"
    return p


def test_a_second_sweep_on_a_folder_being_written_stops_with_a_message(tmp_path, spec):
    out = tmp_path / "sw"
    holder = hold_lock(out, 60)
    try:
        rc, _, err = sweep(spec, out)
    finally:
        holder.kill()
        holder.wait()
    one_clean_error(rc, err, str(out), "another cge process", f"pid {holder.pid}", "--wait")
    assert not (out / "manifest.jsonl").exists()


def test_wait_queues_behind_the_writer_holding_the_folder(tmp_path, spec):
    out = tmp_path / "sw"
    holder = hold_lock(out, 2)
    t0 = time.perf_counter()
    rc, _, err = sweep(spec, out, "--wait")
    holder.wait()
    assert rc == 0, err
    assert time.perf_counter() - t0 > 1.0                 # it did wait for the holder
    assert set(stats(out)["n"]) == {1}


def test_two_concurrent_sweeps_store_every_point_once(tmp_path, spec):
    """Before: both exited 0, every point was stored twice and the summary's n doubled."""
    out = tmp_path / "sw"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    args = [sys.executable, "-m", "cge.cli", "sweep", str(spec), "--out", str(out), "--synthetic", SYNTH,
            "--workers", "0", "--wait"]
    procs = [subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for _ in range(2)]
    results = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    ids = manifest_ids(out)
    assert len(ids) == len(set(ids)) == 4
    assert set(stats(out)["n"]) == {1}                    # one point per design, not two
    assert any("nothing to do" in o for o, _ in results)  # the second found the work done


def test_commands_claiming_one_new_folder_together_all_find_it_theirs(tmp_path):
    """Before: one of two sweeps started together on a new folder could read the other's marker
    while it was being written (empty, or not there yet in a folder no longer empty) and refuse the
    folder as not written by cge. Claiming now runs under a lock beside the folder."""
    errors = []

    def claim(target):
        try:
            claim_folder(target, "sweep")
        except OutputError as exc:
            errors.append(str(exc))

    for trial in range(40):
        target = tmp_path / f"sw{trial}"
        threads = [threading.Thread(target=claim, args=(target,)) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert read_marker(target)["kind"] == "sweep"
    assert errors == []


def test_sweep_out_that_is_a_file_is_refused(tmp_path, spec):
    f = tmp_path / "results.txt"
    f.write_text("mine\n")
    rc, _, err = sweep(spec, f)
    one_clean_error(rc, err, "results.txt", "not a folder")
    assert f.read_text() == "mine\n"


def test_sweep_refuses_a_folder_of_user_files(tmp_path, spec):
    d = tmp_path / "mine"
    d.mkdir()
    (d / "notes.md").write_text("x")
    rc, _, err = sweep(spec, d)
    one_clean_error(rc, err, "not written by cge")
    assert sorted(p.name for p in d.iterdir()) == ["notes.md"]


@pytest.fixture()
def done_sweep(tmp_path, spec):
    out = tmp_path / "sw"
    rc, _, err = sweep(spec, out)
    assert rc == 0, err
    assert (out / MARKER).exists() and not (out / LOCK_SUFFIX).exists()
    return out


def test_a_duplicated_partition_is_quarantined_and_each_point_counts_once(done_sweep):
    """What two unlocked writers left behind: the same points in two partitions. Before: the
    summary's n doubled and re-running never repaired it."""
    out = done_sweep
    first = sorted((out / "parts").glob("part-*.parquet"))[0]
    copy = out / "parts" / "part-0000copy0000000.parquet"
    copy.write_bytes(first.read_bytes())
    entry = next(json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()
                 if json.loads(x)["partition"] == first.name)
    with open(out / "manifest.jsonl", "a") as fh:
        fh.write(json.dumps({"partition": copy.name, "points": entry["points"]}) + "\n")
    rc, _, err = cli("sweep-summary", out)
    assert rc == 0, err
    assert set(stats(out)["n"]) == {1}
    assert (out / "quarantine" / copy.name).exists()
    assert "duplicate" in (out / "quarantine" / "reasons.txt").read_text()
    pts = pd.read_parquet(out / "points.parquet")
    assert not pts.duplicated(["point_id", "measure", "region"]).any()


def test_a_corrupted_partition_is_quarantined_and_its_points_solved_again_on_resume(done_sweep, spec):
    """Before: reading the store raised (ArrowInvalid) on every run, so resume crashed forever."""
    out = done_sweep
    part = sorted((out / "parts").glob("part-*.parquet"))[0]
    lost = [rec["id"] for line in (out / "manifest.jsonl").read_text().splitlines()
            for rec in json.loads(line)["points"] if json.loads(line)["partition"] == part.name]
    part.write_bytes(part.read_bytes()[: len(part.read_bytes()) // 2])      # torn by a disk fault
    rc, out_text, err = sweep(spec, out)
    assert rc == 0, err
    assert "quarantine" in err and part.name in err
    assert f"solved {len(lost)} points" in out_text
    assert (out / "quarantine" / part.name).exists()
    assert set(stats(out)["n"]) == {1}
    assert sorted(manifest_ids(out)) == sorted(set(manifest_ids(out)))


def test_sweep_summary_of_a_folder_being_written_stops_with_a_message(done_sweep):
    holder = hold_lock(done_sweep, 60)
    try:
        r = child("sweep-summary", done_sweep)
    finally:
        holder.kill()
        holder.wait()
    one_clean_error(r.returncode, r.stderr, "another cge process")


def test_a_sweep_on_a_full_disk_stops_before_solving(tmp_path, spec):
    from faults import tmpfs

    with tmpfs(tmp_path / "full", "size=64k") as mnt:
        rc, out, err = sweep(spec, mnt / "sw")
        assert not (mnt / "sw" / "manifest.jsonl").exists()
    one_clean_error(rc, err, "not enough free space")
    assert "solved" not in out


def test_a_sweep_never_writes_into_its_input_dataset(tmp_path, spec):
    from faults import snapshot

    from cge.data.benchmark import write_benchmark
    from cge.data.synthetic import random_benchmark

    data = write_benchmark(random_benchmark(3, 6, seed=1), tmp_path / "bench")
    before = snapshot(data)
    rc, _, err = cli("sweep", spec, "--out", data, "--data", data, "--workers", "0", "--force")
    one_clean_error(rc, err, "an input of this command")
    assert snapshot(data) == before


def test_a_sweep_folder_of_one_dataset_refuses_another_dataset_naming_both(tmp_path, spec, done_sweep):
    """Before: a re-run with another --data warned about nothing, solved every point again and
    left points of two datasets mixed in one folder (although sweep.json records the dataset)."""
    from faults import snapshot

    out = done_sweep
    before = snapshot(out)
    rc, stdout, err = cli("sweep", spec, "--out", out, "--synthetic", "3x6:2", "--workers", "0")
    one_clean_error(rc, err, str(out), "synthetic 3x6 (seed 1)", "synthetic 3x6 (seed 2)", "another dataset")
    assert "solved" not in stdout
    assert {k: v for k, v in snapshot(out).items() if k != "sweep.log"} == \
        {k: v for k, v in before.items() if k != "sweep.log"}
    rc, stdout, err = sweep(spec, out, "--force")                 # --force does not mix datasets either
    assert rc == 0 and "nothing to do" in stdout, err             # the same dataset resumes as before


def test_sweep_summary_missing_points_of_a_quarantined_partition_is_incomplete_and_says_so(done_sweep):
    """Before: the corrupt partition was quarantined and the summary, silently lacking its points,
    exited 0. Now: exit 1 (incomplete, as a sweep with lost points), one warning naming the
    partition and the number of points missing; a second run still counts them (it reads the plan)."""
    from cge.errors import EXIT_INCOMPLETE

    out = done_sweep
    part = sorted((out / "parts").glob("part-*.parquet"))[0]
    lost = [rec["id"] for line in (out / "manifest.jsonl").read_text().splitlines()
            for rec in json.loads(line)["points"] if json.loads(line)["partition"] == part.name]
    total = len(set(manifest_ids(out)))
    part.write_bytes(part.read_bytes()[: len(part.read_bytes()) // 2])
    for _ in range(2):
        rc, stdout, err = cli("sweep-summary", out)
        assert rc == EXIT_INCOMPLETE, err
        assert "Traceback" not in err
        assert f"{len(lost)} of {total} points" in err and "cge sweep" in err
        assert stats(out)["n"].groupby(stats(out)["design"]).max().sum() <= total - 1
    assert part.name in (out / "quarantine" / "reasons.txt").read_text()
    rc, _, err = cli("sweep-summary", out)
    assert part.name in err                                            # named on every run
