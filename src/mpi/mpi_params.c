/*
 * mpi_params.c -- defaults of mtl_mpi_params.  Needs no MPI: part of both
 * libmtl and libmtl-mpi.
 */
#include "solvers/solvers.h"
#include "mtl_mpi.h"

void mtl_mpi_params_init(mtl_mpi_params *p) {
  *p = (mtl_mpi_params){
      .checkpoint = NULL,
      .checkpoint_every = 100,
      .resume = NULL,
      .rank_map = NULL,
  };
}
