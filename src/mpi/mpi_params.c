/*
 * mpi_params.c -- defaults of mtl_mpi_params, and mtl_dataset_read_part
 * (a wrapper of the readers' task filter).  Needs no MPI: part of both
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

/* The task filter of mtl_read_params under its older name: kept for the
 * MPI drivers, to be removed with them. */
int mtl_dataset_read_part(const char *path, const mtl_read_params *pin,
                          int nparts, int part, mtl_dataset **out,
                          int **task_ids, int *T) {
  mtl_read_params p;
  if (out)
    *out = NULL;
  if (task_ids)
    *task_ids = NULL;
  if (T)
    *T = 0;
  if (!path || !out || !task_ids || !T)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read_part: NULL argument");
  if (nparts < 1 || part < 0 || part >= nparts)
    return mtl__err(MTL_EINVAL, "mtl_dataset_read_part: part %d of %d "
                                "(need 0 <= part < nparts)",
                    part, nparts);
  if (pin)
    p = *pin;
  else
    mtl_read_params_init(&p);
  p.part_count = nparts;
  p.part_index = part;
  int rc = mtl_dataset_read(path, &p, out);
  if (rc)
    return rc;
  int K = mtl_dataset_ntasks(*out);
  int *ids = mtl__malloc((size_t)K * sizeof *ids);
  if (!ids) {
    mtl_dataset_free(*out);
    *out = NULL;
    return MTL_ENOMEM;
  }
  for (int k = 0; k < K; k++)
    ids[k] = mtl_dataset_global_task(*out, k);
  *task_ids = ids;
  *T = mtl_dataset_global_tasks(*out);
  return MTL_OK;
}
