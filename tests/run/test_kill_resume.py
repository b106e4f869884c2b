"""The kill test (scripts/kill_test.py): a small Digits run killed with SIGKILL 20 times at random moments,
some in the middle of writing a checkpoint, resumed each time, ends bit-identical to the run never
interrupted. Slow (minutes): run with ``pytest --run-slow``."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "kill_test.py"


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL, a POSIX signal")
def test_twenty_kills_at_random_moments_end_bit_identical(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), "--kills", "20", "--epochs", "10", "--seed", "1",
                             "--json", str(tmp_path / "result.json"), "--keep", str(tmp_path / "work")],
                            capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads((tmp_path / "result.json").read_text())
    assert report["identical"] and report["problems"] == []
    assert report["kills"] == 20 and report["during_saves"] >= 1
    assert report["checkpoints_checked"] + report["before_first_checkpoint"] == 20  # every checkpoint left was whole
