/* ps.c -- `runcgo ps [-f table|json] ID [PS-ARGS...]`, runc's behaviour:
 * json prints the container's PIDs as an array; table runs ps(1) with
 * PS-ARGS (default -ef) and keeps its header and the container's rows. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cmd.h"
#include "core/util.h"
#include "lifecycle/ops.h"

extern char **environ;

static const struct option ps_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
print_json (const pid_t *pids, size_t n)
{
  fputc ('[', stdout);
  for (size_t i = 0; i < n; i++)
    printf ("%s%d", i ? "," : "", (int)pids[i]);
  fputs ("]\n", stdout);
}

/* ps(1) with args, stdout and stderr together (runc's CombinedOutput). */
static int
run_ps (char **args, int n_args, char **out, runcgo_error_t *err)
{
  char *default_args[] = { "-ef", NULL };
  cleanup_free char **argv = xzalloc ((size_t)((n_args ? n_args : 1) + 2) * sizeof (char *));
  argv[0] = "ps";
  for (int i = 0; i < (n_args ? n_args : 1); i++)
    argv[i + 1] = n_args ? args[i] : default_args[i];
  int fds[2];
  if (pipe2 (fds, O_CLOEXEC) < 0)
    return runcgo_fail (err, errno, "ps: pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2 (&fa, fds[1], 2);
  pid_t pid;
  int e = posix_spawnp (&pid, "ps", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (fds[1]);
  cleanup_close int rfd = fds[0];
  if (e)
    return runcgo_fail_hint (err, e, "install procps", "ps: run ps");
  size_t len = 0, cap = 65536;
  char *buf = xmalloc (cap + 1);
  ssize_t r;
  while ((r = read (rfd, buf + len, cap - len)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0 && (len += (size_t)r) == cap)
      buf = xrealloc (buf, (cap *= 2) + 1);
  buf[len] = '\0';
  *out = buf;
  int status = 0;
  waitpid (pid, &status, 0);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return runcgo_fail (err, 0, "ps: exit status %d: %s", WIFEXITED (status) ? WEXITSTATUS (status) : 128, *out);
  return 0;
}

RUNCGO_CMD (ps)
{
  bool json = false;
  struct runcgo_context *ctx;
  int c;
  optind = 1;
  /* "+": options only before the ID; everything after it is for ps */
  while ((c = getopt_long (argc, argv, "+f:h", ps_options, NULL)) != -1)
    {
      if (c == 'f' && (strcmp (optarg, "json") == 0 || strcmp (optarg, "table") == 0))
        json = strcmp (optarg, "json") == 0;
      else if (c == 'f')
        return runcgo_fail_hint (err, 0, "use --format table or --format json", "ps: invalid format option");
      else if (c == 'h')
        {
          runcgo_cli_usage ("ps");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo ps --help'", "ps: invalid option");
    }
  if (runcgo_cli_args ("ps", argc - optind, argv + optind, 1, argc, err) < 0)
    return -1;
  const char *id = argv[optind++];
  if (optind < argc && strcmp (argv[optind], "--") == 0)
    optind++;
  cleanup_free pid_t *pids = NULL;
  cleanup_free char *ps_out = NULL, *table = NULL;
  size_t n = 0;
  if (runcgo_cli_context (g, &ctx, err) < 0 || runcgo_container_ps (ctx, id, &pids, &n, err) < 0)
    return -1;
  if (json)
    {
      print_json (pids, n);
      return 0;
    }
  if (run_ps (argv + optind, argc - optind, &ps_out, err) < 0 || runcgo_ps_filter (ps_out, pids, n, &table, err) < 0)
    return -1;
  fputs (table, stdout);
  return 0;
}
