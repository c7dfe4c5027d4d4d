/* delete.c -- `runcgo delete [-f] ID`. */
#include "config.h"

#include <getopt.h>

#include "cmd.h"
#include "lifecycle/container.h"

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

RUNCGO_CMD (delete)
{
  bool force = false;
  int c;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "fh", delete_options, NULL)) != -1)
    {
      if (c == 'f')
        force = true;
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
  return runcgo_container_delete (ctx, argv[optind], force, err) < 0 ? -1 : 0;
}
