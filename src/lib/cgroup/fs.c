/* fs.c -- cgroupfs mechanics, v1 and v2 alike: which hierarchies are mounted
 * (mountinfo, parsed once), directories (mkdir remembering what we made,
 * rmdir of only that), v1 cpuset initialisation, v2 cgroup.subtree_control,
 * cgroup.procs, the freezer (v1 freezer.state / v2 cgroup.freeze) and
 * signalling every process.  No policy about paths or resources lives here. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup/internal.h"
#include "core/util.h"

static const char *const known_controllers[]
    = { "cpu",   "cpuacct",    "cpuset",  "memory", "devices", "freezer", "net_cls", "net_prio",
        "blkio", "perf_event", "hugetlb", "pids",   "rdma",    "misc",    "debug",   NULL };

bool
runcgo_cg_has_controller (const char *controllers, const char *name)
{
  size_t len = strlen (name);
  for (const char *s = controllers; s && *s;)
    {
      size_t n = strcspn (s, ", \n");
      if (n == len && strncmp (s, name, len) == 0)
        return true;
      s += n;
      s += strspn (s, ", \n");
    }
  return false;
}

/* The same set of comma-separated names, in any order. */
static bool
same_controllers (const char *a, const char *b)
{
  size_t na = 0, nb = 0;
  for (const char *s = a; *s; s += strspn (s, ","))
    {
      size_t n = strcspn (s, ",");
      cleanup_free char *one = xstrndup (s, n);
      if (!runcgo_cg_has_controller (b, one))
        return false;
      na++;
      s += n;
    }
  for (const char *s = b; *s; s += strspn (s, ","))
    {
      nb++;
      s += strcspn (s, ",");
    }
  return na == nb;
}

/* Keep only the controller names (and name=...) of v1 super options. */
static char *
v1_controllers (const char *superopts)
{
  cleanup_free char *out = xstrdup ("");
  for (const char *s = superopts; *s; s += strspn (s, ","))
    {
      size_t n = strcspn (s, ",");
      cleanup_free char *opt = xstrndup (s, n);
      s += n;
      bool keep = strncmp (opt, "name=", 5) == 0 || runcgo_strv_contains ((char *const *)known_controllers, opt);
      if (!keep)
        continue;
      char *joined = xasprintf ("%s%s%s", out, *out ? "," : "", opt);
      free (out);
      out = joined;
    }
  return steal_ptr (&out);
}

/* Split one mountinfo line into its fields; false when it is not a cgroup mount. */
static bool
parse_line (const char *line, size_t len, struct runcgo_cg_hier *h, char **dev)
{
  const char *f[6];
  size_t fl[6];
  const char *p = line, *end = line + len;
  /* id parent major:minor root mountpoint ... - fstype source superopts */
  for (int i = 0; i < 5; i++)
    {
      f[i] = p;
      fl[i] = strcspn (p, " ");
      if (p + fl[i] >= end)
        return false;
      p += fl[i] + 1;
    }
  const char *sep = strstr (p, " - ");
  if (sep == NULL || sep >= end)
    return false;
  p = sep + 3;
  size_t tl = strcspn (p, " ");
  bool v2 = tl == 7 && strncmp (p, "cgroup2", 7) == 0;
  if (!v2 && !(tl == 6 && strncmp (p, "cgroup", 6) == 0))
    return false;
  p += tl + 1;
  p += strcspn (p, " ") + 1; /* source */
  if (p > end)
    return false;
  cleanup_free char *superopts = xstrndup (p, (size_t)(end - p));
  h->unified = v2;
  h->controllers = v2 ? xstrdup ("") : v1_controllers (superopts);
  h->root = runcgo_mountinfo_unescape (f[3], fl[3]);
  h->mount = runcgo_mountinfo_unescape (f[4], fl[4]);
  *dev = xstrndup (f[2], fl[2]);
  return true;
}

/* Only hierarchies the runtime places containers in: v1 ones with a known
 * controller or name=systemd, and cgroup2. */
static bool
wanted (const struct runcgo_cg_hier *h)
{
  if (h->unified)
    return true;
  if (*h->controllers == '\0')
    return false;
  if (strncmp (h->controllers, "name=", 5) == 0)
    return strcmp (h->controllers, "name=systemd") == 0;
  return true;
}

static void
hier_clear (struct runcgo_cg_hier *h)
{
  free (h->controllers);
  free (h->mount);
  free (h->root);
}

void
runcgo_cg_hiers_free (struct runcgo_cg_hier *h, size_t n)
{
  for (size_t i = 0; h && i < n; i++)
    hier_clear (&h[i]);
  free (h);
}

int
runcgo_cg_parse_mountinfo (const char *text, struct runcgo_cg_hier **out, size_t *n, runcgo_error_t *err)
{
  struct runcgo_cg_hier *list = NULL;
  cleanup_strv char **devs = xzalloc (sizeof (char *));
  size_t count = 0;
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      struct runcgo_cg_hier h = { 0 };
      char *dev = NULL;
      if (parse_line (line, len, &h, &dev))
        {
          /* the same hierarchy mounted twice (bind mounts): keep the first */
          if (wanted (&h) && !runcgo_strv_contains (devs, dev))
            {
              list = xrealloc (list, (count + 1) * sizeof (*list));
              list[count] = h;
              devs = xrealloc (devs, (count + 2) * sizeof (char *));
              devs[count++] = dev;
              devs[count] = NULL;
            }
          else
            {
              hier_clear (&h);
              free (dev);
            }
        }
      line += len;
      line += *line == '\n';
    }
  *out = list;
  *n = count;
  return 0;
}

char *
runcgo_cg_proc_path (const char *text, const char *controllers)
{
  /* "ID:CONTROLLERS:PATH" per line; cgroup2 is "0::PATH" */
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *c1 = memchr (line, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
      if (c2)
        {
          cleanup_free char *ctrl = xstrndup (c1 + 1, (size_t)(c2 - c1 - 1));
          bool v2 = *controllers == '\0';
          bool match = v2 ? (*ctrl == '\0' && c1 - line == 1 && line[0] == '0')
                          : (*ctrl && same_controllers (ctrl, controllers));
          if (match)
            return xstrndup (c2 + 1, (size_t)(line + len - c2 - 1));
        }
      line += len;
      line += *line == '\n';
    }
  return NULL;
}

/* Parsed once per process: the runtime never mounts cgroups itself.  The
 * per-mode arrays are shallow copies sharing all_hiers' strings. */
static struct runcgo_cg_hier *all_hiers;
static size_t n_all_hiers;
static bool hiers_loaded;
static struct runcgo_cg_hier mode_hiers[3][32];
static size_t n_mode_hiers[3];
static bool mode_loaded[3];

static int
load_hiers (runcgo_error_t *err)
{
  if (hiers_loaded)
    return 0;
  cleanup_free char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &text, NULL, err) < 0)
    return runcgo_error_wrap (err, "find the cgroup hierarchies");
  if (runcgo_cg_parse_mountinfo (text, &all_hiers, &n_all_hiers, err) < 0)
    return -1;
  hiers_loaded = true;
  return 0;
}

/* v2: the cgroup2 mount at /sys/fs/cgroup; hybrid: every v1 hierarchy plus
 * the cgroup2 mount at /sys/fs/cgroup/unified; v1: the v1 ones only.
 * Another cgroup2 mount is used only when the expected one is absent. */
static void
select_hiers (enum runcgo_cgroup_mode mode)
{
  const char *want = mode == RUNCGO_CGROUP_V2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  const struct runcgo_cg_hier *v2 = NULL;
  size_t k = 0;
  for (size_t i = 0; i < n_all_hiers; i++)
    {
      const struct runcgo_cg_hier *h = &all_hiers[i];
      if (h->unified && (v2 == NULL || strcmp (h->mount, want) == 0))
        v2 = h;
      else if (!h->unified && mode != RUNCGO_CGROUP_V2 && k < ARRAY_SIZE (mode_hiers[0]) - 1)
        mode_hiers[mode][k++] = *h;
    }
  if (v2 && mode != RUNCGO_CGROUP_V1)
    mode_hiers[mode][k++] = *v2;
  n_mode_hiers[mode] = k;
  mode_loaded[mode] = true;
}

int
runcgo_cg_hierarchies (enum runcgo_cgroup_mode mode, const struct runcgo_cg_hier **out, size_t *n, runcgo_error_t *err)
{
  if (load_hiers (err) < 0)
    return -1;
  if (!mode_loaded[mode])
    select_hiers (mode);
  if (n_mode_hiers[mode] == 0)
    return runcgo_fail_hint (err, ENOENT, "mount cgroupfs on /sys/fs/cgroup",
                             "no cgroup hierarchy is mounted (cgroup mode %s)",
                             mode == RUNCGO_CGROUP_V2   ? "v2"
                             : mode == RUNCGO_CGROUP_V1 ? "v1"
                                                        : "hybrid");
  *out = mode_hiers[mode];
  *n = n_mode_hiers[mode];
  return 0;
}

/* ---------------------------------------------------------------- files */

int
runcgo_cg_write_errno (const char *dir, const char *file, const char *value)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  /* one write(2): cgroup files parse each write as one command */
  size_t len = strlen (value);
  ssize_t w;
  do
    w = write (fd, value, len);
  while (w < 0 && errno == EINTR);
  if (w < 0)
    return errno;
  return (size_t)w == len ? 0 : EIO;
}

int
runcgo_cg_write (const char *dir, const char *file, const char *value, runcgo_error_t *err)
{
  int e = runcgo_cg_write_errno (dir, file, value);
  if (e)
    return runcgo_fail (err, e, "write %s/%s = %s", dir, file, value);
  return 0;
}

int
runcgo_cg_read (const char *dir, const char *file, char **out, runcgo_error_t *err)
{
  cleanup_free char *path = xasprintf ("%s/%s", dir, file);
  return runcgo_read_file_at (AT_FDCWD, path, 0, out, NULL, err);
}

/* ---------------------------------------------------------------- directories */

/* The directory of the first k components of d->cgpath. */
static char *
prefix_dir (const struct runcgo_cg_dir *d, size_t k)
{
  const char *p = d->cgpath;
  for (size_t i = 0; i < k && *p; i++)
    {
      p += strspn (p, "/");
      p += strcspn (p, "/");
    }
  return xasprintf ("%s%.*s", d->hier->mount, (int)(p - d->cgpath), d->cgpath);
}

static size_t
n_components (const char *cgpath)
{
  size_t n = 0;
  for (const char *p = cgpath + strspn (cgpath, "/"); *p; p += strspn (p, "/"))
    {
      n++;
      p += strcspn (p, "/");
    }
  return n;
}

int
runcgo_cg_mkdir (struct runcgo_cg_dir *d, runcgo_error_t *err)
{
  size_t n = n_components (d->cgpath);
  d->n_created = 0;
  for (size_t k = 1; k <= n; k++)
    {
      cleanup_free char *dir = prefix_dir (d, k);
      if (mkdir (dir, 0755) == 0)
        {
          /* everything below the first directory we made is ours too */
          if (d->n_created == 0)
            d->n_created = n - k + 1;
          continue;
        }
      if (errno != EEXIST || d->n_created)
        return runcgo_fail (err, errno, "create cgroup %s", dir);
    }
  return 0;
}

static void
sleep_ms (long ms)
{
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) < 0 && errno == EINTR)
    ;
}

/* rmdir, waiting up to ~1 s on EBUSY when asked (the last tasks of a
 * killed container can take a moment to leave); ENOENT is success. */
static int
rmdir_wait (const char *dir, bool wait, runcgo_error_t *err)
{
  long waited = 0, step = 5;
  for (;;)
    {
      if (rmdir (dir) == 0 || errno == ENOENT)
        return 0;
      if (errno != EBUSY || !wait || waited >= 1000)
        break;
      sleep_ms (step);
      waited += step;
      step = step < 100 ? step * 2 : 100;
    }
  return runcgo_fail_hint (err, errno,
                           errno == EBUSY ? "processes are still in it: kill them first (runcgo delete --force)" : NULL,
                           "remove cgroup %s", dir);
}

/* Child cgroups the container made itself (nested runtimes, systemd)
 * hold the leaf busy: remove them depth-first.  cgroupfs directories
 * contain no regular files that need unlinking. */
static int
rmdir_subtree (const char *dir, runcgo_error_t *err)
{
  DIR *dp = opendir (dir);
  if (dp == NULL)
    return errno == ENOENT ? 0 : runcgo_fail (err, errno, "open cgroup %s", dir);
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (dp)))
    {
      if (de->d_type != DT_DIR || strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      cleanup_free char *sub = xasprintf ("%s/%s", dir, de->d_name);
      ret = rmdir_subtree (sub, err);
      if (ret == 0)
        ret = rmdir_wait (sub, true, err);
    }
  closedir (dp);
  return ret;
}

int
runcgo_cg_rmdir (struct runcgo_cg_dir *d, bool created_only, runcgo_error_t *err)
{
  size_t n = n_components (d->cgpath);
  size_t todo = created_only ? d->n_created : 1;
  if (n == 0 || todo == 0)
    return 0; /* never the hierarchy root; never a leaf we did not make */
  if (rmdir_subtree (d->dir, err) < 0 || rmdir_wait (d->dir, true, err) < 0)
    return -1;
  for (size_t k = n - 1; k > n - todo; k--)
    {
      /* a parent we made: busy means another container shares it now */
      cleanup_free char *dir = prefix_dir (d, k);
      if (rmdir (dir) < 0 && errno != ENOENT)
        break;
    }
  d->n_created = 0;
  return 0;
}

/* ---------------------------------------------------------------- v1 cpuset */

static int
copy_if_empty (const char *dir, const char *parent, const char *file, runcgo_error_t *err)
{
  cleanup_free char *cur = NULL, *from = NULL;
  if (runcgo_cg_read (dir, file, &cur, err) < 0)
    return -1;
  if (cur[strspn (cur, " \n")] != '\0')
    return 0;
  if (runcgo_cg_read (parent, file, &from, err) < 0)
    return -1;
  from[strcspn (from, "\n")] = '\0';
  if (*from == '\0')
    return 0; /* nothing to copy: the attach will say ENOSPC */
  return runcgo_cg_write (dir, file, from, err);
}

int
runcgo_cg_cpuset_init (const struct runcgo_cg_dir *d, runcgo_error_t *err)
{
  /* A v1 cpuset cgroup starts with empty cpus and mems (unless the parent
   * has cgroup.clone_children) and no task can join it: "No space left on
   * device".  Copy the parent's, top-down, in the directories we made. */
  if (d->hier->unified || !runcgo_cg_has_controller (d->hier->controllers, "cpuset"))
    return 0;
  size_t n = n_components (d->cgpath);
  for (size_t k = n - d->n_created + 1; k <= n && d->n_created; k++)
    {
      cleanup_free char *dir = prefix_dir (d, k);
      cleanup_free char *parent = prefix_dir (d, k - 1);
      if (copy_if_empty (dir, parent, "cpuset.cpus", err) < 0 || copy_if_empty (dir, parent, "cpuset.mems", err) < 0)
        return runcgo_error_wrap (err, "initialise cpuset of %s", dir);
    }
  return 0;
}

/* ---------------------------------------------------------------- v2 subtree_control */

static int
enable_one (const char *dir, const char *ctrl, bool required, runcgo_error_t *err)
{
  cleanup_free char *avail = NULL, *enabled = NULL;
  if (runcgo_cg_read (dir, "cgroup.subtree_control", &enabled, err) < 0)
    return -1;
  if (runcgo_cg_has_controller (enabled, ctrl))
    return 0;
  if (runcgo_cg_read (dir, "cgroup.controllers", &avail, err) < 0)
    return -1;
  if (!runcgo_cg_has_controller (avail, ctrl))
    return required
               ? runcgo_fail_hint (err, ENOTSUP, "delegate it: enable it in every ancestor's cgroup.subtree_control",
                                   "the %s controller is not available in %s", ctrl, dir)
               : 0;
  cleanup_free char *cmd = xasprintf ("+%s", ctrl);
  int e = runcgo_cg_write_errno (dir, "cgroup.subtree_control", cmd);
  if (e && required)
    return runcgo_fail_hint (err, e,
                             e == EBUSY
                                 ? "that cgroup has processes of its own (cgroup v2's no-internal-process rule): "
                                   "use a cgroupsPath under a cgroup without processes"
                                 : NULL,
                             "enable the %s controller in %s/cgroup.subtree_control", ctrl, dir);
  return 0;
}

int
runcgo_cg_enable_controllers (const struct runcgo_cg_dir *d, char **needed, runcgo_error_t *err)
{
  /* A controller works in the leaf only when every ancestor enables it for
   * its children.  The host's cgroups are changed as little as possible:
   * in the existing parent of the first directory we made (or of the leaf),
   * only the controllers the resources need, and only those missing (a host
   * change, unavoidable for the limit to apply).  In the directories we
   * made, every available controller, as runc does, so stats work. */
  size_t n = n_components (d->cgpath);
  if (n == 0)
    return 0;
  size_t host_parent = d->n_created ? n - d->n_created : n - 1;
  for (size_t i = 0; needed && needed[i]; i++)
    {
      cleanup_free char *dir = prefix_dir (d, host_parent);
      if (enable_one (dir, needed[i], true, err) < 0)
        return -1;
    }
  for (size_t k = host_parent + 1; k < n; k++)
    {
      cleanup_free char *dir = prefix_dir (d, k);
      cleanup_free char *avail = NULL;
      if (runcgo_cg_read (dir, "cgroup.controllers", &avail, err) < 0)
        return -1;
      for (char *tok = strtok (avail, " \n"); tok; tok = strtok (NULL, " \n"))
        if (enable_one (dir, tok, runcgo_strv_contains (needed, tok), err) < 0)
          return -1;
    }
  return 0;
}

/* ---------------------------------------------------------------- processes */

int
runcgo_cg_add_pid (const struct runcgo_cg_dir *d, pid_t pid, runcgo_error_t *err)
{
  char buf[32];
  snprintf (buf, sizeof (buf), "%d", (int)pid);
  int e = runcgo_cg_write_errno (d->dir, "cgroup.procs", buf);
  if (e == 0)
    return 0;
  const char *hint = NULL;
  if (e == ENOSPC)
    hint = "the cgroup's cpuset.cpus or cpuset.mems is empty";
  else if (e == EBUSY || e == EOPNOTSUPP)
    hint = "cgroup v2 accepts processes only in leaves: the cgroup has controllers enabled for children";
  return runcgo_fail_hint (err, e, hint, "move pid %d into cgroup %s", (int)pid, d->dir);
}

static void
pids_append (const char *text, pid_t **pids, size_t *n)
{
  for (const char *s = text; *s;)
    {
      char *end = NULL;
      long v = strtol (s, &end, 10);
      if (end == s)
        break;
      if (v > 0)
        {
          *pids = xrealloc (*pids, (*n + 1) * sizeof (pid_t));
          (*pids)[(*n)++] = (pid_t)v;
        }
      s = end + strspn (end, "\n");
    }
}

static int
read_pids_rec (const char *dir, pid_t **pids, size_t *n, runcgo_error_t *err)
{
  cleanup_free char *text = NULL;
  if (runcgo_cg_read (dir, "cgroup.procs", &text, err) < 0)
    return -1;
  pids_append (text, pids, n);
  /* cgroup.procs lists only the cgroup's own members: add sub-cgroups' */
  DIR *dp = opendir (dir);
  if (dp == NULL)
    return runcgo_fail (err, errno, "open cgroup %s", dir);
  struct dirent *de;
  int ret = 0;
  while (ret == 0 && (de = readdir (dp)))
    if (de->d_type == DT_DIR && strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
      {
        cleanup_free char *sub = xasprintf ("%s/%s", dir, de->d_name);
        ret = read_pids_rec (sub, pids, n, err);
      }
  closedir (dp);
  return ret;
}

int
runcgo_cg_read_pids (const char *dir, pid_t **pids, size_t *n, runcgo_error_t *err)
{
  *pids = NULL;
  *n = 0;
  if (read_pids_rec (dir, pids, n, err) < 0)
    {
      free (*pids);
      *pids = NULL;
      *n = 0;
      return -1;
    }
  return 0;
}

/* ---------------------------------------------------------------- freezer */

static bool
v2_events_frozen (const char *dir)
{
  cleanup_free char *ev = NULL;
  runcgo_error_t e = NULL;
  if (runcgo_cg_read (dir, "cgroup.events", &ev, &e) < 0)
    {
      runcgo_error_release (&e);
      return false;
    }
  const char *p = strstr (ev, "frozen ");
  return p && (p == ev || p[-1] == '\n') && p[7] == '1';
}

static int
freeze_v2 (const char *dir, bool frozen, runcgo_error_t *err)
{
  if (runcgo_cg_write (dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
    return -1;
  /* cgroup.events "frozen 1" once every task has stopped: bounded wait */
  for (long waited = 0, step = 1; waited < 2000; waited += step, step = step < 50 ? step * 2 : 50)
    {
      if (v2_events_frozen (dir) == frozen)
        return 0;
      sleep_ms (step);
    }
  if (frozen)
    runcgo_cg_write_errno (dir, "cgroup.freeze", "0");
  return runcgo_fail_hint (err, ETIMEDOUT, frozen ? "a task may be stuck in the kernel (D state)" : NULL,
                           "%s cgroup %s: cgroup.events did not report it", frozen ? "freeze" : "thaw", dir);
}

static int
read_state (const char *dir, char *buf, size_t len)
{
  cleanup_free char *s = NULL;
  runcgo_error_t e = NULL;
  if (runcgo_cg_read (dir, "freezer.state", &s, &e) < 0)
    {
      runcgo_error_release (&e);
      return -1;
    }
  s[strcspn (s, "\n")] = '\0';
  snprintf (buf, len, "%s", s);
  return 0;
}

static int
freeze_v1 (const char *dir, bool frozen, runcgo_error_t *err)
{
  char state[32];
  if (!frozen)
    return runcgo_cg_write (dir, "freezer.state", "THAWED", err);
  /* FREEZING is transient and can stall while tasks fork: rewrite FROZEN
   * and re-read, thawing briefly now and then (what runc learnt works). */
  for (int i = 0; i < 1000; i++)
    {
      if (i % 50 == 49)
        {
          runcgo_cg_write_errno (dir, "freezer.state", "THAWED");
          sleep_ms (10);
        }
      if (runcgo_cg_write (dir, "freezer.state", "FROZEN", err) < 0)
        return -1;
      if (i % 25 == 24)
        sleep_ms (1);
      if (read_state (dir, state, sizeof (state)) < 0)
        break;
      if (strcmp (state, "FROZEN") == 0)
        return 0;
      if (strcmp (state, "FREEZING") != 0)
        return runcgo_fail (err, EIO, "freeze cgroup %s: freezer.state is %s after writing FROZEN", dir, state);
    }
  runcgo_cg_write_errno (dir, "freezer.state", "THAWED");
  return runcgo_fail_hint (err, ETIMEDOUT, "a task may be stuck in the kernel (D state); try again",
                           "freeze cgroup %s: it stayed FREEZING", dir);
}

int
runcgo_cg_freeze_dir (const struct runcgo_cg_dir *d, bool frozen, runcgo_error_t *err)
{
  return d->hier->unified ? freeze_v2 (d->dir, frozen, err) : freeze_v1 (d->dir, frozen, err);
}

bool
runcgo_cg_dir_frozen (const struct runcgo_cg_dir *d)
{
  if (d->hier->unified)
    return v2_events_frozen (d->dir);
  char state[32];
  return read_state (d->dir, state, sizeof (state)) == 0 && strcmp (state, "FROZEN") == 0;
}

/* ---------------------------------------------------------------- signals */

static int
signal_all (const char *dir, int sig, size_t *n_left, runcgo_error_t *err)
{
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (runcgo_cg_read_pids (dir, &pids, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (kill (pids[i], sig) < 0 && errno != ESRCH)
      return runcgo_fail (err, errno, "send signal %d to pid %d (cgroup %s)", sig, (int)pids[i], dir);
  *n_left = n;
  return 0;
}

int
runcgo_cg_kill_dir (const struct runcgo_cg_dir *d, const struct runcgo_cg_dir *freezer, int sig, runcgo_error_t *err)
{
  size_t n = 0;
  runcgo_error_t ferr = NULL;
  /* Frozen, nobody can fork between reading the list and signalling.  A
   * paused container stays paused afterwards, except for SIGKILL, which
   * v1 delivers only once the tasks are thawed.  A freezer that does not
   * freeze in time (a task stuck in D state) is not fatal: signal anyway. */
  bool was_frozen = freezer && runcgo_cg_dir_frozen (freezer);
  if (freezer && !was_frozen && runcgo_cg_freeze_dir (freezer, true, &ferr) < 0)
    {
      runcgo_error_release (&ferr);
      freezer = NULL;
    }
  if (freezer)
    {
      int ret = signal_all (d->dir, sig, &n, err);
      if (!was_frozen || sig == SIGKILL)
        {
          runcgo_error_t e2 = NULL;
          if (runcgo_cg_freeze_dir (freezer, false, ret < 0 ? &e2 : err) < 0 && ret == 0)
            ret = -1;
          runcgo_error_release (&e2);
        }
      return ret;
    }
  /* No freezer: SIGKILL again until nobody is left (bounded; forks race
   * with us); any other signal goes once to every process. */
  for (int round = 0; round < (sig == SIGKILL ? 20 : 1); round++)
    {
      if (signal_all (d->dir, sig, &n, err) < 0)
        return -1;
      if (n == 0)
        break;
      sleep_ms (10);
    }
  return 0;
}
