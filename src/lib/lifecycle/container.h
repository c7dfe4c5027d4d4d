/* container.h -- the lifecycle operations behind the CLI commands.  Each is
 * a short list of named steps; each cleans up everything it made on error. */
#ifndef RUNCGO_CONTAINER_H
#define RUNCGO_CONTAINER_H

#include <stdbool.h>
#include <signal.h>
#include <stdio.h>

#include "core/context.h"
#include "core/error.h"

struct runcgo_create_opts
{
  const char *id;
  const char *bundle;          /* NULL = current directory */
  const char *config;          /* -f, --config FILE: instead of BUNDLE/config.json (relative: to the cwd) */
  const char *pid_file;
  const char *console_socket;
  const char *pidfd_socket;    /* receives the init's pidfd once it exists */
  int preserve_fds;
  bool no_pivot;
  bool no_new_keyring;
  bool detach;                 /* run -d */
  bool keep;                   /* run --keep: do not delete after exit */
  bool no_subreaper;           /* run --no-subreaper */
  const char *net;             /* --net slirp|none; NULL = the annotations decide */
  const char *const *publish;  /* --publish, in order */
  size_t n_publish;
};

int runcgo_container_create (struct runcgo_context *ctx, const struct runcgo_create_opts *o, runcgo_error_t *err);
int runcgo_container_start (struct runcgo_context *ctx, const char *id, runcgo_error_t *err);
/* create + start (+ wait and delete unless detached); *exit_status gets the
 * container's status (128+N when killed by signal N). */
int runcgo_container_run (struct runcgo_context *ctx, const struct runcgo_create_opts *o, int *exit_status,
                          runcgo_error_t *err);
int runcgo_container_kill (struct runcgo_context *ctx, const char *id, int sig, bool all, runcgo_error_t *err);
int runcgo_container_delete (struct runcgo_context *ctx, const char *id, bool force, runcgo_error_t *err);
/* state JSON as `runc state` prints it; caller frees */
int runcgo_container_state (struct runcgo_context *ctx, const char *id, char **json, runcgo_error_t *err);
enum runcgo_list_format
{
  RUNCGO_LIST_TABLE,
  RUNCGO_LIST_JSON,
  RUNCGO_LIST_QUIET,
};
int runcgo_container_list (struct runcgo_context *ctx, enum runcgo_list_format format, FILE *out, runcgo_error_t *err);

/* kill/delete --regex: the IDs that the POSIX extended regex PATTERN
 * matches (unanchored, as crun), sorted; a NULL-terminated list, caller
 * frees (runcgo_strv_free).  No match gives an empty list. */
int runcgo_container_match (struct runcgo_context *ctx, const char *pattern, char ***ids, runcgo_error_t *err);

/* live_mounts.c: crun's `mounts add` / `mounts remove`: FILE is a JSON
 * array of OCI mounts, added to (or, by destination, removed from) the
 * running container ID. */
int runcgo_container_mounts (struct runcgo_context *ctx, const char *id, const char *file, bool add,
                             runcgo_error_t *err);

/* --pid-file: written atomically (engines poll for it). */
int runcgo_write_pid_file (const char *path, pid_t pid, runcgo_error_t *err);

/* For commands that act on an existing container: its state dir (locked
 * when asked), its state.json and its live status. */
struct runcgo_container_state;
struct runcgo_cgroup;
struct runcgo_loaded
{
  int dir_fd;
  struct runcgo_container_state *st;
  int status; /* enum runcgo_status */
};
int runcgo_container_load (struct runcgo_context *ctx, const char *id, bool lock, struct runcgo_loaded *l,
                           runcgo_error_t *err);
void runcgo_loaded_release (struct runcgo_loaded *l);
/* The container's cgroup manager; *cg stays NULL when it has none. */
int runcgo_container_open_cgroup (const struct runcgo_container_state *st, struct runcgo_cgroup **cg,
                                  runcgo_error_t *err);

/* wait.c: foreground wait for a run: forwards signals to the init, reaps
 * orphans as a subreaper, returns the exit status (128+N for signal N). */
int runcgo_wait_foreground (int pidfd, pid_t pid, int master, const sigset_t *forwarded, int *exit_status,
                            runcgo_error_t *err);
/* signals a foreground run forwards (blocked before the clone) */
void runcgo_forwarded_signals (sigset_t *set);

#endif
