/* checkpoint.c -- `runcgo checkpoint` and `runcgo restore` (runc's flags):
 * parse, call runcgo_container_checkpoint / runcgo_container_restore. */
#include "config.h"

#include <getopt.h>
#include <string.h>

#include "cmd.h"
#include "lifecycle/checkpoint.h"

enum
{
  OPT_IMAGE_PATH = 256,
  OPT_WORK_PATH,
  OPT_PARENT_PATH,
  OPT_LEAVE_RUNNING,
  OPT_TCP_ESTABLISHED,
  OPT_EXT_UNIX_SK,
  OPT_SHELL_JOB,
  OPT_FILE_LOCKS,
  OPT_PRE_DUMP,
  OPT_CG_MODE,
  OPT_CONSOLE_SOCKET,
  OPT_PID_FILE,
  OPT_NO_PIVOT,
  OPT_NO_SUBREAPER,
};

static int
parse_cg_mode (const char *command, const char *s, bool *has, enum runcgo_criu_cg_mode *mode, runcgo_error_t *err)
{
  if (runcgo_criu_cg_mode_parse (s, mode) < 0)
    return runcgo_fail_hint (err, 0, "use soft, full, strict or ignore", "%s: invalid --manage-cgroups-mode \"%s\"",
                             command, s);
  *has = true;
  return 0;
}

static const struct option checkpoint_options[] = {
  { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
  { "work-path", required_argument, NULL, OPT_WORK_PATH },
  { "parent-path", required_argument, NULL, OPT_PARENT_PATH },
  { "leave-running", no_argument, NULL, OPT_LEAVE_RUNNING },
  { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
  { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
  { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
  { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
  { "pre-dump", no_argument, NULL, OPT_PRE_DUMP },
  { "manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
parse_checkpoint (int argc, char **argv, struct runcgo_checkpoint_opts *o, runcgo_error_t *err)
{
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "h", checkpoint_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_IMAGE_PATH: o->image_path = optarg; break;
        case OPT_WORK_PATH: o->work_path = optarg; break;
        case OPT_PARENT_PATH: o->parent_path = optarg; break;
        case OPT_LEAVE_RUNNING: o->leave_running = true; break;
        case OPT_TCP_ESTABLISHED: o->tcp_established = true; break;
        case OPT_EXT_UNIX_SK: o->ext_unix_sk = true; break;
        case OPT_SHELL_JOB: o->shell_job = true; break;
        case OPT_FILE_LOCKS: o->file_locks = true; break;
        case OPT_PRE_DUMP: o->pre_dump = true; break;
        case OPT_CG_MODE:
          if (parse_cg_mode ("checkpoint", optarg, &o->has_cg_mode, &o->cg_mode, err) < 0)
            return -1;
          break;
        case 'h': runcgo_cli_usage ("checkpoint"); return 1;
        default: return runcgo_fail_hint (err, 0, "see 'runcgo checkpoint --help'", "checkpoint: invalid option");
        }
    }
  if (runcgo_cli_args ("checkpoint", argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  o->id = argv[optind];
  return 0;
}

RUNCGO_CMD (checkpoint)
{
  struct runcgo_checkpoint_opts o = { 0 };
  struct runcgo_context *ctx;
  int r = parse_checkpoint (argc, argv, &o, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.criu = g->criu;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  return runcgo_container_checkpoint (ctx, &o, err) < 0 ? -1 : 0;
}

static const struct option restore_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "image-path", required_argument, NULL, OPT_IMAGE_PATH },
  { "work-path", required_argument, NULL, OPT_WORK_PATH },
  { "detach", no_argument, NULL, 'd' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "tcp-established", no_argument, NULL, OPT_TCP_ESTABLISHED },
  { "ext-unix-sk", no_argument, NULL, OPT_EXT_UNIX_SK },
  { "shell-job", no_argument, NULL, OPT_SHELL_JOB },
  { "file-locks", no_argument, NULL, OPT_FILE_LOCKS },
  { "manage-cgroups-mode", required_argument, NULL, OPT_CG_MODE },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
parse_restore (int argc, char **argv, struct runcgo_restore_opts *o, runcgo_error_t *err)
{
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "b:dh", restore_options, NULL)) != -1)
    {
      switch (c)
        {
        case 'b': o->bundle = optarg; break;
        case OPT_IMAGE_PATH: o->image_path = optarg; break;
        case OPT_WORK_PATH: o->work_path = optarg; break;
        case 'd': o->detach = true; break;
        case OPT_CONSOLE_SOCKET: o->console_socket = optarg; break;
        case OPT_PID_FILE: o->pid_file = optarg; break;
        case OPT_TCP_ESTABLISHED: o->tcp_established = true; break;
        case OPT_EXT_UNIX_SK: o->ext_unix_sk = true; break;
        case OPT_SHELL_JOB: o->shell_job = true; break;
        case OPT_FILE_LOCKS: o->file_locks = true; break;
        case OPT_NO_PIVOT: o->no_pivot = true; break;
        case OPT_NO_SUBREAPER: o->no_subreaper = true; break;
        case OPT_CG_MODE:
          if (parse_cg_mode ("restore", optarg, &o->has_cg_mode, &o->cg_mode, err) < 0)
            return -1;
          break;
        case 'h': runcgo_cli_usage ("restore"); return 1;
        default: return runcgo_fail_hint (err, 0, "see 'runcgo restore --help'", "restore: invalid option");
        }
    }
  if (runcgo_cli_args ("restore", argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  o->id = argv[optind];
  return 0;
}

RUNCGO_CMD (restore)
{
  struct runcgo_restore_opts o = { 0 };
  struct runcgo_context *ctx;
  int status = 0;
  int r = parse_restore (argc, argv, &o, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  o.criu = g->criu;
  if (runcgo_cli_context (g, &ctx, err) < 0)
    return -1;
  if (runcgo_container_restore (ctx, &o, &status, err) < 0)
    return -1;
  return status;
}
