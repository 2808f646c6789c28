/*
 * mpi_test_dadmm.c -- D-ADMM as an MPI program (mtl_omtl_run on the MPI
 * transport) under
 * mpirun with 5 ranks = 5 tasks, each rank reading only its own task's
 * stream file:
 *   - round-synchronous D-ADMM over MPI makes exactly the predictions of
 *     mtl_omtl_run in-process on the same stream (ring and full graphs), W
 *     and Omega within 1e-12, the same gossip table;
 *   - checkpoint/resume (a shorter run's checkpoint, and the last
 *     checkpoint of the same run) ends with the same predictions and W;
 *   - the asynchronous mode is checked by its error rate;
 *   - errors (rank count, async + checkpoint) on every rank.
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

/* Compares an MPI result (rank 0) with the in-process reference. */
static void same(const char *what, const mtl_omtl_result *r,
                 const mtl_omtl_result *ref) {
  int K = ref->K, d = ref->d;
  CHECK(r->rounds == ref->rounds && r->K == K && r->d == d);
  if (r->rounds != ref->rounds || !r->pred || !ref->pred)
    return;
  int pd = memcmp(r->pred, ref->pred, (size_t)r->rounds * K);
  double dw = max_diff(r->W, ref->W, (size_t)d * K);
  double dO = max_diff(r->Omega, ref->Omega, (size_t)K * K);
  printf("%-34s rounds %lld, predictions %s, max |dW| %.3g, max |dOmega| "
         "%.3g, final error %.4f vs %.4f, %llu bytes\n",
         what, (long long)r->rounds, pd ? "DIFFER" : "identical", dw, dO,
         r->err_avg[r->rounds - 1], ref->err_avg[ref->rounds - 1],
         (unsigned long long)r->bytes_sent);
  CHECK(pd == 0);
  CHECK_LE(dw, 1e-12);
  CHECK_LE(dO, 1e-12);
  CHECK_LE(max_diff(r->u, ref->u, (size_t)d), 1e-12);
  for (int k = 0; k < K; k++)
    CHECK(r->mistakes[k] == ref->mistakes[k] && r->n_seen[k] == ref->n_seen[k]);
  if (ref->gossip_first && r->gossip_first)
    CHECK(memcmp(r->gossip_first, ref->gossip_first,
                 (size_t)K * K * sizeof(int)) == 0);
}

int main(int argc, char **argv) {
  CHECK_OK(mtl_mpi_init(&argc, &argv));
  rank = mtl_mpi_rank();
  size = mtl_mpi_size();
  mtl_transport *tr = NULL;
  CHECK_OK(mtl_transport_mpi(&tr));
  const int K = 5, n = 60, d = 9;
  CHECK(size == K);
  char dir[] = "/tmp/mtl-mpi-dadmm-XXXXXX", all[128], mine[128], ck[160],
       ck2[160];
  if (rank == 0)
    CHECK(mkdtemp(dir) != NULL);
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  snprintf(all, sizeof all, "%s/stream.txt", dir);
  snprintf(mine, sizeof mine, "%s/stream.%d.txt", dir, rank);
  snprintf(ck, sizeof ck, "%s/dadmm.ckpt", dir);
  snprintf(ck2, sizeof ck2, "%s/dadmm2.ckpt", dir);
  /* rank 0 writes the whole stream (arrival order) and one file per rank
   * with that rank's task only: what each site would hold */
  /* the whole stream, and one file per task (each site's) */
  mpi_write_streams(rank, dir, all, K, n, 7, 3);

  mtl_omtl_params p;
  mtl_omtl_params_init(&p);
  p.method = MTL_OMTL_DADMM;
  p.horizon = n;
  p.max_rounds = n;
  p.record_predictions = 1;
  mtl_omtl_result ref, r;
  memset(&ref, 0, sizeof ref);
  mtl_stream *s = NULL;

  for (int topo = 0; topo < 2; topo++) {
    p.topology = topo == 0 ? MTL_GRAPH_RING : MTL_GRAPH_FULL;
    if (rank == 0) { /* in-process reference on the whole stream */
      CHECK_OK(mtl_stream_open_text(all, K, d, &s));
      CHECK_OK(mtl_omtl_run(s, &p, NULL, &ref));
      mtl_stream_free(s);
    }
    CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
    CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
    mtl_stream_free(s);
    if (rank == 0)
      same(topo == 0 ? "D-ADMM ring, MPI vs in-process"
                     : "D-ADMM full, MPI vs in-process",
           &r, &ref);
    else
      CHECK(r.W == NULL && r.rounds == 0);
    mtl_omtl_result_clear(&r);
    if (topo == 0)
      mtl_omtl_result_clear(&ref);
  }

  /* checkpoint / resume (full graph; reference = the last in-process run) */
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.checkpoint = ck;
  p.checkpoint_every = 25;
  p.max_rounds = 30; /* stops early; its last checkpoint is round 25 */
  CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  mtl_omtl_result_clear(&r);
  if (rank == 0) {
    char mpath[200], ln[128];
    snprintf(mpath, sizeof mpath, "%s.ranks", ck);
    FILE *f = fopen(mpath, "r");
    int found = 0;
    while (f && fgets(ln, sizeof ln, f))
      found += !strcmp(ln, "3 node 4\n");
    if (f)
      fclose(f);
    CHECK(found == 1);
  }
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.resume = ck;
  p.checkpoint = ck2;
  p.checkpoint_every = 50;
  p.max_rounds = n;
  CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  if (rank == 0)
    same("D-ADMM full, resumed at round 25", &r, &ref);
  mtl_omtl_result_clear(&r);
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.resume = ck2;
  CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  if (rank == 0)
    same("D-ADMM full, resumed at round 50", &r, &ref);
  mtl_omtl_result_clear(&r);

  /* asynchronous mode: judged by its error rate */
  p.checkpoint = p.resume = NULL;
  p.async = 1;
  p.topology = MTL_GRAPH_RING;
  CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
  CHECK_OK(mtl_omtl_run(s, &p, tr, &r));
  mtl_stream_free(s);
  if (rank == 0) {
    double e = r.err_avg[r.rounds - 1], e0 = ref.err_avg[ref.rounds - 1];
    printf("D-ADMM ring, asynchronous, MPI: final error %.4f (synchronous "
           "full %.4f)\n",
           e, e0);
    CHECK(r.rounds == n);
    CHECK_LE(e, e0 + 0.1);
    CHECK_LE(e, 0.35);
  }
  mtl_omtl_result_clear(&r);

  /* errors, on every rank */
  p.checkpoint = p.resume = NULL;
  p.checkpoint_every = 100;
  p.checkpoint = ck;
  CHECK_OK(mtl_stream_open_text(mine, K, d, &s));
  CHECK_ERR(mtl_omtl_run(s, &p, tr, &r), MTL_EUNSUPPORTED);
  CHECK_MSG("round-synchronous");
  mtl_stream_free(s);
  p.async = 0;
  mtl_stream *s4 = NULL;
  CHECK_OK(mtl_stream_open_text(mine, K - 1, d, &s4));
  CHECK_ERR(mtl_omtl_run(s4, &p, tr, &r), MTL_EINVAL);
  CHECK_MSG("one rank per task");
  mtl_stream_free(s4);

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
