/* fuzz_process.c -- the process JSON of `exec -p FILE`: runcgo_process_parse
 * + runcgo_process_validate, as lifecycle/exec.c calls them. */
#include "config.h"

#include "fuzz.h"
#include "spec/spec.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  struct runcgo_process *p = NULL;
  int r = runcgo_process_parse ((const char *) data, size, &p, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    return 0;
  r = runcgo_process_validate (p, "process", &err);
  fuzz_check_error (r, &err);
  runcgo_process_free (p);
  return 0;
}
