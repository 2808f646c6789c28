"""Errors carry libmtl's message; BLAS threads are restored; datasets and
models are read with libmtl's readers; loading and installing."""
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import libmtl
from conftest import ROOT


def test_nan_in_x_raises_library_message(reg_data):
    X, y, task = reg_data
    X = X.copy()
    X[5, 2] = np.nan
    # libmtl's message: task number (name), row within the task, column
    with pytest.raises(ValueError,
                       match=r"task \d \(\d+\): X\[\d+\]\[3\] is NaN") as e:
        libmtl.MultiTask().fit(X, y, task=task)
    assert isinstance(e.value, libmtl.MTLError)
    assert e.value.errname == "MTL_EFORMAT"


def test_bad_parameter_value_names_it(reg_data):
    X, y, task = reg_data
    with pytest.raises(ValueError, match="parameter 'reg' = 'foo'"):
        libmtl.MultiTask(reg="foo").fit(X, y, task=task)
    with pytest.raises(ValueError, match="'max_iter' = '0' is out of range"):
        libmtl.MultiTaskRegressor(max_iter=0).fit(X, y, task=task)


def test_unknown_parameter_and_method():
    with pytest.raises(ValueError, match="Invalid parameter 'foo'"):
        libmtl.MultiTask("batch", foo=1)
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        libmtl.MultiTask("nope")
    with pytest.raises(ValueError, match="method must be one of"):
        libmtl.AsymmetricMultiTask(method="batch")


def test_wrong_shapes(reg_data):
    X, y, task = reg_data
    with pytest.raises(ValueError, match="y must have shape"):
        libmtl.MultiTask().fit(X, y[:7], task=task)
    with pytest.raises(ValueError, match="one id per sample"):
        libmtl.MultiTask().fit(X, y, task=task[:3])
    est = libmtl.MultiTask().fit(X, y, task=task)
    with pytest.raises(ValueError, match="X has 5 features"):
        est.predict(X[:, :5], task=task)
    with pytest.raises(ValueError, match="Reshape your data"):
        est.predict(X[0], task=task[:1])
    with pytest.raises(ValueError, match="pass task="):
        est.score(X, y)  # e.g. cross_val_score without task_column


def test_string_labels(clf_data):
    X, y, task = clf_data
    with pytest.raises(TypeError, match="labels"):
        libmtl.MultiTaskClassifier().fit(X, np.where(y > 0, "a", "b"),
                                         task=task)
    with pytest.raises(TypeError, match="strings"):  # numbers as text too
        libmtl.MultiTaskClassifier().fit(X, y.astype(int).astype(str),
                                         task=task)
    with pytest.raises(TypeError, match="strings"):
        libmtl.MultiTaskRegressor().fit(X, y.astype(object).astype(str),
                                        task=task)
    with pytest.raises(ValueError, match="must all be -1/\\+1 or all 0/1"):
        libmtl.MultiTaskClassifier().fit(
            [X[:20], X[20:40]], [np.where(y[:20] > 0, 1, 0), y[20:40]])
    with pytest.raises(ValueError, match="-1/\\+1 or 0/1"):
        libmtl.MultiTaskClassifier().fit(X, y + 2, task=task)


def test_io_error_is_oserror(tmp_path):
    with pytest.raises(OSError, match="cannot open"):
        libmtl.load_model(tmp_path / "absent.model")
    with pytest.raises(OSError):
        libmtl.read_dataset(tmp_path / "absent.txt")
    bad = tmp_path / "bad.txt"
    bad.write_text("1 1 1:1\n1 x 1:2\n")
    with pytest.raises(ValueError, match="bad.txt:2"):
        libmtl.read_dataset(bad)


def test_libmtl_changes_blas_threads_without_the_guard(reg_data):
    """What the guard is for: a raw mtl_fit of async leaves OpenBLAS at one
    thread."""
    import ctypes
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from libmtl import _lib
    from libmtl._estimators import _Params
    X, y, task = reg_data
    est = libmtl.AsyncMultiTask()
    ds, _ = est._dataset(X, y, task, fit=True)
    p = _Params("async", est._lib_values())
    m, info = ctypes.c_void_p(), ctypes.c_void_p()
    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        assert _lib.lib.mtl_fit(ds.ptr, p.ptr, None, ctypes.byref(m),
                                ctypes.byref(info)) >= 0
        after = [i["num_threads"] for i in threadpoolctl.threadpool_info()
                 if i["user_api"] == "blas"]
    _lib.lib.mtl_model_free(m.value)
    _lib.lib.mtl_fit_info_free(info.value)
    assert after == [1]


def test_blas_threads_restored(reg_data):
    threadpoolctl = pytest.importorskip("threadpoolctl")
    X, y, task = reg_data

    def blas():
        return [i["num_threads"] for i in threadpoolctl.threadpool_info()
                if i["user_api"] == "blas"]

    with threadpoolctl.threadpool_limits(limits=2, user_api="blas"):
        before = blas()
        assert before
        # async and C-ADMM run threads of their own: libmtl sets OpenBLAS
        # to one thread during the call
        libmtl.AsyncMultiTask().fit(X, y, task=task)
        assert blas() == before
        libmtl.OnlineMultiTask().fit(X, np.sign(y - np.median(y)), task=task)
        assert blas() == before
        libmtl.MultiTaskCV(libmtl.AsyncMultiTask(),
                           {"alpha": [0.1, 1]}, cv=2).fit(X, y, task=task)
        assert blas() == before


def test_read_dataset_and_model_roundtrip(tmp_path, reg_data):
    X, y, task = reg_data
    path = tmp_path / "d.txt"
    with open(path, "w") as f:
        for xi, yi, ti in zip(X, y, task):
            f.write("%d %r %s\n" % (ti, float(yi), " ".join(
                "%d:%r" % (j + 1, float(v)) for j, v in enumerate(xi))))
    td = libmtl.read_dataset(path, sparse=False)
    assert len(td.X) == 4 and td.names[0] == "task10"
    assert td.kinds == ["regression"] * 4
    np.testing.assert_array_equal(td.X[1], X[task == 20])
    np.testing.assert_array_equal(td.y[3], y[task == 40])
    Xs, ys, t2 = td.stack()
    a = libmtl.MultiTaskRegressor().fit(td.X, td.y)
    b = libmtl.MultiTaskRegressor().fit(Xs, ys, task=t2)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    a.model_.save(tmp_path / "m.model")
    m = libmtl.load_model(tmp_path / "m.model")
    assert m.method == "batch" and m.meta["param.reg"] == "l21"
    np.testing.assert_array_equal(m.W, a.model_.W)


def test_read_dataset_columns(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("id;x1;x2;y1;y2\n1;0.5;1;10;1\n2;1.5;;20;2\n"
                    "3;2.5;3;30;1\n")
    td = libmtl.read_dataset(path, targets=["y1", "y2"], drop="id",
                             missing="mean")
    assert td.names == ["y1", "y2"]
    assert td.kinds == ["regression", "classification"]
    np.testing.assert_array_equal(td.X[0], td.X[1])
    np.testing.assert_array_equal(td.X[0][:, 1], [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(td.y[1], [-1.0, 1.0, -1.0])
    assert "columns separated by semicolons" in td.notes
    with pytest.raises(ValueError, match="missing"):
        libmtl.read_dataset(path, missing="zero")
    with pytest.raises(Exception, match="no column named 'y9'"):
        libmtl.read_dataset(path, targets="y9")


def test_school_if_present(data_dir):
    path = os.path.join(data_dir, "school.mat")
    if not os.path.exists(path):
        pytest.skip("school.mat not present")
    td = libmtl.read_dataset(path)
    assert len(td.X) == 139 and td.X[0].shape[1] == 28


def _run(code, env, cwd):
    # not in build/: there, libmtl.so itself would be taken for a Python
    # extension module named libmtl
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                          env=env, capture_output=True, text=True, cwd=cwd)


def test_error_classes():
    from libmtl import _lib
    for code, cls in ((_lib.EINVAL, ValueError), (_lib.EDIM, ValueError),
                      (_lib.EFORMAT, ValueError), (_lib.EIO, OSError),
                      (_lib.ENOMEM, MemoryError),
                      (_lib.ENUMERIC, RuntimeError),
                      (_lib.ELINALG, RuntimeError),
                      (_lib.EUNSUPPORTED, RuntimeError)):
        e = _lib.error(code, "x")
        assert isinstance(e, cls) and isinstance(e, libmtl.MTLError)
        assert e.code == code and e.errname.startswith("MTL_E")


def test_version_check():
    from libmtl import _lib
    for good in ("0.1.0", "0.1.7", "0.2.0"):
        _lib._check_version(good)
    for bad in ("1.0.0", "0.0.9", "garbage"):
        with pytest.raises(ImportError, match="version"):
            _lib._check_version(bad)


def test_libmtl_path_may_be_a_folder(tmp_path):
    folder = os.path.dirname(os.path.realpath(libmtl.library_path))
    if not os.path.exists(os.path.join(folder, "libmtl.so")):
        pytest.skip("no libmtl.so next to the loaded library")
    env = dict(os.environ, LIBMTL_PATH=folder,
               PYTHONPATH=os.path.join(ROOT, "python"))
    r = _run("import libmtl; print(libmtl.library_path)", env, str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == os.path.join(folder, "libmtl.so")


def test_bad_libmtl_path_is_import_error(tmp_path):
    env = dict(os.environ, LIBMTL_PATH=str(tmp_path / "nothing.so"),
               PYTHONPATH=os.path.join(ROOT, "python"))
    r = _run("import libmtl", env, str(tmp_path))
    assert r.returncode != 0 and "LIBMTL_PATH" in r.stderr


def test_pip_install_in_venv(tmp_path):
    """The documented offline install: a venv with the system's packages,
    pip install --no-build-isolation --no-index ./python."""
    if os.environ.get("MTL_SKIP_PIP_TEST"):
        pytest.skip("MTL_SKIP_PIP_TEST is set")
    venv = tmp_path / "venv"
    r = subprocess.run([sys.executable, "-m", "venv",
                        "--system-site-packages", str(venv)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("python3 -m venv unavailable (python3-venv): "
                    + r.stderr[-200:])
    py = str(venv / "bin" / "python")
    src = tmp_path / "src"  # pip builds in the tree: a copy keeps ours clean
    shutil.copytree(os.path.join(ROOT, "python"), src,
                    ignore=shutil.ignore_patterns("__pycache__", "build",
                                                  "*.egg-info"))
    r = subprocess.run([py, "-m", "pip", "install", "-q",
                        "--no-build-isolation", "--no-index", str(src)],
                       capture_output=True, text=True, cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.setdefault("LIBMTL_PATH", os.path.join(ROOT, "build", "libmtl.so"))
    r = subprocess.run([py, "-c", "import libmtl, sys; "
                        "print(libmtl.__file__); print(libmtl.methods()[0])"],
                       env=env, capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert str(venv) in r.stdout and "batch" in r.stdout
    # an installed library found by the system's search (no LIBMTL_PATH, no
    # build tree next to the installed package): ctypes.util.find_library,
    # here through LD_LIBRARY_PATH as after `cmake --install --prefix P`
    if shutil.which("ld") is None:
        return
    libdir = tmp_path / "prefix" / "lib"
    libdir.mkdir(parents=True)
    shutil.copy(os.path.realpath(libmtl.library_path), libdir / "libmtl.so.0")
    os.symlink("libmtl.so.0", libdir / "libmtl.so")
    env.pop("LIBMTL_PATH")
    env["LD_LIBRARY_PATH"] = str(libdir)
    r = subprocess.run([py, "-c", "import libmtl; print(libmtl.library_path)"],
                       env=env, capture_output=True, text=True,
                       cwd=str(tmp_path))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("libmtl.so.0")


def test_without_optional_packages(tmp_path):
    """numpy alone: no scikit-learn, scipy or threadpoolctl (the BLAS guard
    then uses the OpenBLAS of libmtl itself)."""
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    r = _run("""
        import sys
        for m in ("sklearn", "scipy", "scipy.sparse", "threadpoolctl"):
            sys.modules[m] = None
        import pickle
        import numpy as np
        import libmtl
        from libmtl import _lib
        _lib.lib.openblas_set_num_threads(2)
        X = np.random.default_rng(0).normal(size=(60, 3))
        y, t = X @ [1.0, 2.0, 3.0], np.arange(60) % 3
        e = libmtl.AsyncMultiTask().fit(X, y, task=t)
        assert _lib.lib.openblas_get_num_threads() == 2
        b = pickle.loads(pickle.dumps(e))
        assert (b.predict(X, task=t) == e.predict(X, task=t)).all()
        assert b.get_params() == e.get_params()
        print("ok")
        """, env, str(tmp_path))
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
