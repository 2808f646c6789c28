/*
 * linalg.c -- the only module that calls CBLAS and LAPACKE.
 *
 * Matrices are column-major with a leading dimension unless the function
 * name ends in _rm (row-major, used for task data X_t whose samples are
 * contiguous).
 */
#include "linalg.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* libmtl parallelizes over tasks and nodes itself.  OpenBLAS's own
 * threads inside calls made from several of our threads at once oversubscribe
 * the cores and, in Debian's pthread build, collapse (measured: 20 K x K
 * eigendecompositions from 4 threads took 4.9 s instead of 0.03 s).  So
 * whenever libmtl starts threads of its own it makes OpenBLAS run each call
 * on the calling thread.  This is a process-wide OpenBLAS setting; it is
 * documented in mtl.h. */
/* Small factorizations and solves run on the calling thread: OpenBLAS
 * 0.3.21 threads dsymv whatever its size, so every symmetric
 * eigendecomposition (dsytrd) woke its threads, which then spin in
 * sched_yield: measured, mtl demo spent 40% of its CPU time there (1.8 s
 * of 4.9 s).  Its dgetrf (dgesv) threads at any size too: the Newton
 * polish's small solves on School made the solve spend 2.5x its CPU time
 * (3.4 s of system time in bench_cert's L2,1 run with the bias
 * unpenalized, 1.9 s against 0.77 s for the solve).  Below SMALL_LAPACK
 * entries a factorization (and a product below 2^21 multiply-adds, which
 * threads cannot speed up) is set to one thread for the call and the
 * count restored after it (both are a store to OpenBLAS's thread count
 * when its threads already exist).  Not reentrant with respect to other
 * threads' BLAS calls, which may run single-threaded meanwhile. */
#define SMALL_LAPACK (256 * 256)

static int small_begin(size_t entries) {
  int nt = openblas_get_num_threads();
  if (entries > SMALL_LAPACK || nt <= 1)
    return 0;
  openblas_set_num_threads(1);
  return nt;
}

static void small_end(int nt) {
  if (nt > 1)
    openblas_set_num_threads(nt);
}

void mtl__blas_single_thread(void) {
  if (openblas_get_num_threads() != 1)
    openblas_set_num_threads(1);
}

int mtl__blas_serial_begin(void) {
  int nt = openblas_get_num_threads();
  if (nt > 1)
    openblas_set_num_threads(1);
  return nt;
}

void mtl__blas_serial_end(int nt) {
  if (nt > 1 && openblas_get_num_threads() != nt)
    openblas_set_num_threads(nt);
}

double mtl__dot(int n, const double *x, const double *y) {
  return cblas_ddot(n, x, 1, y, 1);
}

double mtl__nrm2(int n, const double *x) { return cblas_dnrm2(n, x, 1); }

void mtl__axpy(int n, double a, const double *x, double *y) {
  cblas_daxpy(n, a, x, 1, y, 1);
}

void mtl__scal(int n, double a, double *x) { cblas_dscal(n, a, x, 1); }

void mtl__gemv(int trans, int m, int n, double alpha, const double *A,
               int lda, const double *x, double beta, double *y) {
  cblas_dgemv(CblasColMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha,
              A, lda, x, 1, beta, y, 1);
}

void mtl__gemv_rm(int trans, int m, int n, double alpha, const double *A,
                  int lda, const double *x, double beta, double *y) {
  cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, m, n, alpha,
              A, lda, x, 1, beta, y, 1);
}

void mtl__gemm(int transa, int transb, int m, int n, int k, double alpha,
               const double *A, int lda, const double *B, int ldb,
               double beta, double *C, int ldc) {
  size_t mnk = (size_t)m * n * k; /* below 2^21 multiply-adds (< 1 ms) */
  int nt = mnk <= ((size_t)1 << 21) ? small_begin(0) : 0;
  cblas_dgemm(CblasColMajor, transa ? CblasTrans : CblasNoTrans,
              transb ? CblasTrans : CblasNoTrans, m, n, k, alpha, A, lda, B,
              ldb, beta, C, ldc);
  small_end(nt);
}

/* A is row-major m x n, i.e. column-major n x m (A').  A'A = (A')(A')'. */
void mtl__gram_rm(int m, int n, double alpha, const double *A, int lda,
                  double beta, double *C) {
  cblas_dsyrk(CblasColMajor, CblasUpper, CblasNoTrans, n, m, alpha, A, lda,
              beta, C, n);
  for (int j = 0; j < n; j++) /* mirror upper to lower */
    for (int i = j + 1; i < n; i++)
      C[i + (size_t)j * n] = C[j + (size_t)i * n];
}

void mtl__syrk_upper(int trans, int n, int k, const double *A, int lda,
                     double *C) {
  int nt = small_begin((size_t)n * k);
  cblas_dsyrk(CblasColMajor, CblasUpper, trans ? CblasTrans : CblasNoTrans,
              n, k, 1.0, A, lda, 0.0, C, n);
  small_end(nt);
}

int mtl__svd(int m, int n, double *A, double *U, double *s, double *Vt) {
  int k = m < n ? m : n;
  if (k == 0)
    return MTL_OK;
  char job = (U || Vt) ? 'S' : 'N';
  double *Ucopy = NULL, *Acopy = NULL;
  size_t mn = (size_t)m * n;
  /* dgesdd overwrites A; keep a copy for the dgesvd fallback. */
  Acopy = mtl__malloc(mn * sizeof(double));
  if (!Acopy)
    return MTL_ENOMEM;
  memcpy(Acopy, A, mn * sizeof(double));
  double *u = U, *vt = Vt;
  if (job == 'S' && (!U || !Vt)) {
    Ucopy = mtl__malloc(((size_t)m * k + (size_t)k * n) * sizeof(double));
    if (!Ucopy) {
      free(Acopy);
      return MTL_ENOMEM;
    }
    if (!u)
      u = Ucopy;
    if (!vt)
      vt = Ucopy + (size_t)m * k;
  }
  int nt = small_begin(mn);
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, job, m, n, A, m, s, u,
                                   m, vt, k);
  if (info != 0) {
    memcpy(A, Acopy, mn * sizeof(double));
    double *superb = mtl__malloc((size_t)k * sizeof(double));
    if (!superb) {
      small_end(nt);
      free(Acopy);
      free(Ucopy);
      return MTL_ENOMEM;
    }
    info = LAPACKE_dgesvd(LAPACK_COL_MAJOR, job, job, m, n, A, m, s, u, m, vt,
                          k, superb);
    free(superb);
  }
  small_end(nt);
  free(Acopy);
  free(Ucopy);
  if (info != 0)
    return mtl__err(MTL_ELINALG, "SVD of a %d x %d matrix failed (info %d)",
                    m, n, (int)info);
  return MTL_OK;
}

int mtl__svd_values(int m, int n, const double *A, double *s) {
  double *B = mtl__malloc((size_t)m * n * sizeof(double));
  if (!B)
    return MTL_ENOMEM;
  memcpy(B, A, (size_t)m * n * sizeof(double));
  int rc = mtl__svd(m, n, B, NULL, s, NULL);
  free(B);
  return rc;
}

int mtl__syev(int n, double *A, double *w) {
  int nt = small_begin((size_t)n * n);
  lapack_int info = LAPACKE_dsyevd(LAPACK_COL_MAJOR, 'V', 'U', n, A, n, w);
  small_end(nt);
  if (info != 0)
    return mtl__err(MTL_ELINALG,
                    "symmetric eigendecomposition of %d x %d failed (info %d)",
                    n, n, (int)info);
  return MTL_OK;
}

int mtl__potrf(int n, double *A) {
  int nt = small_begin((size_t)n * n);
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, A, n);
  small_end(nt);
  if (info > 0)
    return mtl__err(MTL_ENUMERIC,
                    "Cholesky factorization failed: %d x %d matrix is not "
                    "positive definite (minor %d)",
                    n, n, (int)info);
  if (info < 0)
    return mtl__err(MTL_ELINALG, "dpotrf argument %d invalid", (int)-info);
  return MTL_OK;
}

int mtl__potrs(int n, int nrhs, const double *L, double *B, int ldb) {
  int nt = small_begin((size_t)n * (n > nrhs ? n : nrhs));
  lapack_int info =
      LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, nrhs, L, n, B, ldb);
  small_end(nt);
  if (info != 0)
    return mtl__err(MTL_ELINALG, "dpotrs failed (info %d)", (int)info);
  return MTL_OK;
}

int mtl__gesv(int n, int nrhs, double *A, double *B, int ldb) {
  lapack_int *ipiv = mtl__malloc((size_t)n * sizeof(lapack_int));
  if (!ipiv)
    return MTL_ENOMEM;
  int nt = small_begin((size_t)n * (n > nrhs ? n : nrhs));
  lapack_int info =
      LAPACKE_dgesv(LAPACK_COL_MAJOR, n, nrhs, A, n, ipiv, B, ldb);
  small_end(nt);
  free(ipiv);
  if (info > 0)
    return mtl__err(MTL_ENUMERIC, "linear solve: %d x %d matrix is singular",
                    n, n);
  if (info < 0)
    return mtl__err(MTL_ELINALG, "dgesv argument %d invalid", (int)-info);
  return MTL_OK;
}

/* S = Q diag(f(w)) Q' for symmetric A = Q diag(w) Q'. */
static int sym_apply(int n, const double *A, double *S, int pinv,
                     double rcond) {
  size_t nn = (size_t)n * n;
  double *Q = mtl__malloc(nn * sizeof(double));
  double *w = mtl__malloc((size_t)n * sizeof(double));
  double *QF = mtl__malloc(nn * sizeof(double));
  int rc = MTL_ENOMEM;
  if (!Q || !w || !QF)
    goto done;
  memcpy(Q, A, nn * sizeof(double));
  rc = mtl__syev(n, Q, w);
  if (rc)
    goto done;
  double wmax = 0;
  for (int i = 0; i < n; i++)
    if (fabs(w[i]) > wmax)
      wmax = fabs(w[i]);
  for (int i = 0; i < n; i++) {
    double f;
    if (pinv)
      f = (fabs(w[i]) > rcond * wmax && w[i] != 0) ? 1.0 / w[i] : 0.0;
    else
      f = w[i] > 0 ? sqrt(w[i]) : 0.0;
    for (int r = 0; r < n; r++)
      QF[r + (size_t)i * n] = Q[r + (size_t)i * n] * f;
  }
  /* S = QF Q' */
  mtl__gemm(0, 1, n, n, n, 1.0, QF, n, Q, n, 0.0, S, n);
  rc = MTL_OK;
done:
  free(Q);
  free(w);
  free(QF);
  return rc;
}

int mtl__sqrtm_psd(int n, const double *A, double *S) {
  return sym_apply(n, A, S, 0, 0.0);
}

int mtl__pinv_sym(int n, const double *A, double rcond, double *P) {
  return sym_apply(n, A, P, 1, rcond);
}

int mtl__spectral_norm(int m, int n, const double *A, double *out) {
  int k = m < n ? m : n;
  *out = 0;
  if (k == 0)
    return MTL_OK;
  double *s = mtl__malloc((size_t)k * sizeof(double));
  if (!s)
    return MTL_ENOMEM;
  int rc = mtl__svd_values(m, n, A, s);
  if (!rc)
    *out = s[0];
  free(s);
  return rc;
}
