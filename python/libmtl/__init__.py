"""libmtl: multi-task learning, a Python interface to the libmtl C library.

Pure Python over the shared library libmtl.so through ctypes (see
``libmtl._lib`` for where the library is looked for: LIBMTL_PATH, the
source tree's build/, the system).  Every method of the library is trained
through its one entry point (mtl_fit) with its parameters by name::

    import libmtl
    est = libmtl.MultiTask("asym", mu=0.2).fit(X, y, task=ids)
    est.predict(X, task=ids); est.coef_; est.B_

Errors raised by the library carry its message and subclass
``libmtl.MTLError`` as well as ValueError (bad argument, dimension, format),
OSError (I/O), MemoryError, or RuntimeError.
"""
from ._lib import (MTLError, MTLMemoryError, MTLOSError, MTLRuntimeError,
                   MTLValueError, blas_guard)
from ._lib import path as library_path
from ._lib import version as library_version
from ._estimators import (AsymmetricMultiTask, AsyncMultiTask, MethodInfo,
                          MultiTask, MultiTaskClassifier,
                          MultiTaskClassifierCV, MultiTaskCV,
                          MultiTaskRegressor, MultiTaskRegressorCV,
                          SignRegularizedMultiTask,
                          method_info, methods)
from ._io import TaskData, read_dataset
from ._online import OnlineMultiTask
from ._linear import MultiTaskElasticNet, MultiTaskLasso
from ._model import Model, load_model

__version__ = "0.1.0"

__all__ = ["MultiTask", "MultiTaskRegressor", "MultiTaskClassifier",
           "MultiTaskLasso", "MultiTaskElasticNet",
           "MultiTaskCV", "MultiTaskRegressorCV", "MultiTaskClassifierCV",
           "AsyncMultiTask", "OnlineMultiTask",
           "AsymmetricMultiTask", "SignRegularizedMultiTask", "Model",
           "load_model", "read_dataset", "TaskData", "methods", "method_info",
           "MethodInfo", "MTLError", "MTLValueError", "MTLOSError",
           "MTLMemoryError", "MTLRuntimeError", "library_version",
           "library_path", "blas_guard"]
