/*
 * test_golden_omtl.c -- golden test of Online ADMM (Li et al.) under its
 * authors' own protocol (issue 14): C-ADMM with the preset "authors" on
 * the authors' released synthetic set (synthetic_nc24.npz, stored order)
 * against the predictions of the authors' unmodified C-ADMM script
 * (reference/nc24_cadmm_predictions.npy, 5 x 10000 int8 +-1, mean
 * cumulative error 0.13772).  Skips (77) without the shared data.
 *
 * The authors' run is chaotic after a few rounds (cond(Omega) about 3e8),
 * so only a prefix of the predictions can agree bit for bit: the first 7
 * rounds must (with the preset's eps 1e-8 and with the pseudo-inverse,
 * eps 0), and the preset's final error must be within 0.003 of the
 * reference's.
 */
#include "check.h"

#include <stdint.h>

#define NC24_K 5
#define NC24_T 10000
#define NC24_REF_ERR 0.13772

/* Reads the reference .npy: '<i1' or '|i1', shape (5, 10000), C order.
 * Returns 0 on success. */
static int read_ref(const char *path, signed char *ref) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return -1;
  unsigned char head[10];
  int ok = fread(head, 1, 10, f) == 10 && memcmp(head, "\x93NUMPY", 6) == 0 &&
           head[6] == 1;
  size_t hlen = ok ? (size_t)head[8] | (size_t)head[9] << 8 : 0;
  char hdr[1024] = {0};
  ok = ok && hlen < sizeof hdr && fread(hdr, 1, hlen, f) == hlen;
  ok = ok && strstr(hdr, "i1'") && strstr(hdr, "'fortran_order': False") &&
       strstr(hdr, "(5, 10000)");
  ok = ok && fread(ref, 1, NC24_K * NC24_T, f) == NC24_K * NC24_T;
  fclose(f);
  return ok ? 0 : -1;
}

/* Runs C-ADMM with the preset "authors" (eps overridden when >= 0) over the
 * stored order; returns the first 1-based round where a prediction differs
 * from ref (NC24_T + 1 when none) and the final error in *err. */
static int64_t run_authors(const mtl_dataset *ds, const signed char *ref,
                           double eps, double *err) {
  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  CHECK_OK(mtl_omtl_params_preset(&p, "authors"));
  if (eps >= 0)
    p.eps = eps;
  p.record_predictions = 1;
  mtl_stream *s = NULL;
  mtl_omtl_result r = {0};
  *err = NAN;
  CHECK_OK(mtl_stream_from_dataset(ds, 0, &s));
  if (s)
    CHECK_OK(mtl_omtl_run(s, &p, NULL, &r));
  mtl_stream_free(s);
  int64_t first = -1;
  if (r.pred && r.rounds == NC24_T && r.K == NC24_K) {
    first = NC24_T + 1;
    for (int64_t t = 0; t < NC24_T && first > NC24_T; t++)
      for (int k = 0; k < NC24_K; k++)
        if (r.pred[t * NC24_K + k] != ref[(int64_t)k * NC24_T + t]) {
          first = t + 1;
          break;
        }
    *err = r.err_avg[NC24_T - 1];
  }
  CHECK(first > 0);
  mtl_omtl_result_clear(&r);
  return first;
}

int main(void) {
  char data[4096];
  snprintf(data, sizeof data, "%s", check_data("synthetic_nc24.npz"));
  const char *refp = check_data("reference/nc24_cadmm_predictions.npy");
  signed char *ref = malloc(NC24_K * NC24_T);
  CHECK(ref && read_ref(refp, ref) == 0);
  mtl_dataset *ds = NULL;
  CHECK_OK(mtl_dataset_read(data, NULL, &ds));
  if (ds && ref) {
    CHECK(mtl_dataset_ntasks(ds) == NC24_K && mtl_dataset_dim(ds) == 9);
    double err_preset, err_pinv;
    /* The preset as it is: Omega regularised and solved (eps 1e-8). */
    int64_t first_preset = run_authors(ds, ref, -1, &err_preset);
    /* The script's pseudo-inverse of Omega (eps 0). */
    int64_t first_pinv = run_authors(ds, ref, 0, &err_pinv);
    fprintf(stderr,
            "authors preset: first differing round %lld (eps 1e-8), %lld "
            "(pinv); final error %.5f (eps 1e-8), %.5f (pinv), reference "
            "%.5f\n",
            (long long)first_preset, (long long)first_pinv, err_preset,
            err_pinv, NC24_REF_ERR);
    /* The first 7 rounds (35 predictions) exactly as the authors' run. */
    CHECK(first_preset >= 8);
    CHECK(first_pinv >= 8);
    CHECK_LE(fabs(err_preset - NC24_REF_ERR), 0.003);
    /* The pseudo-inverse run is chaotic from about round 8 (its end moves
     * within 0.136-0.144 with the last bits of the arithmetic, measured in
     * bench/omtl/RESULTS.md): only a sanity bound. */
    CHECK_LE(fabs(err_pinv - NC24_REF_ERR), 0.01);
  }
  mtl_dataset_free(ds);
  free(ref);
  CHECK_DONE();
}
