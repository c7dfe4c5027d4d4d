/* cmd.h -- the CLI commands: each parses its flags, calls ONE library
 * function and prints.  Return: exit status (>= 0) or -1 with *err set. */
#ifndef RUNCGO_CMD_H
#define RUNCGO_CMD_H

#include <stdbool.h>

#include "core/context.h"
#include "core/error.h"

struct runcgo_cli
{
  const char *root;
  const char *rootless;
  bool systemd_cgroup;
  bool no_cgroup;          /* --cgroup-manager disabled */
  bool debug;
  bool strict_devices;     /* --device-policy strict */
  struct runcgo_context ctx;
  bool ctx_ready;
  const char *criu;        /* --criu PATH: the criu binary (checkpoint, restore) */
};

/* Build the context on first use (spec and version do not need it). */
int runcgo_cli_context (struct runcgo_cli *g, struct runcgo_context **out, runcgo_error_t *err);
/* Print usage of a command to stdout. */
void runcgo_cli_usage (const char *command);
/* Exactly `want` positional arguments left after options, else an error
 * naming the command. */
int runcgo_cli_args (const char *command, int argc, char **argv, int min, int max, runcgo_error_t *err);

#define RUNCGO_CMD(name) int runcgo_cmd_##name (struct runcgo_cli *g, int argc, char **argv, runcgo_error_t *err)
RUNCGO_CMD (spec);
RUNCGO_CMD (create);
RUNCGO_CMD (start);
RUNCGO_CMD (run);
RUNCGO_CMD (state);
RUNCGO_CMD (list);
RUNCGO_CMD (kill);
RUNCGO_CMD (delete);
RUNCGO_CMD (exec);
RUNCGO_CMD (check);
RUNCGO_CMD (pause);
RUNCGO_CMD (resume);
RUNCGO_CMD (update);
RUNCGO_CMD (ps);
RUNCGO_CMD (events);
RUNCGO_CMD (features);
RUNCGO_CMD (checkpoint);
RUNCGO_CMD (restore);

/* main.c: a command whose only argument is one container ID (and --help);
 * returns 1 when --help was printed. */
int runcgo_cli_parse_id (const char *command, int argc, char **argv, const char **id, runcgo_error_t *err);

/* kill.c: kill/delete --regex: FN on each container whose ID the POSIX
 * extended regex PATTERN matches; returns 0, 1 (one failed: warned) or -1. */
int runcgo_cli_for_matching (struct runcgo_context *ctx, const char *pattern,
                             int (*fn) (struct runcgo_context *ctx, const char *id, void *arg, runcgo_error_t *err),
                             void *arg, runcgo_error_t *err);

/* create.c: flags shared by create and run */
struct runcgo_create_opts;
int runcgo_cli_parse_create (const char *command, int argc, char **argv, struct runcgo_create_opts *o, bool is_run,
                             runcgo_error_t *err);

#endif
