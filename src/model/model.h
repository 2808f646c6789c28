/*
 * model.h -- private header of the src/model layer.  The model layer shares
 * with the layers above it only the validation score below (otherwise
 * they use the public mtl_model_* functions); its modules' own pieces are
 * in model_impl.h.  Includes the
 * problem layer's header, so that the layers above get everything below.
 * Not installed.
 */
#ifndef MTL_MODEL_H
#define MTL_MODEL_H

#include "problem/problem.h"

/* The validation error of one task (metrics.c): RMSE (regression) or error
 * rate (classification, sign of p against y) of predictions p[0..n-1],
 * sample i weighing w[i] (w NULL: 1), so that integer weights score as
 * repeated samples; NaN when the weights sum to 0.  Unweighted, the bits of
 * the plain mean. */
double mtl__task_error(mtl_task_kind kind, const double *y, const double *p,
                       const double *w, int n);

#endif /* MTL_MODEL_H */
