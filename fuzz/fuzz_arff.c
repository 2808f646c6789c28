/* fuzz_arff.c -- the ARFF dataset reader (numeric, nominal and string
 * attributes, sparse rows, Mulan's trailing targets). */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = fz_write("in.arff", data, size);
  fz_read_dataset(p, "format=arff");
  fz_read_dataset(p, "format=arff; targets=2; missing=mean");
  unlink(p);
  return 0;
}
