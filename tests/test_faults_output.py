"""Fault suite, output safety: a command writes only into a folder it owns, never replaces an input,
replaces its own output crash-safely, cleans up after a killed run, follows the umask, and finds
read-only or full disks and file-size limits before the solve (not after it)."""

import os
import resource
import signal
import subprocess
import sys
import time

import pytest
from faults import SCENARIOS, child, cli, one_clean_error, snapshot, tmpfs

from cge.data.benchmark import write_benchmark
from cge.data.synthetic import random_benchmark
from cge.errors import OutputError
from cge.io import outdir
from cge.io.outdir import MARKER, OutputFolder, atomic_folder, read_marker


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    return write_benchmark(random_benchmark(3, 6, seed=1), tmp_path_factory.mktemp("data") / "bench")


@pytest.fixture(scope="module")
def scen(tmp_path_factory):
    p = tmp_path_factory.mktemp("scen") / "scenarios.yaml"
    p.write_text(SCENARIOS)
    return p


def compare(dataset, scen, out, *extra, cwd=None):
    return cli("compare", "--data", dataset, "--scenarios", scen, "--out", out, *extra, cwd=cwd)


def user_folder(path):
    path.mkdir()
    (path / "notes.txt").write_text("my thesis notes\n")
    (path / "sub").mkdir()
    (path / "sub" / "data.csv").write_text("a,b\n1,2\n")
    return path


# ----------------------------------------------------------------------------- refusals
def test_compare_refuses_a_folder_of_user_files_and_keeps_them(tmp_path, dataset, scen):
    mywork = user_folder(tmp_path / "mywork")
    before = snapshot(mywork)
    rc, out, err = compare(dataset, scen, mywork)
    one_clean_error(rc, err, str(mywork), "not written by cge", "--force")
    assert snapshot(mywork) == before
    assert "solved" not in out                      # refused before any work


def test_compare_refuses_to_replace_a_file(tmp_path, dataset, scen):
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me\n")
    rc, _, err = compare(dataset, scen, notes)
    one_clean_error(rc, err, "notes.txt", "not a folder")
    assert notes.read_text() == "keep me\n"


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_out_equal_to_the_input_dataset_is_refused_even_with_force(tmp_path, dataset, scen, force):
    before = snapshot(dataset)
    for target in (dataset, dataset.parent):           # the dataset itself, or a folder holding it
        rc, _, err = compare(dataset, scen, target, *force)
        one_clean_error(rc, err, "an input of this command", "never overwritten")
    assert snapshot(dataset) == before


def test_out_equal_to_the_scenario_file_is_refused(tmp_path, dataset, scen):
    before = scen.read_text()
    rc, _, err = compare(dataset, scen, scen, "--force")
    one_clean_error(rc, err, "an input of this command")
    assert scen.read_text() == before


def test_report_out_equal_to_the_results_it_reads_is_refused(tmp_path):
    res = tmp_path / "res"
    res.mkdir()
    (res / MARKER).write_text("kind: results\n")
    (res / "summary.csv").write_text("scenario\nREF\n")
    before = snapshot(res)
    for extra in ([], ["--force"]):
        rc, _, err = cli("report", res, "--out", res, *extra)
        one_clean_error(rc, err, "an input of this command")
    assert snapshot(res) == before


def test_out_dot_is_refused_with_a_message_and_leaves_no_hidden_folder(tmp_path, dataset, scen):
    work = tmp_path / "work"
    work.mkdir()
    (work / "paper.tex").write_text("x")
    for extra in ([], ["--force"]):
        rc, _, err = compare(dataset, scen, ".", *extra, cwd=work)
        one_clean_error(rc, err, "current folder")
    assert sorted(p.name for p in work.iterdir()) == ["paper.tex"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_calibration_build_refuses_user_folders_and_its_input_before_building(tmp_path):
    shared = tmp_path / "shared"                       # a stand-in: the build must stop before reading it
    shared.mkdir()
    mywork = user_folder(tmp_path / "mywork")
    before = snapshot(mywork)
    r = child("build", "--shared", shared, "--out", mywork, module="calibration")
    one_clean_error(r.returncode, r.stderr, "not written by cge")
    assert snapshot(mywork) == before
    r = child("build", "--shared", shared, "--out", shared, "--force", module="calibration")
    one_clean_error(r.returncode, r.stderr, "an input of this command")
    assert shared.is_dir()


def test_a_results_folder_is_not_replaced_by_a_report_or_a_benchmark(tmp_path):
    res = tmp_path / "res"
    res.mkdir()
    (res / MARKER).write_text("kind: results\n")
    with pytest.raises(OutputError, match="holds `cge compare` results"):
        write_benchmark(random_benchmark(2, 6, seed=0), res)
    assert read_marker(res)["kind"] == "results"


def test_force_replaces_a_user_folder_and_the_result_is_then_owned(tmp_path, dataset, scen):
    mywork = user_folder(tmp_path / "mywork")
    rc, _, err = compare(dataset, scen, mywork, "--force")
    assert rc == 0, err
    assert not (mywork / "notes.txt").exists() and (mywork / "summary.csv").exists()
    assert read_marker(mywork)["kind"] == "results"
    first = (mywork / "run.yaml").read_text()
    rc, _, err = compare(dataset, scen, mywork)          # owned now: replaced without --force
    assert rc == 0, err
    assert (mywork / "run.yaml").read_text() != first    # timings differ: a new folder
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]   # no lock or temporary left


# ----------------------------------------------------------------------------- files the user added
def test_rerunning_compare_keeps_the_users_files_and_the_report_and_marks_the_report_out_of_date(
        tmp_path, dataset, scen):
    out = tmp_path / "repro"
    rc, _, err = compare(dataset, scen, out)
    assert rc == 0, err
    rc, _, err = cli("report", out)
    assert rc == 0, err
    (out / "notes.txt").write_text("my thesis notes\n")
    (out / "sub").mkdir()
    (out / "sub" / "data.csv").write_text("a,b\n1,2\n")
    report_files = sorted(p.name for p in (out / "report").iterdir())
    first_run = (out / "run.yaml").read_text()
    rc, _, err = compare(dataset, scen, out)
    assert rc == 0, err
    assert (out / "run.yaml").read_text() != first_run                 # compare's own files are new
    assert (out / "notes.txt").read_text() == "my thesis notes\n"
    assert (out / "sub" / "data.csv").read_text() == "a,b\n1,2\n"
    assert sorted(p.name for p in (out / "report").iterdir()) == report_files
    assert "notes.txt" in err and "sub/" in err and "report/" in err and "out of date" in err
    assert "OUT OF DATE" in (out / "report" / "report.html").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    rc, _, err = cli("report", out)                   # rebuilding the report clears the mark
    assert rc == 0, err
    assert "OUT OF DATE" not in (out / "report" / "report.html").read_text()


def test_rerunning_report_keeps_the_files_the_user_added_to_the_report_folder(tmp_path, dataset, scen):
    out = tmp_path / "res"
    rc, _, err = compare(dataset, scen, out)
    assert rc == 0, err
    for _ in range(2):
        rc, _, err = cli("report", out)
        assert rc == 0, err
        (out / "report" / "referee_comments.md").write_text("fig 3 is unclear\n")
        (out / "report" / "figures" / "my_redrawn_figure.pdf").write_bytes(b"%PDF mine")
    assert (out / "report" / "referee_comments.md").read_text() == "fig 3 is unclear\n"
    assert (out / "report" / "figures" / "my_redrawn_figure.pdf").read_bytes() == b"%PDF mine"
    assert "referee_comments.md" in err and "figures/my_redrawn_figure.pdf" in err
    assert (out / "report" / "figures" / "validity_leakage.png").exists()       # its own files: new ones


def test_a_user_file_with_the_name_of_a_new_output_is_refused_and_nothing_changes(tmp_path):
    target = tmp_path / "out"
    with atomic_folder(target) as tmp:
        (tmp / "table.csv").write_text("old\n")
    (target / "extra.csv").write_text("mine\n")
    before = snapshot(target)
    with pytest.raises(OutputError, match=r"extra\.csv.*not written by"):
        with atomic_folder(target) as tmp:
            (tmp / "table.csv").write_text("new\n")
            (tmp / "extra.csv").write_text("a new output of the same name\n")
    assert snapshot(target) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_results_of_an_earlier_cge_with_a_marker_but_no_file_list_keep_only_the_users_files(tmp_path):
    target = tmp_path / "out"
    target.mkdir()
    (target / MARKER).write_text("kind: results\nwritten_by: cge 0.1.0\n")     # the marker's earlier form
    for name in ("run.yaml", "decomposition.md", "summary.csv"):
        (target / name).write_text("old\n")
    (target / "my_notes.txt").write_text("mine\n")
    with atomic_folder(target) as tmp:
        (tmp / "run.yaml").write_text("new\n")
        (tmp / "decomposition.md").write_text("new\n")
    assert sorted(p.name for p in target.iterdir()) == [MARKER, "decomposition.md", "my_notes.txt", "run.yaml"]
    assert (target / "decomposition.md").read_text() == "new\n"


def _write_killed_at_a_rename(monkeypatch, target, dies) -> None:
    """A new ``table.csv`` written into ``target``, the process killed at the first ``os.rename(src, ...)``,
    the ``n``-th of the write, for which ``dies(src, n)`` holds; renames work again afterwards."""
    real, calls = os.rename, []

    def dying_rename(src, dst):
        calls.append(src)
        if dies(src, len(calls)):
            raise KeyboardInterrupt(f"killed at rename {len(calls)} ({src})")
        return real(src, dst)
    monkeypatch.setattr(outdir.os, "rename", dying_rename)
    with pytest.raises(KeyboardInterrupt):
        with atomic_folder(target) as tmp:
            (tmp / "table.csv").write_text("new\n")
    monkeypatch.setattr(outdir.os, "rename", real)


def test_a_kill_before_the_users_files_are_carried_over_is_repaired_by_the_next_run(tmp_path, monkeypatch):
    target = tmp_path / "out"
    with atomic_folder(target) as tmp:
        (tmp / "table.csv").write_text("old\n")
    (target / "notes.txt").write_text("mine\n")
    _write_killed_at_a_rename(monkeypatch, target, lambda src, n: str(src).endswith("notes.txt"))
    with OutputFolder(target, "results"):             # the next run, before writing anything
        assert (target / "notes.txt").read_text() == "mine\n"
    assert (target / "notes.txt").read_text() == "mine\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


# ----------------------------------------------------------------------------- crash safety
def _old_results(tmp_path):
    target = tmp_path / "out"
    with atomic_folder(target) as tmp:
        (tmp / "table.csv").write_text("old\n")
    return target


KILLED_WRITER = """
import sys, time
from cge.io.outdir import OutputFolder
f = OutputFolder(sys.argv[1], "results").open()
(f.tmp / "table.csv").write_text("half-written new")
print("READY", flush=True)
time.sleep(120)
"""


def test_sigkill_while_writing_keeps_the_old_results_and_the_next_run_removes_the_debris(tmp_path):
    target = _old_results(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(outdir.Path(outdir.__file__).parents[1]))
    p = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(target)], stdout=subprocess.PIPE, text=True,
                         env=env)
    assert p.stdout.readline().strip() == "READY"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    debris = [x.name for x in tmp_path.iterdir() if x.name.startswith(".out.")]
    assert any(".cge-tmp." in d for d in debris)       # what a kill leaves: the half-written folder
    assert (target / "table.csv").read_text() == "old\n"
    with atomic_folder(target) as tmp:                 # the next run (under the lock) cleans up
        (tmp / "table.csv").write_text("new\n")
    assert (target / "table.csv").read_text() == "new\n"
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".out.")]


def test_replacing_results_is_one_atomic_exchange(tmp_path, monkeypatch):
    target = _old_results(tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    if not outdir.exchange(a, b):
        pytest.skip("this file system cannot exchange two folders atomically")
    renamed = []
    real = os.rename
    monkeypatch.setattr(outdir.os, "rename", lambda s, d: (renamed.append((s, d)), real(s, d))[1])
    with atomic_folder(target) as tmp:
        (tmp / "table.csv").write_text("new\n")
    assert (target / "table.csv").read_text() == "new\n"
    assert renamed == []        # never renamed away: at every instant `out` held old or new results


def test_a_kill_between_the_two_renames_is_repaired_by_the_next_run(tmp_path, monkeypatch):
    """Where exchange is unsupported the old folder is renamed aside first; a death right then
    leaves no `out` (the issue's case). The next run puts the old results back."""
    target = _old_results(tmp_path)
    monkeypatch.setattr(outdir, "exchange", lambda a, b: False)
    _write_killed_at_a_rename(monkeypatch, target, lambda src, n: n == 2)   # between the two renames
    assert not target.exists() and [x for x in tmp_path.iterdir() if ".cge-old." in x.name]
    with OutputFolder(target, "results"):          # the next run, before writing anything
        assert (target / "table.csv").read_text() == "old\n"
    assert not [x for x in tmp_path.iterdir() if x.name.startswith(".out.")]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o755), (0o077, 0o700), (0o002, 0o775)])
def test_results_folder_permissions_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        target = tmp_path / "out"
        with atomic_folder(target) as tmp:
            (tmp / "t.csv").write_text("x")
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == mode


# ----------------------------------------------------------------------------- disks and limits
def test_read_only_disk_fails_before_the_solve(tmp_path, dataset, scen):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as mnt:
        rc, out, err = compare(dataset, scen, mnt / "out")
    one_clean_error(rc, err, "Read-only file system")
    assert "solved" not in out


def test_full_disk_fails_before_the_solve(tmp_path, dataset, scen):
    with tmpfs(tmp_path / "full", "size=64k") as mnt:
        rc, out, err = compare(dataset, scen, mnt / "out")
        assert not list(mnt.iterdir())                 # no partial output, no debris
    one_clean_error(rc, err, "not enough free space")
    assert "solved" not in out


def test_disk_filling_up_while_writing_keeps_the_old_results(tmp_path, dataset, scen, monkeypatch):
    """If space runs out after the check (another program filled the disk), the write fails with
    one message and the earlier results stay in place."""
    with tmpfs(tmp_path / "small", "size=400k") as mnt:
        target = mnt / "out"
        with atomic_folder(target) as tmp:
            (tmp / "summary.csv").write_text("old\n")
        monkeypatch.setattr("cge.results.write.estimate_bytes", lambda *a: 0)      # the check passes
        (mnt / "filler").write_bytes(b"\0" * 300_000)
        rc, out, err = compare(dataset, scen, target)
        assert (target / "summary.csv").read_text() == "old\n"
        assert sorted(p.name for p in mnt.iterdir()) == ["filler", "out"]
    one_clean_error(rc, err, "cannot write the output", "No space left on device")
    assert "solved" in out                         # this is the after-the-solve path, handled too


def test_file_size_limit_fails_before_the_solve(tmp_path, dataset, scen):
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
    r = child("compare", "--data", dataset, "--scenarios", scen, "--out", tmp_path / "out", preexec_fn=limit)
    one_clean_error(r.returncode, r.stderr, "file-size limit")
    assert "solved" not in r.stdout
    assert not (tmp_path / "out").exists()


def test_output_lock_stops_a_second_writer(tmp_path, dataset, scen):
    target = tmp_path / "out"
    with outdir.FolderLock(tmp_path / ".out.cge-lock", str(target)):
        t0 = time.perf_counter()
        rc, out, err = compare(dataset, scen, target)
        assert time.perf_counter() - t0 < 60
    one_clean_error(rc, err, "another cge process", f"pid {os.getpid()}", "--wait")
    assert not target.exists()


def test_results_of_an_earlier_cge_without_marker_are_adopted_only_if_nothing_else_is_there(tmp_path):
    old = tmp_path / "results"
    old.mkdir()
    for name in ("run.yaml", "summary.csv", "headline.md"):
        (old / name).write_text("x")
    assert outdir.check_target(old, "results") == old                   # only cge's own files
    (old / "my_notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="not written by cge"):
        outdir.check_target(old, "results")
