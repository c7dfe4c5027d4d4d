/* kill.c -- `runcgo kill [--all] ID [SIGNAL]` and `runcgo delete [-f] ID`. */
#include "config.h"

#include <getopt.h>
#include <signal.h>

#include "cmd.h"
#include "linux/linux.h"
#include "lifecycle/container.h"

static const struct option kill_options[] = {
  { "all", no_argument, NULL, 'a' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

RUNCGO_CMD (kill)
{
  bool all = false;
  int c, sig = SIGTERM;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "ah", kill_options, NULL)) != -1)
    {
      if (c == 'a')
        all = true;
      else if (c == 'h')
        {
          runcgo_cli_usage ("kill");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo kill --help'", "kill: invalid option");
    }
  if (runcgo_cli_args ("kill", argc - optind, argv + optind, 1, 2, err) < 0)
    return -1;
  if (argc - optind == 2 && (sig = runcgo_signal_parse (argv[optind + 1])) < 0)
    return runcgo_fail_hint (err, 0, "use a name such as KILL, SIGTERM or a number such as 9",
                             "kill: invalid signal \"%s\"", argv[optind + 1]);
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_kill (ctx, argv[optind], sig, all, err) < 0 ? -1 : 0;
}
