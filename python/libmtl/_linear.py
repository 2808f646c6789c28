"""MultiTaskLasso / MultiTaskElasticNet of scikit-learn, over libmtl.

For a shared design X (n x d) and targets Y (n x T) they minimize, with
scikit-learn's parameter names and scaling,

    1/(2n) ||Y - X W' - 1 b'||_F^2 + alpha l1_ratio ||W||_21
        + alpha (1 - l1_ratio) / 2 ||W||_F^2

(W = coef_, T x d; ||W||_21 = sum_j ||W[:, j]||_2, the feature's weights
across tasks; MultiTaskLasso: l1_ratio = 1).  This is libmtl's ``batch``
method with squared loss, ``scaling="mean"``, ``reg="l21"``, ``lambda =
alpha l1_ratio``, ``ridge = alpha (1 - l1_ratio) / 2``, no standardization,
and the unpenalized bias column for the intercept (which is the same as
scikit-learn's centering).  X is stored once (mtl_dataset_set_shared).
"""
import numpy as np

from ._estimators import MultiTaskRegressor, _SkBase, _SkRegressor


class MultiTaskElasticNet(_SkRegressor, _SkBase):
    """scikit-learn's MultiTaskElasticNet over libmtl (see the module).

    Parameters as scikit-learn's: ``alpha``, ``l1_ratio``,
    ``fit_intercept``, ``max_iter``, ``tol``, ``copy_X`` (X is never
    modified: libmtl keeps its own copy), ``warm_start`` (False only:
    mtl_fit starts from zero), ``random_state`` and ``selection``
    ("cyclic" only: libmtl's BCD sweeps the features in order).  Plus
    ``solver``: "bcd" (block coordinate descent, as scikit-learn; default)
    or "fista".

    Stopping: both solvers stop at duality gap <= tol x objective (checked
    every 10 iterations), which implies scikit-learn's rule gap <= tol
    ||Y - mean||_F^2 / n (the objective is at most ||Y - mean||_F^2 /
    (2n)).  ``solver="bcd"`` takes its gap, as scikit-learn does, only
    once a sweep changes no weight by more than tol x max|W|, and also
    stops at the coordinate fixed point (a sweep over every feature
    changing no weight by more than 1e-14 max|W|).

    Fitted: ``coef_`` (T x d), ``intercept_`` (T,), ``n_iter_`` (BCD
    sweeps or FISTA iterations), ``dual_gap_`` (the gap of the objective
    above, 1/(2n) scaling), ``fit_info_``, ``model_``.  ``predict(X)``:
    (n, T).
    """

    _lasso = False

    def __init__(self, alpha=1.0, l1_ratio=0.5, fit_intercept=True,
                 copy_X=True, max_iter=1000, tol=1e-4, warm_start=False,
                 random_state=None, selection="cyclic", solver="bcd"):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.copy_X = copy_X
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.random_state = random_state
        self.selection = selection
        self.solver = solver

    def _ratio(self):
        return 1.0 if self._lasso else float(self.l1_ratio)

    def _libmtl_estimator(self):
        name = type(self).__name__
        if self.selection != "cyclic":
            raise ValueError("%s: selection=%r: libmtl's block coordinate "
                             "descent is cyclic only" % (name, self.selection))
        if self.warm_start:
            raise ValueError("%s: warm_start=True is not available (mtl_fit "
                             "starts from W = 0)" % name)
        alpha, r = float(self.alpha), self._ratio()
        if not alpha >= 0 or not np.isfinite(alpha):
            raise ValueError("%s: alpha = %r must be >= 0" % (name, alpha))
        if not 0 <= r <= 1:
            raise ValueError("%s: l1_ratio = %r must be in [0, 1]"
                             % (name, r))
        return MultiTaskRegressor(
            loss="squared", scaling="mean", reg="l21", alpha=alpha * r,
            ridge=0.5 * alpha * (1 - r), standardize=False,
            fit_intercept=bool(self.fit_intercept), solver=self.solver,
            max_iter=int(self.max_iter), tol=0.0, tol_gap=float(self.tol))

    def fit(self, X, y):
        """X (n x d, dense or CSR), y (n x T): one task per column."""
        name = type(self).__name__
        if y is None:
            raise ValueError("%s requires y to be passed, but the target y "
                             "is None" % name)
        X = X if hasattr(X, "toarray") else np.asarray(X)
        Y = np.asarray(y) if not hasattr(y, "toarray") else y.toarray()
        if np.iscomplexobj(X) or np.iscomplexobj(Y):
            raise ValueError("%s: Complex data not supported" % name)
        if Y.ndim != 2:
            raise ValueError("%s: y must have shape (n_samples, n_tasks), "
                             "got %s; for one task use ElasticNet/Lasso"
                             % (type(self).__name__, Y.shape))
        est = self._libmtl_estimator().fit(X, Y)
        self.estimator_ = est
        self.coef_, self.intercept_ = est.coef_, est.intercept_
        self.n_iter_ = est.n_iter_
        self.dual_gap_ = est.fit_info_.get("gap", np.nan)
        self.fit_info_, self.model_ = est.fit_info_, est.model_
        self.n_features_in_ = est.n_features_in_
        return self

    def predict(self, X):
        """(n, T): every task's prediction on every sample."""
        if not hasattr(self, "estimator_"):
            from sklearn.exceptions import NotFittedError
            raise NotFittedError("This %s instance is not fitted yet"
                                 % type(self).__name__)
        pred = np.asarray(self.estimator_.predict(X))
        # one task too: (n, 1), as scikit-learn's X @ coef_.T + intercept_
        return pred.reshape(-1, 1) if pred.ndim == 1 else pred

    def _more_tags(self):
        return {"multioutput": True, "multioutput_only": True,
                "requires_y": True}


class MultiTaskLasso(MultiTaskElasticNet):
    """scikit-learn's MultiTaskLasso over libmtl: MultiTaskElasticNet with
    l1_ratio = 1 (same parameters, without l1_ratio)."""

    _lasso = True

    def __init__(self, alpha=1.0, fit_intercept=True, copy_X=True,
                 max_iter=1000, tol=1e-4, warm_start=False, random_state=None,
                 selection="cyclic", solver="bcd"):
        super().__init__(alpha=alpha, fit_intercept=fit_intercept,
                         copy_X=copy_X, max_iter=max_iter, tol=tol,
                         warm_start=warm_start, random_state=random_state,
                         selection=selection, solver=solver)
        del self.l1_ratio
