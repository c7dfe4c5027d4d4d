/* fuzz_resources.c -- the resources JSON of `update -r FILE`:
 * runcgo_resources_parse + runcgo_resources_validate. */
#include "config.h"

#include "fuzz.h"
#include "spec/spec.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  struct runcgo_resources *res = NULL;
  int r = runcgo_resources_parse ((const char *) data, size, &res, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    return 0;
  r = runcgo_resources_validate (res, &err);
  fuzz_check_error (r, &err);
  runcgo_resources_free (res);
  return 0;
}
