/* fuzz_model.c -- the model loader (mtl_model_load_mem: the parser of
 * mtl_model_load, in memory), and the round trip the format promises: a
 * model that loads saves to text that loads again and saves to the same
 * bytes (docs/model-format.md). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mtl_model *m = NULL, *m2 = NULL;
  char *b1 = NULL, *b2 = NULL;
  size_t l1 = 0, l2 = 0;
  if (mtl_model_load_mem((const char *)data, size, &m) != MTL_OK) {
    mtl_model_free(m);
    return 0;
  }
  if (mtl_model_save_mem(m, &b1, &l1) != MTL_OK ||
      mtl_model_load_mem(b1, l1, &m2) != MTL_OK ||
      mtl_model_save_mem(m2, &b2, &l2) != MTL_OK || l1 != l2 ||
      memcmp(b1, b2, l1) != 0) {
    fprintf(stderr, "mtl fuzz: model does not round-trip: %s\n",
            mtl_last_error());
    abort();
  }
  mtl_free(b1);
  mtl_free(b2);
  mtl_model_free(m);
  mtl_model_free(m2);
  return 0;
}
