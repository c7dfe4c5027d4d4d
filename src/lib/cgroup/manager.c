/* manager.c -- the container's cgroup as the rest of the runtime sees it:
 * mode detection, driver dispatch (fs, disabled; systemd in systemd.c),
 * cgroupsPath resolution, and create/open/enter/pids/kill/freeze/update/
 * destroy as loops over one directory per hierarchy (fs.c does the work,
 * resources.c the resource files). */
#include "config.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cgroup/internal.h"
#ifdef HAVE_SYSTEMD
#include "cgroup/systemd.h"
#endif
#include "core/context.h"
#include "core/util.h"

enum runcgo_cgroup_mode
runcgo_cgroup_mode (void)
{
  static int cached = -1;
  if (cached >= 0)
    return (enum runcgo_cgroup_mode)cached;
  struct statfs st;
  cached = RUNCGO_CGROUP_V1;
  if (statfs ("/sys/fs/cgroup", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    cached = RUNCGO_CGROUP_V2;
  else if (statfs ("/sys/fs/cgroup/unified", &st) == 0 && st.f_type == CGROUP2_SUPER_MAGIC)
    cached = RUNCGO_CGROUP_HYBRID; /* tmpfs of v1 mounts plus a cgroup2 one */
  return (enum runcgo_cgroup_mode)cached;
}

/* ---------------------------------------------------------------- paths */

int
runcgo_cg_clean_path (const char *in, char **out, runcgo_error_t *err)
{
  if (strchr (in, '\n'))
    return runcgo_fail (err, EINVAL, "linux.cgroupsPath: a newline is not allowed");
  bool abs = in[0] == '/';
  cleanup_free char *buf = xstrdup ("");
  size_t len = 0;
  for (const char *s = in; *s;)
    {
      s += strspn (s, "/");
      size_t n = strcspn (s, "/");
      if (n == 0 || (n == 1 && s[0] == '.'))
        {
          s += n;
          continue;
        }
      if (n == 2 && s[0] == '.' && s[1] == '.')
        {
          /* climbing above the start would leave the subtree the path names
           * (for an absolute path: the hierarchy root) */
          if (len == 0)
            return runcgo_fail (err, EINVAL, "linux.cgroupsPath: \"%s\" leads above its start with \"..\"", in);
          char *slash = strrchr (buf, '/');
          len = slash ? (size_t)(slash - buf) : 0;
          buf[len] = '\0';
        }
      else
        {
          char *next = xasprintf ("%s%s%.*s", buf, len ? "/" : "", (int)n, s);
          free (buf);
          buf = next;
          len = strlen (buf);
        }
      s += n;
    }
  *out = abs ? xasprintf ("/%s", buf) : steal_ptr (&buf);
  return 0;
}

static char *
join_path (const char *parent, const char *child)
{
  size_t pl = strlen (parent);
  while (pl > 0 && parent[pl - 1] == '/')
    pl--;
  return xasprintf ("%.*s/%s", (int)pl, parent, child);
}

/* Where a relative cgroupsPath starts in hierarchy h: the caller's own
 * cgroup there (runc), or on pure v2 its parent, because the caller's own
 * cgroup has processes and v2 could not enable controllers below it (runc's
 * fs2 defaultDirPath does the same).  Relative to the mount, like every
 * cgpath. */
static int
own_base (const char *proc_cgroup, const struct runcgo_cg_hier *h, enum runcgo_cgroup_mode mode, char **out,
          runcgo_error_t *err)
{
  cleanup_free char *own = runcgo_cg_proc_path (proc_cgroup, h->controllers);
  if (own == NULL)
    return runcgo_fail (err, ENOENT, "find this process's cgroup for %s in /proc/self/cgroup",
                        h->unified ? "cgroup2" : h->controllers);
  const char *p = own;
  size_t rl = strlen (h->root);
  if (strcmp (h->root, "/") != 0 && strncmp (own, h->root, rl) == 0 && (own[rl] == '/' || own[rl] == '\0'))
    p += rl; /* the mount shows only part of the hierarchy */
  cleanup_free char *base = xstrdup (*p ? p : "/");
  if (mode == RUNCGO_CGROUP_V2 && strcmp (base, "/") != 0)
    *strrchr (base, '/') = '\0';
  *out = xstrdup (*base ? base : "/");
  return 0;
}

/* state.json form: the path when it is the same in every hierarchy (always
 * for an absolute cgroupsPath), else "CONTROLLERS:PATH;..." with "" for
 * cgroup2, as /proc/PID/cgroup spells them, so open() finds every one. */
static char *
state_path (const struct runcgo_cg_dir *dirs, size_t n)
{
  bool same = true;
  for (size_t i = 1; i < n; i++)
    same = same && strcmp (dirs[i].cgpath, dirs[0].cgpath) == 0;
  if (same)
    return xstrdup (n ? dirs[0].cgpath : "");
  cleanup_free char *s = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%s%s:%s", s, i ? ";" : "", dirs[i].hier->controllers, dirs[i].cgpath);
      free (s);
      s = next;
    }
  return steal_ptr (&s);
}

static void
dirs_free (struct runcgo_cg_dir *dirs, size_t n)
{
  for (size_t i = 0; dirs && i < n; i++)
    {
      free (dirs[i].cgpath);
      free (dirs[i].dir);
    }
  free (dirs);
}

static void
dir_set (struct runcgo_cg_dir *d, const struct runcgo_cg_hier *h, char *cgpath)
{
  d->hier = h;
  d->cgpath = cgpath;
  d->dir = xasprintf ("%s%s", h->mount, strcmp (cgpath, "/") == 0 ? "" : cgpath);
}

/* An empty cgroupsPath means "<id>" relative to the caller's cgroup: runc's
 * specconv sets Name = id with an empty Parent, which its cgroupfs drivers
 * resolve relative to the caller's own cgroup.  (crun uses an absolute
 * path; runc compatibility wins.)  Podman and tests pass a path. */
static int
resolve_dirs (const struct runcgo_cgroup_config *cfg, enum runcgo_cgroup_mode mode, struct runcgo_cg_dir **out,
              size_t *n_out, runcgo_error_t *err)
{
  const char *raw = cfg->cgroups_path && *cfg->cgroups_path ? cfg->cgroups_path : cfg->id;
  cleanup_free char *clean = NULL, *proc = NULL;
  const struct runcgo_cg_hier *h;
  size_t nh;
  if (raw == NULL || runcgo_cg_clean_path (raw, &clean, err) < 0)
    return raw ? -1 : runcgo_fail (err, EINVAL, "cgroup: neither linux.cgroupsPath nor a container id");
  if (strcmp (clean, "/") == 0 || *clean == '\0')
    return runcgo_fail (err, EINVAL, "linux.cgroupsPath: \"%s\" names the root cgroup itself", raw);
  if (runcgo_cg_hierarchies (mode, &h, &nh, err) < 0)
    return -1;
  if (*clean != '/' && runcgo_read_file_at (AT_FDCWD, "/proc/self/cgroup", 0, &proc, NULL, err) < 0)
    return -1;
  struct runcgo_cg_dir *dirs = xzalloc (nh * sizeof (*dirs));
  for (size_t i = 0; i < nh; i++)
    {
      cleanup_free char *base = NULL;
      if (*clean != '/' && own_base (proc, &h[i], mode, &base, err) < 0)
        {
          dirs_free (dirs, i);
          return -1;
        }
      dir_set (&dirs[i], &h[i], *clean == '/' ? xstrdup (clean) : join_path (base, clean));
    }
  *out = dirs;
  *n_out = nh;
  return 0;
}

/* ---------------------------------------------------------------- lookups */

const struct runcgo_cg_dir *
runcgo_cg_dir_for (const struct runcgo_cgroup *cg, const char *controller)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const struct runcgo_cg_hier *h = cg->dirs[i].hier;
      if (controller == NULL ? h->unified : (!h->unified && runcgo_cg_has_controller (h->controllers, controller)))
        return &cg->dirs[i];
    }
  return NULL;
}

/* Where cgroup.procs is read: pids, else memory, else the first (v1);
 * the cgroup2 directory on v2. */
static const struct runcgo_cg_dir *
procs_dir (const struct runcgo_cgroup *cg)
{
  if (cg->mode == RUNCGO_CGROUP_V2)
    return runcgo_cg_dir_for (cg, NULL);
  const struct runcgo_cg_dir *d = runcgo_cg_dir_for (cg, "pids");
  if (d == NULL)
    d = runcgo_cg_dir_for (cg, "memory");
  return d ? d : (cg->n_dirs ? &cg->dirs[0] : NULL);
}

static bool
has_file (const char *dir, const char *file)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, file);
  return access (p, F_OK) == 0;
}

/* The v1 freezer; else cgroup.freeze of the cgroup2 directory (v2, or a
 * hybrid host without a v1 freezer: the container's tasks are there too). */
static const struct runcgo_cg_dir *
freezer_dir (const struct runcgo_cgroup *cg)
{
  const struct runcgo_cg_dir *d = cg->mode == RUNCGO_CGROUP_V2 ? NULL : runcgo_cg_dir_for (cg, "freezer");
  if (d == NULL && cg->mode != RUNCGO_CGROUP_V1)
    {
      d = runcgo_cg_dir_for (cg, NULL);
      if (d && !has_file (d->dir, "cgroup.freeze"))
        d = NULL;
    }
  return d;
}

static int
need_active (const struct runcgo_cgroup *cg, const char *what, runcgo_error_t *err)
{
  if (cg->active)
    return 0;
  return runcgo_fail_hint (err, ENOTSUP, "the container was created without a cgroup (disabled or rootless)",
                           "%s: the container has no cgroup", what);
}

/* ---------------------------------------------------------------- create */

static struct runcgo_cgroup *
manager_new (enum runcgo_cgroup_driver driver)
{
  struct runcgo_cgroup *cg = xzalloc (sizeof (*cg));
  cg->driver = driver;
  cg->mode = runcgo_cgroup_mode ();
  cg->clone_fd = -1;
  cg->path = xstrdup ("");
  return cg;
}

static bool
is_perm_error (int e)
{
  return e == EACCES || e == EPERM || e == EROFS;
}

static void
undo_create (struct runcgo_cgroup *cg)
{
  for (size_t i = cg->n_dirs; i > 0; i--)
    {
      runcgo_error_t e = NULL;
      runcgo_cg_rmdir (&cg->dirs[i - 1], true, &e);
      runcgo_error_release (&e);
    }
}

/* mkdir everywhere.  Returns 1 when a rootless caller may go on without a
 * cgroup (everything made so far removed again): its resources are then not
 * applied, which the caller reports (issue 5: a warning, unless the user
 * asked for enforcement). */
static int
make_dirs (struct runcgo_cgroup *cg, bool rootless, bool requested, runcgo_error_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      if (runcgo_cg_mkdir (&cg->dirs[i], err) == 0)
        continue;
      int e = (*err)->status;
      undo_create (cg);
      if (!rootless || !is_perm_error (e))
        return -1;
      runcgo_error_release (err);
      if (requested && cg->enforce)
        return runcgo_fail_hint (err, e, "use --systemd-cgroup or a delegated cgroup v2 subtree",
                                 "linux.resources need a cgroup, but a rootless caller cannot create %s",
                                 cg->dirs[i].dir);
      cg->resources_dropped = requested;
      return 1;
    }
  return 0;
}

static int
prepare_dirs (struct runcgo_cgroup *cg, char **needed, runcgo_error_t *err)
{
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      struct runcgo_cg_dir *d = &cg->dirs[i];
      if (runcgo_cg_cpuset_init (d, err) < 0)
        return -1;
      if (d->hier->unified && runcgo_cg_enable_controllers (d, needed, err) < 0)
        return runcgo_error_wrap (err, "linux.resources");
    }
  const struct runcgo_cg_dir *v2 = cg->mode == RUNCGO_CGROUP_V2 ? runcgo_cg_dir_for (cg, NULL) : NULL;
  if (v2)
    {
      cg->clone_fd = open (v2->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (cg->clone_fd < 0)
        return runcgo_fail (err, errno, "open cgroup %s", v2->dir);
    }
  return 0;
}

static int
create_fs (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  struct runcgo_cgroup_write *w = NULL;
  size_t nw = 0;
  /* the plan first: a bad resource fails before any directory exists */
  if (runcgo_cgroup_plan_writes (cfg->resources, cg->mode, &w, &nw, err) < 0)
    return -1;
  bool requested = runcgo_cg_plan_requests (w, nw);
  runcgo_cgroup_writes_free (w, nw);
  cleanup_strv char **needed = NULL;
  if (runcgo_cg_v2_controllers (cfg->resources, cg->mode, &needed, err) < 0)
    return -1;
  if (resolve_dirs (cfg, cg->mode, &cg->dirs, &cg->n_dirs, err) < 0)
    return -1;
  if (cfg->before_mkdir)
    {
      cleanup_free char *path = state_path (cg->dirs, cg->n_dirs);
      if (cfg->before_mkdir (path, cfg->before_mkdir_arg, err) < 0)
        return -1;
    }
  int r = make_dirs (cg, cfg->rootless, requested, err);
  if (r != 0)
    {
      if (r > 0)
        {
          dirs_free (steal_ptr (&cg->dirs), cg->n_dirs);
          cg->n_dirs = 0;
          cg->driver = RUNCGO_CGROUP_DRIVER_DISABLED;
        }
      return r < 0 ? -1 : 0;
    }
  cg->active = true;
  if (prepare_dirs (cg, needed, err) < 0 || runcgo_cg_apply (cg, cfg->resources, false, err) < 0)
    {
      undo_create (cg);
      return -1;
    }
  free (cg->path);
  cg->path = state_path (cg->dirs, cg->n_dirs);
  return 0;
}

#ifdef HAVE_SYSTEMD
static bool
is_socket (const char *dir, const char *name)
{
  cleanup_free char *p = xasprintf ("%s/%s", dir, name);
  struct stat st;
  return stat (p, &st) == 0 && S_ISSOCK (st.st_mode);
}

/* A rootless config with resources goes to a transient user scope
 * (Delegate=yes) when the user's systemd answers, before the delegated
 * cgroup v2 subtree and the no-cgroup fallback (issue 5).  Cheap tests
 * first, so that nothing else ever touches a bus. */
static bool
auto_systemd (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup *cg)
{
  const char *env = getenv ("DBUS_SESSION_BUS_ADDRESS"), *xdg = getenv ("XDG_RUNTIME_DIR");
  if (!runcgo_sd_auto_candidate (cfg, cg->mode))
    return false;
  if (!(env && *env) && !(xdg && *xdg && (is_socket (xdg, "bus") || is_socket (xdg, "systemd/private"))))
    return false;
  return runcgo_cg_systemd_auto (cfg, cg);
}
#endif

enum runcgo_cgroup_driver
runcgo_cgroup_driver_of (const struct runcgo_context *ctx)
{
  if (ctx->no_cgroup)
    return RUNCGO_CGROUP_DRIVER_DISABLED;
  return ctx->systemd_cgroup ? RUNCGO_CGROUP_DRIVER_SYSTEMD : RUNCGO_CGROUP_DRIVER_FS;
}

/* run.oci.delegate-cgroup is a relative path below the container's cgroup;
 * only cgroup v2 delegates safely (crun refuses v1 too). */
static int
check_delegate (const struct runcgo_cgroup_config *cfg, enum runcgo_cgroup_mode mode, runcgo_error_t *err)
{
  const char *d = cfg->delegate;
  if (d == NULL)
    return 0;
  cleanup_free char *abs = xasprintf ("/%s", d), *clean = NULL;
  if (*d == '\0' || *d == '/' || strstr (abs, "/../") || strcmp (abs + strlen (abs) - 3, "/..") == 0
      || runcgo_cg_clean_path (abs, &clean, err) < 0)
    return runcgo_fail_hint (err, EINVAL, "name a sub-cgroup such as \"payload\"",
                             "%s: \"%s\" is not a relative path below the container's cgroup",
                             RUNCGO_ANN_DELEGATE_CGROUP, d);
  if (mode != RUNCGO_CGROUP_V2)
    return runcgo_fail_hint (err, ENOTSUP, "delegation is safe on cgroup v2 only (as crun)",
                             "%s: this host is not on cgroup v2 alone", RUNCGO_ANN_DELEGATE_CGROUP);
  if (cfg->driver == RUNCGO_CGROUP_DRIVER_DISABLED)
    return runcgo_fail (err, EINVAL, "%s: the container has no cgroup (--cgroup-manager disabled)",
                        RUNCGO_ANN_DELEGATE_CGROUP);
  return 0;
}

int
runcgo_cgroup_create (const struct runcgo_cgroup_config *cfg, struct runcgo_cgroup **out, runcgo_error_t *err)
{
  struct runcgo_cgroup *cg = manager_new (cfg->driver);
  cg->rootless = cfg->rootless;
  cg->enforce = cfg->enforce;
  if (check_delegate (cfg, cg->mode, err) < 0)
    {
      runcgo_cgroup_free (cg);
      return -1;
    }
  cg->delegate = cfg->delegate ? xstrdup (cfg->delegate) : NULL;
  cg->delegate_uid = cfg->delegate_uid;
  cg->delegate_gid = cfg->delegate_gid;
  int r = 0;
  switch (cfg->driver)
    {
    case RUNCGO_CGROUP_DRIVER_DISABLED:
      break;
    case RUNCGO_CGROUP_DRIVER_SYSTEMD:
#ifdef HAVE_SYSTEMD
      r = runcgo_cg_systemd_create (cfg, cg, err);
#else
      r = runcgo_fail_hint (err, ENOTSUP, "rebuild without --disable-systemd, or run without --systemd-cgroup",
                            "cgroup: this runcgo was built without the systemd driver");
#endif
      break;
    case RUNCGO_CGROUP_DRIVER_FS:
#ifdef HAVE_SYSTEMD
      if (auto_systemd (cfg, cg))
        break;
#endif
      r = create_fs (cfg, cg, err);
      break;
    }
  if (r < 0)
    {
      runcgo_cgroup_free (cg);
      return -1;
    }
  *out = cg;
  return 0;
}

/* ---------------------------------------------------------------- open */

static int
open_dirs (struct runcgo_cgroup *cg, const char *path, runcgo_error_t *err)
{
  const struct runcgo_cg_hier *h;
  size_t nh;
  if (runcgo_cg_hierarchies (cg->mode, &h, &nh, err) < 0)
    return -1;
  cg->dirs = xzalloc (nh * sizeof (*cg->dirs));
  for (size_t i = 0; i < nh; i++)
    {
      cleanup_free char *raw = NULL, *clean = NULL;
      if (path[0] == '/')
        raw = xstrdup (path);
      else
        {
          /* "CONTROLLERS:PATH;...": find this hierarchy's entry */
          cleanup_free char *key = xasprintf ("%s:", h[i].controllers);
          for (const char *s = path; *s && raw == NULL; s += *s == ';')
            {
              size_t n = strcspn (s, ";");
              if (strncmp (s, key, strlen (key)) == 0)
                raw = xstrndup (s + strlen (key), n - strlen (key));
              s += n;
            }
          if (raw == NULL)
            continue; /* not part of the container (hierarchy mounted later) */
        }
      if (runcgo_cg_clean_path (raw, &clean, err) < 0 || clean[0] != '/' || clean[1] == '\0')
        return runcgo_fail (err, EINVAL, "cgroup path \"%s\" from the container state is not valid", path);
      struct runcgo_cg_dir *d = &cg->dirs[cg->n_dirs++];
      dir_set (d, &h[i], steal_ptr (&clean));
      /* destroy removes the leaf only: which parents create made is not
       * recorded (they may be shared with other containers anyway) */
      d->n_created = 1;
    }
  return 0;
}

int
runcgo_cgroup_open (const char *path, enum runcgo_cgroup_driver driver, struct runcgo_cgroup **out, runcgo_error_t *err)
{
  if (path == NULL || *path == '\0')
    driver = RUNCGO_CGROUP_DRIVER_DISABLED;
  struct runcgo_cgroup *cg = manager_new (driver);
  if (driver != RUNCGO_CGROUP_DRIVER_DISABLED)
    {
      /* systemd: the scope's directories are plain cgroupfs directories too */
      if (open_dirs (cg, path, err) < 0)
        {
          runcgo_cgroup_free (cg);
          return -1;
        }
      free (cg->path);
      cg->path = xstrdup (path);
      cg->active = true;
    }
  *out = cg;
  return 0;
}

/* exec --cgroup: the sub-cgroup given for this hierarchy, as runc reads the
 * flag: "[CONTROLLER[,CONTROLLER]:]PATH", repeatable; a path without
 * controllers is for every hierarchy not named elsewhere. */
static const char *
sub_for (const struct runcgo_cg_hier *h, char *const *subs)
{
  const char *plain = NULL;
  for (size_t i = 0; subs[i]; i++)
    {
      const char *colon = strchr (subs[i], ':');
      if (colon == NULL)
        {
          plain = subs[i];
          continue;
        }
      cleanup_free char *names = xstrndup (subs[i], (size_t) (colon - subs[i]));
      for (char *save = NULL, *c = strtok_r (names, ",", &save); c; c = strtok_r (NULL, ",", &save))
        if (runcgo_cg_has_controller (h->controllers, c))
          return colon + 1;
    }
  return plain;
}

static int
open_sub_dir (const struct runcgo_cg_dir *parent, const char *sub, struct runcgo_cg_dir *d, runcgo_error_t *err)
{
  cleanup_free char *joined = xasprintf ("%s/%s", parent->cgpath, sub), *clean = NULL;
  if (runcgo_cg_clean_path (joined, &clean, err) < 0)
    return -1;
  size_t n = strlen (parent->cgpath);
  if (strncmp (clean, parent->cgpath, n) != 0 || clean[n] != '/')
    return runcgo_fail (err, EINVAL, "exec --cgroup \"%s\": the path leaves the container's cgroup", sub);
  dir_set (d, parent->hier, steal_ptr (&clean));
  struct stat st;
  if (stat (d->dir, &st) < 0 || !S_ISDIR (st.st_mode))
    return runcgo_fail_hint (err, ENOENT, "create the sub-cgroup first: exec joins, it does not create",
                             "exec --cgroup \"%s\": %s does not exist", sub, d->dir);
  return 0;
}

int
runcgo_cgroup_open_sub (const struct runcgo_cgroup *cg, char *const *subs, struct runcgo_cgroup **out,
                        runcgo_error_t *err)
{
  if (!cg->active)
    return runcgo_fail (err, ENOENT, "exec --cgroup: the container has no cgroup");
  struct runcgo_cgroup *sub = manager_new (RUNCGO_CGROUP_DRIVER_FS);
  sub->dirs = xzalloc (cg->n_dirs * sizeof (*sub->dirs));
  sub->active = true;
  for (size_t i = 0; i < cg->n_dirs; i++)
    {
      const char *path = sub_for (cg->dirs[i].hier, subs);
      if (path == NULL)
        {
          dir_set (&sub->dirs[sub->n_dirs++], cg->dirs[i].hier, xstrdup (cg->dirs[i].cgpath));
          continue;
        }
      if (open_sub_dir (&cg->dirs[i], path, &sub->dirs[sub->n_dirs++], err) < 0)
        {
          runcgo_cgroup_free (sub);
          return -1;
        }
    }
  *out = sub;
  return 0;
}

/* ---------------------------------------------------------------- operations */

int
runcgo_cgroup_clone_fd (const struct runcgo_cgroup *cg)
{
  return cg ? cg->clone_fd : -1;
}

const char *
runcgo_cgroup_path (const struct runcgo_cgroup *cg)
{
  return cg->path;
}

enum runcgo_cgroup_driver
runcgo_cgroup_get_driver (const struct runcgo_cgroup *cg)
{
  return cg->driver;
}

bool
runcgo_cgroup_is_active (const struct runcgo_cgroup *cg)
{
  return cg && cg->active;
}

int
runcgo_cgroup_delegate (struct runcgo_cgroup *cg, pid_t pid, runcgo_error_t *err)
{
  if (cg == NULL || cg->delegate == NULL)
    return 0;
  static const char *const owned[] = { "", "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };
  const struct runcgo_cg_dir *parent = cg->active ? runcgo_cg_dir_for (cg, NULL) : NULL;
  if (parent == NULL)
    return runcgo_fail (err, ENOENT, "%s: the container has no cgroup2 directory", RUNCGO_ANN_DELEGATE_CGROUP);
  struct runcgo_cg_dir d = { .hier = parent->hier };
  cleanup_free char *joined = xasprintf ("%s/%s", parent->cgpath, cg->delegate);
  if (runcgo_cg_clean_path (joined, &d.cgpath, err) < 0)
    return -1;
  d.dir = xasprintf ("%s%s", parent->hier->mount, d.cgpath);
  int r = runcgo_cg_mkdir (&d, err) < 0 || runcgo_cg_add_pid (&d, pid, err) < 0 ? -1 : 0;
  for (size_t i = 0; r == 0 && i < ARRAY_SIZE (owned); i++)
    {
      cleanup_free char *f = xasprintf ("%s/%s", d.dir, owned[i]);
      if (chown (f, cg->delegate_uid, cg->delegate_gid) < 0 && errno != ENOENT)
        r = runcgo_fail (err, errno, "%s: chown %s", RUNCGO_ANN_DELEGATE_CGROUP, f);
    }
  /* best effort: what the container's cgroup has, its sub-cgroups may use */
  cleanup_free char *avail = NULL;
  runcgo_error_t ignored = NULL;
  if (r == 0 && runcgo_cg_read (parent->dir, "cgroup.controllers", &avail, &ignored) == 0)
    for (char *save = NULL, *c = strtok_r (avail, " \n", &save); c; c = strtok_r (NULL, " \n", &save))
      {
        cleanup_free char *plus = xasprintf ("+%s", c);
        runcgo_cg_write_errno (parent->dir, "cgroup.subtree_control", plus);
      }
  runcgo_error_release (&ignored);
  free (d.cgpath);
  free (d.dir);
  return r;
}

/* ---------------------------------------------------------------- self-join */
/* A thread that writes "0" to a v1 `tasks` file moves only itself, and for
 * that case the kernel skips the global cgroup_threadgroup_rwsem, whose
 * write side (taken for every move by pid through cgroup.procs) waits for an
 * RCU grace period: 9 hierarchies cost the parent 0.5-1.4 ms here against
 * 0.1 ms for the init moving itself (measured on this VM, kernel 6.18).  The
 * init is single-threaded when it joins, so the thread is the process.  v2
 * has no such path (cgroup.threads only moves threads inside a threaded
 * subtree): there CLONE_INTO_CGROUP places the init at the clone. */
static bool
self_joinable (const struct runcgo_cgroup *cg, const struct runcgo_cg_dir *d)
{
  return !cg->systemd && cg->active && !d->hier->unified;
}

int
runcgo_cgroup_self_join_open (struct runcgo_cgroup *cg, struct runcgo_cgroup_self_join *j, runcgo_error_t *err)
{
  memset (j, 0, sizeof (*j));
  for (size_t i = 0; cg && i < cg->n_dirs; i++)
    {
      if (!self_joinable (cg, &cg->dirs[i]))
        continue;
      if (j->fds == NULL)
        {
          j->fds = xzalloc (cg->n_dirs * sizeof (*j->fds));
          j->dirs = xzalloc (cg->n_dirs * sizeof (*j->dirs));
        }
      cleanup_free char *path = xasprintf ("%s/tasks", cg->dirs[i].dir);
      int fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        {
          int e = errno;
          runcgo_cgroup_self_join_release (j);
          return runcgo_fail (err, e, "open %s", path);
        }
      j->dirs[j->n] = cg->dirs[i].dir;
      j->fds[j->n++] = fd;
    }
  if (cg)
    cg->self_join = j->n > 0;
  return 0;
}

int
runcgo_cgroup_self_join (struct runcgo_cgroup_self_join *j, runcgo_error_t *err)
{
  int r = 0;
  for (size_t i = 0; i < j->n; i++)
    {
      if (r == 0 && write (j->fds[i], "0", 1) != 1)
        r = runcgo_fail_hint (err, errno, errno == ENOSPC ? "the cgroup's cpuset.cpus or cpuset.mems is empty" : NULL,
                              "join cgroup %s", j->dirs[i]);
      close (j->fds[i]);
      j->fds[i] = -1;
    }
  return r;
}

void
runcgo_cgroup_self_join_release (struct runcgo_cgroup_self_join *j)
{
  for (size_t i = 0; i < j->n; i++)
    if (j->fds[i] >= 0)
      close (j->fds[i]);
  free (j->fds);
  free (j->dirs);
  memset (j, 0, sizeof (*j));
}

int
runcgo_cgroup_enter (struct runcgo_cgroup *cg, pid_t pid, bool cloned_into, runcgo_error_t *err)
{
  int r = 0;
#ifdef HAVE_SYSTEMD
  /* systemd: the unit is started here, with the pid in it */
  if (cg->systemd)
    r = runcgo_cg_systemd_enter (cg, pid, err);
#endif
  for (size_t i = 0; !cg->systemd && cg->active && i < cg->n_dirs; i++)
    {
      /* CLONE_INTO_CGROUP placed it in the v2 directory already; v1
       * hierarchies are always joined by pid */
      if (cloned_into && cg->dirs[i].hier->unified && cg->mode == RUNCGO_CGROUP_V2)
        continue;
      if (cg->self_join && self_joinable (cg, &cg->dirs[i]))
        continue;
      if (runcgo_cg_add_pid (&cg->dirs[i], pid, err) < 0)
        return -1;
    }
  return r;
}

int
runcgo_cgroup_pids (const struct runcgo_cgroup *cg, pid_t **pids, size_t *n, runcgo_error_t *err)
{
  if (need_active (cg, "list processes", err) < 0)
    return -1;
  const struct runcgo_cg_dir *d = procs_dir (cg);
  if (d == NULL)
    return runcgo_fail (err, ENOENT, "list processes: no cgroup directory");
  return runcgo_cg_read_pids (d->dir, pids, n, err);
}

int
runcgo_cgroup_kill_all (const struct runcgo_cgroup *cg, int sig, runcgo_error_t *err)
{
  if (need_active (cg, "signal every process", err) < 0)
    return -1;
  const struct runcgo_cg_dir *d = procs_dir (cg);
  if (d == NULL)
    return runcgo_fail (err, ENOENT, "signal every process: no cgroup directory");
  /* a create killed while making the cgroup leaves some of its directories:
   * one that does not exist holds no process */
  if (access (d->dir, F_OK) < 0 && errno == ENOENT)
    return 0;
  /* cgroup.kill (5.14+) kills the whole subtree atomically, forks included */
  if (cg->mode == RUNCGO_CGROUP_V2 && sig == SIGKILL)
    {
      int e = runcgo_cg_write_errno (d->dir, "cgroup.kill", "1");
      if (e == 0)
        return 0;
      if (e != ENOENT)
        return runcgo_fail (err, e, "kill cgroup %s: write cgroup.kill", d->dir);
    }
  return runcgo_cg_kill_dir (d, freezer_dir (cg), sig, err);
}

int
runcgo_cgroup_freeze (const struct runcgo_cgroup *cg, bool frozen, runcgo_error_t *err)
{
  if (need_active (cg, frozen ? "pause" : "resume", err) < 0)
    return -1;
  const struct runcgo_cg_dir *d = freezer_dir (cg);
  if (d == NULL)
    return runcgo_fail_hint (err, ENOTSUP, "mount the v1 freezer controller", "%s: this host has no cgroup freezer",
                             frozen ? "pause" : "resume");
  return runcgo_cg_freeze_dir (d, frozen, err);
}

bool
runcgo_cgroup_is_frozen (const struct runcgo_cgroup *cg)
{
  const struct runcgo_cg_dir *d = cg->active ? freezer_dir (cg) : NULL;
  return d && runcgo_cg_dir_frozen (d);
}

int
runcgo_cgroup_update (struct runcgo_cgroup *cg, const struct runcgo_resources *r, runcgo_error_t *err)
{
  if (!cg->active)
    {
      struct runcgo_cgroup_write *w = NULL;
      size_t n = 0;
      if (runcgo_cgroup_plan_writes (r, cg->mode, &w, &n, err) < 0)
        return -1;
      bool requested = runcgo_cg_plan_requests (w, n);
      runcgo_cgroup_writes_free (w, n);
      return requested ? need_active (cg, "update resources", err) : 0;
    }
#ifdef HAVE_SYSTEMD
  /* systemd first, or a daemon-reload would put its old values back */
  if (cg->driver == RUNCGO_CGROUP_DRIVER_SYSTEMD && runcgo_cg_systemd_update (cg, r, err) < 0)
    return -1;
#endif
  return runcgo_cg_apply (cg, r, true, err);
}

int
runcgo_cgroup_destroy (struct runcgo_cgroup *cg, runcgo_error_t *err)
{
  int ret = 0;
  if (cg->clone_fd >= 0)
    {
      close (cg->clone_fd);
      cg->clone_fd = -1;
    }
#ifdef HAVE_SYSTEMD
  /* systemd removes the unit's own directories; the loop below the ones
   * runcgo added (v1 controllers systemd does not manage) */
  if (cg->driver == RUNCGO_CGROUP_DRIVER_SYSTEMD && cg->active && runcgo_cg_systemd_stop (cg, err) < 0)
    ret = -1;
#endif
  /* every hierarchy, even after a failure: report the first error */
  for (size_t i = cg->n_dirs; cg->active && i > 0; i--)
    {
      runcgo_error_t e = NULL;
      if (runcgo_cg_rmdir (&cg->dirs[i - 1], true, ret < 0 ? &e : err) < 0)
        ret = -1;
      runcgo_error_release (&e);
    }
  return ret;
}

void
runcgo_cgroup_free (struct runcgo_cgroup *cg)
{
  if (cg == NULL)
    return;
  if (cg->clone_fd >= 0)
    close (cg->clone_fd);
  dirs_free (cg->dirs, cg->n_dirs);
#ifdef HAVE_SYSTEMD
  runcgo_cg_systemd_free (cg->systemd);
#endif
  free (cg->delegate);
  free (cg->path);
  free (cg);
}

bool
runcgo_cgroup_resources_dropped (const struct runcgo_cgroup *cg)
{
  return cg && cg->resources_dropped;
}
