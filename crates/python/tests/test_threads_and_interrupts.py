"""Long solves release the interpreter and stop on Ctrl-C."""

import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import walras

ROOT = pathlib.Path(__file__).resolve().parents[3]
LONG = dict(skills="lognormal:mu=0,sigma=0.6", agents=1_000_000, brackets=7)


def test_a_solve_in_a_thread_leaves_the_main_thread_running():
    done = threading.Event()
    result = {}

    def solve():
        result["optimum"] = walras.tax.optimize(**LONG)
        done.set()

    worker = threading.Thread(target=solve)
    started = time.perf_counter()
    worker.start()
    ticks = 0
    while not done.is_set():
        ticks += 1
        time.sleep(0.001)
    worker.join()
    elapsed = time.perf_counter() - started
    assert elapsed > 0.5, "the solve is too short to tell"
    # With the interpreter held, the main thread would barely tick; released, it ticks about
    # once a millisecond.
    assert ticks > 0.3 * elapsed / 0.001, (ticks, elapsed)
    assert len(result["optimum"].rates) == 7


def test_progress_reaches_a_callback():
    lines = []
    walras.tax.optimize(**LONG, progress=lines.append)
    assert lines and any("iteration" in line for line in lines), lines


def assert_ctrl_c_stops_within_a_second(setup, call, wait, timeout):
    """Run `setup` then `call` in a child interpreter, send SIGINT `wait` seconds into the call,
    and require a KeyboardInterrupt in the child within a second of the signal."""
    script = textwrap.dedent(
        f"""
        import sys, time, walras
        {setup}
        print("ready", flush=True)
        try:
            {call}
        except KeyboardInterrupt:
            print("interrupted", time.perf_counter(), flush=True)
            sys.exit(0)
        print("finished", flush=True)
        sys.exit(3)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(wait)
    sent = time.perf_counter()
    os.kill(child.pid, signal.SIGINT)
    out, _ = child.communicate(timeout=timeout)
    assert child.returncode == 0, out
    word, when = out.split()
    assert word == "interrupted"
    assert float(when) - sent < 1.0, f"took {float(when) - sent:.2f} s"


def test_ctrl_c_stops_a_solve_within_a_second():
    assert_ctrl_c_stops_within_a_second("", f"walras.tax.optimize(**{LONG!r})", wait=0.5, timeout=30)


def test_a_solve_that_does_not_converge_is_a_convergence_error_with_its_residual():
    # The planner's forward-backward sweep on a coarse grid cycles (500 iterations).
    with pytest.raises(walras.ConvergenceError) as info:
        walras.automation.planner("no-spillovers", grid=60)
    e = info.value
    assert e.iterations == 500 and e.residual > 0, (e.iterations, e.residual)
    assert "did not converge" in str(e) and "--grid 60" in str(e)


def dlopt_raw():
    data = pathlib.Path(os.environ.get("WALRAS_DATA_DIR", ROOT.parent / "shared" / "data"))
    if not data.is_absolute():
        data = ROOT / data
    raw = data / "dlopt_7x44_2017"
    if not raw.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{raw} is missing: the Ctrl-C test of a Nash solve needs the DL-opt data")
        pytest.skip(f"needs {raw} (set WALRAS_DATA_DIR)")
    return raw


def test_ctrl_c_stops_a_nash_solve_within_a_second(tmp_path):
    raw = dlopt_raw()
    tidy = tmp_path / "dlopt"
    walras.trade.import_data("dlopt", raw, tidy)
    assert_ctrl_c_stops_within_a_second(
        f"economy = walras.trade.load({str(tidy)!r})", "economy.nash()", wait=1.0, timeout=60
    )
