/* checkpoint.c -- checkpoint and restore with CRIU, as runc does them.
 *
 * Both drive `criu swrk` over its RPC (criu_rpc.c).  Checkpoint dumps the
 * init's tree with the container's rootfs as criu's root; every mount whose
 * filesystem comes from the host (config binds, masks on /dev/null, device
 * and cgroup v1 binds) is declared external and recorded with its host
 * source in the image directory.  Restore rebuilds what criu does not: the
 * state directory, the cgroup (criu itself is moved into it and restores the
 * tree there), the rootfs bind criu uses as root, then records the restored
 * init in state.json, --pid-file and the console socket, so every other
 * command (state, kill, exec, delete) treats it as any container. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "cgroup/cgroup.h"
#include "checkpoint.h"
#include "container.h"
#include "core/log.h"
#include "core/state.h"
#include "core/util.h"
#include "fs/fs.h"
#include "linux/linux.h"
#include "spec/spec.h"

#define CHECKPOINTED_MARK "checkpointed" /* in the state dir: dumped and stopped */
#define CRIU_ROOT_DIR "criu-root"        /* in the state dir: criu's root while restoring */
#define CRIU_LOG_LEVEL 4

/* ---------------------------------------------------------------- mountinfo */
struct mnt
{
  unsigned major, minor;
  char *root;       /* path inside its filesystem */
  char *mountpoint; /* relative to the reader's root */
  char *fstype;
  char *super;      /* super options (cgroup v1: the controllers) */
};

static void
mnts_free (struct mnt *m, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (m[i].root);
      free (m[i].mountpoint);
      free (m[i].fstype);
      free (m[i].super);
    }
  free (m);
}

static bool
parse_mountinfo_line (char *line, struct mnt *m)
{
  char *sep = strstr (line, " - "), *save = NULL, *f[5];
  if (sep == NULL)
    return false;
  *sep = '\0';
  f[0] = strtok_r (line, " ", &save);
  for (int i = 1; i < 5; i++)
    f[i] = f[i - 1] ? strtok_r (NULL, " ", &save) : NULL;
  save = NULL;
  char *fstype = strtok_r (sep + 3, " ", &save), *src = strtok_r (NULL, " ", &save);
  char *super = strtok_r (NULL, " ", &save);
  if (f[4] == NULL || fstype == NULL || src == NULL || !runcgo_parse_dev (f[2], &m->major, &m->minor))
    return false;
  m->root = runcgo_mountinfo_unescape (f[3], strlen (f[3]));
  m->mountpoint = runcgo_mountinfo_unescape (f[4], strlen (f[4]));
  m->fstype = xstrdup (fstype);
  m->super = xstrdup (super ? super : "");
  return true;
}

static void
mountinfo_parse (const char *text, struct mnt **out, size_t *n_out)
{
  cleanup_free char *copy = xstrdup (text);
  struct mnt *m = NULL;
  size_t n = 0;
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      m = xrealloc (m, (n + 1) * sizeof (*m));
      memset (&m[n], 0, sizeof (m[n]));
      if (parse_mountinfo_line (line, &m[n]))
        n++;
    }
  *out = m;
  *n_out = n;
}

/* PATH is PREFIX or below it, component-wise ("/" contains everything). */
static bool
path_within (const char *path, const char *prefix)
{
  size_t l = strlen (prefix);
  if (l == 1 && prefix[0] == '/')
    return true;
  return strncmp (path, prefix, l) == 0 && (path[l] == '/' || path[l] == '\0');
}

static bool
has_token (const char *list, const char *tok)
{
  size_t l = strlen (tok);
  for (const char *p = list; (p = strstr (p, tok)) != NULL; p += l)
    if ((p == list || p[-1] == ',') && (p[l] == ',' || p[l] == '\0'))
      return true;
  return false;
}

/* ---------------------------------------------------------------- external mounts */
/* What the dump decides from the init's mountinfo and the host's. */
struct mount_view
{
  struct mnt *c, *h; /* the container's mounts, the host's (ours) */
  size_t nc, nh;
  const struct mnt *root;
  bool cgroupns;
};

static bool
host_has_fs (const struct mount_view *v, const struct mnt *m)
{
  for (size_t i = 0; i < v->nh; i++)
    if (v->h[i].major == m->major && v->h[i].minor == m->minor)
      return true;
  return false;
}

static bool
criu_mounts_itself (const struct mnt *m)
{
  return strcmp (m->fstype, "proc") == 0 || strcmp (m->fstype, "sysfs") == 0;
}

/* A mount criu can rebuild from inside the container: the root, a
 * filesystem the host does not have (a fresh tmpfs, devpts, mqueue), or
 * proc/sysfs which criu mounts anew. */
static bool
is_native (const struct mount_view *v, const struct mnt *m)
{
  return m == v->root || criu_mounts_itself (m) || !host_has_fs (v, m);
}

/* External: it shows part of a host filesystem that no native mount of the
 * container contains (a bind from the host: config binds, masks of files on
 * /dev/null, devices bound in a user namespace, cgroup v1 hierarchies).
 * criu cannot dump those; it records them by key and expects them back. */
static bool
is_external (const struct mount_view *v, const struct mnt *m)
{
  if (is_native (v, m))
    return false;
  /* with a cgroup namespace, cgroup mounts are real mounts criu redoes (runc) */
  if (v->cgroupns && (strcmp (m->fstype, "cgroup") == 0 || strcmp (m->fstype, "cgroup2") == 0))
    return false;
  for (size_t i = 0; i < v->nc; i++)
    {
      const struct mnt *d = &v->c[i];
      if (d != m && d->major == m->major && d->minor == m->minor && is_native (v, d) && path_within (m->root, d->root))
        return false; /* a bind of something inside the container */
    }
  return true;
}

/* The host path showing what M shows: the host mount of the same
 * filesystem whose root contains M's root most closely. */
static char *
host_source (const struct mount_view *v, const struct mnt *m)
{
  const struct mnt *best = NULL;
  for (size_t i = 0; i < v->nh; i++)
    {
      const struct mnt *h = &v->h[i];
      if (h->major != m->major || h->minor != m->minor || !path_within (m->root, h->root))
        continue;
      if (best == NULL || strlen (h->root) > strlen (best->root))
        best = h;
    }
  if (best == NULL)
    return NULL;
  const char *rest = strcmp (best->root, "/") == 0 ? m->root : m->root + strlen (best->root);
  cleanup_free char *joined = xasprintf ("%s/%s", best->mountpoint, rest);
  return runcgo_path_clean (joined);
}

void
runcgo_ext_mounts_free (struct runcgo_ext_mount *e, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (e[i].dest);
      free (e[i].source);
    }
  free (e);
}

static int
collect_external (const struct mount_view *v, struct runcgo_ext_mount **out, size_t *n_out, runcgo_error_t *err)
{
  struct runcgo_ext_mount *e = NULL;
  size_t n = 0;
  for (size_t i = 0; i < v->nc; i++)
    {
      const struct mnt *m = &v->c[i];
      if (!is_external (v, m))
        continue;
      char *src = host_source (v, m);
      if (src == NULL)
        {
          runcgo_ext_mounts_free (e, n);
          return runcgo_fail (err, 0, "checkpoint: mount `%s` (%s) comes from no filesystem the host has mounted",
                              m->mountpoint, m->fstype);
        }
      e = xrealloc (e, (n + 1) * sizeof (*e));
      e[n].dest = xstrdup (m->mountpoint);
      e[n].source = src;
      e[n].cgroup = strcmp (m->fstype, "cgroup") == 0 || strcmp (m->fstype, "cgroup2") == 0;
      n++;
    }
  *out = e;
  *n_out = n;
  return 0;
}

int
runcgo_criu_external_mounts (const char *container_mountinfo, const char *host_mountinfo, bool cgroupns,
                             struct runcgo_ext_mount **out, size_t *n, runcgo_error_t *err)
{
  struct mount_view v = { .cgroupns = cgroupns };
  mountinfo_parse (container_mountinfo, &v.c, &v.nc);
  mountinfo_parse (host_mountinfo, &v.h, &v.nh);
  for (size_t i = 0; i < v.nc; i++)
    if (strcmp (v.c[i].mountpoint, "/") == 0)
      v.root = &v.c[i]; /* the last one is on top */
  int r = v.root ? collect_external (&v, out, n, err)
                 : runcgo_fail (err, 0, "checkpoint: the container's init has no root mount");
  mnts_free (v.c, v.nc);
  mnts_free (v.h, v.nh);
  return r;
}

/* ---------------------------------------------------------------- shared steps */
static int
open_dir (const char *path, bool create, const char *flag, runcgo_error_t *err)
{
  if (create && runcgo_mkdir_p (path, 0700, err) < 0)
    return runcgo_error_wrap (err, "%s", flag);
  int fd = open (path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail_hint (err, errno, create ? NULL : "pass the directory `runcgo checkpoint` wrote",
                             "%s `%s`", flag, path);
  return fd;
}

/* The first "Error (file:line): message" of criu's log, without prefixes:
 * the cause, where the last ones only say "Dumping FAILED".  criu logs a
 * refused RLIMIT_NOFILE raise as an error and goes on: not a cause. */
static char *
log_first_error (int work_fd, const char *log_name)
{
  cleanup_free char *text = NULL;
  if (runcgo_read_file_at (work_fd, log_name, 64 << 20, &text, NULL, NULL) < 0)
    return NULL;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *e = strstr (line, "Error (");
      if (e == NULL || strstr (e, "RLIMIT_NOFILE"))
        continue;
      char *msg = strstr (e, "): ");
      return xstrdup (msg ? msg + 3 : e);
    }
  return NULL;
}

static void
describe_exit (int status, char *buf, size_t size)
{
  if (status >= 0 && WIFEXITED (status))
    snprintf (buf, size, "exited with status %d", WEXITSTATUS (status));
  else if (status >= 0 && WIFSIGNALED (status))
    snprintf (buf, size, "killed by signal %d", WTERMSIG (status));
  else
    snprintf (buf, size, "gone");
}

struct criu_call
{
  const char *what;       /* "dump", "restore", "pre-dump" */
  const char *log_name;   /* in the work directory */
  const char *work_path;
  int work_fd;
  const char *criu;
};

static int
criu_failed (const struct criu_call *c, const struct runcgo_criu_resp *r, runcgo_error_t *err)
{
  cleanup_free char *first = log_first_error (c->work_fd, c->log_name);
  const char *why = first ? first : r->cr_errmsg ? r->cr_errmsg : r->has_cr_errno ? strerror (r->cr_errno) : "";
  const char *hint = NULL;
  if (first && strstr (first, "vDSO"))
    hint = "this criu cannot parse the vDSO of kernels >= 6.13 (criu issue #2532): install criu >= 4.1, or "
           "name a newer binary with --criu";
  else if (first && strstr (first, "Tracking memory"))
    hint = "the kernel has no memory change tracking (CONFIG_MEM_SOFT_DIRTY): drop --pre-dump and --parent-path";
  else if (geteuid () != 0)
    hint = "criu needs CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) in the initial user namespace: run as root";
  return runcgo_fail_hint (err, 0, hint, "criu %s failed%s%s (log: %s/%s)", c->what, *why ? ": " : "", why,
                           c->work_path, c->log_name);
}

/* criu died (EPIPE from the transport): its log says why. */
static int
criu_died (const struct criu_call *c, struct runcgo_criu_swrk *w, runcgo_error_t *err)
{
  if ((*err)->status != EPIPE)
    return -1;
  char how[48];
  describe_exit (runcgo_criu_swrk_finish (w), how, sizeof (how));
  cleanup_free char *first = log_first_error (c->work_fd, c->log_name);
  runcgo_error_release (err);
  return runcgo_fail (err, 0, "criu %s failed: %s (criu %s; log: %s/%s)", c->what,
                      first ? first : "criu exited without answering", how, c->work_path, c->log_name);
}

typedef int (*notify_fn) (void *data, const char *script, pid_t pid, int fd, runcgo_error_t *err);

/* Send REQ, answer every NOTIFY (notify_success = what FN said: a failure
 * makes criu abort), return the final response's verdict. */
static int
criu_converse (const struct criu_call *c, struct runcgo_criu_swrk *w, const struct runcgo_criu_req *req, notify_fn fn,
               void *data, struct runcgo_criu_resp *final, runcgo_error_t *err)
{
  runcgo_error_t cb_err = NULL;
  memset (final, 0, sizeof (*final));
  if (runcgo_criu_send (w, req, err) < 0)
    return criu_died (c, w, err);
  for (;;)
    {
      int fd = -1;
      if (runcgo_criu_recv (w, final, &fd, err) < 0)
        {
          runcgo_error_release (&cb_err);
          return criu_died (c, w, err);
        }
      if (final->type != RUNCGO_CRIU_NOTIFY)
        break;
      bool good = cb_err != NULL || fn == NULL
                  || fn (data, final->notify_script ? final->notify_script : "", final->notify_pid, fd, &cb_err) == 0;
      good = good && cb_err == NULL;
      if (fd >= 0)
        close (fd);
      runcgo_criu_resp_clear (final);
      struct runcgo_criu_req ack = { .type = RUNCGO_CRIU_NOTIFY, .notify_success = good };
      if (runcgo_criu_send (w, &ack, err) < 0)
        {
          runcgo_error_release (&cb_err);
          return criu_died (c, w, err);
        }
    }
  if (cb_err)
    {
      *err = cb_err;
      return -1;
    }
  if (final->type != (int) req->type)
    return runcgo_fail (err, EPROTO, "criu RPC: %s response to a %s request", runcgo_criu_type_name (final->type),
                        runcgo_criu_type_name (req->type));
  return final->success ? 0 : criu_failed (c, final, err);
}

/* "net[4026531992]:extRootNetNS": the namespace a container joined by path
 * is not dumped; restore gets it back by key (runc's names). */
static const struct
{
  enum runcgo_ns_kind kind;
  const char *proc_name;
  const char *key;
} external_ns[] = {
  { RUNCGO_NS_NETWORK, "net", "extRootNetNS" },
  { RUNCGO_NS_PID, "pid", "extRootPidNS" },
};

/* ---------------------------------------------------------------- checkpoint */
struct dump
{
  struct runcgo_context *ctx;
  const struct runcgo_checkpoint_opts *o;
  struct runcgo_loaded l;
  struct runcgo_spec *spec;
  char *criu;
  const char *image_path, *work_path;
  int image_fd, work_fd;
  struct mnt *host;   /* our mountinfo, for the freezer */
  size_t n_host;
  struct runcgo_ext_mount *ext;
  size_t n_ext;
  char **external;
  char *freeze_cgroup;
  char *ps_address;   /* --page-server, split */
  int ps_port;
};

static void
dump_release (struct dump *d)
{
  runcgo_loaded_release (&d->l);
  runcgo_spec_free (d->spec);
  free (d->criu);
  free (d->ps_address);
  if (d->image_fd >= 0)
    close (d->image_fd);
  if (d->work_fd >= 0)
    close (d->work_fd);
  mnts_free (d->host, d->n_host);
  runcgo_ext_mounts_free (d->ext, d->n_ext);
  runcgo_strv_free (d->external);
  free (d->freeze_cgroup);
}

static int
dump_load (struct dump *d, runcgo_error_t *err)
{
  if (runcgo_container_load (d->ctx, d->o->id, true, &d->l, err) < 0)
    return -1;
  if (d->l.status != RUNCGO_STATUS_RUNNING && d->l.status != RUNCGO_STATUS_PAUSED)
    return runcgo_fail_hint (err, 0, "only a running or paused container can be checkpointed",
                             "container \"%s\" is %s", d->o->id, runcgo_status_name (d->l.status));
  if (runcgo_criu_find (d->o->criu, &d->criu, err) < 0)
    return -1;
  if (runcgo_state_load_spec (d->l.st, &d->spec, err) < 0)
    return runcgo_error_wrap (err, "checkpoint of container \"%s\"", d->o->id);
  d->image_path = d->o->image_path ? d->o->image_path : "checkpoint";
  d->work_path = d->o->work_path ? d->o->work_path : d->image_path;
  if ((d->image_fd = open_dir (d->image_path, true, "--image-path", err)) < 0)
    return -1;
  if ((d->work_fd = open_dir (d->work_path, true, "--work-path", err)) < 0)
    return -1;
  return 0;
}

static int
dump_mounts (struct dump *d, runcgo_error_t *err)
{
  char path[64];
  cleanup_free char *mine = NULL, *host = NULL;
  snprintf (path, sizeof (path), "/proc/%d/mountinfo", (int) d->l.st->pid);
  if (runcgo_read_file_at (AT_FDCWD, path, 16 << 20, &mine, NULL, err) < 0
      || runcgo_read_file_at (AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &host, NULL, err) < 0)
    return -1;
  mountinfo_parse (host, &d->host, &d->n_host);
  bool cgroupns = runcgo_spec_namespace (d->spec, RUNCGO_NS_CGROUP) != NULL;
  return runcgo_criu_external_mounts (mine, host, cgroupns, &d->ext, &d->n_ext, err);
}

/* runc's descriptors.json: where the init's stdio went, so that a restore
 * can hand pipes back (inherit_fd) */
static int
write_descriptors (struct dump *d, runcgo_error_t *err)
{
  json_object *arr = json_object_new_array ();
  for (int fd = 0; fd < 3; fd++)
    {
      char link[64], target[PATH_MAX];
      snprintf (link, sizeof (link), "/proc/%d/fd/%d", (int) d->l.st->pid, fd);
      ssize_t n = readlink (link, target, sizeof (target) - 1);
      target[n > 0 ? n : 0] = '\0';
      json_object_array_add (arr, json_object_new_string (n > 0 ? target : "/dev/null"));
    }
  const char *s = json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  int r = runcgo_write_file_atomic (d->image_fd, RUNCGO_CRIU_DESCRIPTORS, s, strlen (s), 0600, err);
  json_object_put (arr);
  return r;
}

static int
write_ext_mounts (struct dump *d, runcgo_error_t *err)
{
  json_object *o = json_object_new_object (), *arr = json_object_new_array ();
  json_object_object_add (o, "cgroupPath", json_object_new_string (d->l.st->cgroup_path ? d->l.st->cgroup_path : ""));
  for (size_t i = 0; i < d->n_ext; i++)
    {
      json_object *m = json_object_new_object ();
      json_object_object_add (m, "destination", json_object_new_string (d->ext[i].dest));
      json_object_object_add (m, "source", json_object_new_string (d->ext[i].source));
      json_object_object_add (m, "cgroup", json_object_new_boolean (d->ext[i].cgroup));
      json_object_array_add (arr, m);
    }
  json_object_object_add (o, "mounts", arr);
  const char *s = json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
  int r = runcgo_write_file_atomic (d->image_fd, RUNCGO_CRIU_EXT_MOUNTS, s, strlen (s), 0600, err);
  json_object_put (o);
  return r;
}

static void
dump_external_ns (struct dump *d)
{
  size_t n = 0;
  d->external = xzalloc ((ARRAY_SIZE (external_ns) + 1) * sizeof (char *));
  for (size_t i = 0; i < ARRAY_SIZE (external_ns); i++)
    {
      const struct runcgo_namespace *ns = runcgo_spec_namespace (d->spec, external_ns[i].kind);
      struct stat st;
      if (ns == NULL || ns->path == NULL || stat (ns->path, &st) < 0)
        continue;
      d->external[n++] = xasprintf ("%s[%llu]:%s", external_ns[i].proc_name, (unsigned long long) st.st_ino,
                                    external_ns[i].key);
    }
}

/* The freezer criu should use (instead of ptrace-stopping each task): the
 * v1 freezer hierarchy, or the cgroup itself on a cgroup2-only host.  None
 * for a container without a cgroup of its own (the rootless fallback): it
 * shares its caller's, which must not be frozen. */
static char *
freezer_of (const struct dump *d)
{
  char path[64];
  cleanup_free char *text = NULL;
  if (d->l.st->cgroup_path == NULL || *d->l.st->cgroup_path == '\0')
    return NULL;
  snprintf (path, sizeof (path), "/proc/%d/cgroup", (int) d->l.st->pid);
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &text, NULL, NULL) < 0)
    return NULL;
  bool v2_only = runcgo_cgroup_mode () == RUNCGO_CGROUP_V2;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      bool v1_freezer = has_token (c1 + 1, "freezer");
      if (!v1_freezer && !(v2_only && c1[1] == '\0'))
        continue;
      for (size_t i = 0; i < d->n_host; i++)
        {
          const struct mnt *h = &d->host[i];
          bool match = v1_freezer ? strcmp (h->fstype, "cgroup") == 0 && has_token (h->super, "freezer")
                                  : strcmp (h->fstype, "cgroup2") == 0;
          if (match && path_within (c2 + 1, h->root))
            {
              cleanup_free char *joined
                  = xasprintf ("%s/%s", h->mountpoint, c2 + 1 + (strcmp (h->root, "/") ? strlen (h->root) : 0));
              return runcgo_path_clean (joined);
            }
        }
    }
  return NULL;
}

static void
dump_opts (struct dump *d, struct runcgo_criu_opts *opts, struct runcgo_criu_kv *kv)
{
  const struct runcgo_checkpoint_opts *o = d->o;
  runcgo_criu_opts_init (opts);
  opts->images_dir_fd = d->image_fd;
  opts->work_dir_fd = d->work_fd;
  opts->pid = d->l.st->pid;
  opts->log_level = CRIU_LOG_LEVEL;
  opts->log_file = o->pre_dump ? "pre-dump.log" : "dump.log";
  opts->root = d->l.st->rootfs;
  opts->leave_running = o->leave_running;
  opts->tcp_established = o->tcp_established;
  opts->ext_unix_sk = o->ext_unix_sk;
  opts->shell_job = o->shell_job;
  opts->file_locks = o->file_locks;
  opts->notify_scripts = true;
  opts->orphan_pts_master = true;
  opts->manage_cgroups = true;
  opts->has_manage_cgroups_mode = o->has_cg_mode;
  opts->manage_cgroups_mode = o->cg_mode;
  opts->parent_img = o->parent_path;
  opts->track_mem = o->pre_dump || o->parent_path;
  opts->freeze_cgroup = d->freeze_cgroup;
  runcgo_criu_extra_apply (&o->x, opts);
  opts->status_fd = o->x.lazy_pages ? o->status_fd : -1;
  opts->ps_address = d->ps_address;
  opts->ps_port = d->ps_port;
  /* the key is both the mount point and the name in the images (runc) */
  for (size_t i = 0; i < d->n_ext; i++)
    kv[i] = (struct runcgo_criu_kv){ d->ext[i].dest, d->ext[i].dest };
  opts->ext_mnt = kv;
  opts->n_ext_mnt = d->n_ext;
  opts->external = d->external;
  opts->n_external = runcgo_strv_len (d->external);
}

static int
dump_run (struct dump *d, runcgo_error_t *err)
{
  struct runcgo_criu_opts opts;
  cleanup_free struct runcgo_criu_kv *kv = xzalloc ((d->n_ext + 1) * sizeof (*kv));
  dump_opts (d, &opts, kv);
  struct runcgo_criu_req req = { .type = d->o->pre_dump ? RUNCGO_CRIU_PRE_DUMP : RUNCGO_CRIU_DUMP, .opts = &opts };
  struct criu_call call = { .what = d->o->pre_dump ? "pre-dump" : "dump", .log_name = opts.log_file,
                            .work_path = d->work_path, .work_fd = d->work_fd, .criu = d->criu };
  int pass[] = { d->image_fd, d->work_fd, opts.status_fd };
  struct runcgo_criu_spawn sp = { .criu = d->criu, .pass_fds = pass, .n_pass_fds = ARRAY_SIZE (pass) };
  struct runcgo_criu_swrk w;
  struct runcgo_criu_resp resp;
  if (runcgo_criu_swrk_start (&sp, &w, err) < 0)
    return -1;
  int r = criu_converse (&call, &w, &req, NULL, NULL, &resp, err);
  runcgo_criu_resp_clear (&resp);
  runcgo_criu_swrk_finish (&w);
  return r;
}

/* criu killed the tree (SIGKILL): wait until the init is gone, so that the
 * container reads as stopped when checkpoint returns. */
static void
wait_init_gone (const struct runcgo_container_state *st)
{
  int pidfd = (int) syscall (SYS_pidfd_open, st->pid, 0);
  if (pidfd < 0)
    return;
  struct pollfd p = { .fd = pidfd, .events = POLLIN };
  if (runcgo_pid_is_alive (st->pid, st->start_time))
    poll (&p, 1, 10000);
  close (pidfd);
}

int
runcgo_container_checkpoint (struct runcgo_context *ctx, const struct runcgo_checkpoint_opts *o, runcgo_error_t *err)
{
  struct dump d = { .ctx = ctx, .o = o, .image_fd = -1, .work_fd = -1, .l = { .dir_fd = -1 } };
  int r = -1;
  if (o->page_server && runcgo_criu_page_server_parse (o->page_server, &d.ps_address, &d.ps_port, err) < 0)
    goto out;
  if (dump_load (&d, err) < 0)
    goto out;
  if (dump_mounts (&d, err) < 0)
    goto out;
  if (!o->pre_dump && (write_descriptors (&d, err) < 0 || write_ext_mounts (&d, err) < 0))
    goto out;
  dump_external_ns (&d);
  d.freeze_cgroup = freezer_of (&d);
  if (dump_run (&d, err) < 0)
    goto out;
  if (!o->leave_running && !o->pre_dump)
    {
      wait_init_gone (d.l.st);
      /* restore may replace a container stopped by its checkpoint */
      int mark = openat (d.l.dir_fd, CHECKPOINTED_MARK, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (mark >= 0)
        close (mark);
    }
  r = 0;
out:
  dump_release (&d);
  return r;
}

void
runcgo_criu_extra_apply (const struct runcgo_criu_extra_opts *x, struct runcgo_criu_opts *opts)
{
  opts->auto_dedup = x->auto_dedup;
  opts->lazy_pages = x->lazy_pages;
  opts->tcp_skip_in_flight = x->tcp_skip_in_flight;
  opts->link_remap = x->link_remap;
  opts->tcp_close = x->tcp_close;
  opts->empty_ns = x->empty_ns;
  opts->lsm_profile = x->lsm_profile;
  opts->lsm_mount_context = x->lsm_mount_context;
  opts->network_lock = x->network_lock;
}

/* ---------------------------------------------------------------- restore */
struct restoration
{
  struct runcgo_context *ctx;
  const struct runcgo_restore_opts *o;
  char *bundle, *rootfs, *criu, *created, *criu_root;
  const char *image_path, *work_path;
  struct runcgo_spec *spec;
  struct runcgo_cgroup *cgroup;
  int dir_fd, image_fd, work_fd, console_fd, pidfd;
  int ns_fds[ARRAY_SIZE (external_ns)];
  bool dir_created;
  struct runcgo_ext_mount *ext;
  size_t n_ext;
  char *old_cgroup_path;
  char *descriptors[3];
  char *cg_text; /* /proc/CRIU/cgroup, cut into the cg_root strings */
  struct runcgo_criu_cg_root *cg_root;
  size_t n_cg_root;
  pid_t pid;
  uint64_t start_time;
};

static void
restoration_release (struct restoration *r)
{
  free (r->bundle);
  free (r->rootfs);
  free (r->criu);
  free (r->created);
  free (r->criu_root);
  runcgo_spec_free (r->spec);
  if (r->cgroup)
    runcgo_cgroup_free (r->cgroup);
  int *fds[] = { &r->dir_fd, &r->image_fd, &r->work_fd, &r->console_fd, &r->pidfd };
  for (size_t i = 0; i < ARRAY_SIZE (fds); i++)
    if (*fds[i] >= 0)
      close (*fds[i]);
  for (size_t i = 0; i < ARRAY_SIZE (r->ns_fds); i++)
    if (r->ns_fds[i] >= 0)
      close (r->ns_fds[i]);
  runcgo_ext_mounts_free (r->ext, r->n_ext);
  free (r->old_cgroup_path);
  for (int i = 0; i < 3; i++)
    free (r->descriptors[i]);
  free (r->cg_text);
  free (r->cg_root);
}

/* criu's root must be a mount point and criu mounts its cgroup yard (a
 * tmpfs) in its work directory: the restore makes those mounts in a mount
 * namespace of its own (a slave of the host's), so that none can show on
 * the host or outlive the restore, even a killed one.  criu opens the image
 * and work directories through our /proc/PID/fd: they are opened after
 * this, or they would belong to the host's namespace, where the kernel
 * refuses the yard mount (EINVAL). */
static int
restore_enter_mntns (runcgo_error_t *err)
{
  if (unshare (CLONE_NEWNS) < 0)
    return runcgo_fail_hint (err, errno, "criu restores containers as root (CAP_SYS_ADMIN)",
                             "restore: create a mount namespace for criu");
  if (mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
    return runcgo_fail (err, errno, "restore: make / a slave mount");
  return 0;
}

/* Our namespace only: never remove the state directory while the rootfs is
 * bound in it (the removal would walk into the rootfs). */
static bool
restore_unbind_root (struct restoration *r)
{
  if (r->criu_root == NULL)
    return true;
  if (umount2 (r->criu_root, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    return false;
  unlinkat (r->dir_fd, CRIU_ROOT_DIR, AT_REMOVEDIR);
  free (r->criu_root);
  r->criu_root = NULL;
  return true;
}

static int
restore_config (struct restoration *r, runcgo_error_t *err)
{
  char buf[PATH_MAX];
  const char *b = r->o->bundle && *r->o->bundle ? r->o->bundle : ".";
  if (realpath (b, buf) == NULL)
    return runcgo_fail_hint (err, errno, "pass an existing bundle directory with --bundle", "bundle `%s`", b);
  r->bundle = xstrdup (buf);
  unsigned flags = RUNCGO_VALIDATE_NEED_PROCESS | (r->ctx->rootless ? RUNCGO_VALIDATE_ROOTLESS : 0)
                   | (r->ctx->strict_devices ? RUNCGO_VALIDATE_STRICT_DEVICES : 0);
  if (runcgo_spec_load (r->bundle, &r->spec, err) < 0)
    return -1;
  if (runcgo_spec_validate (r->spec, flags, err) < 0)
    return runcgo_error_wrap (err, "config.json");
  if (runcgo_hooks_open_output (&r->spec->hooks, r->spec->annotations, r->spec->n_annotations, err) < 0)
    return -1;
  const char *p = r->spec->root_path;
  cleanup_free char *joined = p[0] == '/' ? xstrdup (p) : xasprintf ("%s/%s", r->bundle, p);
  if (realpath (joined, buf) == NULL)
    return runcgo_fail_hint (err, errno, "fix root.path in config.json", "root.path: rootfs `%s`", joined);
  r->rootfs = xstrdup (buf);
  if (r->spec->process->terminal && r->o->console_socket == NULL)
    return runcgo_fail_hint (err, 0, "pass --console-socket to receive the restored terminal",
                             "process.terminal is true but no --console-socket was given");
  if (r->o->console_socket && (r->console_fd = runcgo_console_socket_connect (r->o->console_socket, err)) < 0)
    return -1;
  return 0;
}

static int
restore_open_images (struct restoration *r, runcgo_error_t *err)
{
  r->image_path = r->o->image_path ? r->o->image_path : "checkpoint";
  r->work_path = r->o->work_path ? r->o->work_path : r->image_path;
  if ((r->image_fd = open_dir (r->image_path, false, "--image-path", err)) < 0)
    return -1;
  /* every criu dump starts with an inventory: no inventory, no checkpoint */
  if (faccessat (r->image_fd, "inventory.img", F_OK, 0) < 0)
    return runcgo_fail_hint (err, errno, "pass the --image-path of a `runcgo checkpoint`",
                             "--image-path `%s` holds no checkpoint (no inventory.img)", r->image_path);
  if ((r->work_fd = open_dir (r->work_path, true, "--work-path", err)) < 0)
    return -1;
  return runcgo_criu_find (r->o->criu, &r->criu, err);
}

static bool
is_bind (const struct runcgo_mount *m)
{
  return (m->type && strcmp (m->type, "bind") == 0) || runcgo_strv_contains (m->options, "bind")
         || runcgo_strv_contains (m->options, "rbind");
}

static char *
config_source (const struct restoration *r, const struct runcgo_mount *m)
{
  if (m->source == NULL)
    return NULL;
  return m->source[0] == '/' ? xstrdup (m->source) : xasprintf ("%s/%s", r->bundle, m->source);
}

/* No runcgo-mounts.json (images of another runtime): the config's binds,
 * as runc declares them. */
static void
ext_mounts_from_config (struct restoration *r)
{
  for (size_t i = 0; i < r->spec->n_mounts; i++)
    {
      const struct runcgo_mount *m = &r->spec->mounts[i];
      if (!is_bind (m) || m->source == NULL)
        continue;
      r->ext = xrealloc (r->ext, (r->n_ext + 1) * sizeof (*r->ext));
      r->ext[r->n_ext++] = (struct runcgo_ext_mount){ runcgo_path_clean (m->destination), config_source (r, m), false };
    }
}

static int
parse_ext_mounts (struct restoration *r, json_object *o, runcgo_error_t *err)
{
  json_object *arr, *cg;
  if (!json_object_object_get_ex (o, "mounts", &arr) || !json_object_is_type (arr, json_type_array))
    return runcgo_fail (err, 0, "%s/%s: no \"mounts\" array", r->image_path, RUNCGO_CRIU_EXT_MOUNTS);
  if (json_object_object_get_ex (o, "cgroupPath", &cg))
    r->old_cgroup_path = xstrdup (json_object_get_string (cg));
  for (size_t i = 0; i < json_object_array_length (arr); i++)
    {
      json_object *m = json_object_array_get_idx (arr, i), *dest, *src, *is_cg;
      if (!json_object_object_get_ex (m, "destination", &dest) || !json_object_object_get_ex (m, "source", &src))
        return runcgo_fail (err, 0, "%s/%s: mounts[%zu] needs destination and source", r->image_path,
                            RUNCGO_CRIU_EXT_MOUNTS, i);
      r->ext = xrealloc (r->ext, (r->n_ext + 1) * sizeof (*r->ext));
      r->ext[r->n_ext++] = (struct runcgo_ext_mount){ xstrdup (json_object_get_string (dest)),
                                               xstrdup (json_object_get_string (src)),
                                               json_object_object_get_ex (m, "cgroup", &is_cg)
                                                   && json_object_get_boolean (is_cg) };
    }
  return 0;
}

static int
read_json (int dir_fd, const char *name, json_object **out, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  *out = NULL;
  if (runcgo_read_file_at (dir_fd, name, 0, &text, NULL, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      runcgo_error_release (err);
      return 0;
    }
  if ((*out = json_tokener_parse (text)) == NULL)
    return runcgo_fail (err, 0, "%s: not valid JSON", name);
  return 0;
}

static int
restore_metadata (struct restoration *r, runcgo_error_t *err)
{
  json_object *mounts = NULL, *desc = NULL;
  int ret = -1;
  if (read_json (r->image_fd, RUNCGO_CRIU_EXT_MOUNTS, &mounts, err) < 0
      || read_json (r->image_fd, RUNCGO_CRIU_DESCRIPTORS, &desc, err) < 0)
    goto out;
  if (mounts == NULL)
    ext_mounts_from_config (r);
  else if (parse_ext_mounts (r, mounts, err) < 0)
    goto out;
  for (size_t i = 0; desc && json_object_is_type (desc, json_type_array) && i < 3 && i < json_object_array_length (desc);
       i++)
    r->descriptors[i] = xstrdup (json_object_get_string (json_object_array_get_idx (desc, i)));
  ret = 0;
out:
  json_object_put (mounts);
  json_object_put (desc);
  return ret;
}

/* A bind in the restore's config.json wins (a bundle may move a source, as
 * with runc); a cgroup v1 bind follows the cgroup to its new path. */
static void
adjust_ext_sources (struct restoration *r)
{
  const char *new_cg = r->cgroup ? runcgo_cgroup_path (r->cgroup) : "";
  const char *old_cg = r->old_cgroup_path ? r->old_cgroup_path : "";
  for (size_t i = 0; i < r->n_ext; i++)
    {
      struct runcgo_ext_mount *e = &r->ext[i];
      for (size_t j = 0; j < r->spec->n_mounts; j++)
        {
          const struct runcgo_mount *m = &r->spec->mounts[j];
          cleanup_free char *dest = runcgo_path_clean (m->destination);
          if (is_bind (m) && m->source && strcmp (dest, e->dest) == 0)
            {
              free (e->source);
              e->source = config_source (r, m);
            }
        }
      size_t sl = strlen (e->source), ol = strlen (old_cg);
      if (e->cgroup && ol > 1 && *new_cg && strcmp (old_cg, new_cg) != 0 && sl > ol
          && strcmp (e->source + sl - ol, old_cg) == 0)
        {
          e->source[sl - ol] = '\0';
          char *moved = xasprintf ("%s%s", e->source, new_cg);
          free (e->source);
          e->source = moved;
        }
    }
}

/* The container of this ID, if any, must be one its checkpoint stopped:
 * it is deleted (runc removes it at checkpoint time). */
static int
replace_checkpointed (struct restoration *r, runcgo_error_t *err)
{
  struct runcgo_loaded l;
  runcgo_error_t gone = NULL;
  if (runcgo_container_load (r->ctx, r->o->id, false, &l, &gone) < 0)
    {
      runcgo_error_release (&gone);
      runcgo_loaded_release (&l);
      return 0; /* none: the state dir creation reports anything else */
    }
  bool checkpointed = faccessat (l.dir_fd, CHECKPOINTED_MARK, F_OK, 0) == 0;
  enum runcgo_status status = l.status;
  runcgo_loaded_release (&l);
  if (status != RUNCGO_STATUS_STOPPED || !checkpointed)
    return runcgo_fail_hint (err, 0, "restore under another ID, or delete the container first",
                             "container \"%s\" already exists (%s)", r->o->id, runcgo_status_name (status));
  return runcgo_container_delete (r->ctx, r->o->id, false, err);
}

static int
restore_write_state (struct restoration *r, runcgo_error_t *err)
{
  const struct runcgo_hooks *h = &r->spec->hooks;
  struct runcgo_container_state st = {
    .id = (char *) r->o->id,
    .pid = r->pid,
    .start_time = r->start_time,
    .creator = getpid (),
    .creator_start_time = runcgo_proc_start_time (getpid ()),
    .bundle = r->bundle,
    .rootfs = r->rootfs,
    .created = r->created,
    .owner = geteuid (),
    .cgroup_path = (char *) (r->cgroup ? runcgo_cgroup_path (r->cgroup) : ""),
    .cgroup_driver = r->cgroup ? (int) runcgo_cgroup_get_driver (r->cgroup) : RUNCGO_CGROUP_DRIVER_DISABLED,
    .rootless = r->ctx->rootless,
    .new_pidns = runcgo_spec_namespace (r->spec, RUNCGO_NS_PID) != NULL,
    .detached = r->o->detach,
    .annotations = r->spec->annotations,
    .n_annotations = r->spec->n_annotations,
    .poststop = h->list[RUNCGO_HOOK_POSTSTOP],
    .n_poststop = h->n[RUNCGO_HOOK_POSTSTOP],
  };
  return runcgo_state_write (r->dir_fd, &st, err);
}

/* State dir (locked; state.json with pid 0 so a restore killed midway
 * leaves something `delete -f` cleans up), then the cgroup. */
static int
restore_make_container (struct restoration *r, runcgo_error_t *err)
{
  if (replace_checkpointed (r, err) < 0 || runcgo_context_open_root (r->ctx, true, err) < 0)
    return -1;
  if ((r->dir_fd = runcgo_state_dir_create (r->ctx->root_fd, r->o->id, err)) < 0)
    return -1;
  r->dir_created = true;
  r->created = runcgo_now_rfc3339 ();
  if (runcgo_state_lock (r->dir_fd, err) < 0 || restore_write_state (r, err) < 0)
    return -1;
  const struct runcgo_linux *l = r->spec->linux_;
  struct runcgo_cgroup_config cfg = {
    .id = r->o->id,
    .cgroups_path = l ? l->cgroups_path : NULL,
    .resources = l ? l->resources : NULL,
    .driver = runcgo_cgroup_driver_of (r->ctx),
    .rootless = r->ctx->rootless,
  };
  if (runcgo_cgroup_create (&cfg, &r->cgroup, err) < 0)
    return -1;
  if (!runcgo_cgroup_is_active (r->cgroup))
    runcgo_warn ("restore: no cgroup for container \"%s\" (no permission): running without limits", r->o->id);
  if (mkdirat (r->dir_fd, CRIU_ROOT_DIR, 0700) < 0)
    return runcgo_fail (err, errno, "create `%s` in the state directory", CRIU_ROOT_DIR);
  r->criu_root = xasprintf ("%s/%s/%s", r->ctx->state_root, r->o->id, CRIU_ROOT_DIR);
  if (mount (r->rootfs, r->criu_root, NULL, MS_BIND | MS_REC, NULL) < 0)
    return runcgo_fail (err, errno, "restore: bind the rootfs `%s` on criu's root", r->rootfs);
  return 0;
}

/* Mount points criu will mount on must exist in the rootfs (a fresh copy
 * of the bundle may lack them); not those under a tmpfs criu restores with
 * its content (runc's prepareCriuRestoreMounts). */
static int
restore_mountpoints (struct restoration *r, runcgo_error_t *err)
{
  cleanup_close int root_fd = open (r->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    return runcgo_fail (err, errno, "open rootfs `%s`", r->rootfs);
  for (size_t i = 0; i < r->spec->n_mounts; i++)
    {
      const struct runcgo_mount *m = &r->spec->mounts[i];
      bool under_tmpfs = false;
      for (size_t j = 0; j < i && !under_tmpfs; j++)
        under_tmpfs = r->spec->mounts[j].type && strcmp (r->spec->mounts[j].type, "tmpfs") == 0
                      && path_within (m->destination, r->spec->mounts[j].destination);
      if (under_tmpfs)
        continue;
      struct stat st;
      cleanup_free char *src = is_bind (m) ? config_source (r, m) : NULL;
      bool file = src && stat (src, &st) == 0 && !S_ISDIR (st.st_mode);
      int fd = runcgo_safe_mkdir_p (root_fd, m->destination, file, err);
      if (fd < 0)
        return runcgo_error_wrap (err, "restore: mount point mounts[%zu]", i);
      close (fd);
    }
  return 0;
}

/* criu restores the tree into the cgroups it runs in (runc): move it into
 * the container's cgroup and name each hierarchy's path as a cg_root. */
static int
restore_cgroup_roots (struct restoration *r, pid_t criu_pid, runcgo_error_t *err)
{
  if (r->cgroup == NULL || !runcgo_cgroup_is_active (r->cgroup))
    return 0;
  if (runcgo_cgroup_enter (r->cgroup, criu_pid, false, err) < 0)
    return runcgo_error_wrap (err, "restore: move criu into the container's cgroup");
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/cgroup", (int) criu_pid);
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &r->cg_text, NULL, err) < 0)
    return -1;
  char *save = NULL;
  for (char *line = strtok_r (r->cg_text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *c1 = strchr (line, ':'), *c2 = c1 ? strchr (c1 + 1, ':') : NULL;
      if (c2 == NULL)
        continue;
      *c2 = '\0';
      r->cg_root = xrealloc (r->cg_root, (r->n_cg_root + 1) * sizeof (*r->cg_root));
      /* "0::/path" (cgroup2) has no controller name: the default root */
      r->cg_root[r->n_cg_root++] = (struct runcgo_criu_cg_root){ c1[1] ? c1 + 1 : NULL, c2 + 1 };
    }
  return 0;
}

/* Namespaces the config joins by path come back by key (extRootNetNS). */
static int
restore_external_ns (struct restoration *r, struct runcgo_criu_inherit_fd *inh, size_t *n, runcgo_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (external_ns); i++)
    {
      const struct runcgo_namespace *ns = runcgo_spec_namespace (r->spec, external_ns[i].kind);
      if (ns == NULL || ns->path == NULL)
        continue;
      if ((r->ns_fds[i] = open (ns->path, O_RDONLY | O_CLOEXEC)) < 0)
        return runcgo_fail (err, errno, "restore: open %s namespace `%s`", external_ns[i].proc_name, ns->path);
      inh[(*n)++] = (struct runcgo_criu_inherit_fd){ external_ns[i].key, r->ns_fds[i] };
    }
  return 0;
}

static void
restore_opts (struct restoration *r, struct runcgo_criu_opts *opts, struct runcgo_criu_kv *kv,
              struct runcgo_criu_inherit_fd *inh, size_t n_inh)
{
  const struct runcgo_restore_opts *o = r->o;
  runcgo_criu_opts_init (opts);
  opts->images_dir_fd = r->image_fd;
  opts->work_dir_fd = r->work_fd;
  opts->log_level = CRIU_LOG_LEVEL;
  opts->log_file = "restore.log";
  opts->root = r->criu_root;
  opts->rst_sibling = true; /* the restored init is our child, as a created one is */
  opts->evasive_devices = true;
  opts->notify_scripts = true;
  opts->orphan_pts_master = true;
  opts->tcp_established = o->tcp_established;
  opts->ext_unix_sk = o->ext_unix_sk;
  opts->shell_job = o->shell_job;
  opts->file_locks = o->file_locks;
  runcgo_criu_extra_apply (&o->x, opts);
  bool active = r->cgroup && runcgo_cgroup_is_active (r->cgroup);
  opts->manage_cgroups = true;
  /* without a cgroup of our own (rootless fallback) criu must not try to
   * create any: the tree stays where criu runs */
  opts->has_manage_cgroups_mode = o->has_cg_mode || !active;
  opts->manage_cgroups_mode = o->has_cg_mode ? o->cg_mode : RUNCGO_CRIU_CG_IGNORE;
  opts->cg_root = r->cg_root;
  opts->n_cg_root = r->n_cg_root;
  for (size_t i = 0; i < r->n_ext; i++)
    kv[i] = (struct runcgo_criu_kv){ r->ext[i].dest, r->ext[i].source };
  opts->ext_mnt = kv;
  opts->n_ext_mnt = r->n_ext;
  opts->inherit_fd = inh;
  opts->n_inherit_fd = n_inh;
}

static int
restore_record (struct restoration *r, pid_t pid, runcgo_error_t *err)
{
  if (r->pid > 0 || pid <= 0)
    return 0;
  r->pid = pid;
  r->start_time = runcgo_proc_start_time (pid);
  r->pidfd = (int) syscall (SYS_pidfd_open, pid, 0);
  if (r->pidfd < 0)
    return runcgo_fail (err, errno, "restore: pidfd_open of the restored init %d", (int) pid);
  if (restore_write_state (r, err) < 0)
    return -1;
  return runcgo_write_pid_file (r->o->pid_file, pid, err);
}

/* prestart and createRuntime hooks run once criu has made the namespaces,
 * before the tree runs again (runc) */
static int
restore_hooks (struct restoration *r, pid_t pid, runcgo_error_t *err)
{
  const struct runcgo_spec *spec = r->spec;
  if (spec->hooks.n[RUNCGO_HOOK_PRESTART] == 0 && spec->hooks.n[RUNCGO_HOOK_CREATE_RUNTIME] == 0)
    return 0;
  cleanup_free char *state = runcgo_state_oci_json (r->o->id, RUNCGO_STATUS_CREATING, pid, r->bundle,
                                                    spec->annotations, spec->n_annotations);
  if (runcgo_hooks_run (&spec->hooks, RUNCGO_HOOK_PRESTART, state, err) < 0)
    return -1;
  return runcgo_hooks_run (&spec->hooks, RUNCGO_HOOK_CREATE_RUNTIME, state, err);
}

static int
restore_notify (void *data, const char *script, pid_t pid, int fd, runcgo_error_t *err)
{
  struct restoration *r = data;
  if (strcmp (script, "setup-namespaces") == 0)
    return restore_hooks (r, pid, err);
  if (strcmp (script, "post-restore") == 0)
    return restore_record (r, pid, err);
  if (strcmp (script, "orphan-pts-master") == 0 && fd >= 0 && r->console_fd >= 0)
    return runcgo_console_send (r->console_fd, fd, err);
  return 0;
}

static int
restore_run_criu (struct restoration *r, const sigset_t *mask, runcgo_error_t *err)
{
  struct runcgo_criu_inherit_fd inh[3 + ARRAY_SIZE (external_ns)];
  size_t n_inh = 0;
  /* the init's stdio pipes become ours (criu's fds 0-2, inherited) */
  for (int i = 0; i < 3; i++)
    if (r->descriptors[i] && strncmp (r->descriptors[i], "pipe:", 5) == 0)
      inh[n_inh++] = (struct runcgo_criu_inherit_fd){ r->descriptors[i], i };
  if (restore_external_ns (r, inh, &n_inh, err) < 0)
    return -1;
  int pass[2 + ARRAY_SIZE (external_ns)] = { r->image_fd, r->work_fd };
  for (size_t i = 0; i < ARRAY_SIZE (external_ns); i++)
    pass[2 + i] = r->ns_fds[i];
  struct runcgo_criu_spawn sp = { .criu = r->criu, .pass_fds = pass, .n_pass_fds = ARRAY_SIZE (pass),
                                  .sigmask = mask };
  struct runcgo_criu_swrk w;
  if (runcgo_criu_swrk_start (&sp, &w, err) < 0)
    return -1;
  int ret = restore_cgroup_roots (r, w.pid, err);
  struct runcgo_criu_opts opts;
  cleanup_free struct runcgo_criu_kv *kv = xzalloc ((r->n_ext + 1) * sizeof (*kv));
  restore_opts (r, &opts, kv, inh, n_inh);
  struct runcgo_criu_req req = { .type = RUNCGO_CRIU_RESTORE, .opts = &opts };
  struct criu_call call = { .what = "restore", .log_name = "restore.log", .work_path = r->work_path,
                            .work_fd = r->work_fd, .criu = r->criu };
  struct runcgo_criu_resp resp = { 0 };
  if (ret == 0)
    ret = criu_converse (&call, &w, &req, restore_notify, r, &resp, err);
  if (ret == 0 && resp.has_restore_pid)
    ret = restore_record (r, resp.restore_pid, err);
  if (ret == 0 && r->pid <= 0)
    ret = runcgo_fail (err, EPROTO, "criu restore reported no pid for the restored init");
  runcgo_criu_resp_clear (&resp);
  runcgo_criu_swrk_finish (&w);
  return ret;
}

static void
restore_unwind (struct restoration *r)
{
  runcgo_error_t ignored = NULL;
  if (r->pidfd >= 0)
    {
      syscall (SYS_pidfd_send_signal, r->pidfd, SIGKILL, NULL, 0);
      waitpid (r->pid, NULL, 0);
    }
  if (r->cgroup && runcgo_cgroup_is_active (r->cgroup))
    {
      runcgo_cgroup_kill_all (r->cgroup, SIGKILL, &ignored);
      runcgo_error_release (&ignored);
      runcgo_cgroup_destroy (r->cgroup, &ignored);
      runcgo_error_release (&ignored);
    }
  if (!restore_unbind_root (r))
    runcgo_warn ("restore: cannot unmount `%s`: %s; leaving the state directory", r->criu_root, strerror (errno));
  else if (r->dir_created)
    runcgo_state_dir_remove (r->ctx->root_fd, r->o->id, &ignored);
  runcgo_error_release (&ignored);
}

static int
restore_steps (struct restoration *r, const sigset_t *mask, runcgo_error_t *err)
{
  if (runcgo_container_id_validate (r->o->id, err) < 0 || restore_enter_mntns (err) < 0
      || restore_config (r, err) < 0 || restore_open_images (r, err) < 0 || restore_metadata (r, err) < 0)
    return -1;
  if (restore_make_container (r, err) < 0)
    return -1;
  adjust_ext_sources (r);
  if (restore_mountpoints (r, err) < 0 || restore_run_criu (r, mask, err) < 0)
    return -1;
  if (!restore_unbind_root (r))
    return runcgo_fail (err, errno, "restore: unmount criu's root `%s`", r->criu_root);
  /* the state is complete: let kill and delete -f in */
  flock (r->dir_fd, LOCK_UN);
  return 0;
}

int
runcgo_container_restore (struct runcgo_context *ctx, const struct runcgo_restore_opts *o, int *exit_status,
                          runcgo_error_t *err)
{
  struct restoration r = { .ctx = ctx, .o = o, .dir_fd = -1, .image_fd = -1, .work_fd = -1, .console_fd = -1,
                           .pidfd = -1 };
  for (size_t i = 0; i < ARRAY_SIZE (r.ns_fds); i++)
    r.ns_fds[i] = -1;
  sigset_t fwd, old;
  *exit_status = 0;
  sigprocmask (SIG_SETMASK, NULL, &old);
  if (!o->detach)
    {
      /* blocked before criu runs, so no signal for the restored init is lost
       * before the wait loop; criu itself starts with the caller's mask */
      runcgo_forwarded_signals (&fwd);
      sigprocmask (SIG_BLOCK, &fwd, NULL);
      if (!o->no_subreaper)
        prctl (PR_SET_CHILD_SUBREAPER, 1);
    }
  int ret = restore_steps (&r, &old, err);
  if (ret < 0)
    restore_unwind (&r);
  else if (!o->detach)
    {
      ret = runcgo_wait_foreground (r.pidfd, r.pid, -1, &fwd, exit_status, err);
      runcgo_error_t gone = NULL;
      /* `delete -f` may have removed it meanwhile: nothing left to do then */
      if (ret == 0 && runcgo_container_delete (ctx, o->id, true, &gone) < 0)
        runcgo_warn ("%s", runcgo_error_text (gone));
      runcgo_error_release (&gone);
    }
  restoration_release (&r);
  return ret;
}
