/* events.c -- `runcgo events [--stats] [--interval DURATION] ID`: JSON
 * lines of runc's event types (stats every interval, oom) on stdout. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>

#include "cmd.h"
#include "lifecycle/ops.h"

static const struct option events_options[] = {
  { "stats", no_argument, NULL, 's' },
  { "interval", required_argument, NULL, 'i' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

RUNCGO_CMD (events)
{
  struct runcgo_events_opts o = { .interval_ms = 5000 };
  struct runcgo_context *ctx;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "h", events_options, NULL)) != -1)
    {
      if (c == 's')
        o.stats_only = true;
      else if (c == 'i' && runcgo_parse_duration_ms (optarg, &o.interval_ms) < 0)
        return runcgo_fail_hint (err, 0, "write it like 5s, 500ms or 1m", "events: invalid --interval \"%s\"", optarg);
      else if (c == 'h')
        {
          runcgo_cli_usage ("events");
          return 0;
        }
      else if (c != 'i')
        return runcgo_fail_hint (err, 0, "see 'runcgo events --help'", "events: invalid option");
    }
  if (runcgo_cli_args ("events", argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_events (ctx, argv[optind], &o, stdout, err) < 0 ? -1 : 0;
}
