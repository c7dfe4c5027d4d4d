/* security.h -- identity, capabilities and seccomp for the container process.
 *
 * caps.c     capability names <-> numbers, and runcgo_identity_apply(): the one
 *            ordered sequence keepcaps -> bounding -> groups/gid/uid -> capset
 *            -> ambient that every runtime must get exactly right
 * seccomp.c  compile linux.seccomp to BPF in the parent (errors before any
 *            side effect), load it in the child
 * seccomp_cache.c  the compiled BPF cached by content hash under the state root
 * exe_shield.c  make /proc/PID/exe of the runtime useless to a container
 *            (CVE-2019-5736) without a re-exec */
#ifndef RUNCGO_SECURITY_H
#define RUNCGO_SECURITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "spec/spec.h"

/* "CAP_SYS_ADMIN" -> 21; -1 when unknown to libcap/the kernel headers */
int runcgo_cap_from_name (const char *name);
/* Highest capability the running kernel knows (/proc/sys/kernel/cap_last_cap). */
int runcgo_cap_last (void);

/* In the container init, after mounts and before exec: set groups, gid, uid
 * (keeping capabilities across the uid change), then the five capability
 * sets.  caps == NULL keeps the current sets but still drops them per the
 * uid change rules. */
int runcgo_identity_apply (const struct runcgo_user *user, const struct runcgo_caps *caps, runcgo_error_t *err);

/* A compiled filter: raw BPF, ready for seccomp(2). */
struct runcgo_seccomp_filter
{
  void *bpf;       /* struct sock_filter[] */
  size_t len;      /* number of instructions */
  unsigned int flags; /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
  bool notify;     /* the filter uses SCMP_ACT_NOTIFY (listener fd wanted) */
};
int runcgo_seccomp_compile (const struct runcgo_seccomp *s, struct runcgo_seccomp_filter **out, runcgo_error_t *err);
/* The container's filter: linux.seccomp through the cache below, or the raw
 * program of crun's annotation run.oci.seccomp_bpf_data (base64 of struct
 * sock_filter[]), which replaces it; *out NULL when there is none. */
#define RUNCGO_ANN_SECCOMP_BPF_DATA "run.oci.seccomp_bpf_data"
int runcgo_seccomp_prepare (const struct runcgo_spec *spec, int root_fd, struct runcgo_seccomp_filter **out,
                            runcgo_error_t *err);
/* Load in the calling thread; returns the listener fd when notify, else 0. */
int runcgo_seccomp_load (const struct runcgo_seccomp_filter *f, runcgo_error_t *err);
void runcgo_seccomp_filter_free (struct runcgo_seccomp_filter *f);

/* seccomp_cache.c: runcgo_seccomp_compile() through a cache of compiled
 * filters under the state root (ROOT_FD; -1 = compile only), keyed by the
 * SHA-256 of the section, libseccomp, runcgo and the kernel. */
int runcgo_seccomp_compile_cached (const struct runcgo_seccomp *s, int root_fd, struct runcgo_seccomp_filter **out,
                                   runcgo_error_t *err);
/* The pieces, for tests: the key; the cache dir (<root>/.cache/seccomp, made
 * 0700, refused unless ours and private; -1 if unusable); one entry
 * (1 = valid hit; 0 = missing, truncated or corrupted); a best-effort write. */
void runcgo_seccomp_cache_key (const struct runcgo_seccomp *s, uint8_t key[32]);
int runcgo_seccomp_cache_open (int root_fd);
int runcgo_seccomp_cache_read (int dir_fd, const uint8_t key[32], struct runcgo_seccomp_filter **out);
void runcgo_seccomp_cache_write (int dir_fd, const uint8_t key[32], const struct runcgo_seccomp_filter *f);

/* lsm.c: process.apparmorProfile / selinuxLabel take effect at execve
 * (written to /proc/thread-self/attr/...exec just before it).  Asking for a
 * label on a host without that LSM is an error that says so (never silently
 * unconfined). */
bool runcgo_apparmor_enabled (void);
bool runcgo_selinux_enabled (void);
int runcgo_lsm_apply_exec_labels (const struct runcgo_process *p, runcgo_error_t *err);
/* The SELinux label of the keys this thread creates from now on
 * (/proc/thread-self/attr/keycreate; runc's SetKeyLabel around the session
 * keyring): LABEL NULL or "" resets it.  Nothing without SELinux. */
int runcgo_selinux_set_keycreate (const char *label, runcgo_error_t *err);

/* Before cloning into a container that has no user namespace: this
 * process's /proc/self/exe becomes an empty sealed memfd and no mapping of the
 * runtime's binary is left (children inherit both).  Idempotent. */
int runcgo_exe_shield (runcgo_error_t *err);
/* Whether a new container's init needs the shield (exe_shield.c says when
 * it does not); run_mode: a `run`, whose init execs without waiting. */
bool runcgo_exe_shield_needed (const struct runcgo_spec *spec, bool run_mode);
/* "dev:ino" of /proc/PID/exe (0: our own), NULL if it cannot be read. */
char *runcgo_exe_identity (pid_t pid);
/* `exec` into a container whose init ran unshielded (state unshielded_exe
 * = IDENTITY): wait until the init has exec'd the container process, so
 * that nothing exec starts shares the pid namespace with the runtime. */
int runcgo_exe_wait_init_exec (pid_t pid, const char *identity, runcgo_error_t *err);

#endif
