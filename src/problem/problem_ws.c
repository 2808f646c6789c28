/*
 * problem_ws.c -- the restriction of a problem to a working set of feature
 * rows, for the working-set solver of the L1 / L2,1 penalties
 * (solvers/batch/working_set.c): the same problem with W's other penalized
 * rows held at zero.  Its data is a copy of the kept columns of each task's
 * X_t (dense, CSR or the shared design) with the same targets, task weights
 * c_t, sample weights, losses, scaling, penalty, ridge, unpenalized last row
 * and threads, so that an iteration on it costs |WS| / d of one on the full
 * problem, and its objective at W_S equals the full one at W_S padded with
 * zero rows (an excluded row adds nothing to the loss, to the norm or to
 * the ridge).  It is an ordinary problem: it has its own Gram matrices
 * where n_t > |WS| (the default gram = -1 rule), Lipschitz bound, duality
 * gap and Newton cache (|WS| <= 256).
 */
#include "problem.h"

#include <stdlib.h>
#include <string.h>

int mtl__problem_restrict(const mtl_problem *pb, const int *rows, int m,
                          mtl_problem **out) {
  *out = NULL;
  int d = pb->d, bias = pb->d_pen < d, mc = m + bias;
  int *cols = mtl__malloc((size_t)mc * sizeof *cols);
  mtl_dataset *ds = NULL;
  int rc = MTL_ENOMEM;
  if (!cols)
    goto done;
  memcpy(cols, rows, (size_t)m * sizeof *cols);
  if (bias) /* the unpenalized row stays last */
    cols[m] = d - 1;
  if ((rc = mtl__dataset_select_cols(pb->ds, cols, mc, &ds)))
    goto done;
  mtl_problem_params p = pb->p;
  p.task_loss = pb->task_loss; /* resolved: the same losses */
  /* Gram matrices only where pb has them (n_t > d): the restriction's
   * n_t > |WS| alone would switch the loss to the Gram form, whose value
   * cancels y'y against 2 b'w + w'Gw and loses the digits that the line
   * search and the gap need when the targets are far from zero (a 1e-5
   * gap floor on gen_wide.py's data, targets near 300) */
  int any = 0;
  for (int t = 0; t < pb->T; t++)
    any |= pb->use_gram[t];
  if (p.gram == -1 && !any)
    p.gram = 0;
  if ((rc = mtl_problem_create(ds, &p, out))) {
    mtl_dataset_free(ds);
    goto done;
  }
  (*out)->own_ds = ds;
  (*out)->restricted = 1;
done:
  free(cols);
  return rc;
}
