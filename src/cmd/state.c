/* state.c -- `runcgo state ID`: the OCI state JSON plus runc's extra fields. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"
#include "lifecycle/container.h"

RUNCGO_CMD (state)
{
  const char *id;
  struct runcgo_context *ctx;
  char *json = NULL;
  int r = runcgo_cli_parse_id ("state", argc, argv, &id, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0 || runcgo_container_state (ctx, id, &json, err) < 0)
    return -1;
  printf ("%s\n", json);
  free (json);
  return 0;
}
