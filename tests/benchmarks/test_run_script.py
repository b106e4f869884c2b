"""benchmarks/run.py runs end to end and writes its markdown and JSON tables (a smoke test: how fast
it runs is the benchmark's to measure, not a test's to assert)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"


def test_quick_inference_case(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--rounds", "1", "--quick", "--only", "inference",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    table = (tmp_path / "latest.md").read_text()
    assert "| MLP 784-512-64-10 inference | 1000 |" in table
    record = json.loads((tmp_path / "latest.json").read_text())
    (case,) = record["results"]
    assert case["minitorch_nn_images_per_s"] > 0
    assert record["meta"]["gemm_rates"]["numpy_256"] > 0
    # The FLOP limit is arithmetic on the measured GEMM rate (two timings on a shared machine, so
    # their ratio is not asserted): the network's 2·N·Σ fan_in·fan_out FLOPs at that rate.
    flops = 2 * 1000 * (784 * 512 + 512 * 64 + 64 * 10)
    limit = 1000 * record["meta"]["gemm_gflops"] * 1e9 / flops
    assert case["flop_limit_images_per_s"] == pytest.approx(limit, rel=1e-12)
    assert case["fraction_of_flop_limit"] == pytest.approx(case["minitorch_nn_images_per_s"] / limit, rel=1e-9)


def test_threads_script_reports_both_thread_counts():
    script = SCRIPT.parent / "threads.py"
    result = subprocess.run([sys.executable, str(script), "--rounds", "1", "--steps", "2", "--batch-size", "8"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].startswith("1 thread: median ") and lines[2].startswith("2 threads: median ")
