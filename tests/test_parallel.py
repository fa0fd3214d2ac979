"""Background work in a forked process: results, errors and early exits."""

from __future__ import annotations

import os
import time

import pytest

from gbakg.errors import OutputError
from gbakg.parallel import Background, gc_paused, peak_mb, reset_peak, take_child_peaks


@pytest.mark.parametrize("parallel", [True, False])
def test_the_result_is_the_same_in_a_child_and_here(parallel):
    data = list(range(1000))
    with Background(lambda: (sum(data), os.getpid()), parallel=parallel) as job:
        total, pid = job.result()
    assert total == sum(data)
    assert (pid != os.getpid()) is parallel


@pytest.mark.parametrize("parallel", [True, False])
def test_an_error_in_the_work_is_raised_by_result(parallel):
    def fail():
        raise OutputError("disk full", hint="free some space")

    with Background(fail, parallel=parallel) as job, pytest.raises(OutputError, match="disk full"):
        job.result()


def test_a_large_result_crosses_the_pipe():
    with Background(lambda: "字" * 1_000_000, parallel=True) as job:
        assert job.result() == "字" * 1_000_000


def test_a_child_that_dies_gives_a_clear_error():
    with (
        Background(lambda: os._exit(3), parallel=True) as job,
        pytest.raises(ChildProcessError, match="without an answer"),
    ):
        job.result()


def test_leaving_early_stops_the_child():
    with Background(lambda: time.sleep(60), parallel=True) as job:
        pid = job._pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no zombie is left behind


def _touch(mb: int) -> int:
    block = bytearray(mb * 2**20)
    block[::4096] = b"\x01" * len(range(0, len(block), 4096))  # every page resident
    return len(block)


def test_a_childs_peak_memory_is_counted_by_the_stage_that_waits_for_it():
    take_child_peaks()
    with Background(lambda: _touch(150), parallel=True) as job:
        job.result()
    assert take_child_peaks() >= 150
    assert take_child_peaks() == 0  # each child is counted once


@pytest.mark.skipif(not os.path.exists("/proc/self/clear_refs"), reason="peaks are reset on Linux only")
def test_the_peak_can_be_measured_afresh():
    reset_peak()
    before = peak_mb()
    _touch(100)  # freed on return
    assert peak_mb() >= before + 90
    reset_peak()
    assert peak_mb() < before + 90


def test_work_folders_of_a_process_that_ended_are_removed_and_others_kept(tmp_path):
    """A build killed before it could clean up leaves its work folder; the next one removes it, but
    never a folder whose process still runs, nor one that names no process."""
    import subprocess
    import sys

    from gbakg.parallel import OWNER, owned_folder, remove_abandoned

    mine = owned_folder(tmp_path, ".gbakg-runs-")
    assert (mine / OWNER).read_text(encoding="ascii") == str(os.getpid())
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / ".gbakg-runs-dead"
    dead.mkdir()
    (dead / OWNER).write_text(ended.stdout.strip(), encoding="ascii")
    (dead / "run.nt").write_text("<http://x/a> <http://x/b> <http://x/c> .\n", encoding="utf-8")
    unowned = tmp_path / ".gbakg-runs-unowned"
    unowned.mkdir()
    other = tmp_path / "results"
    other.mkdir()
    assert remove_abandoned(tmp_path, [".gbakg-runs-", ".gbakg-columns-"]) == [dead]
    assert not dead.exists() and mine.is_dir() and unowned.is_dir() and other.is_dir()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_paused_in_the_block_and_left_as_it_was(enabled):
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with pytest.raises(RuntimeError), gc_paused():
            assert not gc.isenabled()
            raise RuntimeError("an error in the block")
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
