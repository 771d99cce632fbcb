"""The screening benchmark runs from a clean checkout and prints every figure the README reports (the figures
themselves are measured, not asserted)."""
import subprocess
import sys
from pathlib import Path
import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_screen_throughput_runs_small():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "screen_throughput.py"), "-n", "300",
                           "--no-dask"], capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    for label in ("baseline A", "baseline B", "overlay step alone, 1 process", "1 worker(s), with findings",
                  "--no-findings", "library floor", "write the findings to GPKG", "floor with findings",
                  "floor --no-findings", "machine probe"):
        assert label in out, f"'{label}' missing from:\n{out}"
    assert out.count("sites/s") >= 8
