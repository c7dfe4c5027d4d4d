/* create.c -- `runcgo create` and the flags it shares with `run`. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "core/util.h"
#include "lifecycle/container.h"

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
  OPT_PIDFD_SOCKET,
  OPT_NET,
};

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "config", required_argument, NULL, 'f' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "net", required_argument, NULL, OPT_NET },
  { "publish", required_argument, NULL, 'p' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
parse_preserve_fds (const char *s, int *out, runcgo_error_t *err)
{
  uint64_t v;
  if (runcgo_parse_u64 (s, &v) < 0 || v > 65536)
    return runcgo_fail (err, 0, "--preserve-fds: invalid number \"%s\"", s);
  *out = (int) v;
  return 0;
}

int
runcgo_cli_parse_create (const char *command, int argc, char **argv, struct runcgo_create_opts *o, bool is_run,
                         runcgo_error_t *err)
{
  int c;
  /* --publish values point into argv; the array lives until exit */
  static const char **publish;
  memset (o, 0, sizeof (*o));
  optind = 1;
  while ((c = getopt_long (argc, argv, is_run ? "b:f:dp:h" : "b:f:p:h", create_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'b': o->bundle = optarg; break;
        case 'f': o->config = optarg; break;
        case OPT_PID_FILE: o->pid_file = optarg; break;
        case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
        case OPT_PIDFD_SOCKET: o->pidfd_socket = optarg; break;
        case OPT_NO_PIVOT: o->no_pivot = true; break;
        case OPT_NO_NEW_KEYRING: o->no_new_keyring = true; break;
        case OPT_PRESERVE_FDS:
          if (parse_preserve_fds (optarg, &o->preserve_fds, err) < 0)
            return -1;
          break;
        case 'd': o->detach = true; break;
        case OPT_KEEP: o->keep = true; break;
        case OPT_NO_SUBREAPER: o->no_subreaper = true; break;
        case OPT_NET: o->net = optarg; break;
        case 'p':
          publish = xrealloc (publish, (o->n_publish + 1) * sizeof (char *));
          publish[o->n_publish++] = optarg;
          o->publish = publish;
          break;
        case 'h': runcgo_cli_usage (command); return 1;
        default: return runcgo_fail_hint (err, 0, "see 'runcgo create --help'", "%s: invalid option", command);
        }
    }
  if ((!is_run && (o->detach || o->keep || o->no_subreaper)))
    return runcgo_fail (err, 0, "%s: --detach, --keep and --no-subreaper belong to 'run'", command);
  /* runc accepts the bundle as a second positional argument too */
  if (runcgo_cli_args (command, argc - optind, argv + optind, 1, 2, err) < 0)
    return -1;
  o->id = argv[optind];
  if (argc - optind == 2)
    o->bundle = argv[optind + 1];
  return 0;
}

RUNCGO_CMD (create)
{
  struct runcgo_create_opts o;
  struct runcgo_context *ctx;
  int r = runcgo_cli_parse_create ("create", argc, argv, &o, false, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_create (ctx, &o, err) < 0 ? -1 : 0;
}
