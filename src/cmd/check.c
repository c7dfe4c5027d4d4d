/* check.c -- `runcgo check [--format text|json]`: what rootless runcgo needs
 * from this host for the calling user, item by item with the fix for each.
 * Exit status 0 when rootless containers can run (user namespaces usable),
 * 1 otherwise; the report is printed either way. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "core/util.h"
#include "userns/check.h"

static const struct option check_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

RUNCGO_CMD (check)
{
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "f:h", check_options, NULL)) != -1)
    {
      if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "text") == 0))
        json = strcmp (optarg, "json") == 0;
      else if (c == 'f')
        return runcgo_fail_hint (err, 0, "use --format text or --format json", "check: invalid format \"%s\"", optarg);
      else if (c == 'h')
        {
          runcgo_cli_usage ("check");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo check --help'", "check: invalid option");
    }
  if (runcgo_cli_args ("check", argc - optind, argv + optind, 0, 0, err) < 0)
    return -1;
  struct runcgo_check_report report;
  if (runcgo_check_host (&report, err) < 0)
    return -1;
  cleanup_free char *text = json ? runcgo_check_format_json (&report) : runcgo_check_format_text (&report);
  fputs (text, stdout);
  fflush (stdout);
  int status = report.can_run ? 0 : 1;
  runcgo_check_report_free (&report);
  return status;
}
