/*
 * base.h -- private header of the src/base layer: errors, memory, atomic
 * file output, random numbers, the thread pool, timing.  Every private
 * header includes the one of the layer below it, so this one is seen by
 * all.  Not installed.  Internal non-static functions are named mtl__<x>.
 */
#ifndef MTL_BASE_H
#define MTL_BASE_H

#include "mtl.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* ---- errors (error.c) ---------------------------------------------------- */

/* Sets this thread's last error message (printf-style) and returns code, so
 * that callers can write `return mtl__err(MTL_EINVAL, "...", ...)`. */
int mtl__err(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the current last error (for context), returns code. */
int mtl__err_prefix(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- memory -------------------------------------------------------------- */
void *mtl__malloc(size_t n);            /* sets MTL_ENOMEM message on failure */
void *mtl__calloc(size_t n, size_t sz); /* idem */
char *mtl__strdup(const char *s);

/* ---- atomic file output (fileio.c) --------------------------------------- */
/* Writes the content produced by fn(f, ctx) (MTL_OK or an error code, which
 * aborts the write) to path the way mtl_output_open does (mtl.h): a regular
 * file through a fresh O_EXCL|O_NOFOLLOW temporary file in its directory,
 * fsync'ed, given the old file's mode and renamed over it (a symlink's
 * target is replaced, the link kept); a character device, a FIFO or "-"
 * directly.  On any failure the temporary file is removed and an existing
 * file at path is left untouched.  `what` names the content in messages
 * ("model", "dataset", "transfer graph"). */
typedef int (*mtl__writer_fn)(FILE *f, void *ctx);
int mtl__write_atomic(const char *path, const char *what, mtl__writer_fn fn,
                      void *ctx);

/* ---- random numbers (rng.c): xoshiro256**, seeded by splitmix64 ---------- */
typedef struct mtl__rng {
  uint64_t s[4];
  int has_gauss;
  double gauss;
} mtl__rng;
void mtl__rng_seed(mtl__rng *r, uint64_t seed);
uint64_t mtl__rng_u64(mtl__rng *r);
double mtl__rng_uniform(mtl__rng *r);    /* [0, 1) */
double mtl__rng_normal(mtl__rng *r);     /* N(0, 1) */
uint64_t mtl__rng_below(mtl__rng *r, uint64_t n); /* uniform in [0, n) */
void mtl__rng_shuffle_int(mtl__rng *r, int *a, int n);

/* ---- thread pool (pool.c) ------------------------------------------------ */
/* A fixed set of worker threads that run fn(ctx, lo, hi, worker) over a
 * static partition of [0, n): chunk w gets [w*n/P, (w+1)*n/P).  The caller
 * participates as worker 0.  Deterministic: the partition depends only on
 * n and the thread count.  Not reentrant: one parallel_for at a time per
 * pool.  Thread-safety: a pool is used by the thread that created it. */
typedef struct mtl__pool mtl__pool;
typedef void (*mtl__range_fn)(void *ctx, int lo, int hi, int worker);
int mtl__pool_create(int threads, mtl__pool **out);
void mtl__pool_free(mtl__pool *p);
int mtl__pool_size(const mtl__pool *p);
void mtl__pool_run(mtl__pool *p, int n, mtl__range_fn fn, void *ctx);

/* ---- timing -------------------------------------------------------------- */
double mtl__now(void); /* monotonic seconds */

#endif /* MTL_BASE_H */
