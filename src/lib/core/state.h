/* state.h -- one container's state directory: ROOT/ID/{state.json,exec.fifo}.
 *
 * The directory is created with mkdirat(2), which is atomic: of two
 * concurrent `create` of one ID exactly one wins.  state.json (0600) is
 * replaced atomically (temp + rename) so readers never see it torn.  The
 * status is never stored: it is derived live from the init's PID and its
 * recorded start time (a recycled PID reads as stopped), the exec fifo
 * (present = created) and the freezer (paused). */
#ifndef RUNCGO_STATE_H
#define RUNCGO_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "spec/spec.h"

#define RUNCGO_STATE_FILE "state.json"
#define RUNCGO_EXEC_FIFO "exec.fifo"
/* What `delete -f` needs when state.json is unreadable (truncated, emptied,
 * overwritten): pid, start time, creator, cgroup.  A few lines of text,
 * written just before each state.json, so never older than it. */
#define RUNCGO_STATE_RECOVERY "recovery"

enum runcgo_status
{
  RUNCGO_STATUS_CREATING,
  RUNCGO_STATUS_CREATED,
  RUNCGO_STATUS_RUNNING,
  RUNCGO_STATUS_PAUSED,
  RUNCGO_STATUS_STOPPED,
};
const char *runcgo_status_name (enum runcgo_status s);

struct runcgo_container_state
{
  char *id;
  pid_t pid;
  uint64_t start_time;     /* /proc/PID/stat field 22 at create */
  char *bundle;
  char *config;            /* create --config FILE (absolute); NULL = BUNDLE/config.json */
  char *rootfs;
  char *created;           /* RFC 3339, UTC, nanoseconds */
  uid_t owner;
  char *cgroup_path;
  int cgroup_driver;       /* enum runcgo_cgroup_driver */
  bool rootless;
  bool new_pidns;          /* false: delete must kill every process of the cgroup */
  bool detached;           /* created by create/run -d (not a foreground run) */
  char *notify_socket;     /* the caller's NOTIFY_SOCKET, forwarded at start; NULL = none */
  pid_t creator;           /* while pid == 0: the `create` still at work (and its start time) */
  uint64_t creator_start_time;
  struct runcgo_kv *annotations;
  size_t n_annotations;
  struct runcgo_hook *poststop; /* hooks to run at delete */
  size_t n_poststop;
  struct runcgo_hook *poststart; /* hooks to run at start: start never reads the config */
  size_t n_poststart;
  bool has_poststart;      /* false: written by a runcgo that did not store them (read the config) */
  char **intelrdt_dirs;    /* resctrl groups runcgo made, rmdir'ed at delete (linux/intelrdt.c) */
  bool no_process;         /* the config had no process: start refuses (config.md) */
  char *unshielded_exe;    /* "dev:ino" of the runtime binary when the init runs it without the
                            * exe shield (a `run`): exec waits until the init exec'd */
};

/* The container's config, from --config or its bundle. */
int runcgo_state_load_spec (const struct runcgo_container_state *st, struct runcgo_spec **out, runcgo_error_t *err);

/* mkdirat ROOT/ID 0700; EEXIST -> `container "ID" already exists`. */
int runcgo_state_dir_create (int root_fd, const char *id, runcgo_error_t *err);
/* Open ROOT/ID; ENOENT -> `container "ID" does not exist`. */
int runcgo_state_dir_open (int root_fd, const char *id, runcgo_error_t *err);
/* Exclusive flock on the container dir (blocks). */
int runcgo_state_lock (int dir_fd, runcgo_error_t *err);
/* Remove ROOT/ID and everything in it. */
int runcgo_state_dir_remove (int root_fd, const char *id, runcgo_error_t *err);

int runcgo_state_write (int dir_fd, const struct runcgo_container_state *st, runcgo_error_t *err);
int runcgo_state_read (int dir_fd, struct runcgo_container_state **out, runcgo_error_t *err);
/* Pure decoder (fuzzed): JSON text -> state. */
int runcgo_state_decode (const char *json, size_t len, struct runcgo_container_state **out, runcgo_error_t *err);
void runcgo_state_free (struct runcgo_container_state *st);
/* The recovery record of ROOT/ID as a state with only id, pid, start_time,
 * creator, cgroup and new_pidns set (bundle and rootfs ""). */
int runcgo_state_read_recovery (int dir_fd, const char *id, struct runcgo_container_state **out, runcgo_error_t *err);

/* Live status: see the header comment.  A state written before the init
 * exists (pid 0) reads as creating while its creator lives, else stopped: a
 * create that was killed leaves a state `delete -f` can clean up. */
enum runcgo_status runcgo_state_status (int dir_fd, const struct runcgo_container_state *st);
/* true when PID is alive, not a zombie and started at start_time. */
bool runcgo_pid_is_alive (pid_t pid, uint64_t start_time);

/* The OCI state JSON (runtime.md "State") for hooks and `state`;
 * pretty adds runc's `rootfs`, `created`, `owner` fields and indentation. */
char *runcgo_state_oci_json (const char *id, enum runcgo_status status, pid_t pid, const char *bundle,
                             const struct runcgo_kv *annotations, size_t n_annotations);
char *runcgo_state_format (const struct runcgo_container_state *st, enum runcgo_status status);

/* RFC 3339 UTC timestamp with nanoseconds, caller frees. */
char *runcgo_now_rfc3339 (void);
/* "root", or the uid as a string when it has no name. */
char *runcgo_owner_name (uid_t uid);

#endif
