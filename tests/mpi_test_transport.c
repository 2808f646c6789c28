/*
 * mpi_test_transport.c -- the MPI transport under mpirun (5 ranks): the
 * same checks as the in-process transport test, through the same
 * interface: delivery, per-(source, tag) FIFO order with wildcard
 * receives, targeted receives, try_recv, oversized messages, and large
 * messages exchanged in both directions at once (buffered sends must not
 * deadlock), and the collectives (coll_check.h).
 */
#include "../src/mpi/mpi_impl.h"
#include "check.h"
#include "coll_check.h"

#define NMSG 300
#define BIG 200000 /* doubles: well past the eager limit */

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  mtl__tr *tr = NULL;
  CHECK_OK(mtl__tr_mpi_create(MPI_COMM_WORLD, &tr));
  int P = tr->size, me = tr->rank;
  CHECK(P >= 2);
  double buf[4];
  if (me == 0) {
    int *next = calloc((size_t)P * 2, sizeof(int));
    for (int k = 0; k < (P - 1) * NMSG; k++) {
      int n, from, tag;
      CHECK_OK(mtl__tr_recv(tr, MTL__ANY, MTL__ANY, buf, 4, &n, &from, &tag));
      CHECK(n == 2 && buf[0] == from && buf[1] == next[from * 2 + tag]);
      next[from * 2 + tag]++;
    }
    free(next);
    for (int r = 1; r < P; r++) {
      buf[0] = r * 10.0;
      CHECK_OK(mtl__tr_send(tr, r, 7, buf, 1));
    }
    /* oversized message from rank 1 */
    CHECK_ERR(mtl__tr_recv(tr, 1, 9, buf, 2, NULL, NULL, NULL), MTL_EDIM);
    CHECK_MSG("5-double message");
  } else {
    int cnt[2] = {0, 0};
    for (int k = 0; k < NMSG; k++) {
      int tag = (k * 7 + me) % 2;
      buf[0] = me;
      buf[1] = cnt[tag]++;
      CHECK_OK(mtl__tr_send(tr, 0, tag, buf, 2));
    }
    int n, from, tag;
    CHECK_OK(mtl__tr_recv(tr, 0, 7, buf, 4, &n, &from, &tag));
    CHECK(n == 1 && buf[0] == me * 10.0 && from == 0 && tag == 7);
    if (me == 1) {
      double five[5] = {1, 2, 3, 4, 5};
      CHECK_OK(mtl__tr_send(tr, 0, 9, five, 5));
    }
  }
  /* ring exchange of large messages: everybody sends first, then receives */
  double *big = malloc(BIG * sizeof(double)), *in = malloc(BIG * sizeof(double));
  for (int k = 0; k < BIG; k++)
    big[k] = me + k * 1e-6;
  CHECK_OK(mtl__tr_send(tr, (me + 1) % P, 3, big, BIG));
  int n = 0, from = -1;
  CHECK_OK(mtl__tr_recv(tr, (me + P - 1) % P, 3, in, BIG, &n, &from, NULL));
  CHECK(n == BIG && from == (me + P - 1) % P);
  CHECK(in[BIG - 1] == (me + P - 1) % P + (BIG - 1) * 1e-6);
  /* try_recv finds nothing when nothing is pending */
  CHECK(mtl__tr_try_recv(tr, MTL__ANY, MTL__ANY, buf, 4, NULL, NULL, NULL) == 0);
  free(big);
  free(in);
  /* the collectives, written once over send/recv: the same bits as on
   * threads.  The barrier keeps them from overlapping the wildcard
   * try_recv above (which would take their first message). */
  MPI_Barrier(MPI_COMM_WORLD);
  int cb = coll_checks(tr);
  check_failures += cb;
  mtl__tr_mpi_free(tr);
  int fails = check_failures, total = 0;
  MPI_Allreduce(&fails, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  MPI_Finalize();
  if (me == 0)
    fprintf(stderr, "mpi_test_transport: %d ranks, %d failures in total\n", P,
            total);
  return total ? 1 : 0;
}
