/* kill.c -- `runcgo kill [--all] [--regex] ID [SIGNAL]`, and the --regex
 * loop that `delete` shares. */
#include "config.h"

#include <getopt.h>
#include <signal.h>

#include "cmd.h"
#include "core/log.h"
#include "core/util.h"
#include "linux/linux.h"
#include "lifecycle/container.h"

static const struct option kill_options[] = {
  { "all", no_argument, NULL, 'a' },
  { "regex", no_argument, NULL, 'r' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* --regex (crun): FN on every container whose ID PATTERN matches.  A
 * container that fails is a warning and the others still get their turn
 * (crun); unlike crun, the status is then 1.  No match is success. */
int
runcgo_cli_for_matching (struct runcgo_context *ctx, const char *pattern,
                         int (*fn) (struct runcgo_context *ctx, const char *id, void *arg, runcgo_error_t *err),
                         void *arg, runcgo_error_t *err)
{
  cleanup_strv char **ids = NULL;
  int status = 0;
  if (runcgo_container_match (ctx, pattern, &ids, err) < 0)
    return -1;
  for (char **id = ids; *id; id++)
    {
      runcgo_error_t one = NULL;
      if (fn (ctx, *id, arg, &one) < 0)
        {
          runcgo_warn ("%s", runcgo_error_text (one));
          runcgo_error_release (&one);
          status = 1;
        }
    }
  return status;
}

struct kill_args
{
  int sig;
  bool all;
};

static int
kill_one (struct runcgo_context *ctx, const char *id, void *arg, runcgo_error_t *err)
{
  struct kill_args *k = arg;
  return runcgo_container_kill (ctx, id, k->sig, k->all, err);
}

RUNCGO_CMD (kill)
{
  struct kill_args k = { .sig = SIGTERM };
  bool regex = false;
  int c;
  struct runcgo_context *ctx;
  optind = 1;
  while ((c = getopt_long (argc, argv, "arh", kill_options, NULL)) != -1)
    {
      if (c == 'a')
        k.all = true;
      else if (c == 'r')
        regex = true;
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
  if (argc - optind == 2 && (k.sig = runcgo_signal_parse (argv[optind + 1])) < 0)
    return runcgo_fail_hint (err, 0, "use a name such as KILL, SIGTERM or a number such as 9",
                             "kill: invalid signal \"%s\"", argv[optind + 1]);
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  if (regex)
    return runcgo_cli_for_matching (ctx, argv[optind], kill_one, &k, err);
  return runcgo_container_kill (ctx, argv[optind], k.sig, k.all, err) < 0 ? -1 : 0;
}
