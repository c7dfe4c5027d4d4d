/* exec.c -- `runcgo exec [OPTIONS] ID [CMD ARGS...]` (runc's flags). */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "core/log.h"
#include "core/util.h"
#include "lifecycle/exec.h"

enum
{
  OPT_CONSOLE_SOCKET = 256,
  OPT_PID_FILE,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_PRESERVE_FDS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
  OPT_PIDFD_SOCKET,
};

static const struct option exec_options[] = {
  { "process", required_argument, NULL, 'p' },
  { "tty", no_argument, NULL, 't' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pidfd-socket", required_argument, NULL, OPT_PIDFD_SOCKET },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "env", required_argument, NULL, 'e' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "cap", required_argument, NULL, 'c' },
  { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
  { "cgroup", required_argument, NULL, OPT_CGROUP },
  { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
strv_push (char ***v, const char *s)
{
  size_t n = runcgo_strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = (char *) s;
  (*v)[n + 1] = NULL;
}

static int
parse_option (int c, struct runcgo_exec_opts *o, runcgo_error_t *err)
{
  uint64_t n;
  switch (c)
    {
    case 'p': o->process_file = optarg; break;
    case 't': o->tty = true; break;
    case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
    case OPT_PIDFD_SOCKET: o->pidfd_socket = optarg; break;
    case 'd': o->detach = true; break;
    case OPT_PID_FILE: o->pid_file = optarg; break;
    case 'e':
      if (strchr (optarg, '=') == NULL)
        return runcgo_fail_hint (err, 0, "use -e NAME=VALUE", "--env: \"%s\" has no '='", optarg);
      strv_push (&o->env, optarg);
      break;
    case 'u': o->user = optarg; break;
    case 'g': strv_push (&o->additional_gids, optarg); break;
    case OPT_CWD: o->cwd = optarg; break;
    case 'c': strv_push (&o->caps, optarg); break;
    case OPT_NO_NEW_PRIVS: o->no_new_privs = true; break;
    case OPT_PRESERVE_FDS:
      if (runcgo_parse_u64 (optarg, &n) < 0 || n > 65536)
        return runcgo_fail (err, 0, "--preserve-fds: invalid number \"%s\"", optarg);
      o->preserve_fds = (int) n;
      break;
    case OPT_APPARMOR: o->apparmor = optarg; break;
    case OPT_PROCESS_LABEL: o->process_label = optarg; break;
    case OPT_CGROUP: strv_push (&o->cgroups, optarg); break;
    case OPT_IGNORE_PAUSED: o->ignore_paused = true; break;
    default: return runcgo_fail_hint (err, 0, "see 'runcgo exec --help'", "exec: invalid option");
    }
  return 0;
}

RUNCGO_CMD (exec)
{
  struct runcgo_exec_opts o;
  struct runcgo_context *ctx;
  int c, status = 0, r = -1;
  memset (&o, 0, sizeof (o));
  optind = 1;
  /* "+": options stop at the container ID, so the command's own flags
   * (exec ID sh -c ...) are never taken for ours */
  while ((c = getopt_long (argc, argv, "+p:tde:u:g:c:h", exec_options, NULL)) != -1)
    {
      if (c == 'h')
        {
          runcgo_cli_usage ("exec");
          r = 0;
          goto out;
        }
      if (parse_option (c, &o, err) < 0)
        goto out;
    }
  if (optind >= argc)
    {
      runcgo_fail_hint (err, 0, "see 'runcgo exec --help'", "exec: missing container ID");
      goto out;
    }
  o.id = argv[optind];
  o.args = argv + optind + 1;
  if (o.process_file == NULL && *o.args == NULL)
    {
      runcgo_fail_hint (err, 0, "give a command after the ID, or a process.json with -p", "exec: missing command");
      goto out;
    }
  if (runcgo_cli_context (g, &ctx, err) < 0 || runcgo_container_exec (ctx, &o, &status, err) < 0)
    {
      /* runc's convention: 255 when exec itself failed, so a caller can tell
       * it from the process's own exit status */
      runcgo_log_report (*err);
      runcgo_error_release (err);
      r = 255;
      goto out;
    }
  r = status;
out:
  free (o.env);
  free (o.additional_gids);
  free (o.caps);
  free (o.cgroups);
  return r;
}
