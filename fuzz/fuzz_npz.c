/* fuzz_npz.c -- the .npz reader (a zip of .npy members, through libzip)
 * and the layouts of its variables. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.npz", data, size);
  fz_read_dataset(p, "format=npz");
  unlink(p);
  return 0;
}
