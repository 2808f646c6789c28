/*
 * coll_check.h -- the checks of the transport's collectives on one
 * endpoint, shared by the in-process test (every rank a thread) and the
 * MPI test (every rank a process): broadcast, gather, all-reduce (the sum
 * in rank order, bit for bit), agreement on a failure.  Returns the number
 * of failed checks on this rank (printed).
 */
#ifndef MTL_COLL_CHECK_H
#define MTL_COLL_CHECK_H

#include <stdio.h>
#include <string.h>

#define COLL_EXPECT(cond)                                                      \
  do {                                                                         \
    if (!(cond)) {                                                             \
      bad++;                                                                   \
      fprintf(stderr, "%s:%d: rank %d: %s\n", __FILE__, __LINE__, me, #cond);  \
    }                                                                          \
  } while (0)

static int coll_checks(mtl__tr *tr) {
  int P = tr->size, me = tr->rank, bad = 0, root = 2 % P;
  /* broadcast from rank 2 (mod P) */
  double b[3] = {me == root ? 7.5 : -1, me == root ? 1e-300 : 0, 0};
  COLL_EXPECT(mtl__tr_bcast(tr, root, b, 3) == MTL_OK);
  COLL_EXPECT(b[0] == 7.5 && b[1] == 1e-300 && b[2] == 0);
  /* gather at rank 0, in rank order */
  double mine[2] = {me, (double)me * me};
  double all[2 * 64];
  COLL_EXPECT(P <= 64);
  COLL_EXPECT(mtl__tr_gather(tr, 0, mine, 2, all) == MTL_OK);
  if (me == 0)
    for (int r = 0; r < P && r < 64; r++)
      COLL_EXPECT(all[2 * r] == r && all[2 * r + 1] == (double)r * r);
  /* all-reduce: the sum combined in rank order, the same bits on every
   * rank and every transport; max and min */
  double x[3] = {1.0 / (me + 3), me, -me};
  COLL_EXPECT(mtl__tr_allreduce(tr, x, 3, MTL__OP_SUM) == MTL_OK);
  double want = 1.0 / 3, cnt = 0;
  for (int r = 1; r < P; r++)
    want += 1.0 / (r + 3);
  for (int r = 0; r < P; r++)
    cnt += r;
  COLL_EXPECT(memcmp(&x[0], &want, sizeof want) == 0);
  COLL_EXPECT(x[1] == cnt && x[2] == -cnt);
  double m[2] = {me, -me};
  COLL_EXPECT(mtl__tr_allreduce(tr, m, 2, MTL__OP_MAX) == MTL_OK);
  COLL_EXPECT(m[0] == P - 1 && m[1] == 0);
  m[0] = me;
  m[1] = -me;
  COLL_EXPECT(mtl__tr_allreduce(tr, m, 2, MTL__OP_MIN) == MTL_OK);
  COLL_EXPECT(m[0] == 0 && m[1] == -(P - 1));
  COLL_EXPECT(mtl__tr_allreduce(tr, m, 2, 99) == MTL_EINVAL);
  /* agreement: all well; then the last rank fails */
  COLL_EXPECT(mtl__tr_agree(tr, MTL_OK) == MTL_OK);
  int mine_rc = me == P - 1 ? mtl__err(MTL_EFORMAT, "rank %d: bad data", me)
                            : MTL_OK;
  int rc = mtl__tr_agree(tr, mine_rc);
  if (me == P - 1) {
    COLL_EXPECT(rc == MTL_EFORMAT);
    COLL_EXPECT(strstr(mtl_last_error(), "bad data") != NULL);
  } else {
    char want_msg[64];
    snprintf(want_msg, sizeof want_msg, "rank %d failed", P - 1);
    COLL_EXPECT(rc == MTL_ECANCELLED);
    COLL_EXPECT(strstr(mtl_last_error(), want_msg) != NULL);
  }
  return bad;
}

#endif /* MTL_COLL_CHECK_H */
