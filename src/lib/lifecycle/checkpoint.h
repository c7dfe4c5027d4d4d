/* checkpoint.h -- `checkpoint` and `restore`: a container's process tree to
 * CRIU images and back, with runc's semantics (see doc/checkpoint.md). */
#ifndef RUNCGO_CHECKPOINT_H
#define RUNCGO_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/context.h"
#include "core/error.h"
#include "lifecycle/criu_rpc.h"

/* What checkpoint writes into the image directory beside criu's images. */
#define RUNCGO_CRIU_DESCRIPTORS "descriptors.json" /* runc's: targets of the init's fds 0-2 */
#define RUNCGO_CRIU_EXT_MOUNTS "runcgo-mounts.json" /* external mounts and their host sources */

/* A mount criu must treat as external: DEST in the container shows what
 * SOURCE shows on the host (key = destination, as runc names them). */
struct runcgo_ext_mount
{
  char *dest;
  char *source;
  bool cgroup;  /* a cgroup hierarchy: its source follows the cgroup */
};
/* Pure: from the init's /proc/PID/mountinfo and the host's, the mounts of
 * the container that show a host filesystem no mount criu rebuilds itself
 * (the root, a filesystem the host does not have, proc, sysfs) contains:
 * config binds, cgroup v1 binds (unless cgroupns), devices bound in a user
 * namespace.  Their source is the host path showing the same directory. */
int runcgo_criu_external_mounts (const char *container_mountinfo, const char *host_mountinfo, bool cgroupns,
                                 struct runcgo_ext_mount **out, size_t *n, runcgo_error_t *err);
void runcgo_ext_mounts_free (struct runcgo_ext_mount *e, size_t n);

/* The runc/crun flags that only go through to criu, shared by both
 * commands (each command accepts those runc accepts for it). */
struct runcgo_criu_extra_opts
{
  bool auto_dedup;          /* --auto-dedup: punch holes in parent images */
  bool lazy_pages;          /* --lazy-pages: memory served later over userfaultfd */
  bool tcp_skip_in_flight;  /* checkpoint --tcp-skip-in-flight */
  bool link_remap;          /* checkpoint --link-remap */
  bool tcp_close;           /* restore --tcp-close (crun) */
  unsigned empty_ns;        /* --empty-ns network: CLONE_NEWNET */
  const char *lsm_profile;  /* restore --lsm-profile TYPE:NAME */
  const char *lsm_mount_context; /* restore --lsm-mount-context */
  enum runcgo_criu_network_lock network_lock; /* --network-lock (crun) */
};
/* Pure: copy the pass-through flags into a request's options. */
void runcgo_criu_extra_apply (const struct runcgo_criu_extra_opts *x, struct runcgo_criu_opts *opts);

struct runcgo_checkpoint_opts
{
  const char *id;
  const char *image_path;   /* NULL = "checkpoint" in the current directory (runc) */
  const char *work_path;    /* logs (dump.log); NULL = the image directory */
  const char *parent_path;  /* --parent-path: previous (pre-)dump, relative to image_path */
  const char *criu;         /* NULL = `criu` from PATH */
  bool leave_running;
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
  bool pre_dump;
  bool has_cg_mode;
  enum runcgo_criu_cg_mode cg_mode;
  struct runcgo_criu_extra_opts x;
  const char *page_server;  /* --page-server ADDRESS:PORT */
  int status_fd;            /* --status-fd: criu writes \0 there when lazy pages are ready; -1 = none */
};
/* Dump a running (or paused) container.  Unless leave_running or pre_dump,
 * its processes are gone afterwards and it reads as stopped: `delete`
 * removes it, or `restore` with the same ID replaces it. */
int runcgo_container_checkpoint (struct runcgo_context *ctx, const struct runcgo_checkpoint_opts *o,
                                 runcgo_error_t *err);

struct runcgo_restore_opts
{
  const char *id;
  const char *bundle;       /* NULL = current directory */
  const char *image_path;   /* NULL = "checkpoint" */
  const char *work_path;    /* restore.log; NULL = the image directory */
  const char *console_socket;
  const char *pid_file;
  const char *criu;
  bool detach;              /* else wait for the container and delete it, as `run` */
  bool tcp_established;
  bool ext_unix_sk;
  bool shell_job;
  bool file_locks;
  bool no_pivot;            /* accepted (runc): criu sets up the root itself */
  bool no_subreaper;
  bool has_cg_mode;
  enum runcgo_criu_cg_mode cg_mode;
  struct runcgo_criu_extra_opts x;
};
/* Restore a container from images into a new container ID (an existing
 * container of that ID must be stopped: it is deleted first).  *exit_status
 * as for run (0 when detached). */
int runcgo_container_restore (struct runcgo_context *ctx, const struct runcgo_restore_opts *o, int *exit_status,
                              runcgo_error_t *err);

#endif
