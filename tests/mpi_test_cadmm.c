/*
 * mpi_test_cadmm.c -- C-ADMM as an MPI program (the one online driver on
 * the MPI transport) under mpirun with 5 ranks: the server (rank 0, no
 * data) and K = 4 task nodes, rank k + 1 reading only task k's stream:
 *   - C-ADMM over MPI makes exactly the predictions of mtl_omtl_run on
 *     threads on the same stream; W, V, u and Omega within 1e-12;
 *   - checkpoint at round 20 of a shorter run, resumed to the end: the
 *     same predictions and W as the uninterrupted run;
 *   - the rank-to-tasks map names the server and each node's task.
 */
#include "mpi_check.h"
#include "mtl_mpi.h"

#include <mpi.h>
#include <unistd.h>

static int rank, size;

static double max_diff(const double *a, const double *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    if (fabs(a[i] - b[i]) > m)
      m = fabs(a[i] - b[i]);
  return m;
}

static void same(const char *what, const mtl_omtl_result *r,
                 const mtl_omtl_result *ref) {
  int K = ref->K, d = ref->d;
  CHECK(r->rounds == ref->rounds && r->K == K && r->d == d);
  if (r->rounds != ref->rounds || !r->pred || !ref->pred)
    return;
  int pd = memcmp(r->pred, ref->pred, (size_t)r->rounds * K);
  double dw = max_diff(r->W, ref->W, (size_t)d * K);
  printf("%-36s rounds %lld, predictions %s, max |dW| %.3g, %llu bytes\n",
         what, (long long)r->rounds, pd ? "DIFFER" : "identical", dw,
         (unsigned long long)r->bytes_sent);
  CHECK(pd == 0);
  CHECK_LE(dw, 1e-12);
  CHECK_LE(max_diff(r->V, ref->V, (size_t)d * K), 1e-12);
  CHECK_LE(max_diff(r->u, ref->u, (size_t)d), 1e-12);
  CHECK_LE(max_diff(r->Omega, ref->Omega, (size_t)K * K), 1e-12);
  for (int k = 0; k < K; k++)
    CHECK(r->mistakes[k] == ref->mistakes[k] && r->n_seen[k] == ref->n_seen[k]);
}

/* This rank's stream: the server none, node k + 1 task k's file. */
static mtl_stream *my_stream(const char *dir, int K, int d) {
  if (rank == 0)
    return NULL;
  char pth[160];
  snprintf(pth, sizeof pth, "%s/stream.%d.txt", dir, rank - 1);
  mtl_stream *s = NULL;
  CHECK_OK(mtl_stream_open_text(pth, K, d, &s));
  return s;
}

int main(int argc, char **argv) {
  CHECK_OK(mtl_mpi_init(&argc, &argv));
  rank = mtl_mpi_rank();
  size = mtl_mpi_size();
  mtl_transport *tr = NULL;
  CHECK_OK(mtl_transport_mpi(&tr));
  const int K = 4, n = 50, d = 9;
  CHECK(size == K + 1);
  char dir[] = "/tmp/mtl-mpi-cadmm-XXXXXX", all[128], ck[160];
  if (rank == 0)
    CHECK(mkdtemp(dir) != NULL);
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  snprintf(all, sizeof all, "%s/stream.txt", dir);
  snprintf(ck, sizeof ck, "%s/cadmm.ckpt", dir);
  /* the whole stream, and one file per task (each site's) */
  mpi_write_streams(rank, dir, all, K, n, 11, 5);

  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_CADMM;
  p.horizon = n;
  p.max_rounds = n;
  p.record_predictions = 1;
  mtl_omtl_result ref, r;
  memset(&ref, 0, sizeof ref);
  mtl_stream *s = NULL;
  if (rank == 0) { /* threads, on the whole stream */
    CHECK_OK(mtl_stream_open_text(all, K, d, &s));
    CHECK_OK(mtl_omtl_run(s, &p, NULL, &ref));
    mtl_stream_free(s);
  }
  s = my_stream(dir, K, d);
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  if (rank == 0)
    same("C-ADMM, MPI vs threads", &r, &ref);
  else
    CHECK(r.W == NULL && r.rounds == 0);
  mtl_omtl_result_clear(&r);

  /* a shorter run checkpoints at round 20; resumed, it ends as the whole */
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.checkpoint = ck;
  p.checkpoint_every = 20;
  p.max_rounds = 30;
  s = my_stream(dir, K, d);
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  mtl_omtl_result_clear(&r);
  if (rank == 0) {
    char mpath[200], ln[128];
    snprintf(mpath, sizeof mpath, "%s.ranks", ck);
    FILE *f = fopen(mpath, "r");
    int server = 0, node = 0;
    while (f && fgets(ln, sizeof ln, f)) {
      server += !strcmp(ln, "0 server\n");
      node += !strcmp(ln, "3 node 3\n");
    }
    if (f)
      fclose(f);
    CHECK(server == 1 && node == 1);
  }
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.resume = ck;
  p.max_rounds = n;
  s = my_stream(dir, K, d);
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  if (rank == 0)
    same("C-ADMM, MPI, resumed at round 20", &r, &ref);
  mtl_omtl_result_clear(&r);
  mtl_omtl_result_clear(&ref);

  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
  }
  mtl_transport_free(tr);
  return mpi_check_done(rank, __FILE__);
}
