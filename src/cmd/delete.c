/* delete.c -- `runcgo delete [-f] [--regex] ID`. */
#include "config.h"

#include <getopt.h>

#include "cmd.h"
#include "lifecycle/container.h"

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { "regex", no_argument, NULL, 'r' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
delete_one (struct runcgo_context *ctx, const char *id, void *arg, runcgo_error_t *err)
{
  return runcgo_container_delete (ctx, id, *(bool *) arg, err);
}

RUNCGO_CMD (delete)
{
  bool force = false, regex = false;
  int c;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "frh", delete_options, NULL)) != -1)
    {
      if (c == 'f')
        force = true;
      else if (c == 'r')
        regex = true;
      else if (c == 'h')
        {
          runcgo_cli_usage ("delete");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo delete --help'", "delete: invalid option");
    }
  if (runcgo_cli_args ("delete", argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  if (regex)
    return runcgo_cli_for_matching (ctx, argv[optind], delete_one, &force, err);
  return runcgo_container_delete (ctx, argv[optind], force, err) < 0 ? -1 : 0;
}
