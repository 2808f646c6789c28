"""The examples of examples/python, run as scripts on small data (smoke
tests that check what they print)."""
import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def run(name, *args, cwd=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.join(ROOT, "python")] +
        [p for p in [env.get("PYTHONPATH")] if p])
    r = subprocess.run([sys.executable,
                        os.path.join(ROOT, "examples", "python", name)] +
                       list(args), capture_output=True, text=True,
                       cwd=cwd or ROOT, env=env, timeout=300)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_sparse_text():
    pytest.importorskip("scipy.sparse")
    out = run("sparse_text.py", "--docs", "120")
    assert "tasks 6" in out
    accs = [float(a) for a in re.findall(r"test accuracy ([0-9.]+)", out)]
    used = [int(u) for u in re.findall(r"words used (\d+) of 2000", out)]
    assert len(accs) == 2 and max(accs) > 0.6
    assert all(0 < u < 200 for u in used)  # sparse selection happened


def test_online_stream():
    out = run("online_stream.py", "--rounds", "600", "--batch", "200")
    errs = [float(e) for e in re.findall(r"cumulative error ([0-9.]+)", out)]
    assert len(errs) == 3 and errs[-1] < 0.3
    same, other = map(float, re.search(
        r"same group ([-0-9.]+), other group ([-0-9.]+)", out).groups())
    assert same > other  # Omega_ groups the related tasks


def test_transfer_graph(tmp_path):
    png = tmp_path / "g.png"
    out = run("transfer_graph.py", "--out", str(png), cwd=str(tmp_path))
    share = float(re.search(r"within a group: ([0-9.]+)", out).group(1))
    assert share > 0.8
    try:
        import matplotlib  # noqa: F401
        assert png.exists() and png.stat().st_size > 1000
    except ImportError:
        assert "matplotlib is not installed: plot skipped" in out
        assert not png.exists()
