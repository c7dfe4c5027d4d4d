/* list.c -- `runcgo list [-f table|json] [-q]`. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "lifecycle/container.h"

static const struct option list_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "quiet", no_argument, NULL, 'q' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

RUNCGO_CMD (list)
{
  enum runcgo_list_format format = RUNCGO_LIST_TABLE;
  bool quiet = false;
  int c;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "f:qh", list_options, NULL)) != -1)
    {
      if (c == 'q')
        quiet = true;
      else if (c == 'f' && strcmp (optarg, "json") == 0)
        format = RUNCGO_LIST_JSON;
      else if (c == 'f' && strcmp (optarg, "table") == 0)
        format = RUNCGO_LIST_TABLE;
      else if (c == 'f')
        return runcgo_fail_hint (err, 0, "use --format table or --format json", "list: invalid format \"%s\"",
                                 optarg);
      else if (c == 'h')
        {
          runcgo_cli_usage ("list");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo list --help'", "list: invalid option");
    }
  if (runcgo_cli_args ("list", argc - optind, argv + optind, 0, 0, err) < 0)
    return -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_list (ctx, quiet ? RUNCGO_LIST_QUIET : format, stdout, err) < 0 ? -1 : 0;
}
