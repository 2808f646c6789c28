/*
 * model.h -- private header of the src/model layer.  The model layer shares
 * nothing private with the layers above it (they use the public mtl_model_*
 * functions); its modules' own pieces are in model_impl.h.  Includes the
 * problem layer's header, so that the layers above get everything below.
 * Not installed.
 */
#ifndef MTL_MODEL_H
#define MTL_MODEL_H

#include "problem/problem.h"

#endif /* MTL_MODEL_H */
