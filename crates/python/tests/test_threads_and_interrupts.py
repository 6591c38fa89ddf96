"""Long solves release the interpreter and stop on Ctrl-C."""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import walras

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


def test_ctrl_c_stops_a_solve_within_a_second():
    script = textwrap.dedent(
        f"""
        import sys, time, walras
        print("ready", flush=True)
        t = time.perf_counter()
        try:
            walras.tax.optimize(**{LONG!r})
        except KeyboardInterrupt:
            print("interrupted", time.perf_counter(), flush=True)
            sys.exit(0)
        print("finished", flush=True)
        sys.exit(3)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    sent = time.perf_counter()
    os.kill(child.pid, signal.SIGINT)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 0, out
    word, when = out.split()
    assert word == "interrupted"
    assert float(when) - sent < 1.0, f"took {float(when) - sent:.2f} s"
