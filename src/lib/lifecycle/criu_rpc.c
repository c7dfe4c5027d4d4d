/* criu_rpc.c -- encode CRIU RPC requests, decode its responses.
 *
 * Protobuf (proto2) wire format, only what rpc.proto's messages use here:
 * a field is a varint key (number << 3 | wire type) followed by a varint
 * (type 0: bool, enum, int32, uint32) or a varint length and that many bytes
 * (type 2: string, nested message).  A negative int32 is sign-extended to
 * 64 bits, so it takes ten bytes.  The decoder skips every field it does not
 * know (types 0, 1, 2 and 5) so newer criu releases can add fields freely.
 *
 * The transport at the end starts `criu swrk FD` with the other end of a
 * SOCK_SEQPACKET socketpair: one request or response per packet, and the
 * "orphan-pts-master" notification carries the pty master as SCM_RIGHTS. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "core/util.h"
#include "criu_rpc.h"

enum
{
  WIRE_VARINT = 0,
  WIRE_FIXED64 = 1,
  WIRE_LEN = 2,
  WIRE_FIXED32 = 5,
};

/* Field numbers of rpc.proto. */
enum
{
  REQ_TYPE = 1,
  REQ_OPTS = 2,
  REQ_NOTIFY_SUCCESS = 3,

  OPT_IMAGES_DIR_FD = 1,
  OPT_PID = 2,
  OPT_LEAVE_RUNNING = 3,
  OPT_EXT_UNIX_SK = 4,
  OPT_TCP_ESTABLISHED = 5,
  OPT_EVASIVE_DEVICES = 6,
  OPT_SHELL_JOB = 7,
  OPT_FILE_LOCKS = 8,
  OPT_LOG_LEVEL = 9,
  OPT_LOG_FILE = 10,
  OPT_NOTIFY_SCRIPTS = 12,
  OPT_ROOT = 13,
  OPT_PARENT_IMG = 14,
  OPT_PS = 11,
  OPT_TRACK_MEM = 15,
  OPT_AUTO_DEDUP = 16,
  OPT_WORK_DIR_FD = 17,
  OPT_LINK_REMAP = 18,
  OPT_EXT_MNT = 23,
  OPT_MANAGE_CGROUPS = 24,
  OPT_CG_ROOT = 25,
  OPT_RST_SIBLING = 26,
  OPT_INHERIT_FD = 27,
  OPT_MANAGE_CGROUPS_MODE = 34,
  OPT_EXTERNAL = 37,
  OPT_EMPTY_NS = 38,
  OPT_FREEZE_CGROUP = 44,
  OPT_TCP_SKIP_IN_FLIGHT = 46,
  OPT_LAZY_PAGES = 48,
  OPT_STATUS_FD = 49,
  OPT_ORPHAN_PTS_MASTER = 50,
  OPT_TCP_CLOSE = 52,
  OPT_LSM_PROFILE = 53,
  OPT_LSM_MOUNT_CONTEXT = 63,
  OPT_NETWORK_LOCK = 64,

  /* criu_page_server_info */
  PS_ADDRESS = 1,
  PS_PORT = 2,

  /* ext_mount_map, cgroup_root, inherit_fd: key/ctrl = 1, val/path/fd = 2 */
  PAIR_FIRST = 1,
  PAIR_SECOND = 2,

  RESP_TYPE = 1,
  RESP_SUCCESS = 2,
  RESP_RESTORE = 4,
  RESP_NOTIFY = 5,
  RESP_CR_ERRNO = 7,
  RESP_CR_ERRMSG = 9,
  RESP_VERSION = 10,

  RESTORE_PID = 1,
  NOTIFY_SCRIPT = 1,
  NOTIFY_PID = 2,
  VERSION_MAJOR = 1,
  VERSION_MINOR = 2,
  VERSION_GITID = 3,
  VERSION_SUBLEVEL = 4,
};

const char *
runcgo_criu_type_name (int type)
{
  static const char *const names[] = {
    [RUNCGO_CRIU_EMPTY] = "EMPTY",     [RUNCGO_CRIU_DUMP] = "DUMP",         [RUNCGO_CRIU_RESTORE] = "RESTORE",
    [RUNCGO_CRIU_CHECK] = "CHECK",     [RUNCGO_CRIU_PRE_DUMP] = "PRE_DUMP", [5] = "PAGE_SERVER",
    [RUNCGO_CRIU_NOTIFY] = "NOTIFY",   [7] = "CPUINFO_DUMP",                [8] = "CPUINFO_CHECK",
    [RUNCGO_CRIU_FEATURE_CHECK] = "FEATURE_CHECK", [RUNCGO_CRIU_VERSION] = "VERSION",
  };
  if (type < 0 || (size_t) type >= ARRAY_SIZE (names) || names[type] == NULL)
    return "unknown";
  return names[type];
}

int
runcgo_criu_cg_mode_parse (const char *s, enum runcgo_criu_cg_mode *out)
{
  static const struct
  {
    const char *name;
    enum runcgo_criu_cg_mode mode;
  } modes[] = { { "soft", RUNCGO_CRIU_CG_SOFT },
                { "full", RUNCGO_CRIU_CG_FULL },
                { "strict", RUNCGO_CRIU_CG_STRICT },
                { "ignore", RUNCGO_CRIU_CG_IGNORE } };
  for (size_t i = 0; i < ARRAY_SIZE (modes); i++)
    if (strcmp (s, modes[i].name) == 0)
      {
        *out = modes[i].mode;
        return 0;
      }
  return -1;
}

int
runcgo_criu_page_server_parse (const char *s, char **address, int *port, runcgo_error_t *err)
{
  const char *colon = strrchr (s, ':');
  char *end = NULL;
  long p = colon ? strtol (colon + 1, &end, 10) : 0;
  if (colon == NULL || end == colon + 1 || *end != '\0' || p <= 0 || p > 65535)
    return runcgo_fail_hint (err, 0, "give it as ADDRESS:PORT, e.g. 192.168.1.2:27",
                             "--page-server \"%s\": no valid port", s);
  size_t n = (size_t) (colon - s);
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') /* [v6]:port */
    *address = strndup (s + 1, n - 2);
  else
    *address = strndup (s, n);
  if (*address == NULL)
    return runcgo_fail (err, ENOMEM, "--page-server");
  *port = (int) p;
  return 0;
}

int
runcgo_criu_network_lock_parse (const char *s, enum runcgo_criu_network_lock *out)
{
  static const char *const names[] = { "iptables", "nftables", "skip" };
  for (size_t i = 0; i < ARRAY_SIZE (names); i++)
    if (strcmp (s, names[i]) == 0)
      {
        *out = (enum runcgo_criu_network_lock) (i + 1);
        return 0;
      }
  return -1;
}

void
runcgo_criu_opts_init (struct runcgo_criu_opts *o)
{
  memset (o, 0, sizeof (*o));
  o->images_dir_fd = -1;
  o->work_dir_fd = -1;
  o->status_fd = -1;
}

/* ---------------------------------------------------------------- encoder */
struct pb_buf
{
  uint8_t *data;
  size_t len, cap;
};

static void
pb_reserve (struct pb_buf *b, size_t more)
{
  if (b->len + more <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + more)
    cap *= 2;
  b->data = xrealloc (b->data, cap);
  b->cap = cap;
}

static void
pb_raw_varint (struct pb_buf *b, uint64_t v)
{
  pb_reserve (b, 10);
  do
    {
      uint8_t byte = v & 0x7f;
      v >>= 7;
      b->data[b->len++] = byte | (v ? 0x80 : 0);
    }
  while (v);
}

static void
pb_key (struct pb_buf *b, unsigned field, unsigned wire)
{
  pb_raw_varint (b, ((uint64_t) field << 3) | wire);
}

static void
pb_uint (struct pb_buf *b, unsigned field, uint64_t v)
{
  pb_key (b, field, WIRE_VARINT);
  pb_raw_varint (b, v);
}

/* int32: negative values are sign-extended to 64 bits (ten bytes) */
static void
pb_int32 (struct pb_buf *b, unsigned field, int32_t v)
{
  pb_uint (b, field, (uint64_t) (int64_t) v);
}

static void
pb_bool (struct pb_buf *b, unsigned field, bool v)
{
  if (v)
    pb_uint (b, field, 1);
}

static void
pb_bytes (struct pb_buf *b, unsigned field, const void *data, size_t len)
{
  pb_key (b, field, WIRE_LEN);
  pb_raw_varint (b, len);
  pb_reserve (b, len);
  if (len)
    memcpy (b->data + b->len, data, len);
  b->len += len;
}

static void
pb_string (struct pb_buf *b, unsigned field, const char *s)
{
  if (s)
    pb_bytes (b, field, s, strlen (s));
}

/* a nested message: encoded apart, then added as a length-delimited field */
static void
pb_message (struct pb_buf *b, unsigned field, struct pb_buf *sub)
{
  pb_bytes (b, field, sub->data, sub->len);
  free (sub->data);
  memset (sub, 0, sizeof (*sub));
}

static void
encode_pair (struct pb_buf *b, unsigned field, const char *first, const char *second)
{
  struct pb_buf sub = { 0 };
  pb_string (&sub, PAIR_FIRST, first);
  pb_string (&sub, PAIR_SECOND, second);
  pb_message (b, field, &sub);
}

static void
encode_inherit_fd (struct pb_buf *b, const struct runcgo_criu_inherit_fd *i)
{
  struct pb_buf sub = { 0 };
  pb_string (&sub, PAIR_FIRST, i->key);
  pb_int32 (&sub, PAIR_SECOND, i->fd);
  pb_message (b, OPT_INHERIT_FD, &sub);
}

/* criu_page_server_info: where a lazy-pages dump serves its memory */
static void
encode_page_server (struct pb_buf *b, const char *address, int port)
{
  struct pb_buf sub = { 0 };
  pb_string (&sub, PS_ADDRESS, address);
  pb_int32 (&sub, PS_PORT, port);
  pb_message (b, OPT_PS, &sub);
}

/* Fields in ascending number order, as protobuf's own encoders write them
 * (decoders do not care, but it makes the bytes comparable in tests). */
static void
encode_opts (struct pb_buf *b, const struct runcgo_criu_opts *o)
{
  pb_int32 (b, OPT_IMAGES_DIR_FD, o->images_dir_fd);
  if (o->pid > 0)
    pb_int32 (b, OPT_PID, o->pid);
  pb_bool (b, OPT_LEAVE_RUNNING, o->leave_running);
  pb_bool (b, OPT_EXT_UNIX_SK, o->ext_unix_sk);
  pb_bool (b, OPT_TCP_ESTABLISHED, o->tcp_established);
  pb_bool (b, OPT_EVASIVE_DEVICES, o->evasive_devices);
  pb_bool (b, OPT_SHELL_JOB, o->shell_job);
  pb_bool (b, OPT_FILE_LOCKS, o->file_locks);
  if (o->log_level > 0)
    pb_int32 (b, OPT_LOG_LEVEL, o->log_level);
  pb_string (b, OPT_LOG_FILE, o->log_file);
  if (o->ps_address)
    encode_page_server (b, o->ps_address, o->ps_port);
  pb_bool (b, OPT_NOTIFY_SCRIPTS, o->notify_scripts);
  pb_string (b, OPT_ROOT, o->root);
  pb_string (b, OPT_PARENT_IMG, o->parent_img);
  pb_bool (b, OPT_TRACK_MEM, o->track_mem);
  pb_bool (b, OPT_AUTO_DEDUP, o->auto_dedup);
  if (o->work_dir_fd >= 0)
    pb_int32 (b, OPT_WORK_DIR_FD, o->work_dir_fd);
  pb_bool (b, OPT_LINK_REMAP, o->link_remap);
  for (size_t i = 0; i < o->n_ext_mnt; i++)
    encode_pair (b, OPT_EXT_MNT, o->ext_mnt[i].key, o->ext_mnt[i].val);
  pb_bool (b, OPT_MANAGE_CGROUPS, o->manage_cgroups);
  for (size_t i = 0; i < o->n_cg_root; i++)
    encode_pair (b, OPT_CG_ROOT, o->cg_root[i].ctrl, o->cg_root[i].path);
  pb_bool (b, OPT_RST_SIBLING, o->rst_sibling);
  for (size_t i = 0; i < o->n_inherit_fd; i++)
    encode_inherit_fd (b, &o->inherit_fd[i]);
  if (o->has_manage_cgroups_mode)
    pb_uint (b, OPT_MANAGE_CGROUPS_MODE, (uint64_t) o->manage_cgroups_mode);
  for (size_t i = 0; i < o->n_external; i++)
    pb_string (b, OPT_EXTERNAL, o->external[i]);
  if (o->empty_ns)
    pb_uint (b, OPT_EMPTY_NS, o->empty_ns);
  pb_string (b, OPT_FREEZE_CGROUP, o->freeze_cgroup);
  pb_bool (b, OPT_TCP_SKIP_IN_FLIGHT, o->tcp_skip_in_flight);
  pb_bool (b, OPT_LAZY_PAGES, o->lazy_pages);
  if (o->status_fd >= 0)
    pb_int32 (b, OPT_STATUS_FD, o->status_fd);
  pb_bool (b, OPT_ORPHAN_PTS_MASTER, o->orphan_pts_master);
  pb_bool (b, OPT_TCP_CLOSE, o->tcp_close);
  pb_string (b, OPT_LSM_PROFILE, o->lsm_profile);
  pb_string (b, OPT_LSM_MOUNT_CONTEXT, o->lsm_mount_context);
  if (o->network_lock)
    pb_uint (b, OPT_NETWORK_LOCK, (uint64_t) o->network_lock);
}

void
runcgo_criu_req_encode (const struct runcgo_criu_req *req, uint8_t **out, size_t *len)
{
  struct pb_buf b = { 0 }, sub = { 0 };
  pb_uint (&b, REQ_TYPE, (uint64_t) req->type);
  if (req->opts)
    {
      encode_opts (&sub, req->opts);
      pb_message (&b, REQ_OPTS, &sub);
    }
  pb_bool (&b, REQ_NOTIFY_SUCCESS, req->notify_success);
  *out = b.data;
  *len = b.len;
}

/* ---------------------------------------------------------------- decoder */
struct pb_reader
{
  const uint8_t *p, *end;
};

struct pb_field
{
  unsigned number;
  unsigned wire;
  uint64_t varint;         /* WIRE_VARINT */
  const uint8_t *data;     /* WIRE_LEN */
  size_t len;
};

static int
pb_read_varint (struct pb_reader *r, uint64_t *out)
{
  uint64_t v = 0;
  for (unsigned shift = 0; shift < 64; shift += 7)
    {
      if (r->p >= r->end)
        return -1;
      uint8_t byte = *r->p++;
      v |= (uint64_t) (byte & 0x7f) << shift;
      if (!(byte & 0x80))
        {
          *out = v;
          return 0;
        }
    }
  return -1; /* more than ten bytes */
}

/* Next field, or 1 at the end of the message; -1 when malformed. */
static int
pb_next (struct pb_reader *r, struct pb_field *f)
{
  uint64_t key;
  if (r->p == r->end)
    return 1;
  if (pb_read_varint (r, &key) < 0 || (key >> 3) == 0 || (key >> 3) > 0x1fffffff)
    return -1;
  memset (f, 0, sizeof (*f));
  f->number = (unsigned) (key >> 3);
  f->wire = (unsigned) (key & 7);
  switch (f->wire)
    {
    case WIRE_VARINT:
      return pb_read_varint (r, &f->varint);
    case WIRE_FIXED64:
    case WIRE_FIXED32:
      {
        size_t n = f->wire == WIRE_FIXED64 ? 8 : 4;
        if ((size_t) (r->end - r->p) < n)
          return -1;
        r->p += n;
        return 0;
      }
    case WIRE_LEN:
      if (pb_read_varint (r, &f->varint) < 0 || f->varint > (uint64_t) (r->end - r->p))
        return -1;
      f->data = r->p;
      f->len = (size_t) f->varint;
      r->p += f->len;
      return 0;
    default:
      return -1; /* groups (3, 4) are not used by rpc.proto */
    }
}

static char *
field_string (const struct pb_field *f)
{
  return xstrndup ((const char *) f->data, f->len);
}

/* A field of the wire type the schema says, or it is ignored (protobuf's
 * rule for a mismatch would be an error; criu never sends one). */
static bool
is (const struct pb_field *f, unsigned number, unsigned wire)
{
  return f->number == number && f->wire == wire;
}

typedef int (*pb_visit) (const struct pb_field *f, void *ctx);

static int
pb_walk (const uint8_t *data, size_t len, pb_visit visit, void *ctx)
{
  struct pb_reader r = { data, data + len };
  struct pb_field f;
  int k;
  while ((k = pb_next (&r, &f)) == 0)
    if (visit (&f, ctx) < 0)
      return -1;
  return k < 0 ? -1 : 0;
}

static int
visit_restore (const struct pb_field *f, void *ctx)
{
  struct runcgo_criu_resp *out = ctx;
  if (is (f, RESTORE_PID, WIRE_VARINT))
    {
      out->has_restore_pid = true;
      out->restore_pid = (pid_t) (int32_t) f->varint;
    }
  return 0;
}

static int
visit_notify (const struct pb_field *f, void *ctx)
{
  struct runcgo_criu_resp *out = ctx;
  if (is (f, NOTIFY_SCRIPT, WIRE_LEN))
    {
      free (out->notify_script);
      out->notify_script = field_string (f);
    }
  else if (is (f, NOTIFY_PID, WIRE_VARINT))
    {
      out->has_notify_pid = true;
      out->notify_pid = (pid_t) (int32_t) f->varint;
    }
  return 0;
}

static int
visit_version (const struct pb_field *f, void *ctx)
{
  struct runcgo_criu_resp *out = ctx;
  if (is (f, VERSION_MAJOR, WIRE_VARINT))
    out->version_major = (int32_t) f->varint;
  else if (is (f, VERSION_MINOR, WIRE_VARINT))
    out->version_minor = (int32_t) f->varint;
  else if (is (f, VERSION_SUBLEVEL, WIRE_VARINT))
    out->version_sublevel = (int32_t) f->varint;
  else if (is (f, VERSION_GITID, WIRE_LEN))
    {
      free (out->version_gitid);
      out->version_gitid = field_string (f);
    }
  return 0;
}

struct resp_ctx
{
  struct runcgo_criu_resp *out;
  unsigned seen; /* bit 0: type, bit 1: success (both `required`) */
};

static int
visit_resp (const struct pb_field *f, void *ctx)
{
  struct resp_ctx *c = ctx;
  struct runcgo_criu_resp *out = c->out;
  if (is (f, RESP_TYPE, WIRE_VARINT))
    {
      out->type = (int) f->varint;
      c->seen |= 1;
    }
  else if (is (f, RESP_SUCCESS, WIRE_VARINT))
    {
      out->success = f->varint != 0;
      c->seen |= 2;
    }
  else if (is (f, RESP_CR_ERRNO, WIRE_VARINT))
    {
      out->has_cr_errno = true;
      out->cr_errno = (int32_t) f->varint;
    }
  else if (is (f, RESP_CR_ERRMSG, WIRE_LEN))
    {
      free (out->cr_errmsg);
      out->cr_errmsg = field_string (f);
    }
  else if (is (f, RESP_RESTORE, WIRE_LEN))
    return pb_walk (f->data, f->len, visit_restore, out);
  else if (is (f, RESP_NOTIFY, WIRE_LEN))
    return pb_walk (f->data, f->len, visit_notify, out);
  else if (is (f, RESP_VERSION, WIRE_LEN))
    {
      out->has_version = true;
      return pb_walk (f->data, f->len, visit_version, out);
    }
  return 0;
}

int
runcgo_criu_resp_decode (const uint8_t *buf, size_t len, struct runcgo_criu_resp *out, runcgo_error_t *err)
{
  struct resp_ctx c = { .out = out };
  memset (out, 0, sizeof (*out));
  if (pb_walk (buf, len, visit_resp, &c) < 0)
    {
      runcgo_criu_resp_clear (out);
      return runcgo_fail (err, EPROTO, "criu RPC: malformed response (%zu bytes)", len);
    }
  if (c.seen != 3)
    {
      runcgo_criu_resp_clear (out);
      return runcgo_fail (err, EPROTO, "criu RPC: response without its required %s field",
                          (c.seen & 1) ? "success" : "type");
    }
  return 0;
}

void
runcgo_criu_resp_clear (struct runcgo_criu_resp *r)
{
  free (r->cr_errmsg);
  free (r->notify_script);
  free (r->version_gitid);
  memset (r, 0, sizeof (*r));
}

/* ---------------------------------------------------------------- transport */
int
runcgo_criu_find (const char *path, char **out, runcgo_error_t *err)
{
  static const char hint[] = "install CRIU (Debian/Ubuntu: apt-get install criu; Fedora: dnf install criu), "
                             "or name the binary with --criu PATH";
  const char *name = path && *path ? path : "criu";
  if (strchr (name, '/'))
    {
      if (access (name, X_OK) < 0)
        return runcgo_fail_hint (err, errno, hint, "criu binary `%s`", name);
      *out = xstrdup (name);
      return 0;
    }
  const char *env = getenv ("PATH");
  cleanup_free char *dirs = xstrdup (env && *env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  char *save = NULL;
  for (char *d = strtok_r (dirs, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", *d ? d : ".", name);
      struct stat st;
      if (stat (cand, &st) == 0 && S_ISREG (st.st_mode) && access (cand, X_OK) == 0)
        {
          *out = steal_ptr (&cand);
          return 0;
        }
    }
  return runcgo_fail_hint (err, ENOENT, hint, "checkpoint/restore needs the `%s` binary, not found in PATH", name);
}

/* What the child reports through the exec pipe when it cannot exec criu. */
struct child_failure
{
  int errnum;
  char step[96];
};

static __attribute__((noreturn)) void
child_fail (int pipe_fd, const char *step)
{
  struct child_failure f = { .errnum = errno };
  snprintf (f.step, sizeof (f.step), "%s", step);
  (void) !write (pipe_fd, &f, sizeof (f));
  _exit (127);
}

static __attribute__((noreturn)) void
child_exec_criu (const struct runcgo_criu_spawn *s, int sock, int pipe_fd)
{
  if (s->sigmask)
    sigprocmask (SIG_SETMASK, s->sigmask, NULL);
  /* every fd is O_CLOEXEC: let through only the ones the request names */
  for (size_t i = 0; i < s->n_pass_fds; i++)
    if (s->pass_fds[i] >= 0 && fcntl (s->pass_fds[i], F_SETFD, 0) < 0)
      child_fail (pipe_fd, "pass a descriptor to criu");
  if (fcntl (sock, F_SETFD, 0) < 0)
    child_fail (pipe_fd, "pass the RPC socket to criu");
  char fd_arg[16];
  snprintf (fd_arg, sizeof (fd_arg), "%d", sock);
  char *argv[] = { (char *) "criu", (char *) "swrk", fd_arg, NULL };
  execv (s->criu, argv);
  child_fail (pipe_fd, "execute criu");
}

/* The exec pipe closes (O_CLOEXEC) when criu is running, or carries why not. */
static int
wait_exec (const struct runcgo_criu_spawn *s, int pipe_fd, pid_t pid, runcgo_error_t *err)
{
  struct child_failure f;
  ssize_t n;
  do
    n = read (pipe_fd, &f, sizeof (f));
  while (n < 0 && errno == EINTR);
  if (n <= 0)
    return 0;
  waitpid (pid, NULL, 0);
  if ((size_t) n < sizeof (f))
    return runcgo_fail (err, EPROTO, "start `%s swrk`", s->criu);
  f.step[sizeof (f.step) - 1] = '\0';
  return runcgo_fail (err, f.errnum, "start `%s swrk`: %s", s->criu, f.step);
}

int
runcgo_criu_swrk_start (const struct runcgo_criu_spawn *s, struct runcgo_criu_swrk *w, runcgo_error_t *err)
{
  int sv[2], pp[2];
  w->pid = -1;
  w->sock = -1;
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return runcgo_fail (err, errno, "socketpair for criu");
  if (pipe2 (pp, O_CLOEXEC) < 0)
    {
      int e = errno;
      close (sv[0]);
      close (sv[1]);
      return runcgo_fail (err, e, "pipe for criu");
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      close (sv[0]);
      close (pp[0]);
      child_exec_criu (s, sv[1], pp[1]);
    }
  int e = errno;
  close (sv[1]);
  close (pp[1]);
  if (pid < 0)
    {
      close (sv[0]);
      close (pp[0]);
      return runcgo_fail (err, e, "fork criu");
    }
  int r = wait_exec (s, pp[0], pid, err);
  close (pp[0]);
  if (r < 0)
    {
      close (sv[0]);
      return -1;
    }
  w->pid = pid;
  w->sock = sv[0];
  return 0;
}

int
runcgo_criu_send (struct runcgo_criu_swrk *w, const struct runcgo_criu_req *req, runcgo_error_t *err)
{
  cleanup_free uint8_t *buf = NULL;
  size_t len;
  runcgo_criu_req_encode (req, &buf, &len);
  ssize_t n;
  do
    n = send (w->sock, buf, len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return runcgo_fail (err, errno == ECONNRESET ? EPIPE : errno, "criu RPC: send %s request",
                        runcgo_criu_type_name (req->type));
  return 0;
}

/* Keep the first passed descriptor, close any others. */
static int
take_fds (struct msghdr *msg)
{
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR (msg); c; c = CMSG_NXTHDR (msg, c))
    {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        continue;
      size_t n = (c->cmsg_len - CMSG_LEN (0)) / sizeof (int);
      for (size_t i = 0; i < n; i++)
        {
          int one;
          memcpy (&one, CMSG_DATA (c) + i * sizeof (int), sizeof (int));
          if (fd < 0)
            fd = one;
          else
            close (one);
        }
    }
  return fd;
}

int
runcgo_criu_recv (struct runcgo_criu_swrk *w, struct runcgo_criu_resp *resp, int *fd, runcgo_error_t *err)
{
  enum { MAX_RESP = 64 * 1024 };
  cleanup_free uint8_t *buf = xmalloc (MAX_RESP);
  char cbuf[CMSG_SPACE (4 * sizeof (int))];
  struct iovec iov = { .iov_base = buf, .iov_len = MAX_RESP };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  ssize_t n;
  *fd = -1;
  do
    n = recvmsg (w->sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  /* ECONNRESET: criu exited with our request unread */
  if (n < 0 && errno != ECONNRESET)
    return runcgo_fail (err, errno, "criu RPC: receive a response");
  if (n < 0)
    n = 0;
  cleanup_close int passed = take_fds (&msg);
  if (n == 0)
    return runcgo_fail (err, EPIPE, "criu exited without answering");
  if (msg.msg_flags & MSG_TRUNC)
    return runcgo_fail (err, EMSGSIZE, "criu RPC: response larger than %d bytes", MAX_RESP);
  if (runcgo_criu_resp_decode (buf, (size_t) n, resp, err) < 0)
    return -1;
  *fd = steal_fd (&passed);
  return 0;
}

int
runcgo_criu_swrk_finish (struct runcgo_criu_swrk *w)
{
  int status = -1;
  if (w->sock >= 0)
    close (w->sock);
  w->sock = -1;
  if (w->pid > 0)
    {
      while (waitpid (w->pid, &status, 0) < 0 && errno == EINTR)
        ;
      w->pid = -1;
    }
  return status;
}
