"""Loading libmtl through ctypes, its function signatures, error
translation and the BLAS thread guard.

The library is looked for, in this order:

1. ``LIBMTL_PATH``: the shared library itself, or a folder holding
   ``libmtl.so``;
2. the build tree of the source checkout this package lives in
   (``<repo>/build/libmtl.so``, when imported from ``<repo>/python``);
3. the system's search: ``ctypes.util.find_library("mtl")`` (ldconfig's
   cache, ``LD_LIBRARY_PATH``), then ``libmtl.so.0`` under ``sys.prefix``,
   ``/usr/local`` and ``/usr`` (``lib`` and ``lib/<multiarch>``).

The first that loads is used; its version must have the major version this
package was written for (and at least its minor version).
"""
import contextlib
import ctypes
import ctypes.util
import os
import sys
import sysconfig

# The C API version this binding was written for.
API_MAJOR, API_MINOR = 0, 1

c_int, c_double, c_char_p, c_void_p = (ctypes.c_int, ctypes.c_double,
                                       ctypes.c_char_p, ctypes.c_void_p)
c_int64, c_uint64 = ctypes.c_int64, ctypes.c_uint64
P_double = ctypes.POINTER(ctypes.c_double)
P_int = ctypes.POINTER(ctypes.c_int)
P_int64 = ctypes.POINTER(ctypes.c_int64)
P_int32 = ctypes.POINTER(ctypes.c_int32)

# Error codes of include/mtl.h (MTL_ERRNO_MAP).
ENOMEM, EINVAL, EIO, EFORMAT, EDIM, ENUMERIC, ELINALG, ECANCELLED, \
    EUNSUPPORTED, ENOTFOUND = range(-1, -11, -1)
CONVERGED, MAXITER = 2, 3


class MTLError(Exception):
    """Base of every error raised from a libmtl failure.  ``code`` is the
    C error code, ``errname`` its name (``MTL_EINVAL``); the message is
    libmtl's (it names the file, line, task or parameter at fault)."""

    def __init__(self, message, code=None, errname=None):
        super().__init__(message)
        self.code = code
        self.errname = errname


class MTLValueError(MTLError, ValueError):
    """MTL_EINVAL, MTL_EDIM, MTL_EFORMAT (NaN/Inf in the data included), and
    MTL_ENOTFOUND (a name the caller gave: a method, a file's variable)."""


class MTLOSError(MTLError, OSError):
    """MTL_EIO."""


class MTLMemoryError(MTLError, MemoryError):
    """MTL_ENOMEM."""


class MTLRuntimeError(MTLError, RuntimeError):
    """Every other code: numerical breakdown (MTL_ENUMERIC), linear algebra,
    cancelled, unsupported."""


_EXC = {EINVAL: MTLValueError, EDIM: MTLValueError, EFORMAT: MTLValueError,
        ENOTFOUND: MTLValueError, EIO: MTLOSError, ENOMEM: MTLMemoryError}


def _candidates():
    env = os.environ.get("LIBMTL_PATH")
    if env:
        if os.path.isdir(env):
            yield os.path.join(env, "libmtl.so")
        else:
            yield env
        return  # an explicit choice is not second-guessed
    here = os.path.dirname(os.path.abspath(__file__))
    yield os.path.join(here, "..", "..", "build", "libmtl.so")
    found = ctypes.util.find_library("mtl")
    if found:
        yield found
    multiarch = sysconfig.get_config_var("MULTIARCH") or ""
    for prefix in dict.fromkeys([sys.prefix, "/usr/local", "/usr"]):
        for sub in ("lib", os.path.join("lib", multiarch), "lib64"):
            yield os.path.join(prefix, sub, "libmtl.so.0")


def _load():
    tried = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            tried.append(path + " (absent)")
            continue
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError("libmtl: cannot find the shared library libmtl.so; "
                      "build it (cmake --build build), install it, or set "
                      "LIBMTL_PATH to its path.  Tried: " + "; ".join(tried))


lib, path = _load()


def _sig(name, restype, *argtypes):
    try:
        f = getattr(lib, name)
    except AttributeError:
        raise ImportError("libmtl at %s has no %s: it is older than this "
                          "binding; rebuild it (cmake --build build) or set "
                          "LIBMTL_PATH" % (path, name))
    f.restype = restype
    f.argtypes = list(argtypes)


_SIGNATURES = [
    ("mtl_version", c_char_p),
    ("mtl_last_error", c_char_p), ("mtl_errname", c_char_p, c_int),
    ("mtl_clear_error", None),
    ("mtl_free", None, c_void_p),
    # datasets
    ("mtl_dataset_create", c_void_p, c_int),
    ("mtl_dataset_free", None, c_void_p),
    ("mtl_dataset_add_dense", c_int, c_void_p, c_int, P_double, P_double,
     c_int, c_char_p),
    ("mtl_dataset_add_csr", c_int, c_void_p, c_int, P_int64, P_int32,
     P_double, P_double, c_int, c_char_p),
    ("mtl_dataset_set_shared", c_int, c_void_p, c_int, P_double, c_int,
     P_double, c_int),
    ("mtl_dataset_ntasks", c_int, c_void_p),
    ("mtl_dataset_dim", c_int, c_void_p),
    ("mtl_dataset_task_n", c_int, c_void_p, c_int),
    ("mtl_dataset_total_n", c_int64, c_void_p),
    ("mtl_dataset_task_kind", c_int, c_void_p, c_int),
    ("mtl_dataset_task_name", c_char_p, c_void_p, c_int),
    ("mtl_dataset_task_y", P_double, c_void_p, c_int),
    ("mtl_dataset_set_sample_weights", c_int, c_void_p, c_int, P_double),
    ("mtl_dataset_task_is_sparse", c_int, c_void_p, c_int),
    ("mtl_dataset_is_shared", c_int, c_void_p),
    ("mtl_dataset_get_row", c_int, c_void_p, c_int, c_int, P_double),
    ("mtl_dataset_get_task_X", c_int, c_void_p, c_int, P_double),
    ("mtl_dataset_get_task_csr", c_int, c_void_p, c_int,
     ctypes.POINTER(P_int64), ctypes.POINTER(P_int32),
     ctypes.POINTER(P_double), ctypes.POINTER(c_int64)),
    ("mtl_dataset_notes", c_char_p, c_void_p),
    ("mtl_dataset_read", c_int, c_char_p, c_void_p, ctypes.POINTER(c_void_p)),
    ("mtl_dataset_write_text", c_int, c_void_p, c_char_p),
    # models
    ("mtl_model_free", None, c_void_p),
    ("mtl_model_dim", c_int, c_void_p),
    ("mtl_model_input_dim", c_int, c_void_p),
    ("mtl_model_ntasks", c_int, c_void_p),
    ("mtl_model_W", P_double, c_void_p),
    ("mtl_model_task_loss", c_int, c_void_p, c_int),
    ("mtl_model_get_meta", c_char_p, c_void_p, c_char_p),
    ("mtl_model_get_matrix", P_double, c_void_p, c_char_p, P_int, P_int),
    ("mtl_model_save", c_int, c_void_p, c_char_p),
    ("mtl_model_load", c_int, c_char_p, ctypes.POINTER(c_void_p)),
    ("mtl_model_predict", c_int, c_void_p, c_void_p, P_double),
    ("mtl_model_save_mem", c_int, c_void_p, ctypes.POINTER(c_void_p),
     ctypes.POINTER(ctypes.c_size_t)),
    ("mtl_model_load_mem", c_int, c_char_p, ctypes.c_size_t,
     ctypes.POINTER(c_void_p)),
    ("mtl_model_scaler", c_int, c_void_p, P_int, P_int,
     ctypes.POINTER(P_double), ctypes.POINTER(P_double)),
    ("mtl_model_meta_count", c_int, c_void_p),
    ("mtl_model_meta_key", c_char_p, c_void_p, c_int),
    ("mtl_model_matrix_count", c_int, c_void_p),
    ("mtl_model_matrix_name", c_char_p, c_void_p, c_int),
    # online methods round by round
    ("mtl_online_create", c_int, c_void_p, c_int, c_int,
     ctypes.POINTER(c_void_p)),
    ("mtl_online_free", None, c_void_p),
    ("mtl_online_update", c_int, c_void_p, c_int64, P_double, P_double,
     P_double),
    ("mtl_online_rounds", c_int64, c_void_p),
    ("mtl_online_model", c_int, c_void_p, ctypes.POINTER(c_void_p)),
    # methods and parameters
    ("mtl_method_count", c_int),
    ("mtl_method_at", c_void_p, c_int),
    ("mtl_method_find", c_void_p, c_char_p),
    ("mtl_method_name", c_char_p, c_void_p),
    ("mtl_method_summary", c_char_p, c_void_p),
    ("mtl_method_nparams", c_int, c_void_p),
    ("mtl_method_param_name", c_char_p, c_void_p, c_int),
    ("mtl_method_param_type", c_int, c_void_p, c_int),
    ("mtl_method_param_default", c_char_p, c_void_p, c_int),
    ("mtl_method_param_help", c_char_p, c_void_p, c_int),
    ("mtl_method_param_choices", c_char_p, c_void_p, c_int),
    ("mtl_params_create", c_void_p, c_char_p),
    ("mtl_params_free", None, c_void_p),
    ("mtl_params_set", c_int, c_void_p, c_char_p, c_char_p),
    ("mtl_params_get", c_char_p, c_void_p, c_char_p),
    ("mtl_params_check", c_int, c_void_p),
    ("mtl_params_set_progress", None, c_void_p, c_void_p, c_void_p),
    ("mtl_fit", c_int, c_void_p, c_void_p, c_void_p,
     ctypes.POINTER(c_void_p), ctypes.POINTER(c_void_p)),
    ("mtl_fit_info_count", c_int, c_void_p),
    ("mtl_fit_info_key", c_char_p, c_void_p, c_int),
    ("mtl_fit_info_text", c_char_p, c_void_p, c_int),
    ("mtl_fit_info_is_number", c_int, c_void_p, c_int),
    ("mtl_fit_info_value", c_double, c_void_p, c_int),
    ("mtl_fit_info_free", None, c_void_p),
    # search
    ("mtl_search_run", c_int, c_void_p, c_void_p, c_void_p, c_char_p, c_int,
     c_double, c_uint64, ctypes.POINTER(c_void_p)),
    ("mtl_search_free", None, c_void_p),
    ("mtl_search_npoints", c_int, c_void_p),
    ("mtl_search_nvaried", c_int, c_void_p),
    ("mtl_search_varied_name", c_char_p, c_void_p, c_int),
    ("mtl_search_value", c_char_p, c_void_p, c_int, c_int),
    ("mtl_search_number", c_double, c_void_p, c_int, c_int),
    ("mtl_search_error", c_double, c_void_p, c_int),
    ("mtl_search_error_std", c_double, c_void_p, c_int),
    ("mtl_search_objective", c_double, c_void_p, c_int),
    ("mtl_search_iterations", c_double, c_void_p, c_int),
    ("mtl_search_seconds", c_double, c_void_p, c_int),
    ("mtl_search_status", c_int, c_void_p, c_int),
    ("mtl_search_metric", c_char_p, c_void_p),
    ("mtl_search_best", c_int, c_void_p),
    ("mtl_search_edge", c_int, c_void_p, c_int),
    ("mtl_search_extend", c_int, c_void_p, c_void_p, c_void_p, c_int,
     ctypes.POINTER(c_int)),
    ("mtl_search_params", c_void_p, c_void_p, c_int),
]
for _s in _SIGNATURES:
    _sig(*_s)

version = lib.mtl_version().decode()


def _check_version(v):
    try:
        major, minor = (int(x) for x in v.split(".")[:2])
    except ValueError:
        raise ImportError("libmtl at %s reports an unreadable version %r"
                          % (path, v))
    if major != API_MAJOR or minor < API_MINOR:
        raise ImportError(
            "libmtl at %s is version %s; this binding needs %d.%d or a later "
            "%d.x (set LIBMTL_PATH to a matching library)"
            % (path, v, API_MAJOR, API_MINOR, API_MAJOR))


_check_version(version)


def last_error():
    return (lib.mtl_last_error() or b"").decode(errors="replace")


def error(code, what=None):
    """The exception for error code `code` with libmtl's last message."""
    msg = last_error() or (what or "libmtl call failed")
    name = (lib.mtl_errname(code) or b"").decode()
    return _EXC.get(code, MTLRuntimeError)(msg, code, name)


def check(rc, what=None):
    """Raises the exception of a negative return code; returns rc."""
    if rc < 0:
        raise error(rc, what)
    return rc


def check_ptr(ptr, what=None, code=EINVAL):
    """Raises when a handle-returning call gave NULL."""
    if not ptr:
        raise error(code, what)
    return ptr


class Handle:
    """Owns a libmtl handle, freed by the class's `_free` (mtl_*_free)."""

    _free = None

    def __init__(self, ptr):
        self.ptr = ptr

    def __del__(self):
        ptr, self.ptr = getattr(self, "ptr", None), None
        if ptr:
            type(self)._free(ptr)


def text(b):
    return None if b is None else b.decode(errors="replace")


# --- BLAS threads ----------------------------------------------------------
# libmtl sets OpenBLAS to one thread while it runs threads of its own (a
# process-wide setting).  Debian's numpy uses the same OpenBLAS, so every
# call that may change it is wrapped in blas_guard(), which restores the
# thread count of every BLAS threadpoolctl sees (threadpoolctl installed),
# else that of the OpenBLAS libmtl itself links (found through libmtl's
# handle: openblas_get/set_num_threads).

try:
    import threadpoolctl as _tpc
except ImportError:  # pragma: no cover - Debian's package is listed
    _tpc = None

_controllers = None


def _blas_controllers():
    global _controllers
    if _controllers is None:
        ctl = []
        if _tpc is not None:
            try:
                ctl = [c for c in _tpc.ThreadpoolController().lib_controllers
                       if c.user_api == "blas"]
            except Exception:  # a threadpoolctl too old or broken
                ctl = []
        if not ctl:
            try:
                get = lib.openblas_get_num_threads
                put = lib.openblas_set_num_threads
                get.restype, get.argtypes = c_int, []
                put.restype, put.argtypes = None, [c_int]
                ctl = [_OpenBLASHandle(get, put)]
            except AttributeError:
                ctl = []
        _controllers = ctl
    return _controllers


class _OpenBLASHandle:
    def __init__(self, get, put):
        self._get, self._put = get, put

    def get_num_threads(self):
        return self._get()

    def set_num_threads(self, n):
        self._put(n)


@contextlib.contextmanager
def blas_guard():
    ctl = _blas_controllers()
    saved = [c.get_num_threads() for c in ctl]
    try:
        yield
    finally:
        for c, n in zip(ctl, saved):
            if n is not None and c.get_num_threads() != n:
                c.set_num_threads(n)


# --- Ctrl-C ------------------------------------------------------------------
# A libmtl call runs without the GIL, so Python's SIGINT handler (which
# raises KeyboardInterrupt) only runs after it returns: a long fit could not
# be stopped.  interruptible() installs, for the time of the call, a SIGINT
# handler that only records the signal, with signal.set_wakeup_fd on a
# pipe: Python's C-level handler writes the signal number there, whatever
# thread the signal lands on.  libmtl's progress callback mtl_progress_fd
# (set with mtl_params_set_progress) polls that pipe at most once a
# millisecond, in C, from whatever thread the method calls back, and stops
# the fit (MTL_ECANCELLED).  After the call, KeyboardInterrupt is raised
# (or the custom SIGINT handler that was installed is called).

import signal as _signal
import threading as _threading

_sig("mtl_signal_watch_create", c_void_p, c_int, c_int)
_sig("mtl_signal_watch_free", None, c_void_p)
_sig("mtl_signal_watch_seen", c_int, c_void_p)
_PROGRESS_FD = ctypes.cast(lib.mtl_progress_fd, c_void_p)


class _Stop:
    hit = False

    def handler(self, signum, frame):
        self.hit = True


@contextlib.contextmanager
def interruptible(params_ptr):
    """For the time of the block: Ctrl-C (SIGINT) stops the libmtl call on
    params_ptr (its progress callback cancels it); after the block,
    KeyboardInterrupt.  Outside the main thread, or when SIGINT is ignored
    or not handled by Python, nothing is installed."""
    old_handler = _signal.getsignal(_signal.SIGINT)
    if (_threading.current_thread() is not _threading.main_thread() or
            not callable(old_handler)):
        yield None
        return
    rfd, wfd = os.pipe()
    os.set_blocking(rfd, False)
    os.set_blocking(wfd, False)
    watch = lib.mtl_signal_watch_create(rfd, int(_signal.SIGINT))
    if not watch:  # pragma: no cover
        os.close(rfd)
        os.close(wfd)
        raise MemoryError("mtl_signal_watch_create")
    stop = _Stop()
    _signal.signal(_signal.SIGINT, stop.handler)
    old_fd = _signal.set_wakeup_fd(wfd, warn_on_full_buffer=False)
    lib.mtl_params_set_progress(params_ptr, _PROGRESS_FD, watch)
    try:
        yield stop
    finally:
        lib.mtl_params_set_progress(params_ptr, None, None)
        _signal.set_wakeup_fd(old_fd)
        _signal.signal(_signal.SIGINT, old_handler)
        hit = stop.hit or lib.mtl_signal_watch_seen(watch)
        lib.mtl_signal_watch_free(watch)
        os.close(rfd)
        os.close(wfd)
    if hit:
        if old_handler is not _signal.default_int_handler:
            old_handler(_signal.SIGINT, None)
        else:
            raise KeyboardInterrupt
