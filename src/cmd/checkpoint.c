/* checkpoint.c -- `runcgo checkpoint` and `runcgo restore` (runc's flags):
 * parse, call runcgo_container_checkpoint / runcgo_container_restore. */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>

#include "cmd.h"
#include "core/util.h"
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
  OPT_AUTO_DEDUP,
  OPT_LAZY_PAGES,
  OPT_STATUS_FD,
  OPT_PAGE_SERVER,
  OPT_EMPTY_NS,
  OPT_TCP_SKIP_IN_FLIGHT,
  OPT_LINK_REMAP,
  OPT_TCP_CLOSE,
  OPT_LSM_PROFILE,
  OPT_LSM_MOUNT_CONTEXT,
  OPT_NETWORK_LOCK,
};

/* The flags both commands pass on to criu; 1 = handled, 0 = not one of
 * them, -1 = a bad value. */
static int
parse_criu_extra (const char *command, int c, struct runcgo_criu_extra_opts *x, runcgo_error_t *err)
{
  switch (c)
    {
    case OPT_AUTO_DEDUP: x->auto_dedup = true; return 1;
    case OPT_LAZY_PAGES: x->lazy_pages = true; return 1;
    case OPT_TCP_SKIP_IN_FLIGHT: x->tcp_skip_in_flight = true; return 1;
    case OPT_LINK_REMAP: x->link_remap = true; return 1;
    case OPT_TCP_CLOSE: x->tcp_close = true; return 1;
    case OPT_LSM_PROFILE: x->lsm_profile = optarg; return 1;
    case OPT_LSM_MOUNT_CONTEXT: x->lsm_mount_context = optarg; return 1;
    case OPT_EMPTY_NS:
      /* runc: only the network namespace can be left for a hook to set up */
      if (strcmp (optarg, "network") != 0)
        return runcgo_fail_hint (err, 0, "only --empty-ns network is supported", "%s: invalid --empty-ns \"%s\"",
                                 command, optarg);
      x->empty_ns |= CLONE_NEWNET;
      return 1;
    case OPT_NETWORK_LOCK:
      if (runcgo_criu_network_lock_parse (optarg, &x->network_lock) < 0)
        return runcgo_fail_hint (err, 0, "use iptables, nftables or skip", "%s: invalid --network-lock \"%s\"",
                                 command, optarg);
      return 1;
    default: return 0;
    }
}

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
  { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
  { "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
  { "status-fd", required_argument, NULL, OPT_STATUS_FD },
  { "page-server", required_argument, NULL, OPT_PAGE_SERVER },
  { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
  { "tcp-skip-in-flight", no_argument, NULL, OPT_TCP_SKIP_IN_FLIGHT },
  { "link-remap", no_argument, NULL, OPT_LINK_REMAP },
  { "network-lock", required_argument, NULL, OPT_NETWORK_LOCK },
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
      int x = parse_criu_extra ("checkpoint", c, &o->x, err);
      if (x < 0)
        return -1;
      if (x > 0)
        continue;
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
        case OPT_PAGE_SERVER: o->page_server = optarg; break;
        case OPT_STATUS_FD:
          {
            int64_t fd;
            if (runcgo_parse_i64 (optarg, &fd) < 0 || fd < 0 || fd > INT_MAX)
              return runcgo_fail (err, 0, "checkpoint: invalid --status-fd \"%s\"", optarg);
            o->status_fd = (int) fd;
            break;
          }
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
  struct runcgo_checkpoint_opts o = { .status_fd = -1 };
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
  { "auto-dedup", no_argument, NULL, OPT_AUTO_DEDUP },
  { "lazy-pages", no_argument, NULL, OPT_LAZY_PAGES },
  { "empty-ns", required_argument, NULL, OPT_EMPTY_NS },
  { "tcp-close", no_argument, NULL, OPT_TCP_CLOSE },
  { "lsm-profile", required_argument, NULL, OPT_LSM_PROFILE },
  { "lsm-mount-context", required_argument, NULL, OPT_LSM_MOUNT_CONTEXT },
  { "network-lock", required_argument, NULL, OPT_NETWORK_LOCK },
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
      int x = parse_criu_extra ("restore", c, &o->x, err);
      if (x < 0)
        return -1;
      if (x > 0)
        continue;
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
