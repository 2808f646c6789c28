"""Shared fixtures of the Python binding's tests.

Run from ctest (LIBMTL_PATH, MTL_CLI, PYTHONPATH set by CMakeLists.txt) or
by hand from the repository root after a build:
    PYTHONPATH=python /usr/bin/python3 -m pytest -q tests/python
"""
import os
import sys

import numpy as np
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
if os.path.join(ROOT, "python") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "python"))

ONLINE = ("cadmm", "dadmm", "dpsgd", "ogd")


def make_tasks(T=4, d=6, n=30, seed=0, classification=False, shuffle=True):
    """One X with a task id per sample (ids 10, 20, ...), interleaved."""
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(T, d)) + 1.0
    X = rng.normal(size=(T * n, d))
    k = np.repeat(np.arange(T), n)
    if shuffle:
        k = rng.permutation(k)
    y = np.einsum("ij,ij->i", X, W[k]) + 0.5 + 0.1 * rng.normal(size=T * n)
    if classification:
        y = np.where(y > np.median(y), 1.0, -1.0)
    return X, y, (k + 1) * 10


@pytest.fixture
def reg_data():
    return make_tasks()


@pytest.fixture
def clf_data():
    return make_tasks(classification=True)


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("MTL_CLI") or os.path.join(ROOT, "build", "mtl")
    if not os.path.exists(path):
        pytest.skip("the mtl command is not built")
    return path


@pytest.fixture(scope="session")
def data_dir():
    return os.environ.get("MTL_DATA_DIR") or os.path.join(ROOT, "..", "shared",
                                                          "data")
