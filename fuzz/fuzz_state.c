/* fuzz_state.c -- state.json as core/state.c reads it (runcgo_state_decode),
 * then both of its printers (`state` and the OCI state given to hooks), which
 * read every decoded field. */
#include "config.h"

#include "core/state.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  struct runcgo_container_state *st = NULL;
  int r = runcgo_state_decode ((const char *) data, size, &st, &err);
  fuzz_check_error (r, &err);
  if (r < 0)
    return 0;
  free (runcgo_state_format (st, RUNCGO_STATUS_STOPPED));
  free (runcgo_state_oci_json (st->id, RUNCGO_STATUS_RUNNING, st->pid, st->bundle, st->annotations,
                               st->n_annotations));
  runcgo_state_free (st);
  return 0;
}
