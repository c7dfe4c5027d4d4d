/* main.c -- global flags, the command table, logging set-up and the
 * exit-code policy: a command's status, or 1 with "runcgo: <message>" on
 * stderr (and in --log, in its format) for every error. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/log.h"
#include "core/util.h"

struct command
{
  const char *name;
  int (*fn) (struct runcgo_cli *g, int argc, char **argv, runcgo_error_t *err);
  const char *args;
  const char *summary;
  const char *options;
};

static const struct command commands[] = {
  { "create", runcgo_cmd_create, "[OPTIONS] ID [BUNDLE]", "create a container (its process waits for 'start')",
    "  -b, --bundle DIR        bundle directory (default: current directory)\n"
    "  -f, --config FILE       the config to use instead of BUNDLE/config.json\n"
    "      --pid-file FILE     write the init's PID to FILE\n"
    "      --console-socket S  AF_UNIX socket that receives the terminal master\n"
    "      --pidfd-socket S    AF_UNIX socket that receives the process's pidfd\n"
    "      --no-pivot          use chroot instead of pivot_root\n"
    "      --no-new-keyring    keep the caller's session keyring\n"
    "      --preserve-fds N    pass N extra fds (3..3+N-1) to the process\n"
    "      --net slirp|none    user-mode network through runcgo-slirp (run.oci.runcgo.network)\n"
    "  -p, --publish [IP:]HOSTPORT:CTRPORT[/udp]  forward a host port (repeatable; needs --net slirp)\n" },
  { "start", runcgo_cmd_start, "ID", "start the process of a created container", "" },
  { "run", runcgo_cmd_run, "[OPTIONS] ID [BUNDLE]", "create and start a container, wait for it, delete it",
    "  -b, --bundle DIR        bundle directory (default: current directory)\n"
    "  -f, --config FILE       the config to use instead of BUNDLE/config.json\n"
    "  -d, --detach            do not wait: leave the container running\n"
    "      --keep              do not delete the container after it exits\n"
    "      --no-subreaper      do not become a child subreaper\n"
    "      --pid-file FILE     write the init's PID to FILE\n"
    "      --console-socket S  AF_UNIX socket that receives the terminal master\n"
    "      --pidfd-socket S    AF_UNIX socket that receives the process's pidfd\n"
    "      --no-pivot          use chroot instead of pivot_root\n"
    "      --no-new-keyring    keep the caller's session keyring\n"
    "      --preserve-fds N    pass N extra fds (3..3+N-1) to the process\n"
    "      --net slirp|none    user-mode network through runcgo-slirp (run.oci.runcgo.network)\n"
    "  -p, --publish [IP:]HOSTPORT:CTRPORT[/udp]  forward a host port (repeatable; needs --net slirp)\n" },
  { "exec", runcgo_cmd_exec, "[OPTIONS] ID [CMD [ARGS...]]", "run a new process in a running container",
    "  -p, --process FILE      process.json to run (instead of CMD)\n"
    "  -t, --tty               allocate a pseudo-terminal\n"
    "      --console-socket S  AF_UNIX socket that receives the terminal master\n"
    "      --pidfd-socket S    AF_UNIX socket that receives the process's pidfd\n"
    "  -d, --detach            do not wait for the process\n"
    "      --pid-file FILE     write the process's PID to FILE\n"
    "  -e, --env NAME=VALUE    set an environment variable (repeatable)\n"
    "  -u, --user UID[:GID]    run as this user\n"
    "  -g, --additional-gids G add a supplementary group (repeatable)\n"
    "      --cwd DIR           working directory\n"
    "  -c, --cap CAP           add a capability (repeatable)\n"
    "      --no-new-privs      set no_new_privs\n"
    "      --preserve-fds N    pass N extra fds (3..3+N-1) to the process\n"
    "      --apparmor PROFILE  AppArmor profile\n"
    "      --process-label L   SELinux label\n"
    "      --cgroup [CTRL:]PATH  existing sub-cgroup of the container to join (repeatable)\n"
    "      --ignore-paused     exec even into a paused container\n" },
  { "checkpoint", runcgo_cmd_checkpoint, "[OPTIONS] ID", "checkpoint a running container with CRIU",
    "      --image-path DIR    where criu writes the images (default: ./checkpoint)\n"
    "      --work-path DIR     where criu writes its log (default: the image directory)\n"
    "      --leave-running     let the container run on after the dump\n"
    "      --tcp-established   dump established TCP connections\n"
    "      --ext-unix-sk       allow external unix sockets\n"
    "      --shell-job         the container was started from a shell (has a controlling tty)\n"
    "      --file-locks        dump file locks\n"
    "      --pre-dump          dump memory only, to lower the downtime of a later dump\n"
    "      --parent-path DIR   the previous (pre-)dump, relative to --image-path\n"
    "      --manage-cgroups-mode soft|full|strict|ignore  how criu handles the cgroups\n"
    "      --auto-dedup        punch the pages a dump re-saves out of the parent images\n"
    "      --tcp-skip-in-flight  skip half-open TCP connections\n"
    "      --link-remap        allow dumping open files that were unlinked (link remap)\n"
    "      --empty-ns network  do not dump the network namespace's content\n"
    "      --lazy-pages        leave the memory to be served lazily (userfaultfd)\n"
    "      --page-server ADDR:PORT  send the memory to a criu page server\n"
    "      --status-fd FD      with --lazy-pages: criu writes \\0 to FD when ready\n"
    "      --network-lock iptables|nftables|skip  how criu locks the network\n" },
  { "restore", runcgo_cmd_restore, "[OPTIONS] ID", "restore a container from a CRIU checkpoint",
    "  -b, --bundle DIR        bundle directory (default: current directory)\n"
    "      --image-path DIR    the checkpoint's images (default: ./checkpoint)\n"
    "      --work-path DIR     where criu writes its log (default: the image directory)\n"
    "  -d, --detach            do not wait: leave the restored container running\n"
    "      --console-socket S  AF_UNIX socket that receives the terminal master\n"
    "      --pid-file FILE     write the restored init's PID to FILE\n"
    "      --tcp-established   restore established TCP connections\n"
    "      --ext-unix-sk       allow external unix sockets\n"
    "      --shell-job         the container was started from a shell\n"
    "      --file-locks        restore file locks\n"
    "      --manage-cgroups-mode soft|full|strict|ignore  how criu handles the cgroups\n"
    "      --no-pivot          accepted for runc compatibility (criu sets up the root)\n"
    "      --no-subreaper      do not become a child subreaper\n"
    "      --auto-dedup        punch restored pages out of the images\n"
    "      --lazy-pages        fetch the memory lazily from a running `criu lazy-pages`\n"
    "      --empty-ns network  a new, empty network namespace (for a hook to set up)\n"
    "      --tcp-close         restore TCP connections closed\n"
    "      --lsm-profile TYPE:NAME  LSM profile of the restored processes\n"
    "      --lsm-mount-context CTX  SELinux mount context for the restored mounts\n"
    "      --network-lock iptables|nftables|skip  how criu locks the network\n" },
  { "state", runcgo_cmd_state, "ID", "print the state of a container as JSON", "" },
  { "list", runcgo_cmd_list, "[OPTIONS]", "list containers",
    "  -f, --format table|json output format (default: table)\n"
    "  -q, --quiet             print only the container IDs\n" },
  { "kill", runcgo_cmd_kill, "[OPTIONS] ID [SIGNAL]", "send a signal (default SIGTERM) to the container's init",
    "  -a, --all               signal every process of the container\n"
    "  -r, --regex             ID is a POSIX extended regex: signal every container it matches\n" },
  { "delete", runcgo_cmd_delete, "[OPTIONS] ID", "delete a stopped container and everything it holds",
    "  -f, --force             kill the container first if it still runs\n"
    "  -r, --regex             ID is a POSIX extended regex: delete every container it matches\n" },
  { "pause", runcgo_cmd_pause, "ID", "suspend every process of the container (cgroup freezer)", "" },
  { "resume", runcgo_cmd_resume, "ID", "resume the processes of a paused container", "" },
  { "update", runcgo_cmd_update, "[OPTIONS] ID", "change the resource limits of a running container",
    "  -r, --resources FILE    linux.resources JSON to apply ('-' = stdin); the other options are then ignored\n"
    "      --memory SIZE       memory limit (bytes, or with k, m, g suffix; -1 = unlimited)\n"
    "      --memory-reservation SIZE  memory soft limit\n"
    "      --memory-swap SIZE  memory+swap limit (-1 = unlimited swap)\n"
    "      --cpu-share N       CPU shares (relative weight)\n"
    "      --cpu-quota N       CPU CFS quota in microseconds per period (-1 = unlimited)\n"
    "      --cpu-period N      CPU CFS period in microseconds\n"
    "      --cpu-burst N       CPU CFS burst in microseconds\n"
    "      --cpu-rt-period N   realtime period in microseconds (cgroup v1)\n"
    "      --cpu-rt-runtime N  realtime runtime in microseconds (cgroup v1)\n"
    "      --cpu-idle 0|1      SCHED_IDLE for the cgroup\n"
    "      --cpuset-cpus LIST  CPUs to run on (\"0-3,7\")\n"
    "      --cpuset-mems LIST  memory nodes to use\n"
    "      --pids-limit N      maximum number of tasks (-1 = unlimited)\n"
    "      --blkio-weight N    block IO weight (10-1000)\n"
    "      --kernel-memory, --kernel-memory-tcp SIZE  ignored (obsolete)\n"
    "      --l3-cache-schema S the L3 line of the container's resctrl group (linux.intelRdt)\n"
    "      --mem-bw-schema S   the MB line of the container's resctrl group\n" },
  { "ps", runcgo_cmd_ps, "[OPTIONS] ID [PS-ARGS...]", "list the processes of a container (ps -ef by default)",
    "  -f, --format table|json table: ps output filtered to the container; json: array of host PIDs\n" },
  { "events", runcgo_cmd_events, "[OPTIONS] ID", "print cgroup statistics and OOM events as JSON lines",
    "      --stats             print the statistics once and exit\n"
    "      --interval DURATION time between statistics (default 5s)\n" },
  { "features", runcgo_cmd_features, "", "print the runtime-spec features JSON of this runtime", "" },
  { "spec", runcgo_cmd_spec, "[OPTIONS]", "write a default config.json",
    "  -b, --bundle DIR        where to write config.json (default: current directory)\n"
    "      --rootless          a config that runs for an unprivileged user\n" },
  { "mounts", runcgo_cmd_mounts, "add|remove ID FILE",
    "add (remove) the mounts of FILE, a JSON array of OCI mounts, to (from) a running container", "" },
  { "completion", runcgo_cmd_completion, "bash|zsh|fish", "print the shell's completion script", "" },
  { "check", runcgo_cmd_check, "[OPTIONS]", "show what rootless containers need from this host, and the fixes",
    "  -f, --format text|json output format (default: text)\n" },
  { "version", NULL, "", "print the version", "" },
};

static const char global_usage[] =
    "usage: runcgo [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "runcgo runs OCI containers (rootless-first, runc-compatible command line).\n"
    "\n"
    "Global options:\n"
    "  --root DIR               state directory (default /run/runcgo, or $XDG_RUNTIME_DIR/runcgo rootless)\n"
    "  --log FILE               also append log entries to FILE\n"
    "  --log-format text|json   format of --log entries (default text)\n"
    "  --debug                  log debug messages\n"
    "  --systemd-cgroup         manage cgroups through systemd (cgroupsPath \"slice:prefix:name\")\n"
    "  --cgroup-manager systemd|cgroupfs|disabled  crun's spelling of --systemd-cgroup (or not);\n"
    "                           disabled: no cgroup at all (linux.resources are ignored)\n"
    "  --log-level debug|info|warning|error  crun's: debug = --debug, the others the default\n"
    "  --rootless auto|true|false  rootless mode (default auto: when not root)\n"
    "  --criu PATH              the criu binary for checkpoint/restore (default: criu from PATH)\n"
    "  --device-policy default|strict  strict: linux.devices may only hold null, zero, full, random,\n"
    "                           urandom, tty, console, ptmx and pty slaves (default: what the config asks)\n"
    "  -v, --version            print the version\n"
    "  -h, --help               print this help\n"
    "\n"
    "Commands:\n";

static void
print_version (void)
{
  printf ("runcgo version %s\nspec: 1.3.0\n", PACKAGE_VERSION);
#ifdef HAVE_SECCOMP
  printf ("+SECCOMP ");
#endif
#ifdef HAVE_CAP
  printf ("+CAP ");
#endif
#ifdef HAVE_SYSTEMD
  printf ("+SYSTEMD ");
#endif
  printf ("\n");
}

static void
print_global_usage (FILE *f)
{
  fputs (global_usage, f);
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    fprintf (f, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fputs ("\nRun 'runcgo COMMAND --help' for a command's options; 'man 8 runcgo' for everything.\n", f);
}

void
runcgo_cli_usage (const char *command)
{
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    if (strcmp (commands[i].name, command) == 0)
      {
        printf ("usage: runcgo %s %s\n\n%s\n", commands[i].name, commands[i].args, commands[i].summary);
        if (*commands[i].options)
          printf ("\nOptions:\n%s", commands[i].options);
        printf ("  -h, --help              print this help\n");
      }
}

int
runcgo_cli_args (const char *command, int argc, char **argv, int min, int max, runcgo_error_t *err)
{
  (void) argv;
  const char *hint = "see 'runcgo COMMAND --help'";
  if (argc < min)
    return runcgo_fail_hint (err, 0, hint, "%s: %s", command,
                             min == 1 ? "missing container ID" : "missing arguments");
  if (argc > max)
    return runcgo_fail_hint (err, 0, hint, "%s: unexpected argument \"%s\"", command, argv[max]);
  return 0;
}

int
runcgo_cli_parse_id (const char *command, int argc, char **argv, const char **id, runcgo_error_t *err)
{
  static const struct option help_only[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "h", help_only, NULL)) != -1)
    {
      if (c == 'h')
        {
          runcgo_cli_usage (command);
          return 1;
        }
      return runcgo_fail_hint (err, 0, "see 'runcgo --help'", "%s: invalid option", command);
    }
  if (runcgo_cli_args (command, argc - optind, argv + optind, 1, 1, err) < 0)
    return -1;
  *id = argv[optind];
  return 0;
}

int
runcgo_cli_context (struct runcgo_cli *g, struct runcgo_context **out, runcgo_error_t *err)
{
  if (!g->ctx_ready)
    {
      if (runcgo_context_init (&g->ctx, g->root, g->rootless, g->systemd_cgroup, err) < 0)
        return -1;
      g->ctx.debug = g->debug;
      g->ctx.no_cgroup = g->no_cgroup;
      g->ctx.strict_devices = g->strict_devices;
      g->ctx_ready = true;
    }
  *out = &g->ctx;
  return 0;
}

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_ROOTLESS,
  OPT_CRIU,
  OPT_DEVICE_POLICY,
  OPT_CGROUP_MANAGER,
  OPT_LOG_LEVEL,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "device-policy", required_argument, NULL, OPT_DEVICE_POLICY },
  { "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
  { "log-level", required_argument, NULL, OPT_LOG_LEVEL },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* crun's --cgroup-manager and --log-level, mapped onto runc's flags:
 * systemd = --systemd-cgroup, cgroupfs = the default, disabled = no cgroup
 * (the container stays in the caller's); debug = --debug, the
 * other levels keep the default (warnings and errors).  false = a bad value
 * (reported here). */
static bool
parse_crun_global (int opt, const char *val, struct runcgo_cli *g)
{
  static const char *const levels[] = { "debug", "info", "warning", "error" };
  if (opt == OPT_CGROUP_MANAGER)
    {
      if (strcmp (val, "systemd") == 0 || strcmp (val, "cgroupfs") == 0 || strcmp (val, "disabled") == 0)
        {
          g->systemd_cgroup = strcmp (val, "systemd") == 0;
          g->no_cgroup = strcmp (val, "disabled") == 0;
          return true;
        }
      fprintf (stderr, "runcgo: --cgroup-manager: invalid value \"%s\" (hint: use systemd, cgroupfs or disabled)\n",
               val);
      return false;
    }
  for (size_t i = 0; i < ARRAY_SIZE (levels); i++)
    if (strcmp (val, levels[i]) == 0)
      {
        g->debug = g->debug || i == 0;
        return true;
      }
  fprintf (stderr, "runcgo: --log-level: invalid value \"%s\" (hint: use debug, info, warning or error)\n", val);
  return false;
}

/* Returns the index of the command word, or -1 (exit now, *status set). */
static int
parse_globals (int argc, char **argv, struct runcgo_cli *g, const char **log, const char **log_format, int *status)
{
  int c;
  while ((c = getopt_long (argc, argv, "+vh", global_options, NULL)) != -1)
    {
      switch (c)
        {
        case OPT_ROOT: g->root = optarg; break;
        case OPT_LOG: *log = optarg; break;
        case OPT_LOG_FORMAT: *log_format = optarg; break;
        case OPT_DEBUG: g->debug = true; break;
        case OPT_SYSTEMD_CGROUP: g->systemd_cgroup = true; g->no_cgroup = false; break;
        case OPT_ROOTLESS: g->rootless = optarg; break;
        case OPT_CRIU: g->criu = optarg; break;
        case OPT_DEVICE_POLICY:
          if (strcmp (optarg, "strict") != 0 && strcmp (optarg, "default") != 0)
            {
              fprintf (stderr, "runcgo: --device-policy: expected \"default\" or \"strict\", got \"%s\"\n", optarg);
              *status = 1;
              return -1;
            }
          g->strict_devices = strcmp (optarg, "strict") == 0;
          break;
        case OPT_CGROUP_MANAGER:
        case OPT_LOG_LEVEL:
          if (!parse_crun_global (c, optarg, g))
            {
              *status = 1;
              return -1;
            }
          break;
        case 'v': print_version (); *status = 0; return -1;
        case 'h': print_global_usage (stdout); *status = 0; return -1;
        default: fputs ("runcgo: invalid global option (see 'runcgo --help')\n", stderr); *status = 1; return -1;
        }
    }
  if (optind >= argc)
    {
      print_global_usage (stderr);
      *status = 1;
      return -1;
    }
  return optind;
}

int
main (int argc, char **argv)
{
  struct runcgo_cli g = { 0 };
  const char *log = NULL, *log_format = "text";
  runcgo_error_t err = NULL;
  int status = 0;
  int ci = parse_globals (argc, argv, &g, &log, &log_format, &status);
  if (ci < 0)
    return status;
  if (runcgo_log_init (log, log_format, g.debug, &err) < 0)
    {
      runcgo_log_report (err);
      return 1;
    }
  const char *name = argv[ci];
  for (size_t i = 0; i < ARRAY_SIZE (commands); i++)
    {
      if (strcmp (commands[i].name, name) != 0)
        continue;
      if (commands[i].fn == NULL)
        {
          print_version ();
          return 0;
        }
      status = commands[i].fn (&g, argc - ci, argv + ci, &err);
      if (status < 0)
        {
          runcgo_log_report (err);
          runcgo_error_release (&err);
          status = 1;
        }
      if (g.ctx_ready)
        runcgo_context_release (&g.ctx);
      return status;
    }
  runcgo_log (RUNCGO_LOG_ERROR, "unknown command \"%s\" (see 'runcgo --help')", name);
  return 1;
}
