/* run.c -- `runcgo run`: create + start, then wait and delete unless -d. */
#include "config.h"

#include "cmd.h"
#include "lifecycle/container.h"

RUNCGO_CMD (run)
{
  struct runcgo_create_opts o;
  struct runcgo_context *ctx;
  int status = 0;
  int r = runcgo_cli_parse_create ("run", argc, argv, &o, true, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  if (runcgo_container_run (ctx, &o, &status, err) < 0)
    return -1;
  return status;
}
