/*
 * linalg.h -- private header of the src/linalg layer: dense linear algebra
 * (linalg.c, the only caller of CBLAS/LAPACKE) and the online SVD
 * (osvd.c).  Includes the base layer's header.  Not installed.
 */
#ifndef MTL_LINALG_H
#define MTL_LINALG_H

#include "base/base.h"

/* ---- linear algebra (linalg.c): the only module calling CBLAS/LAPACKE ---- */
/* All matrices are column-major with leading dimension unless named
 * "_rm" (row-major).  Functions return MTL_OK or MTL_ELINALG/MTL_ENOMEM
 * with a message. */
/* Makes OpenBLAS single-threaded (process-wide); called when libmtl starts
 * threads of its own (thread pool with > 1 thread, in-process transport). */
void mtl__blas_single_thread(void);
/* OpenBLAS on the calling thread for a stretch of many small calls (a
 * cross-validation's fits): begin returns the thread count to pass to
 * end, which restores it.  Process-wide, like mtl__blas_single_thread. */
int mtl__blas_serial_begin(void);
void mtl__blas_serial_end(int nt);
double mtl__dot(int n, const double *x, const double *y);
double mtl__nrm2(int n, const double *x);
void mtl__axpy(int n, double a, const double *x, double *y);
void mtl__scal(int n, double a, double *x);
/* y = alpha * op(A) x + beta * y, A column-major m x n with lda. */
void mtl__gemv(int trans, int m, int n, double alpha, const double *A,
               int lda, const double *x, double beta, double *y);
/* y = alpha * op(A) x + beta * y, A ROW-major m x n with lda (task X). */
void mtl__gemv_rm(int trans, int m, int n, double alpha, const double *A,
                  int lda, const double *x, double beta, double *y);
/* C = alpha op(A) op(B) + beta C, column-major. */
void mtl__gemm(int transa, int transb, int m, int n, int k, double alpha,
               const double *A, int lda, const double *B, int ldb,
               double beta, double *C, int ldc);
/* C (n x n, column-major, full symmetric) = alpha * A' A + beta C for A
 * ROW-major m x n with lda (i.e. the Gram matrix X'X of a task). */
void mtl__gram_rm(int m, int n, double alpha, const double *A, int lda,
                  double beta, double *C);
/* The upper triangle of C (n x n) = A A' (trans = 0, A n x k) or A'A
 * (trans = 1, A k x n), A column-major with lda; the strict lower triangle
 * is left as it was (what mtl__syev reads). */
void mtl__syrk_upper(int trans, int n, int k, const double *A, int lda,
                     double *C);
/* Thin SVD of A (m x n, column-major, overwritten): A = U diag(s) Vt with
 * k = min(m, n); U m x k, s k, Vt k x n.  U or Vt may be NULL (not
 * computed).  Uses dgesdd, falling back to dgesvd on failure. */
int mtl__svd(int m, int n, double *A, double *U, double *s, double *Vt);
/* Singular values only. */
int mtl__svd_values(int m, int n, const double *A, double *s);
/* Symmetric eigendecomposition of A (n x n, column-major, overwritten by
 * eigenvectors); w ascending eigenvalues. */
int mtl__syev(int n, double *A, double *w);
/* Cholesky A = L L' in place (lower); MTL_ENUMERIC if not SPD. */
int mtl__potrf(int n, double *A);
/* Solves A X = B with the factor from mtl__potrf; B n x nrhs. */
int mtl__potrs(int n, int nrhs, const double *L, double *B, int ldb);
/* Solves A X = B for general square A (overwritten by LU); B n x nrhs. */
int mtl__gesv(int n, int nrhs, double *A, double *B, int ldb);
/* Symmetric PSD square root S = A^{1/2} (A n x n, input preserved). */
int mtl__sqrtm_psd(int n, const double *A, double *S);
/* Moore-Penrose pseudo-inverse of symmetric A (n x n) with tolerance rcond
 * relative to the largest eigenvalue. */
int mtl__pinv_sym(int n, const double *A, double rcond, double *P);
/* Largest singular value (spectral norm) of A m x n column-major. */
int mtl__spectral_norm(int m, int n, const double *A, double *out);

/* ---- online SVD (osvd.c) ------------------------------------------------- */
/* Exact online thin SVD A = U diag(s) Q' (d x T, k = min(d, T), never
 * truncated) under column replacement (Brand 2003); see osvd.c.  U d x k,
 * Q T x k, column-major.  A full SVD every `refresh` replacements (0 =
 * never); `drift` is the largest |s_online - s_full| / s_max seen then. */
typedef struct mtl__osvd {
  int d, T, k;
  int refresh, since, valid;
  long updates, refreshes;
  double drift;
  double *A;                  /* d x T, the exact matrix tracked */
  double *U, *Q, *s;          /* the factorization */
  double *work;               /* one allocation holding everything below */
  double *Unew, *Qnew, *full_A, *full_Vt, *full_s, *K, *Uk, *Vkt, *sk;
  double *mm, *nn, *p, *q;
} mtl__osvd;
/* A may be NULL (zero matrix). */
int mtl__osvd_init(mtl__osvd *o, int d, int T, const double *A, int refresh);
void mtl__osvd_clear(mtl__osvd *o);
/* A[:, t] <- col (d entries); updates the factorization. */
int mtl__osvd_replace(mtl__osvd *o, int t, const double *col);
/* Full SVD of the tracked A now (also records the drift). */
int mtl__osvd_recompute(mtl__osvd *o);
/* Column t (d entries) / all of U diag(max(s - thr, 0) scale) Q'. */
void mtl__osvd_prox_col(const mtl__osvd *o, double thr, double scale, int t,
                        double *out);
void mtl__osvd_prox(const mtl__osvd *o, double thr, double scale,
                    double *out);

#endif /* MTL_LINALG_H */
