/*
 * blas_info.c -- which BLAS libmtl runs on, and whether OpenBLAS runs
 * kernels older than the CPU could: OpenBLAS 0.3.21 (Debian 12) does not
 * recognize recent Intel CPUs (e.g. family 6 model 207) and falls back to
 * its generic "Prescott" kernels, which run dsyrk/dgemm 3-5x slower on an
 * AVX-512 CPU (bench/RESULTS-blas.md).  OpenBLAS picks its kernels when
 * it is loaded, from OPENBLAS_CORETYPE, so nothing can be changed from
 * here: the library only tells (mtl_blas_suggested_core), and programs
 * act on it (the `mtl` tool re-executes itself with the variable set).
 * OpenBLAS's own functions are looked up with dlsym, so that any other
 * BLAS (BLIS, MKL, reference) is reported without them.
 */
#define _GNU_SOURCE
#include "linalg.h"

#include <cblas.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char name[256];
static const char *suggested;

/* SIMD level of OpenBLAS core c: 3 AVX-512, 2 AVX2, 1 AVX, 0 older. */
static int core_level(const char *c) {
  static const char *const levels[][4] = {
      {"SkylakeX", "Cooperlake", "SapphireRapids", NULL},
      {"Haswell", "Zen", "Excavator", "Steamroller"},
      {"Sandybridge", "Bulldozer", "Piledriver", NULL}};
  for (int l = 0; l < 3; l++)
    for (int k = 0; k < 4 && levels[l][k]; k++)
      if (strcasecmp(c, levels[l][k]) == 0)
        return 3 - l;
  return 0;
}

/* SIMD level of this CPU, on the same scale. */
static int cpu_level(void) {
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
      __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return 3;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return 2;
  if (__builtin_cpu_supports("avx"))
    return 1;
#endif
  return 0;
}

static void probe(void) {
  typedef char *(*str_fn)(void);
  str_fn corename = (str_fn)(void (*)(void))dlsym(RTLD_DEFAULT,
                                                   "openblas_get_corename");
  str_fn config = (str_fn)(void (*)(void))dlsym(RTLD_DEFAULT,
                                                 "openblas_get_config");
  Dl_info where;
  const char *file = "?";
  if (dladdr((void *)(void (*)(void))cblas_dgemm, &where) && where.dli_fname) {
    file = strrchr(where.dli_fname, '/');
    file = file ? file + 1 : where.dli_fname;
  }
  const char *core = corename ? corename() : NULL;
  if (core && config && strncmp(file, "libopenblas", 11) == 0) {
    snprintf(name, sizeof name, "%s, core %s (%s)", config(), core, file);
    const char *env = getenv("OPENBLAS_CORETYPE");
    int want = cpu_level();
    static const char *const best[] = {NULL, "Sandybridge", "Haswell",
                                       "SkylakeX"};
    if ((!env || !*env) && core_level(core) < want)
      suggested = best[want];
  } else {
    snprintf(name, sizeof name, "%s", file);
  }
}

const char *mtl_blas_name(void) {
  pthread_once(&once, probe);
  return name;
}

const char *mtl_blas_suggested_core(void) {
  pthread_once(&once, probe);
  return suggested;
}
