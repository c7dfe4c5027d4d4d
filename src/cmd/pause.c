/* pause.c -- `runcgo pause ID` and `runcgo resume ID`: freeze and thaw
 * every process of the container through its cgroup freezer. */
#include "config.h"

#include "cmd.h"
#include "lifecycle/ops.h"

RUNCGO_CMD (pause)
{
  const char *id;
  struct runcgo_context *ctx;
  int r = runcgo_cli_parse_id ("pause", argc, argv, &id, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_pause (ctx, id, err) < 0 ? -1 : 0;
}

RUNCGO_CMD (resume)
{
  const char *id;
  struct runcgo_context *ctx;
  int r = runcgo_cli_parse_id ("resume", argc, argv, &id, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_resume (ctx, id, err) < 0 ? -1 : 0;
}
