/* internal.h -- what manager.c, fs.c and resources.c share; nothing outside
 * src/lib/cgroup includes it except tests/unit/test_cgroup.c (for the pure
 * parsers).  The manager is a list of directories, one per hierarchy the
 * container belongs to; every operation is a loop over that list. */
#ifndef RUNCGO_CGROUP_INTERNAL_H
#define RUNCGO_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

/* One mounted hierarchy. */
struct runcgo_cg_hier
{
  char *controllers; /* "cpu,cpuacct", "name=systemd"; "" for cgroup2 */
  char *mount;       /* mount point: "/sys/fs/cgroup/memory" */
  char *root;        /* root of the mount inside the hierarchy, "/" unless bind-mounted */
  bool unified;      /* cgroup2 */
};

/* The container's directory in one hierarchy. */
struct runcgo_cg_dir
{
  const struct runcgo_cg_hier *hier;
  char *cgpath;     /* below the mount point: "/runcgo/abc" */
  char *dir;        /* mount + cgpath */
  size_t n_created; /* trailing components of cgpath that create made (destroy removes only these) */
};

struct runcgo_cgroup
{
  bool enforce;            /* rootless: fail rather than run without the requested resources */
  bool resources_dropped;  /* rootless: no cgroup, so requested resources are not applied */
  enum runcgo_cgroup_driver driver;
  enum runcgo_cgroup_mode mode;
  bool active;
  bool self_join; /* the init joins the v1 hierarchies itself (runcgo_cgroup_self_join_open) */
  bool rootless; /* device rules are not applied (runc ignores them rootless too) */
  char *path;    /* state.json form, see manager.c */
  struct runcgo_cg_dir *dirs;
  size_t n_dirs;
  int clone_fd; /* v2 leaf, O_PATH|O_DIRECTORY; -1 */
  struct runcgo_cg_systemd *systemd; /* systemd.c's unit and bus; NULL for the other drivers */
  char *delegate;         /* run.oci.delegate-cgroup, for enter; NULL = none */
  uid_t delegate_uid;
  gid_t delegate_gid;
};

/* ---------------------------------------------------------------- fs.c */
/* Pure: every cgroup v1 hierarchy (known controllers and name=systemd) and
 * cgroup2 mount of a mountinfo text, first mount of each superblock only. */
int runcgo_cg_parse_mountinfo (const char *text, struct runcgo_cg_hier **out, size_t *n, runcgo_error_t *err);
void runcgo_cg_hiers_free (struct runcgo_cg_hier *h, size_t n);
/* Pure: the path of a hierarchy in /proc/PID/cgroup text (controllers "" =
 * the "0::" line); NULL when absent. */
char *runcgo_cg_proc_path (const char *text, const char *controllers);
/* The hierarchies this process uses for mode (parsed once, cached). */
int runcgo_cg_hierarchies (enum runcgo_cgroup_mode mode, const struct runcgo_cg_hier **out, size_t *n,
                           runcgo_error_t *err);
bool runcgo_cg_has_controller (const char *controllers, const char *name);

int runcgo_cg_mkdir (struct runcgo_cg_dir *d, runcgo_error_t *err);
int runcgo_cg_rmdir (struct runcgo_cg_dir *d, bool created_only, runcgo_error_t *err);
int runcgo_cg_cpuset_init (const struct runcgo_cg_dir *d, runcgo_error_t *err);
int runcgo_cg_enable_controllers (const struct runcgo_cg_dir *d, char **needed, runcgo_error_t *err);
/* 0 or the errno of open/write */
int runcgo_cg_write_errno (const char *dir, const char *file, const char *value);
int runcgo_cg_write (const char *dir, const char *file, const char *value, runcgo_error_t *err);
int runcgo_cg_read (const char *dir, const char *file, char **out, runcgo_error_t *err);
int runcgo_cg_add_pid (const struct runcgo_cg_dir *d, pid_t pid, runcgo_error_t *err);
int runcgo_cg_read_pids (const char *dir, pid_t **pids, size_t *n, runcgo_error_t *err);
int runcgo_cg_freeze_dir (const struct runcgo_cg_dir *d, bool frozen, runcgo_error_t *err);
bool runcgo_cg_dir_frozen (const struct runcgo_cg_dir *d);
int runcgo_cg_kill_dir (const struct runcgo_cg_dir *d, const struct runcgo_cg_dir *freezer, int sig,
                        runcgo_error_t *err);

/* ---------------------------------------------------------------- resources.c */
/* Conversions of runc (libcontainer/cgroups/utils.go), exposed for tests. */
uint64_t runcgo_cg_shares_to_weight (uint64_t shares);
uint64_t runcgo_cg_blkio_to_io_weight (uint64_t weight);
/* Does a plan ask for anything beyond the default device rules? */
bool runcgo_cg_plan_requests (const struct runcgo_cgroup_write *w, size_t n);
/* Write a plan into cg's directories (see resources.c for the fallbacks). */
int runcgo_cg_apply (struct runcgo_cgroup *cg, const struct runcgo_resources *r, bool update, runcgo_error_t *err);
/* Controllers the cgroup2 directory needs for r (v2, or unified writes of a hybrid host). */
int runcgo_cg_v2_controllers (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, char ***out,
                              runcgo_error_t *err);

/* ---------------------------------------------------------------- manager.c */
const struct runcgo_cg_dir *runcgo_cg_dir_for (const struct runcgo_cgroup *cg, const char *controller);
/* Lexically clean a cgroupsPath ("//a/./b" -> "/a/b"); ".." may not climb
 * above the start of the path. */
int runcgo_cg_clean_path (const char *in, char **out, runcgo_error_t *err);

/* ---------------------------------------------------------------- stats.c (pure parsers) */
/* "KEY VALUE" line of a flat keyed file ("max" = UINT64_MAX). */
bool runcgo_cg_keyed_value (const char *text, const char *key, uint64_t *out);
void runcgo_cg_parse_memory_stat (const char *text, struct runcgo_cgroup_stats *s);
void runcgo_cg_parse_cpu_stat (const char *text, bool v2, struct runcgo_cgroup_stats *s);
/* Returns the number of entries added to s->blkio[kind]. */
int runcgo_cg_parse_blkio_v1 (const char *text, int kind, struct runcgo_cgroup_stats *s);
void runcgo_cg_parse_io_stat (const char *text, struct runcgo_cgroup_stats *s);
/* "hugepages-2048kB" -> "2MB"; NULL for other names. */
char *runcgo_cg_hugepage_name (const char *dirent);

/* ---------------------------------------------------------------- ebpf.c */
struct bpf_insn;
/* Pure: the device rules of r (NULL = none) then the default allow list,
 * emulated like the v1 devices cgroup, as a BPF_PROG_TYPE_CGROUP_DEVICE
 * program (*insns is the caller's to free). */
int runcgo_cg_devices_program (const struct runcgo_resources *r, struct bpf_insn **insns, size_t *n,
                               runcgo_error_t *err);
/* Load the program and attach it to the cgroup2 directory dir, atomically
 * replacing the one a previous call attached. */
int runcgo_cg_devices_attach (const char *dir, const struct bpf_insn *insns, size_t n, runcgo_error_t *err);

#endif
