/* idmap.h -- user namespace ID maps.
 *
 * Root writes /proc/PID/uid_map itself.  An unprivileged caller may write
 * only a map of its own single ID (after denying setgroups); anything larger
 * goes through the setuid helpers newuidmap/newgidmap (package uidmap), which
 * check the ranges against /etc/subuid and /etc/subgid.  runcgo checks them
 * first, so the error names the file and the range to add. */
#ifndef RUNCGO_IDMAP_H
#define RUNCGO_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "core/error.h"
#include "core/vmspawn.h"
#include "spec/spec.h"

struct runcgo_subid_range
{
  uint32_t start, count;
};

/* "cid hid size\n" lines; caller frees. */
char *runcgo_idmap_format (const struct runcgo_idmap *m, size_t n);
/* Pure: the ranges of /etc/subuid-format TEXT that belong to NAME or UID. */
int runcgo_subid_parse (const char *text, const char *name, uid_t uid, struct runcgo_subid_range **out, size_t *n);
/* Read /etc/subuid (uid=true) or /etc/subgid for the calling user. */
int runcgo_subid_read (bool uid, struct runcgo_subid_range **out, size_t *n, runcgo_error_t *err);
/* Rootless config with a user namespace but no mappings: the caller as
 * root, plus its subordinate ranges from 1 on when it has some (crun). */
int runcgo_idmap_auto (struct runcgo_linux *l, runcgo_error_t *err);
/* Write /proc/PID/{setgroups,uid_map,gid_map} for the config's mappings. */
int runcgo_idmap_write (pid_t pid, const struct runcgo_linux *l, bool rootless, runcgo_error_t *err);

/* The same in three steps, so that everything that can fail or read a file
 * (range checks, the helpers' paths) happens before the child exists, and
 * the helpers run while the caller does other work.  One writer per map: a
 * direct write of TEXT, or the setuid helper EXE with ARGV (argv[1] = pid). */
struct runcgo_idmap_writer
{
  bool uid;
  const char *field;   /* linux.uidMappings / linux.gidMappings */
  char *text;          /* direct write; NULL: helper or nothing */
  bool deny_setgroups; /* unprivileged direct gid_map */
  char *exe;
  char **argv;
  struct runcgo_vmspawn spawn; /* launched helper: spawn.pid > 0 (a zeroed job is empty) */
  int err_fd;          /* its stderr, while launched */
};
struct runcgo_idmap_job
{
  struct runcgo_idmap_writer w[2]; /* uid, gid */
};
/* Checks and plans; on error nothing is left to release. */
int runcgo_idmap_plan (const struct runcgo_linux *l, bool rootless, struct runcgo_idmap_job *job,
                       runcgo_error_t *err);
/* Launches the helpers for PID, then writes the direct maps. */
int runcgo_idmap_start (struct runcgo_idmap_job *job, pid_t pid, runcgo_error_t *err);
/* Waits for and reaps every launched helper; returns R (the result so far)
 * or -1 with the first helper's error when R was 0. */
int runcgo_idmap_finish (struct runcgo_idmap_job *job, int r, runcgo_error_t *err);
/* Reaps what is still running, frees the plan. */
void runcgo_idmap_job_release (struct runcgo_idmap_job *job);

#endif
