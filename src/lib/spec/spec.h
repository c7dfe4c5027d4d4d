/* spec.h -- config.json as typed C structs (OCI Runtime Spec v1.3.0).
 *
 * load.c fills these from JSON (runcgo_spec_load / runcgo_process_parse) and
 * rejects wrong JSON types; validate.c performs every semantic check before the
 * first side effect.  Everything else in the runtime reads only these structs,
 * never JSON.  Optional scalars use runcgo_opt_* so "absent" differs from 0.
 * Arrays are (pointer, count) pairs; string vectors are NULL-terminated. */
#ifndef RUNCGO_SPEC_H
#define RUNCGO_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct { bool set; int64_t v; } runcgo_opt_i64;
typedef struct { bool set; uint64_t v; } runcgo_opt_u64;
typedef struct { bool set; bool v; } runcgo_opt_bool;

struct runcgo_kv
{
  char *key;
  char *value;
};

/* ---------------------------------------------------------------- process */
struct runcgo_rlimit
{
  char *type;    /* "RLIMIT_NOFILE" as written */
  int resource;  /* RLIMIT_* value, resolved by load.c; -1 when unknown (validate rejects) */
  uint64_t soft;
  uint64_t hard;
};

struct runcgo_caps
{
  /* NULL = set absent; an empty vector = present and empty */
  char **bounding, **effective, **inheritable, **permitted, **ambient;
};

struct runcgo_user
{
  uint32_t uid, gid;
  runcgo_opt_u64 umask;
  uint32_t *additional_gids;
  size_t n_additional_gids;
  char *username; /* windows only; kept for round trips */
  bool keep_groups; /* not from JSON: run.oci.keep_original_groups, no setgroups at all */
};

struct runcgo_scheduler
{
  char *policy; /* SCHED_OTHER ... */
  int32_t nice;
  int32_t priority;
  char **flags; /* SCHED_FLAG_* */
  uint64_t runtime, deadline, period;
};

struct runcgo_io_priority
{
  char *klass; /* IOPRIO_CLASS_RT / BE / IDLE */
  int32_t priority;
};

struct runcgo_process
{
  bool terminal;
  bool has_console_size;
  uint32_t console_height, console_width;
  struct runcgo_user user;
  char **args;
  char *command_line;
  char **env;
  char *cwd;
  struct runcgo_caps *capabilities; /* NULL = absent */
  struct runcgo_rlimit *rlimits;
  size_t n_rlimits;
  bool no_new_privileges;
  char *apparmor_profile;
  runcgo_opt_i64 oom_score_adj;
  char *selinux_label;
  struct runcgo_scheduler *scheduler;
  struct runcgo_io_priority *io_priority;
  char *exec_cpu_affinity_initial, *exec_cpu_affinity_final;
};

/* ---------------------------------------------------------------- mounts */
struct runcgo_idmap
{
  uint32_t container_id, host_id, size;
};

struct runcgo_mount
{
  char *destination;
  char *type;    /* may be NULL (bind mounts) */
  char *source;  /* may be NULL */
  char **options;
  struct runcgo_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
};

/* ---------------------------------------------------------------- hooks */
struct runcgo_hook
{
  char *path;
  char **args;
  char **env;
  runcgo_opt_i64 timeout; /* seconds, must be > 0 when set */
};

enum runcgo_hook_kind
{
  RUNCGO_HOOK_PRESTART,
  RUNCGO_HOOK_CREATE_RUNTIME,
  RUNCGO_HOOK_CREATE_CONTAINER,
  RUNCGO_HOOK_START_CONTAINER,
  RUNCGO_HOOK_POSTSTART,
  RUNCGO_HOOK_POSTSTOP,
  RUNCGO_HOOK_KINDS
};

struct runcgo_hooks
{
  struct runcgo_hook *list[RUNCGO_HOOK_KINDS];
  size_t n[RUNCGO_HOOK_KINDS];
  /* not from JSON: run.oci.hooks.stdout/stderr opened for writing by
   * runcgo_hooks_open_output (linux/hooks.c); 0 = the runtime's own */
  int out_fd, err_fd;
};
extern const char *const runcgo_hook_kind_names[RUNCGO_HOOK_KINDS]; /* "prestart", "createRuntime", ... */

/* ---------------------------------------------------------------- linux */
enum runcgo_ns_kind
{
  RUNCGO_NS_PID,
  RUNCGO_NS_NETWORK,
  RUNCGO_NS_MOUNT,
  RUNCGO_NS_IPC,
  RUNCGO_NS_UTS,
  RUNCGO_NS_USER,
  RUNCGO_NS_CGROUP,
  RUNCGO_NS_TIME,
  RUNCGO_NS_KINDS
};
/* spec name ("pid", "network", ...), /proc/PID/ns name ("pid", "net", ...), CLONE_NEW* flag */
extern const char *const runcgo_ns_spec_names[RUNCGO_NS_KINDS];
extern const char *const runcgo_ns_proc_names[RUNCGO_NS_KINDS];
extern const int runcgo_ns_clone_flags[RUNCGO_NS_KINDS];

struct runcgo_namespace
{
  enum runcgo_ns_kind kind;
  char *path; /* NULL = create a new one */
};

struct runcgo_device
{
  char *path;
  char type; /* 'c', 'b', 'u', 'p' */
  int64_t major, minor;
  runcgo_opt_u64 file_mode;
  runcgo_opt_u64 uid, gid;
};

struct runcgo_net_device
{
  char *host_name; /* key of linux.netDevices */
  char *name;      /* name inside the container; NULL = same */
};

struct runcgo_time_offset
{
  bool set;
  int64_t secs;
  uint32_t nanosecs;
};

struct runcgo_seccomp_arg
{
  uint32_t index;
  uint64_t value;
  runcgo_opt_u64 value_two;
  char *op; /* SCMP_CMP_* */
};

struct runcgo_seccomp_syscall
{
  char **names;
  char *action;
  runcgo_opt_u64 errno_ret;
  struct runcgo_seccomp_arg *args;
  size_t n_args;
};

struct runcgo_seccomp
{
  char *default_action;
  runcgo_opt_u64 default_errno_ret;
  char **architectures;
  char **flags;
  char *listener_path;
  char *listener_metadata;
  struct runcgo_seccomp_syscall *syscalls;
  size_t n_syscalls;
  bool fail_unknown; /* not from JSON: run.oci.seccomp_fail_unknown_syscall */
  char *plugins;     /* not from JSON: run.oci.seccomp.plugins, checked (see load.c) */
};

/* linux.resources */
struct runcgo_device_cgroup
{
  bool allow;
  char *type;   /* "a", "c", "b" or NULL (= all) */
  runcgo_opt_i64 major, minor;
  char *access; /* "rwm" subset or NULL */
};

struct runcgo_block_weight_device
{
  int64_t major, minor;
  runcgo_opt_u64 weight, leaf_weight;
};

struct runcgo_block_throttle_device
{
  int64_t major, minor;
  uint64_t rate;
};

struct runcgo_block_io
{
  runcgo_opt_u64 weight, leaf_weight;
  struct runcgo_block_weight_device *weight_device;
  size_t n_weight_device;
  struct runcgo_block_throttle_device *throttle[4]; /* read bps, write bps, read iops, write iops */
  size_t n_throttle[4];
};

struct runcgo_memory
{
  runcgo_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
  runcgo_opt_u64 swappiness;
  runcgo_opt_bool disable_oom_killer, use_hierarchy, check_before_update;
};

struct runcgo_cpu
{
  runcgo_opt_u64 shares, period, burst, realtime_period;
  runcgo_opt_i64 quota, realtime_runtime, idle;
  char *cpus, *mems;
};

struct runcgo_hugepage_limit
{
  char *page_size; /* "2MB" */
  uint64_t limit;
};

struct runcgo_net_priority
{
  char *name;
  uint32_t priority;
};

struct runcgo_rdma
{
  char *device;
  runcgo_opt_u64 hca_handles, hca_objects;
};

struct runcgo_resources
{
  struct runcgo_device_cgroup *devices;
  size_t n_devices;
  struct runcgo_memory *memory;
  struct runcgo_cpu *cpu;
  runcgo_opt_i64 pids_limit;
  struct runcgo_block_io *block_io;
  struct runcgo_hugepage_limit *hugepage_limits;
  size_t n_hugepage_limits;
  runcgo_opt_u64 net_class_id;
  struct runcgo_net_priority *net_priorities;
  size_t n_net_priorities;
  struct runcgo_rdma *rdma;
  size_t n_rdma;
  struct runcgo_kv *unified;
  size_t n_unified;
};

struct runcgo_intel_rdt
{
  char *clos_id;
  char **schemata;
  char *l3_cache_schema;
  char *mem_bw_schema;
  bool enable_monitoring;
};

struct runcgo_memory_policy
{
  char *mode;  /* MPOL_* */
  char *nodes;
  char **flags;
};

struct runcgo_personality
{
  char *domain; /* LINUX / LINUX32 */
  char **flags;
};

struct runcgo_linux
{
  struct runcgo_namespace *namespaces;
  size_t n_namespaces;
  struct runcgo_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct runcgo_time_offset time_monotonic, time_boottime;
  struct runcgo_device *devices;
  size_t n_devices;
  struct runcgo_net_device *net_devices;
  size_t n_net_devices;
  char *cgroups_path;
  struct runcgo_resources *resources; /* NULL = absent */
  char *rootfs_propagation;
  struct runcgo_seccomp *seccomp;     /* NULL = absent */
  struct runcgo_kv *sysctl;
  size_t n_sysctl;
  char **masked_paths;
  char **readonly_paths;
  char *mount_label;
  struct runcgo_intel_rdt *intel_rdt;
  struct runcgo_memory_policy *memory_policy;
  struct runcgo_personality *personality;
};

/* ---------------------------------------------------------------- spec */
struct runcgo_spec
{
  char *oci_version;
  char *root_path; /* as written (relative to the bundle or absolute) */
  bool root_readonly;
  struct runcgo_process *process; /* NULL = absent: create accepts it, start and run refuse it */
  char *hostname;
  char *domainname;
  struct runcgo_mount *mounts;
  size_t n_mounts;
  struct runcgo_hooks hooks;
  struct runcgo_kv *annotations;
  size_t n_annotations;
  struct runcgo_linux *linux_; /* NULL = absent */
};

/* load.c: parse JSON text into a spec.  Wrong JSON types and malformed JSON are
 * errors naming the field path ("process.user.uid: expected an unsigned
 * integer, got string").  Unknown fields are ignored (the spec allows them). */
int runcgo_spec_parse (const char *json, size_t len, struct runcgo_spec **out, runcgo_error_t *err);
/* Read and parse BUNDLE/config.json; errors name the file. */
/* validate.c: the checks of mounts[I] (also for `mounts add`'s file). */
int runcgo_spec_validate_mount (const struct runcgo_spec *spec, size_t i, runcgo_error_t *err);
int runcgo_spec_load (const char *bundle, struct runcgo_spec **out, runcgo_error_t *err);
/* The same from CONFIG (an absolute path) instead of BUNDLE/config.json when
 * CONFIG is not NULL (create/run --config). */
int runcgo_spec_load_file (const char *bundle, const char *config, struct runcgo_spec **out, runcgo_error_t *err);
/* Parse a process object alone (exec -p process.json). */
int runcgo_process_parse (const char *json, size_t len, struct runcgo_process **out, runcgo_error_t *err);
/* Parse a linux.resources object alone (update -r FILE); errors name the
 * fields as "linux.resources.memory.limit". */
int runcgo_resources_parse (const char *json, size_t len, struct runcgo_resources **out, runcgo_error_t *err);
void runcgo_spec_free (struct runcgo_spec *spec);
void runcgo_process_free (struct runcgo_process *p);
void runcgo_resources_free (struct runcgo_resources *r);

/* validate.c: every semantic check, before any side effect.  Reports the
 * first problem, naming the field ("linux.namespaces[2].type: unknown
 * namespace \"foo\"") and what to do. */
enum runcgo_validate_flags
{
  RUNCGO_VALIDATE_NEED_PROCESS = 1 << 0, /* run/restore: process is required (create accepts none) */
  RUNCGO_VALIDATE_ROOTLESS = 1 << 1,
  RUNCGO_VALIDATE_STRICT_DEVICES = 1 << 2, /* --device-policy strict */
};
/* "strict": linux.devices may hold only the safe set (null, zero, full,
 * random, urandom, tty, console, ptmx, pty slaves); "default": anything. */
#define RUNCGO_ANNOTATION_DEVICE_POLICY "run.oci.runcgo.device-policy"
int runcgo_spec_validate (const struct runcgo_spec *spec, unsigned flags, runcgo_error_t *err);
int runcgo_process_validate (const struct runcgo_process *p, const char *field, runcgo_error_t *err);
int runcgo_resources_validate (const struct runcgo_resources *r, runcgo_error_t *err);

/* lookups shared by validate.c and the appliers */
const struct runcgo_namespace *runcgo_spec_namespace (const struct runcgo_spec *spec, enum runcgo_ns_kind kind);
const char *runcgo_spec_annotation (const struct runcgo_spec *spec, const char *key);
/* run.oci.keep_original_groups (crun): present and not "0" = the process
 * keeps the runtime's supplementary groups (no setgroups call). */
#define RUNCGO_ANN_KEEP_GROUPS "run.oci.keep_original_groups"
/* run.oci.seccomp_fail_unknown_syscall (crun): present and not "0" = a
 * syscall name libseccomp does not know is an error, not skipped. */
#define RUNCGO_ANN_SECCOMP_FAIL_UNKNOWN "run.oci.seccomp_fail_unknown_syscall"
/* run.oci.systemd.force_cgroup_v1=/PATH (crun): a v1 "name=systemd"
 * hierarchy mounted over PATH, after the config's mounts. */
#define RUNCGO_ANN_FORCE_CGROUP_V1 "run.oci.systemd.force_cgroup_v1"
/* run.oci.mount_context_type (crun): context|fscontext|defcontext|rootcontext. */
#define RUNCGO_ANN_MOUNT_CONTEXT_TYPE "run.oci.mount_context_type"
/* run.oci.pidfd_receiver (crun): a socket that gets the init's pidfd, as
 * with create --pidfd-socket (which wins when both are given). */
#define RUNCGO_ANN_PIDFD_RECEIVER "run.oci.pidfd_receiver"
/* run.oci.seccomp.receiver (crun): linux.seccomp.listenerPath when absent. */
#define RUNCGO_ANN_SECCOMP_RECEIVER "run.oci.seccomp.receiver"
/* run.oci.seccomp.plugins (crun): PLUGIN[:PLUGIN...], shared libraries that
 * answer the SCMP_ACT_NOTIFY syscalls (security/seccomp_plugins.h). */
#define RUNCGO_ANN_SECCOMP_PLUGINS "run.oci.seccomp.plugins"
bool runcgo_spec_keeps_groups (const struct runcgo_spec *spec);
/* The same in a bare list (a state's annotations). */
const char *runcgo_kv_get (const struct runcgo_kv *kv, size_t n, const char *key);
int runcgo_rlimit_from_name (const char *name); /* -1 when unknown */

#endif
