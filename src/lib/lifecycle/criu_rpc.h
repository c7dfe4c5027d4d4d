/* criu_rpc.h -- the part of CRIU's RPC (images/rpc.proto, "criu swrk") that
 * runcgo speaks: the minimal protobuf codec, and the transport (a criu
 * service worker on one end of a SOCK_SEQPACKET socketpair, one message per
 * packet, as runc drives it).
 *
 * bookworm ships no libcriu-dev and pulling in protobuf-c for a dozen fields
 * is not worth it: requests are encoded and responses decoded here, by field
 * number (proto2 wire format: varints, length-delimited strings and nested
 * messages).  The codec is pure and unit-tested (tests/unit/test_criu_rpc.c). */
#ifndef RUNCGO_CRIU_RPC_H
#define RUNCGO_CRIU_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/types.h>

#include "core/error.h"

/* criu_req_type */
enum runcgo_criu_type
{
  RUNCGO_CRIU_EMPTY = 0,
  RUNCGO_CRIU_DUMP = 1,
  RUNCGO_CRIU_RESTORE = 2,
  RUNCGO_CRIU_CHECK = 3,
  RUNCGO_CRIU_PRE_DUMP = 4,
  RUNCGO_CRIU_NOTIFY = 6,
  RUNCGO_CRIU_FEATURE_CHECK = 9,
  RUNCGO_CRIU_VERSION = 10,
};
const char *runcgo_criu_type_name (int type);

/* criu_cg_mode */
enum runcgo_criu_cg_mode
{
  RUNCGO_CRIU_CG_IGNORE = 0,
  RUNCGO_CRIU_CG_NONE = 1,
  RUNCGO_CRIU_CG_PROPS = 2,
  RUNCGO_CRIU_CG_SOFT = 3,
  RUNCGO_CRIU_CG_FULL = 4,
  RUNCGO_CRIU_CG_STRICT = 5,
  RUNCGO_CRIU_CG_DEFAULT = 6,
};
/* "ADDRESS:PORT" (runc's --page-server; the address may be empty, the last
 * colon splits, so "[::1]:27" works) into a malloc'ed address and a port. */
int runcgo_criu_page_server_parse (const char *s, char **address, int *port, runcgo_error_t *err);

/* criu_network_lock_method */
enum runcgo_criu_network_lock
{
  RUNCGO_CRIU_NETLOCK_DEFAULT = 0, /* not sent */
  RUNCGO_CRIU_NETLOCK_IPTABLES = 1,
  RUNCGO_CRIU_NETLOCK_NFTABLES = 2,
  RUNCGO_CRIU_NETLOCK_SKIP = 3,
};
/* "iptables", "nftables", "skip" (crun's --network-lock) */
int runcgo_criu_network_lock_parse (const char *s, enum runcgo_criu_network_lock *out);

/* "soft", "full", "strict", "ignore" (runc's --manage-cgroups-mode) */
int runcgo_criu_cg_mode_parse (const char *s, enum runcgo_criu_cg_mode *out);

struct runcgo_criu_kv /* ext_mount_map */
{
  const char *key;
  const char *val;
};
struct runcgo_criu_inherit_fd
{
  const char *key;
  int fd;
};
struct runcgo_criu_cg_root
{
  const char *ctrl; /* NULL = not sent (every controller) */
  const char *path;
};

/* criu_opts: only what is set is sent (0/false/NULL/-1 = absent). */
struct runcgo_criu_opts
{
  int images_dir_fd;  /* required: always sent */
  int work_dir_fd;    /* -1 = absent */
  pid_t pid;
  int log_level;      /* 0 = absent (criu's default, 2) */
  const char *log_file;
  const char *root;
  const char *parent_img;
  const char *freeze_cgroup;
  bool leave_running, ext_unix_sk, tcp_established, evasive_devices, shell_job, file_locks;
  bool notify_scripts, track_mem, manage_cgroups, rst_sibling, orphan_pts_master;
  bool auto_dedup, link_remap, tcp_skip_in_flight, tcp_close, lazy_pages;
  int status_fd;                 /* -1 = absent */
  const char *ps_address;        /* page server (lazy pages); NULL = absent */
  int ps_port;
  unsigned empty_ns;             /* CLONE_NEW* flags of namespaces restored empty */
  const char *lsm_profile, *lsm_mount_context;
  enum runcgo_criu_network_lock network_lock; /* 0 = absent (criu's default, iptables) */
  bool has_manage_cgroups_mode;
  enum runcgo_criu_cg_mode manage_cgroups_mode;
  const struct runcgo_criu_kv *ext_mnt;
  size_t n_ext_mnt;
  const struct runcgo_criu_cg_root *cg_root;
  size_t n_cg_root;
  const struct runcgo_criu_inherit_fd *inherit_fd;
  size_t n_inherit_fd;
  char *const *external;
  size_t n_external;
};
void runcgo_criu_opts_init (struct runcgo_criu_opts *o);

/* criu_req */
struct runcgo_criu_req
{
  enum runcgo_criu_type type;
  const struct runcgo_criu_opts *opts; /* NULL = absent */
  bool notify_success;                 /* the answer to a NOTIFY */
};
/* Pure: the request's wire bytes (*out is the caller's, never NULL). */
void runcgo_criu_req_encode (const struct runcgo_criu_req *req, uint8_t **out, size_t *len);

/* criu_resp: what runcgo reads of it (unknown fields are skipped). */
struct runcgo_criu_resp
{
  int type;
  bool success;
  bool has_cr_errno;
  int cr_errno;
  char *cr_errmsg;       /* NULL when absent */
  bool has_restore_pid;
  pid_t restore_pid;     /* restore.pid */
  char *notify_script;   /* notify.script ("post-dump", "post-restore", ...) */
  bool has_notify_pid;
  pid_t notify_pid;      /* notify.pid */
  bool has_version;
  int version_major, version_minor, version_sublevel;
  char *version_gitid;
};
/* Pure: parse one response; a malformed message or a missing required field
 * (type, success) is an error naming the problem. */
int runcgo_criu_resp_decode (const uint8_t *buf, size_t len, struct runcgo_criu_resp *out, runcgo_error_t *err);
void runcgo_criu_resp_clear (struct runcgo_criu_resp *r);

/* ---------------------------------------------------------------- transport */
/* `criu` from PATH when path is NULL or has no slash; the absolute path
 * (caller frees) or an error naming the package to install. */
int runcgo_criu_find (const char *path, char **out, runcgo_error_t *err);

struct runcgo_criu_spawn
{
  const char *criu;         /* from runcgo_criu_find */
  const int *pass_fds;      /* fds criu must inherit (opts refer to them by number) */
  size_t n_pass_fds;
  const sigset_t *sigmask;  /* the mask criu starts with; NULL = the caller's */
};
struct runcgo_criu_swrk
{
  pid_t pid;
  int sock;
};
/* Start `criu swrk FD`; returns once criu is exec'd (an exec failure is
 * reported here, with the step that failed). */
int runcgo_criu_swrk_start (const struct runcgo_criu_spawn *s, struct runcgo_criu_swrk *w, runcgo_error_t *err);
int runcgo_criu_send (struct runcgo_criu_swrk *w, const struct runcgo_criu_req *req, runcgo_error_t *err);
/* One response; *fd gets a descriptor passed with it (SCM_RIGHTS, as with
 * the "orphan-pts-master" notification) or -1.  criu gone (EOF, reset) is an
 * error with status EPIPE, as is a send to a criu that is gone. */
int runcgo_criu_recv (struct runcgo_criu_swrk *w, struct runcgo_criu_resp *resp, int *fd, runcgo_error_t *err);
/* Close the socket, reap criu; its wait status, or -1. */
int runcgo_criu_swrk_finish (struct runcgo_criu_swrk *w);

#endif
