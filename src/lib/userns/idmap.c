/* idmap.c -- write a child's uid_map/gid_map, directly or through
 * newuidmap/newgidmap; subordinate ID ranges; automatic rootless maps.
 *
 * The kernel accepts exactly one write per map file, so the whole map goes in
 * one write(2).  An unprivileged writer may only map its own IDs and must deny
 * setgroups(2) first (since Linux 3.19, CVE-2014-8989). */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "core/util.h"
#include "idmap.h"

extern char **environ;

char *
runcgo_idmap_format (const struct runcgo_idmap *m, size_t n)
{
  size_t cap = n * 36 + 1, len = 0;
  char *buf = xmalloc (cap);
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++)
    len += (size_t) snprintf (buf + len, cap - len, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
  return buf;
}

/* ---------------------------------------------------------------- subids */
int
runcgo_subid_parse (const char *text, const char *name, uid_t uid, struct runcgo_subid_range **out, size_t *n)
{
  char uidstr[16];
  snprintf (uidstr, sizeof (uidstr), "%u", (unsigned) uid);
  *out = NULL;
  *n = 0;
  cleanup_free char *copy = xstrdup (text);
  char *save = NULL;
  for (char *line = strtok_r (copy, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[3] = { 0 }, *s = line;
      for (int i = 0; i < 3 && s; i++)
        f[i] = strsep (&s, ":");
      uint64_t start, count;
      if (f[0] == NULL || f[0][0] == '#' || f[2] == NULL || s != NULL)
        continue;
      if (strcmp (f[0], uidstr) != 0 && (name == NULL || strcmp (f[0], name) != 0))
        continue;
      if (runcgo_parse_u64 (f[1], &start) < 0 || runcgo_parse_u64 (f[2], &count) < 0 || count == 0
          || start + count - 1 > UINT32_MAX)
        continue;
      *out = xrealloc (*out, (*n + 1) * sizeof (**out));
      (*out)[(*n)++] = (struct runcgo_subid_range){ (uint32_t) start, (uint32_t) count };
    }
  return 0;
}

/* The caller's user name, looked up once per process: a rootless `run`
 * reads both /etc/subuid and /etc/subgid. */
static const char *
own_user_name (void)
{
  static bool looked_up;
  static char *name;
  if (!looked_up)
    {
      name = runcgo_passwd_name (geteuid ());
      looked_up = true;
    }
  return name;
}

int
runcgo_subid_read (bool uid, struct runcgo_subid_range **out, size_t *n, runcgo_error_t *err)
{
  const char *file = uid ? "/etc/subuid" : "/etc/subgid";
  cleanup_free char *text = NULL;
  *out = NULL;
  *n = 0;
  if (runcgo_read_file_at (AT_FDCWD, file, 4 << 20, &text, NULL, err) < 0)
    {
      if ((*err)->status != ENOENT)
        return -1;
      runcgo_error_release (err);
      return 0;
    }
  return runcgo_subid_parse (text, own_user_name (), geteuid (), out, n);
}

/* ---------------------------------------------------------------- auto */
/* The caller as 0, then every subordinate range back to back from 1 on. */
static int
auto_map (bool uid, struct runcgo_idmap **m, size_t *n, runcgo_error_t *err)
{
  struct runcgo_subid_range *r = NULL;
  size_t nr = 0;
  if (runcgo_subid_read (uid, &r, &nr, err) < 0)
    return -1;
  *m = xzalloc ((nr + 1) * sizeof (**m));
  (*m)[0] = (struct runcgo_idmap){ 0, uid ? geteuid () : getegid (), 1 };
  *n = 1;
  uint64_t next = 1;
  for (size_t i = 0; i < nr && next + r[i].count - 1 <= UINT32_MAX; i++)
    {
      (*m)[(*n)++] = (struct runcgo_idmap){ (uint32_t) next, r[i].start, r[i].count };
      next += r[i].count;
    }
  free (r);
  return 0;
}

int
runcgo_idmap_auto (struct runcgo_linux *l, runcgo_error_t *err)
{
  if (l->n_uid_mappings == 0 && auto_map (true, &l->uid_mappings, &l->n_uid_mappings, err) < 0)
    return -1;
  if (l->n_gid_mappings == 0 && auto_map (false, &l->gid_mappings, &l->n_gid_mappings, err) < 0)
    return -1;
  return 0;
}

/* ---------------------------------------------------------------- write */
static int
write_proc_file (pid_t pid, const char *name, const char *data, runcgo_error_t *err)
{
  char path[64];
  snprintf (path, sizeof (path), "/proc/%d/%s", (int) pid, name);
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open %s", path);
  if (write (fd, data, strlen (data)) < 0)
    return runcgo_fail (err, errno, "write %s", path);
  return 0;
}

static bool
maps_only_own_id (const struct runcgo_idmap *m, size_t n, unsigned own)
{
  return n == 1 && m[0].size == 1 && m[0].host_id == own;
}

/* Every host range but the caller's own ID must lie in one subordinate range. */
static int
check_ranges (bool uid, const struct runcgo_idmap *m, size_t n, runcgo_error_t *err)
{
  const char *file = uid ? "/etc/subuid" : "/etc/subgid";
  const char *field = uid ? "linux.uidMappings" : "linux.gidMappings";
  unsigned own = uid ? geteuid () : getegid ();
  struct runcgo_subid_range *r = NULL;
  size_t nr = 0;
  if (runcgo_subid_read (uid, &r, &nr, err) < 0)
    return -1;
  cleanup_free struct runcgo_subid_range *ranges = r;
  for (size_t i = 0; i < n; i++)
    {
      uint64_t lo = m[i].host_id, hi = lo + m[i].size - 1;
      bool fits = m[i].size == 1 && lo == own;
      for (size_t k = 0; k < nr && !fits; k++)
        fits = lo >= ranges[k].start && hi < (uint64_t) ranges[k].start + ranges[k].count;
      if (fits)
        continue;
      cleanup_free char *hint = xasprintf ("add a range for your user to %s (e.g. `usermod --add-sub%cids %u-%u USER`)",
                                           file, uid ? 'u' : 'g', 100000, 165535);
      if (nr == 0)
        return runcgo_fail_hint (err, 0, hint, "%s[%zu]: host IDs %llu-%llu need subordinate IDs, but %s has none for you",
                                 field, i, (unsigned long long) lo, (unsigned long long) hi, file);
      return runcgo_fail_hint (err, 0, hint, "%s[%zu]: host IDs %llu-%llu are not in your ranges of %s", field, i,
                               (unsigned long long) lo, (unsigned long long) hi, file);
    }
  return 0;
}

static char *
find_helper (const char *name, runcgo_error_t *err)
{
  const char *path = getenv ("PATH");
  cleanup_free char *dirs = xasprintf ("%s:/usr/bin:/bin", path ? path : "");
  char *save = NULL;
  for (char *d = strtok_r (dirs, ":", &save); d; d = strtok_r (NULL, ":", &save))
    {
      cleanup_free char *cand = xasprintf ("%s/%s", d, name);
      struct stat st;
      if (*d != '/' || stat (cand, &st) < 0 || !S_ISREG (st.st_mode))
        continue;
      /* setuid root, or file capabilities (cap_setuid/cap_setgid, as some
       * distributions install them) */
      bool privileged = (st.st_mode & S_ISUID && st.st_uid == 0) || getxattr (cand, "security.capability", NULL, 0) > 0;
      if (!privileged)
        {
          runcgo_fail_hint (err, 0, "reinstall the uidmap package (apt-get install --reinstall uidmap)",
                            "%s is not setuid root (and has no file capabilities)", cand);
          return NULL;
        }
      return steal_ptr (&cand);
    }
  runcgo_fail_hint (err, 0, "install the uidmap package (apt-get install uidmap)",
                    "%s not found: it is needed to map more than your own ID", name);
  return NULL;
}

/* Build "NAME PID cid hid size ..." for a helper; the pid is filled in at
 * launch (argv[1]), once the child exists. */
static char **
helper_argv (const char *name, const struct runcgo_idmap *m, size_t n)
{
  char **argv = xzalloc ((3 * n + 3) * sizeof (char *));
  argv[0] = xstrdup (name);
  argv[1] = xzalloc (16);
  for (size_t i = 0; i < n; i++)
    {
      argv[2 + 3 * i] = xasprintf ("%u", m[i].container_id);
      argv[3 + 3 * i] = xasprintf ("%u", m[i].host_id);
      argv[4 + 3 * i] = xasprintf ("%u", m[i].size);
    }
  return argv;
}

/* Plan one map: a direct write (TEXT), or a helper (EXE, ARGV) after the
 * range check, so that its error names the file and the range to add. */
static int
plan_one (bool uid, const struct runcgo_idmap *m, size_t n, bool rootless, struct runcgo_idmap_writer *w,
          runcgo_error_t *err)
{
  w->uid = uid;
  w->field = uid ? "linux.uidMappings" : "linux.gidMappings";
  if (n == 0)
    return 0;
  if (rootless && !maps_only_own_id (m, n, uid ? geteuid () : getegid ()))
    {
      const char *name = uid ? "newuidmap" : "newgidmap";
      if (check_ranges (uid, m, n, err) < 0)
        return -1;
      w->exe = find_helper (name, err);
      if (w->exe == NULL)
        return runcgo_error_wrap (err, "%s", w->field);
      w->argv = helper_argv (name, m, n);
      return 0;
    }
  w->text = runcgo_idmap_format (m, n);
  /* an unprivileged writer must deny setgroups before writing gid_map */
  w->deny_setgroups = rootless && !uid;
  return 0;
}

int
runcgo_idmap_plan (const struct runcgo_linux *l, bool rootless, struct runcgo_idmap_job *job, runcgo_error_t *err)
{
  memset (job, 0, sizeof (*job));
  if (plan_one (true, l->uid_mappings, l->n_uid_mappings, rootless, &job->w[0], err) < 0
      || plan_one (false, l->gid_mappings, l->n_gid_mappings, rootless, &job->w[1], err) < 0)
    {
      runcgo_idmap_job_release (job);
      return -1;
    }
  return 0;
}

/* Start a planned helper for PID with its stderr on a pipe. */
static int
launch_helper (struct runcgo_idmap_writer *w, pid_t pid, runcgo_error_t *err)
{
  int pipefd[2];
  snprintf (w->argv[1], 16, "%d", (int) pid);
  if (pipe2 (pipefd, O_CLOEXEC) < 0)
    return runcgo_fail (err, errno, "%s: pipe for %s", w->field, w->argv[0]);
  /* not posix_spawn: it would wait for the setuid exec, and the two
   * helpers would run one after the other */
  int r = runcgo_vmspawn_start (&w->spawn, w->exe, w->argv, environ, pipefd[1], err);
  close (pipefd[1]);
  if (r < 0)
    {
      close (pipefd[0]);
      return runcgo_error_wrap (err, "%s", w->field);
    }
  w->err_fd = pipefd[0];
  return 0;
}

/* Wait for a started helper and turn its stderr into the error. */
static int
finish_helper (struct runcgo_idmap_writer *w, runcgo_error_t *err)
{
  char msg[512] = "";
  ssize_t len = runcgo_read_all (w->err_fd, msg, sizeof (msg) - 1);
  close (w->err_fd);
  w->err_fd = -1;
  msg[len > 0 ? len : 0] = '\0';
  if (len > 0 && msg[len - 1] == '\n')
    msg[len - 1] = '\0';
  int status;
  runcgo_vmspawn_reap (&w->spawn, &status);
  if (w->spawn.exec_errno)
    return runcgo_fail (err, w->spawn.exec_errno, "%s: run %s", w->field, w->exe);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return runcgo_fail (err, 0, "%s: %s failed: %s", w->field, w->argv[0], *msg ? msg : "no message");
  return 0;
}

static int
write_direct (const struct runcgo_idmap_writer *w, pid_t pid, runcgo_error_t *err)
{
  if (w->deny_setgroups && write_proc_file (pid, "setgroups", "deny", err) < 0)
    return -1;
  if (write_proc_file (pid, w->uid ? "uid_map" : "gid_map", w->text, err) < 0)
    return runcgo_error_wrap (err, "%s", w->field);
  return 0;
}

/* newuidmap and newgidmap each write one file of the child's user namespace
 * and do not depend on each other: both are launched before any direct
 * write, so the two setuid execs (several ms each) overlap with each other
 * and with the rest.  On error, what was launched stays for finish. */
int
runcgo_idmap_start (struct runcgo_idmap_job *job, pid_t pid, runcgo_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (job->w); i++)
    if (job->w[i].exe && launch_helper (&job->w[i], pid, err) < 0)
      return -1;
  for (size_t i = 0; i < ARRAY_SIZE (job->w); i++)
    if (job->w[i].text && write_direct (&job->w[i], pid, err) < 0)
      return -1;
  return 0;
}

/* Reap every launched helper, also after an error (then their messages are
 * dropped: the first error stays). */
int
runcgo_idmap_finish (struct runcgo_idmap_job *job, int r, runcgo_error_t *err)
{
  for (size_t i = 0; i < ARRAY_SIZE (job->w); i++)
    {
      if (job->w[i].spawn.pid <= 0)
        continue;
      runcgo_error_t late = NULL;
      if (finish_helper (&job->w[i], r < 0 ? &late : err) < 0)
        r = -1;
      runcgo_error_release (&late);
    }
  return r;
}

void
runcgo_idmap_job_release (struct runcgo_idmap_job *job)
{
  runcgo_idmap_finish (job, -1, NULL);
  for (size_t i = 0; i < ARRAY_SIZE (job->w); i++)
    {
      free (job->w[i].exe);
      free (job->w[i].text);
      runcgo_strv_free (job->w[i].argv);
      job->w[i].exe = job->w[i].text = NULL;
      job->w[i].argv = NULL;
    }
}

int
runcgo_idmap_write (pid_t pid, const struct runcgo_linux *l, bool rootless, runcgo_error_t *err)
{
  struct runcgo_idmap_job job;
  if (runcgo_idmap_plan (l, rootless, &job, err) < 0)
    return -1;
  int r = runcgo_idmap_finish (&job, runcgo_idmap_start (&job, pid, err), err);
  runcgo_idmap_job_release (&job);
  return r;
}
