/* util.c -- allocation, string vectors, whole-file I/O, number parsing, fd
 * hygiene.  Kept free of runtime policy so unit tests can link it alone. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "util.h"

void
runcgo_freep (void *p)
{
  free (*(void **) p);
}

void
runcgo_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

void
runcgo_fclosep (void *f)
{
  FILE *fp = *(FILE **) f;
  if (fp)
    fclose (fp);
}

void
runcgo_strv_freep (void *p)
{
  runcgo_strv_free (*(char ***) p);
}

void *
xmalloc (size_t n)
{
  void *p = malloc (n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xzalloc (size_t n)
{
  void *p = calloc (1, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xrealloc (void *p, size_t n)
{
  p = realloc (p, n ? n : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  char *r = strdup (s ? s : "");
  if (r == NULL)
    abort ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    abort ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  va_list ap;
  char *r = NULL;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return r;
}

size_t
runcgo_strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

/* valgrind cannot run a CLONE_VM child that is not a thread: it exits.  Its
 * preload library is how it shows (checked without its headers). */
bool
runcgo_under_valgrind (void)
{
  const char *p = getenv ("LD_PRELOAD");
  return p && strstr (p, "vgpreload_");
}

void
runcgo_strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

ssize_t
runcgo_send_fd (int sock, int fd, const void *data, size_t len)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = (void *) data, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof (cbuf) };
  memset (cbuf, 0, sizeof (cbuf));
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  ssize_t n;
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n;
}

char *
runcgo_mountinfo_unescape (const char *s, size_t n)
{
  char *out = xmalloc (n + 1), *o = out;
  for (size_t i = 0; i < n; i++)
    {
      if (s[i] == '\\' && i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7'
          && s[i + 3] >= '0' && s[i + 3] <= '7')
        {
          *o++ = (char) (((s[i + 1] - '0') << 6) | ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
          i += 3;
        }
      else
        *o++ = s[i];
    }
  *o = '\0';
  return out;
}

char **
runcgo_strv_dup (char *const *v)
{
  size_t n = runcgo_strv_len (v);
  char **r = xzalloc ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

bool
runcgo_strv_contains (char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp (v[i], s) == 0)
      return true;
  return false;
}

ssize_t
runcgo_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t w = write (fd, p + done, len - done);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return -1;
      done += (size_t) w;
    }
  return (ssize_t) done;
}

ssize_t
runcgo_read_all (int fd, void *buf, size_t len)
{
  char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = read (fd, p + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      if (r == 0)
        break;
      done += (size_t) r;
    }
  return (ssize_t) done;
}

int
runcgo_read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len, runcgo_error_t *err)
{
  if (max == 0)
    max = 1 << 20;
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open `%s`", path);
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = xmalloc (cap + 1);
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= max)
            return runcgo_fail (err, EFBIG, "read `%s`: larger than %zu bytes", path, max);
          cap = cap * 2 > max ? max : cap * 2;
          buf = xrealloc (buf, cap + 1);
        }
      ssize_t r = read (fd, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return runcgo_fail (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      n += (size_t) r;
    }
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_ptr (&buf);
  return 0;
}

int
runcgo_write_file_at (int dirfd, const char *path, const void *data, size_t len, runcgo_error_t *err)
{
  cleanup_close int fd = openat (dirfd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "open `%s` for writing", path);
  if (runcgo_write_all (fd, data, len) < 0)
    return runcgo_fail (err, errno, "write `%s`", path);
  return 0;
}

int
runcgo_write_file_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                          runcgo_error_t *err)
{
  cleanup_free char *tmp = xasprintf (".%s.%d.tmp", name, (int) getpid ());
  cleanup_close int fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0)
    return runcgo_fail (err, errno, "create `%s`", tmp);
  if (runcgo_write_all (fd, data, len) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return runcgo_fail (err, e, "write `%s`", tmp);
    }
  /* Replacing an existing file by exchange, then unlinking the old one:
   * ext4 (auto_da_alloc) starts writeback of a file renamed over another,
   * and the later unlink of the state waits for that I/O (0.3 ms of every
   * `run` with the state root on ext4).  Readers see the old or the new
   * file, as with a plain rename. */
  if (renameat2 (dirfd, tmp, dirfd, name, RENAME_EXCHANGE) == 0)
    {
      unlinkat (dirfd, tmp, 0);
      return 0;
    }
  if (renameat (dirfd, tmp, dirfd, name) < 0)
    {
      int e = errno;
      unlinkat (dirfd, tmp, 0);
      return runcgo_fail (err, e, "rename `%s` to `%s`", tmp, name);
    }
  return 0;
}

int
runcgo_mkdir_p (const char *path, mode_t mode, runcgo_error_t *err)
{
  cleanup_free char *p = xstrdup (path);
  for (char *s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir (p, mode) < 0 && errno != EEXIST)
        return runcgo_fail (err, errno, "mkdir `%s`", p);
      *s = '/';
    }
  if (mkdir (p, mode) < 0 && errno != EEXIST)
    return runcgo_fail (err, errno, "mkdir `%s`", p);
  return 0;
}

int
runcgo_parse_u64 (const char *s, uint64_t *out)
{
  if (s == NULL || *s == '\0' || *s == '-' || *s == '+')
    return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
runcgo_parse_i64 (const char *s, int64_t *out)
{
  if (s == NULL || *s == '\0')
    return -1;
  char *end = NULL;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (errno || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
runcgo_proc_stat (pid_t pid, char *state, uint64_t *start_time)
{
  char path[64], buf[1024];
  snprintf (path, sizeof (path), "/proc/%d/stat", (int) pid);
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  ssize_t n = runcgo_read_all (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  /* comm may contain spaces and parentheses: fields start after the last ')' */
  char *p = strrchr (buf, ')');
  if (p == NULL || p[1] != ' ')
    return -1;
  *state = p[2];
  /* p + 1 is the space before field 3 (state); start time is field 22 */
  p++;
  for (int field = 3; field < 22 && p; field++)
    p = strchr (p + 1, ' ');
  if (p == NULL)
    return -1;
  *start_time = strtoull (p + 1, NULL, 10);
  return 0;
}

uint64_t
runcgo_proc_start_time (pid_t pid)
{
  char state;
  uint64_t start = 0;
  return runcgo_proc_stat (pid, &state, &start) == 0 ? start : 0;
}

void
runcgo_rfc3339 (const struct timespec *ts, char *buf, size_t len)
{
  /* days since 1970-01-01 -> civil date in the proleptic Gregorian
   * calendar: shift the epoch to 0000-03-01 so that the leap day ends a
   * year, then split into 400-year eras (146097 days each) */
  int64_t days = ts->tv_sec / 86400, sec = ts->tv_sec % 86400;
  if (sec < 0)
    {
      sec += 86400;
      days--;
    }
  days += 719468;
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;                                   /* day of era, [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* year of era, [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* day of year from March 1 */
  int64_t mp = (5 * doy + 2) / 153;                                    /* month from March, [0, 11] */
  int64_t day = doy - (153 * mp + 2) / 5 + 1, month = mp < 10 ? mp + 3 : mp - 9;
  int64_t year = yoe + era * 400 + (month <= 2);
  snprintf (buf, len, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", (long long)year, (long long)month,
            (long long)day, (long long)(sec / 3600), (long long)(sec / 60 % 60), (long long)(sec % 60),
            (long)ts->tv_nsec);
}

bool
runcgo_scan_u64 (const char **p, uint64_t *v)
{
  const char *s = *p + strspn (*p, " \t");
  uint64_t x = 0;
  if (*s < '0' || *s > '9')
    return false;
  for (; *s >= '0' && *s <= '9'; s++)
    {
      if (x > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
        return false;
      x = x * 10 + (uint64_t)(*s - '0');
    }
  *p = s;
  *v = x;
  return true;
}

bool
runcgo_parse_dev (const char *s, unsigned *major, unsigned *minor)
{
  uint64_t a, b;
  if (!runcgo_scan_u64 (&s, &a) || *s++ != ':' || *s == ' ' || !runcgo_scan_u64 (&s, &b) || *s != '\0'
      || a > UINT_MAX || b > UINT_MAX)
    return false;
  *major = (unsigned)a;
  *minor = (unsigned)b;
  return true;
}

char *
runcgo_passwd_name_in (const char *text, uid_t uid)
{
  /* name:password:uid:gid:gecos:home:shell */
  for (const char *line = text; line && *line;)
    {
      size_t len = strcspn (line, "\n");
      const char *c1 = memchr (line, ':', len);
      const char *c2 = c1 ? memchr (c1 + 1, ':', (size_t)(line + len - c1 - 1)) : NULL;
      const char *c3 = c2 ? memchr (c2 + 1, ':', (size_t)(line + len - c2 - 1)) : NULL;
      uint64_t v;
      if (c3 && c1 > line && line[0] != '+' && line[0] != '-' && c3 > c2 + 1 && (size_t)(c3 - c2 - 1) < 11)
        {
          /* "+"/"-" lines are NIS compat entries, not users */
          char num[12];
          memcpy (num, c2 + 1, (size_t)(c3 - c2 - 1));
          num[c3 - c2 - 1] = '\0';
          if (runcgo_parse_u64 (num, &v) == 0 && v == (uint64_t)uid)
            return xstrndup (line, (size_t)(c1 - line));
        }
      line += len;
      line += *line == '\n';
    }
  return NULL;
}

char *
runcgo_passwd_name (uid_t uid)
{
  cleanup_free char *text = NULL;
  runcgo_error_t ignored = NULL;
  /* bounded: a passwd file of more than 16 MiB is not one to trust */
  if (runcgo_read_file_at (AT_FDCWD, "/etc/passwd", 16 << 20, &text, NULL, &ignored) < 0)
    {
      runcgo_error_release (&ignored);
      return NULL;
    }
  return runcgo_passwd_name_in (text, uid);
}

bool
runcgo_in_user_namespace (void)
{
  /* the initial user namespace maps every ID onto itself: one line
   * "0 0 4294967295"; anything else (or no file: no CONFIG_USER_NS, so no
   * namespace either) is decided once per process */
  static int cached = -1;
  if (cached >= 0)
    return cached;
  char buf[256];
  cleanup_close int fd = open ("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : runcgo_read_all (fd, buf, sizeof (buf) - 1);
  if (n <= 0)
    return (cached = 0);
  buf[n] = '\0';
  char *p = buf;
  unsigned long inside = strtoul (p, &p, 10), outside = strtoul (p, &p, 10), count = strtoul (p, &p, 10);
  bool identity = inside == 0 && outside == 0 && count == 4294967295UL && p[strspn (p, " \n")] == '\0';
  return (cached = !identity);
}

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int
close_fds_fallback (int from, bool cloexec)
{
  DIR *d = opendir ("/proc/self/fd");
  if (d == NULL)
    return -1;
  int dfd = dirfd (d);
  struct dirent *de;
  while ((de = readdir (d)))
    {
      int fd = atoi (de->d_name);
      if (de->d_name[0] == '.' || fd < from || fd == dfd)
        continue;
      if (cloexec)
        fcntl (fd, F_SETFD, FD_CLOEXEC);
      else
        close (fd);
    }
  closedir (d);
  return 0;
}

int
runcgo_close_fds_from (int from)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned) from, ~0U, 0) == 0)
    return 0;
#endif
  return close_fds_fallback (from, false);
}

int
runcgo_close_fds_except (int from, const int *keep, size_t n)
{
  for (int fd = from;;)
    {
      int next = INT_MAX;
      for (size_t i = 0; i < n; i++)
        if (keep[i] >= fd && keep[i] < next)
          next = keep[i];
      if (next > fd)
        {
#ifdef SYS_close_range
          if (syscall (SYS_close_range, (unsigned) fd, next == INT_MAX ? ~0U : (unsigned) next - 1, 0) < 0)
#endif
            for (int k = fd; k < (next == INT_MAX ? 1024 : next); k++)
              close (k);
        }
      if (next == INT_MAX)
        return 0;
      fd = next + 1;
    }
}

int
runcgo_set_cloexec_from (int from)
{
#ifdef SYS_close_range
  if (syscall (SYS_close_range, (unsigned) from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
#endif
  return close_fds_fallback (from, true);
}

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x00001000U
#endif

/* statx(STATX_MNT_ID) (Linux 5.8) is one syscall; the fdinfo fallback is
 * open + read + close of a procfs file, ~12 times slower, and the mount
 * code asks this around every mount it makes. */
int
runcgo_fd_mount_id (int fd, int (*proc_self_dir) (void), uint64_t *id)
{
  struct statx stx;
  if (statx (fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID))
    {
      *id = stx.stx_mnt_id;
      return 0;
    }
  int proc_self_fd = proc_self_dir ? proc_self_dir () : -1;
  if (proc_self_dir && proc_self_fd < 0)
    return -1;
  char path[64], buf[1024];
  snprintf (path, sizeof (path), proc_self_fd >= 0 ? "fdinfo/%d" : "/proc/self/fdinfo/%d", fd);
  cleanup_close int info = openat (proc_self_fd >= 0 ? proc_self_fd : AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  ssize_t n = info < 0 ? -1 : runcgo_read_all (info, buf, sizeof (buf) - 1);
  if (n < 0)
    return -1;
  buf[n] = '\0';
  const char *p = strstr (buf, "mnt_id:");
  if (p == NULL)
    {
      errno = ENOTSUP;
      return -1;
    }
  *id = strtoull (p + 7, NULL, 10);
  return 0;
}

/* A helper program NAME of ours: $ENV_VAR, else the installed one, else the
 * one beside this runtime in the build tree (tests run from there). */
char *
runcgo_helper_path (const char *name, const char *env_var)
{
  const char *env = getenv (env_var);
  if (env && *env)
    return xstrdup (env);
  cleanup_free char *installed = xasprintf ("%s/%s", RUNCGO_PKGLIBEXECDIR, name);
  if (access (installed, X_OK) == 0)
    return steal_ptr (&installed);
  char self[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", self, sizeof (self) - 1);
  if (n > 0)
    {
      self[n] = '\0';
      char *slash = strrchr (self, '/');
      if (slash)
        *slash = '\0';
      cleanup_free char *built = xasprintf ("%s/../helpers/%s", self, name);
      char clean[PATH_MAX];
      if (access (built, X_OK) == 0 && realpath (built, clean))
        return xstrdup (clean);
    }
  return steal_ptr (&installed);
}
