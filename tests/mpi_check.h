/*
 * mpi_check.h -- the end of an MPI test (tests/mpi_test_*.c): every rank's
 * failed checks summed over MPI_COMM_WORLD; each failing rank says how
 * many it had, rank 0 says when all passed; MPI is finalized.  Returns
 * the exit status (1 when any rank failed), the same on every rank.
 */
#ifndef MTL_TEST_MPI_CHECK_H
#define MTL_TEST_MPI_CHECK_H

#include "check.h"
#include "mtl_mpi.h"

#include <mpi.h>

static inline int mpi_check_done(int rank, const char *file) {
  int fails = check_failures, all = 0;
  MPI_Allreduce(&fails, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (check_failures)
    fprintf(stderr, "%s: rank %d: %d of %d checks failed\n", file, rank,
            check_failures, check_count);
  else if (rank == 0 && !all)
    printf("%s: all %d checks passed (rank 0)\n", file, check_count);
  mtl_mpi_finalize();
  return all ? 1 : 0;
}

/* Rank 0 writes the stream of K binary tasks (mtl_omtl_gen_synthetic with
 * n instances each and gen_seed, replayed with stream_seed) to all (the
 * whole stream, arrival order) and one file per task, DIR/stream.K.txt,
 * with that task's lines only: what each site would hold.  Collective
 * (ends with a barrier). */
static inline void mpi_write_streams(int rank, const char *dir, const char *all,
                              int K, int n, uint64_t gen_seed,
                              uint64_t stream_seed) {
  if (rank == 0) {
    mtl_dataset *ds = NULL;
    mtl_stream *s = NULL;
    CHECK_OK(mtl_omtl_gen_synthetic(K, n, 0.5, gen_seed, &ds));
    CHECK_OK(mtl_stream_from_dataset(ds, stream_seed, &s));
    CHECK_OK(mtl_stream_write_text(s, all));
    mtl_stream_free(s);
    mtl_dataset_free(ds);
    FILE *in = fopen(all, "r"), *out[64];
    char ln[4096], pth[512];
    for (int k = 0; k < K && k < 64; k++) {
      snprintf(pth, sizeof pth, "%s/stream.%d.txt", dir, k);
      out[k] = fopen(pth, "w");
    }
    while (in && fgets(ln, sizeof ln, in)) {
      int t = atoi(ln);
      if (t >= 1 && t <= K && out[t - 1])
        fputs(ln, out[t - 1]);
    }
    if (in)
      fclose(in);
    for (int k = 0; k < K && k < 64; k++)
      if (out[k])
        fclose(out[k]);
  }
  MPI_Barrier(MPI_COMM_WORLD);
}

#endif /* MTL_TEST_MPI_CHECK_H */
