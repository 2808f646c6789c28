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

static int mpi_check_done(int rank, const char *file) {
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

#endif /* MTL_TEST_MPI_CHECK_H */
