/* start.c -- `runcgo start ID`: release the init waiting on its exec fifo. */
#include "config.h"

#include "cmd.h"
#include "lifecycle/container.h"

RUNCGO_CMD (start)
{
  const char *id;
  struct runcgo_context *ctx;
  int r = runcgo_cli_parse_id ("start", argc, argv, &id, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_start (ctx, id, err) < 0 ? -1 : 0;
}
