/* mounts.c -- `runcgo mounts add|remove ID FILE` (crun's experimental
 * command): add the mounts of a JSON file to a running container, or remove
 * the ones at their destinations. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "lifecycle/container.h"

RUNCGO_CMD (mounts)
{
  static const struct option help_only[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "+h", help_only, NULL)) != -1)
    {
      if (c == 'h')
        {
          runcgo_cli_usage ("mounts");
          return 0;
        }
      return runcgo_fail_hint (err, 0, "see 'runcgo mounts --help'", "mounts: invalid option");
    }
  if (runcgo_cli_args ("mounts", argc - optind, argv + optind, 3, 3, err) < 0)
    return -1;
  const char *verb = argv[optind];
  if (strcmp (verb, "add") != 0 && strcmp (verb, "remove") != 0)
    return runcgo_fail_hint (err, 0, "use 'runcgo mounts add ID FILE' or 'runcgo mounts remove ID FILE'",
                             "mounts: unknown subcommand \"%s\"", verb);
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_mounts (ctx, argv[optind + 1], argv[optind + 2], strcmp (verb, "add") == 0, err) < 0 ? -1 : 0;
}
