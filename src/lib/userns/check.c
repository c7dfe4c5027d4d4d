/* check.c -- `runcgo check`: inspect the host for the calling user and say,
 * item by item, what rootless runcgo needs, whether it is there and how to
 * fix it.  Owns the probes: user namespace creation, the newuidmap/newgidmap
 * helpers with the user's ranges (parsed by idmap.c, as `create` does), and
 * native overlayfs inside a user namespace.
 * Every probe runs in a forked child so the caller is never changed. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include <json-c/json.h>

#include "cgroup/cgroup.h"
#include "core/util.h"
#include "net/slirp.h"
#include "userns/check.h"

/* ---------------------------------------------------------------- subordinate IDs (pure) */

uint64_t
runcgo_subid_total (const struct runcgo_subid_range *r, size_t n)
{
  uint64_t total = 0;
  for (size_t i = 0; i < n; i++)
    total += r[i].count;
  return total;
}

char *
runcgo_subid_describe (const struct runcgo_subid_range *r, size_t n)
{
  char *out = xstrdup ("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf ("%s%s%u-%llu (%u IDs)", out, i ? ", " : "", r[i].start,
                              (unsigned long long)r[i].start + r[i].count - 1, r[i].count);
      free (out);
      out = next;
    }
  return out;
}

/* ---------------------------------------------------------------- the report */

struct host
{
  struct runcgo_check_report *r;
  uid_t uid;
  gid_t gid;
  bool root;
  char *user;      /* passwd name, NULL when the uid has none */
  const char *xdg; /* $XDG_RUNTIME_DIR when usable, else NULL */
  bool userns_ok;
  bool overlay_ok;
  char *helper[2];                      /* newuidmap, newgidmap: path when found and usable */
  struct runcgo_subid_range *ranges[2]; /* subuid, subgid */
  size_t n_ranges[2];
  bool helpers_probed_ok;
};

/* A requirement of rootless mode only: as root it is reported, but what is
 * missing does not hold root back. */
#define ROOTLESS_ONLY 1u

static void add (struct host *h, unsigned flags, enum runcgo_check_status st, const char *item, const char *fix,
                 const char *fmt, ...) __attribute__ ((format (printf, 6, 7)));

static void
add (struct host *h, unsigned flags, enum runcgo_check_status st, const char *item, const char *fix, const char *fmt,
     ...)
{
  va_list ap;
  char *detail = NULL;
  va_start (ap, fmt);
  if (vasprintf (&detail, fmt, ap) < 0)
    abort ();
  va_end (ap);
  if ((flags & ROOTLESS_ONLY) && h->root && st != RUNCGO_CHECK_OK)
    {
      char *d = xasprintf ("%s (affects unprivileged users, not root)", detail);
      free (detail);
      detail = d;
      st = st == RUNCGO_CHECK_FAIL ? RUNCGO_CHECK_WARN : RUNCGO_CHECK_OK;
      fix = st == RUNCGO_CHECK_OK ? NULL : fix;
    }
  struct runcgo_check_report *r = h->r;
  r->items = xrealloc (r->items, (r->n + 1) * sizeof (*r->items));
  r->items[r->n++] = (struct runcgo_check_item){
    .item = xstrdup (item), .status = st, .detail = detail, .fix = fix ? xstrdup (fix) : NULL
  };
}

static const char *
user_name (const struct host *h)
{
  return h->user ? h->user : "$USER";
}

/* ---------------------------------------------------------------- small host readers */

/* First line of a small file, trimmed; NULL when it cannot be read. */
static char *
read_line (const char *path)
{
  char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 64 << 10, &text, NULL, NULL) < 0)
    return NULL;
  text[strcspn (text, "\n")] = '\0';
  return text;
}

static int
write_proc (const char *path, const char *data)
{
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return errno;
  if (write (fd, data, strlen (data)) < 0)
    return errno;
  return 0;
}

static bool
is_executable_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

/* NAME in $PATH, else in the usual system directories (runcgo looks in
 * /usr/bin after PATH for the uidmap helpers).  *in_path says which. */
static char *
find_program (const char *name, bool *in_path)
{
  const char *path = getenv ("PATH");
  cleanup_free char *copy = xstrdup (path ? path : "");
  char *save = NULL;
  *in_path = true;
  for (char *dir = strtok_r (copy, ":", &save); dir; dir = strtok_r (NULL, ":", &save))
    {
      if (*dir != '/')
        continue;
      char *p = xasprintf ("%s/%s", dir, name);
      if (is_executable_file (p))
        return p;
      free (p);
    }
  *in_path = false;
  static const char *const fallback[] = { "/usr/bin", "/bin", "/usr/sbin", "/usr/local/bin" };
  for (size_t i = 0; i < ARRAY_SIZE (fallback); i++)
    {
      char *p = xasprintf ("%s/%s", fallback[i], name);
      if (is_executable_file (p))
        return p;
      free (p);
    }
  return NULL;
}

/* Is something listening on the AF_UNIX socket PATH ("@name" = abstract)? */
static int
socket_accepts (const char *path)
{
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  size_t len = strlen (path);
  if (len >= sizeof (sa.sun_path))
    return ENAMETOOLONG;
  memcpy (sa.sun_path, path, len);
  socklen_t sl = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + len + (path[0] == '@' ? 0 : 1));
  if (path[0] == '@')
    sa.sun_path[0] = '\0';
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return errno;
  return connect (fd, (struct sockaddr *)&sa, sl) < 0 ? errno : 0;
}

/* ---------------------------------------------------------------- probes in a child */

typedef int (*probe_fn) (void *arg, char *msg, size_t len);

static int probe_fail (char *msg, size_t len, int e, const char *fmt, ...) __attribute__ ((format (printf, 4, 5)));

/* MSG = "<what>: <strerror(E)>"; returns E (a probe's result). */
static int
probe_fail (char *msg, size_t len, int e, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  int n = vsnprintf (msg, len, fmt, ap);
  va_end (ap);
  if (n >= 0 && (size_t)n < len)
    snprintf (msg + n, len - (size_t)n, ": %s", strerror (e));
  return e;
}

/* Run FN in a forked child (namespaces are entered there, never here).
 * Returns what FN returned (0 or an errno) with its message in MSG. */
static int
probe_in_child (probe_fn fn, void *arg, char *msg, size_t len)
{
  int p[2];
  msg[0] = '\0';
  if (pipe2 (p, O_CLOEXEC) < 0)
    return probe_fail (msg, len, errno, "pipe");
  pid_t pid = fork ();
  if (pid < 0)
    {
      int e = errno;
      close (p[0]);
      close (p[1]);
      return probe_fail (msg, len, e, "fork");
    }
  if (pid == 0)
    {
      char buf[512] = "";
      close (p[0]);
      int r = fn (arg, buf, sizeof (buf));
      (void)!runcgo_write_all (p[1], &r, sizeof (r));
      (void)!runcgo_write_all (p[1], buf, strlen (buf));
      _exit (0);
    }
  close (p[1]);
  int r = -1, status = 0;
  ssize_t got = runcgo_read_all (p[0], &r, sizeof (r));
  ssize_t n = got == sizeof (r) ? runcgo_read_all (p[0], msg, len - 1) : 0;
  msg[n > 0 ? n : 0] = '\0';
  close (p[0]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (got != sizeof (r))
    {
      snprintf (msg, len, "the probe died (%s)", WIFSIGNALED (status) ? strsignal (WTERMSIG (status)) : "no answer");
      return EIO;
    }
  return r;
}

/* In the child: a user namespace where our own IDs are root, as runcgo
 * does for a single-ID container (setgroups denied first, CVE-2014-8989). */
static int
enter_userns_as_root (int extra_flags, char *msg, size_t len)
{
  uid_t uid = geteuid ();
  gid_t gid = getegid ();
  char map[64];
  if (unshare (CLONE_NEWUSER | extra_flags) < 0)
    return probe_fail (msg, len, errno, "unshare(CLONE_NEWUSER%s)", extra_flags ? "|CLONE_NEWNS" : "");
  int e = write_proc ("/proc/self/setgroups", "deny");
  if (e && e != ENOENT)
    return probe_fail (msg, len, e, "write /proc/self/setgroups");
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned)uid);
  if ((e = write_proc ("/proc/self/uid_map", map)) != 0)
    return probe_fail (msg, len, e, "write uid_map \"0 %u 1\"", (unsigned)uid);
  snprintf (map, sizeof (map), "0 %u 1\n", (unsigned)gid);
  if ((e = write_proc ("/proc/self/gid_map", map)) != 0)
    return probe_fail (msg, len, e, "write gid_map \"0 %u 1\"", (unsigned)gid);
  return 0;
}

static int
probe_userns (void *arg, char *msg, size_t len)
{
  (void)arg;
  int e = enter_userns_as_root (0, msg, len);
  if (e == 0)
    snprintf (msg, len, "a user namespace with a single-ID map can be created");
  return e;
}

static int
probe_overlay (void *arg, char *msg, size_t len)
{
  const char *dir = arg;
  int e = enter_userns_as_root (CLONE_NEWNS, msg, len);
  if (e)
    return e;
  /* our copy of the mount table: nothing we mount reaches the host */
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return probe_fail (msg, len, errno, "make / private");
  char data[PATH_MAX * 3 + 64], target[PATH_MAX + 8];
  snprintf (data, sizeof (data), "lowerdir=%s/l,upperdir=%s/u,workdir=%s/w", dir, dir, dir);
  snprintf (target, sizeof (target), "%s/m", dir);
  if (mount ("overlay", target, "overlay", 0, data) < 0)
    return probe_fail (msg, len, errno, "mount overlay in %s", dir);
  umount2 (target, MNT_DETACH);
  snprintf (msg, len, "overlayfs mounts inside a user namespace (probed in %.*s)", (int)(strrchr (dir, '/') - dir),
            dir);
  return 0;
}

/* ---------------------------------------------------------------- user and kernel */

static void
check_user (struct host *h)
{
  if (h->root)
    add (h, 0, RUNCGO_CHECK_OK, "user", NULL,
         "root (uid 0): runcgo runs rootful; the rootless checks are for unprivileged users (run `runcgo check` "
         "as that user); below is root's view");
  else if (h->user == NULL)
    add (h, 0, RUNCGO_CHECK_WARN, "user", "add a passwd entry for the uid (newuidmap needs a user name)",
         "uid %u (gid %u) has no passwd entry", (unsigned)h->uid, (unsigned)h->gid);
  else
    add (h, 0, RUNCGO_CHECK_OK, "user", NULL, "%s (uid %u, gid %u): rootless mode", h->user, (unsigned)h->uid,
         (unsigned)h->gid);
}

static void
check_sysctls (struct host *h)
{
  cleanup_free char *clone = read_line ("/proc/sys/kernel/unprivileged_userns_clone");
  if (clone && strcmp (clone, "0") == 0)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_FAIL, "kernel.unprivileged_userns_clone",
         "sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)",
         "0: unprivileged users may not create user namespaces");
  else if (clone)
    add (h, 0, RUNCGO_CHECK_OK, "kernel.unprivileged_userns_clone", NULL, "%s", clone);
  cleanup_free char *max = read_line ("/proc/sys/user/max_user_namespaces");
  if (max == NULL)
    add (h, 0, RUNCGO_CHECK_FAIL, "user.max_user_namespaces", "use a kernel built with CONFIG_USER_NS=y",
         "missing: this kernel has no user namespaces");
  else if (strcmp (max, "0") == 0)
    add (h, 0, RUNCGO_CHECK_FAIL, "user.max_user_namespaces",
         "sysctl -w user.max_user_namespaces=15000 (persist it in /etc/sysctl.d/)", "0: user namespaces are disabled");
  else
    add (h, 0, RUNCGO_CHECK_OK, "user.max_user_namespaces", NULL, "%s", max);
  /* Ubuntu >= 23.10: the namespace is created but gets no capabilities */
  cleanup_free char *aa = read_line ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
  if (aa && strcmp (aa, "0") != 0)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "kernel.apparmor_restrict_unprivileged_userns",
         "an AppArmor profile for runcgo with the `userns,` rule, or sysctl -w "
         "kernel.apparmor_restrict_unprivileged_userns=0",
         "%s: AppArmor takes capabilities away from new user namespaces", aa);
}

static const char *
userns_fix (int e)
{
  if (e == ENOSPC)
    return "user.max_user_namespaces is exhausted: raise it (sysctl -w user.max_user_namespaces=15000)";
  if (e == EINVAL || e == ENOSYS)
    return "use a kernel built with CONFIG_USER_NS=y";
  return "allow unprivileged user namespaces (see the kernel.* and user.* items); inside another container, its "
         "seccomp profile or missing privileges may forbid unshare(CLONE_NEWUSER)";
}

static void
check_userns (struct host *h)
{
  char msg[512];
  int e = probe_in_child (probe_userns, NULL, msg, sizeof (msg));
  h->userns_ok = e == 0;
  h->r->can_run = e == 0;
  if (e == 0)
    add (h, 0, RUNCGO_CHECK_OK, "userns", NULL, "%s", msg);
  else
    add (h, 0, RUNCGO_CHECK_FAIL, "userns", userns_fix (e), "%s", msg);
}

/* ---------------------------------------------------------------- newuidmap / newgidmap */

/* Does PATH carry CAP (permitted and effective) as a file capability? */
static bool
file_has_cap (const char *path, int cap)
{
  struct vfs_ns_cap_data data;
  ssize_t n = getxattr (path, "security.capability", &data, sizeof (data));
  if (n < (ssize_t)(sizeof (uint32_t) * 3))
    return false;
  uint32_t magic = le32toh (data.magic_etc);
  if (!(magic & VFS_CAP_FLAGS_EFFECTIVE))
    return false;
  return (le32toh (data.data[0].permitted) >> cap) & 1;
}

static void
check_helper (struct host *h, int which)
{
  const char *name = which ? "newgidmap" : "newuidmap";
  int cap = which ? CAP_SETGID : CAP_SETUID;
  bool in_path;
  cleanup_free char *path = find_program (name, &in_path);
  if (path == NULL)
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, name,
           "install the uidmap package (Debian/Ubuntu: apt-get install uidmap; Fedora: shadow-utils)",
           "not found in PATH or /usr/bin: only single-ID maps (your own ID as root)");
      return;
    }
  struct stat st;
  struct statvfs sv;
  bool setuid_root = stat (path, &st) == 0 && st.st_uid == 0 && (st.st_mode & S_ISUID);
  bool has_cap = !setuid_root && file_has_cap (path, cap);
  const char *where = in_path ? "" : " (not in PATH; runcgo also looks in /usr/bin)";
  if (!setuid_root && !has_cap)
    {
      cleanup_free char *fix
          = xasprintf ("chmod u+s %s (as root), or setcap cap_%s+ep %s", path, which ? "setgid" : "setuid", path);
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, name, fix, "%s%s is neither setuid root nor has cap_%s", path, where,
           which ? "setgid" : "setuid");
      return;
    }
  if (statvfs (path, &sv) == 0 && (sv.f_flag & ST_NOSUID))
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, name, "remount that filesystem without nosuid",
           "%s%s is on a nosuid mount: its privileges are ignored", path, where);
      return;
    }
  add (h, 0, RUNCGO_CHECK_OK, name, NULL, "%s%s, %s", path, where, setuid_root ? "setuid root" : "file capability");
  h->helper[which] = steal_ptr (&path);
}

static void
check_subid (struct host *h, int which)
{
  const char *file = which ? "/etc/subgid" : "/etc/subuid";
  cleanup_free char *text = NULL;
  cleanup_free char *fix = xasprintf ("usermod --add-sub%cids 100000-165535 %s (as root), or add the line "
                                      "\"%s:100000:65536\" to %s (pick a range no other user has)",
                                      which ? 'g' : 'u', user_name (h), user_name (h), file);
  runcgo_error_t err = NULL;
  if (runcgo_read_file_at (AT_FDCWD, file, 8 << 20, &text, NULL, &err) < 0)
    {
      int e = err->status;
      runcgo_error_release (&err);
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, file, fix, "%s: only single-ID maps",
           e == ENOENT ? "missing" : strerror (e));
      return;
    }
  size_t n = 0;
  struct runcgo_subid_range *r = NULL;
  runcgo_subid_parse (text, h->user, h->uid, &r, &n);
  h->ranges[which] = r;
  h->n_ranges[which] = n;
  if (n == 0)
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, file, fix, "no range for %s (uid %u): only single-ID maps",
           user_name (h), (unsigned)h->uid);
      return;
    }
  cleanup_free char *desc = runcgo_subid_describe (r, n);
  uint64_t total = runcgo_subid_total (r, n);
  if (total < 65536)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, file, "give the user 65536 IDs",
         "%s: fewer than 65536 IDs, images with higher IDs will not map", desc);
  else
    add (h, 0, RUNCGO_CHECK_OK, file, NULL, "%s", desc);
}

/* ---------------------------------------------------------------- the helpers, for real */

/* Run ARGV with stderr into MSG; returns the exit status (or -1). */
static int
run_helper (char **argv, char *msg, size_t len)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return -1;
  pid_t pid = fork ();
  if (pid == 0)
    {
      int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (devnull < 0 || dup2 (devnull, 0) < 0 || dup2 (devnull, 1) < 0 || dup2 (p[1], 2) < 0)
        _exit (127);
      execv (argv[0], argv);
      _exit (127);
    }
  close (p[1]);
  ssize_t n = pid < 0 ? 0 : runcgo_read_all (p[0], msg, len - 1);
  msg[n > 0 ? n : 0] = '\0';
  msg[strcspn (msg, "\n")] = '\0';
  close (p[0]);
  int status = 0;
  if (pid < 0)
    return -1;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* newuidmap PID 0 OWN 1 1 START COUNT ...: the map runcgo's automatic
 * mapping asks for (own ID as root, then every subordinate range). */
static int
map_with_helper (struct host *h, int which, pid_t pid, char *msg, size_t len)
{
  size_t n = h->n_ranges[which];
  char **argv = xzalloc ((5 + 3 * n + 1) * sizeof (char *));
  size_t a = 0;
  argv[a++] = xstrdup (h->helper[which]);
  argv[a++] = xasprintf ("%d", (int)pid);
  argv[a++] = xstrdup ("0");
  argv[a++] = xasprintf ("%u", (unsigned)(which ? h->gid : h->uid));
  argv[a++] = xstrdup ("1");
  uint64_t next = 1;
  for (size_t i = 0; i < n && next + h->ranges[which][i].count <= UINT32_MAX; i++)
    {
      argv[a++] = xasprintf ("%llu", (unsigned long long)next);
      argv[a++] = xasprintf ("%u", h->ranges[which][i].start);
      argv[a++] = xasprintf ("%u", h->ranges[which][i].count);
      next += h->ranges[which][i].count;
    }
  int st = run_helper (argv, msg, len);
  runcgo_strv_free (argv);
  return st;
}

static void
probe_helpers (struct host *h, pid_t child)
{
  char msg[512];
  for (int which = 0; which < 2; which++)
    {
      const char *name = which ? "newgidmap" : "newuidmap";
      int st = map_with_helper (h, which, child, msg, sizeof (msg));
      if (st != 0)
        {
          cleanup_free char *fix = xasprintf ("check the %s entry for %s and the %s installation",
                                              which ? "/etc/subgid" : "/etc/subuid", user_name (h), name);
          add (h, 0, RUNCGO_CHECK_WARN, "idmap.helpers", fix, "%s with your ranges failed (exit %d): %s", name, st,
               *msg ? msg : "no message");
          return;
        }
    }
  h->helpers_probed_ok = true;
  add (h, 0, RUNCGO_CHECK_OK, "idmap.helpers", NULL,
       "newuidmap/newgidmap map your own IDs as root plus %llu/%llu subordinate IDs",
       (unsigned long long)runcgo_subid_total (h->ranges[0], h->n_ranges[0]),
       (unsigned long long)runcgo_subid_total (h->ranges[1], h->n_ranges[1]));
}

/* A child waits in a fresh user namespace while we run the setuid helpers
 * on it from outside, exactly as `runcgo create` does. */
static void
check_helpers_for_real (struct host *h)
{
  if (h->root)
    {
      add (h, 0, RUNCGO_CHECK_OK, "idmap.helpers", NULL, "not needed: root writes any ID map directly");
      return;
    }
  if (!h->userns_ok || !h->helper[0] || !h->helper[1] || !h->n_ranges[0] || !h->n_ranges[1])
    {
      add (h, 0, RUNCGO_CHECK_WARN, "idmap.helpers", "see the userns, newuidmap/newgidmap and /etc/sub[ug]id items",
           "not probed: needs user namespaces, both helpers and ranges in /etc/subuid and /etc/subgid");
      return;
    }
  int ready[2], go[2];
  if (pipe2 (ready, O_CLOEXEC) < 0)
    return;
  if (pipe2 (go, O_CLOEXEC) < 0)
    {
      close (ready[0]);
      close (ready[1]);
      return;
    }
  pid_t pid = fork ();
  if (pid == 0)
    {
      char c = unshare (CLONE_NEWUSER) == 0 ? 'y' : 'n';
      close (ready[0]);
      close (go[1]);
      (void)!write (ready[1], &c, 1);
      (void)!read (go[0], &c, 1); /* until the parent closes its end */
      _exit (0);
    }
  close (ready[1]);
  close (go[0]);
  char c = 'n';
  if (pid > 0 && read (ready[0], &c, 1) == 1 && c == 'y')
    probe_helpers (h, pid);
  else
    add (h, 0, RUNCGO_CHECK_WARN, "idmap.helpers", NULL, "not probed: could not start a user namespace to map");
  close (ready[0]);
  close (go[1]);
  if (pid > 0)
    while (waitpid (pid, NULL, 0) < 0 && errno == EINTR)
      ;
}

/* ---------------------------------------------------------------- XDG_RUNTIME_DIR */

static void
check_xdg (struct host *h)
{
  const char *dir = getenv ("XDG_RUNTIME_DIR");
  cleanup_free char *fix = xasprintf ("log in through pam_systemd (or `loginctl enable-linger %s`), which creates "
                                      "/run/user/%u; else export XDG_RUNTIME_DIR to a directory you own (mode "
                                      "0700), or pass --root DIR",
                                      user_name (h), (unsigned)h->uid);
  struct stat st;
  if (dir == NULL || *dir == '\0')
    {
      if (h->root)
        add (h, 0, RUNCGO_CHECK_OK, "XDG_RUNTIME_DIR", NULL, "unset; not needed: root keeps state in /run/runcgo");
      else
        add (h, 0, RUNCGO_CHECK_WARN, "XDG_RUNTIME_DIR", fix, "unset: runcgo has no default state root");
      return;
    }
  const char *problem = NULL;
  if (dir[0] != '/')
    problem = "is not an absolute path";
  else if (stat (dir, &st) < 0)
    problem = "does not exist";
  else if (!S_ISDIR (st.st_mode))
    problem = "is not a directory";
  else if (st.st_uid != h->uid)
    problem = "is owned by another user";
  else if (access (dir, W_OK | X_OK) < 0)
    problem = "is not writable";
  if (problem)
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "XDG_RUNTIME_DIR", fix, "%s %s", dir, problem);
      return;
    }
  h->xdg = dir;
  if (st.st_mode & 077)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "XDG_RUNTIME_DIR", "chmod 0700 it (the XDG spec requires it)",
         "%s (state in %s/runcgo) is accessible to others (mode %04o)", dir, dir, (unsigned)(st.st_mode & 07777));
  else
    add (h, 0, RUNCGO_CHECK_OK, "XDG_RUNTIME_DIR", NULL, "%s (state in %s/runcgo)", dir, dir);
}

/* ---------------------------------------------------------------- cgroups */

static const char *
cgroup_mode_name (enum runcgo_cgroup_mode m)
{
  return m == RUNCGO_CGROUP_V2       ? "v2 (unified)"
         : m == RUNCGO_CGROUP_HYBRID ? "hybrid (v1 controllers, cgroup2 "
                                       "at /sys/fs/cgroup/unified)"
                                     : "v1";
}

/* Our own cgroup2 path ("0::/path" of /proc/self/cgroup); NULL if none. */
static char *
own_cgroup2_path (void)
{
  cleanup_free char *text = NULL;
  if (runcgo_read_file_at (AT_FDCWD, "/proc/self/cgroup", 0, &text, NULL, NULL) < 0)
    return NULL;
  char *save = NULL;
  for (char *line = strtok_r (text, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    if (strncmp (line, "0::", 3) == 0)
      return xstrdup (line + 3);
  return NULL;
}

static void
check_delegation (struct host *h, enum runcgo_cgroup_mode mode)
{
  const char *fix = "run runcgo under a systemd user manager (its Delegate=yes scopes), or have root create a "
                    "cgroup and chown it (and its cgroup.procs, cgroup.subtree_control) to you";
  cleanup_free char *own = own_cgroup2_path ();
  if (mode == RUNCGO_CGROUP_V1 || own == NULL)
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "cgroup.delegation", "boot with systemd.unified_cgroup_hierarchy=1",
           "no cgroup2 hierarchy: rootless containers run without a cgroup (resources not applied)");
      return;
    }
  const char *base = mode == RUNCGO_CGROUP_V2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
  cleanup_free char *dir = strcmp (own, "/") == 0 ? xstrdup (base) : xasprintf ("%s%s", base, own);
  cleanup_free char *procs = xasprintf ("%s/cgroup.procs", dir);
  cleanup_free char *ctl_path = xasprintf ("%s/cgroup.controllers", dir);
  cleanup_free char *ctl = read_line (ctl_path);
  const char *controllers = ctl && *ctl ? ctl : "none";
  bool writable = access (dir, W_OK) == 0 && access (procs, W_OK) == 0;
  if (!writable)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "cgroup.delegation", fix,
         "your cgroup %s is not writable: rootless containers run without a cgroup (resources not applied)", dir);
  else if (mode == RUNCGO_CGROUP_HYBRID)
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "cgroup.delegation", "boot with systemd.unified_cgroup_hierarchy=1",
         "%s is yours, but controllers live on v1 and are not delegated: resources not applied", dir);
  else if (!strstr (controllers, "memory") || !strstr (controllers, "pids") || !strstr (controllers, "cpu"))
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "cgroup.delegation",
         "delegate them: `systemctl edit user@.service` with [Service] Delegate=cpu cpuset io memory pids",
         "%s is yours; controllers: %s (cpu, memory or pids missing)", dir, controllers);
  else
    add (h, 0, RUNCGO_CHECK_OK, "cgroup.delegation", NULL, "%s is yours; controllers: %s", dir, controllers);
}

static void
check_cgroups (struct host *h)
{
  enum runcgo_cgroup_mode mode = runcgo_cgroup_mode ();
  if (mode == RUNCGO_CGROUP_V2)
    add (h, 0, RUNCGO_CHECK_OK, "cgroup.mode", NULL, "%s", cgroup_mode_name (mode));
  else
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "cgroup.mode", "boot with systemd.unified_cgroup_hierarchy=1",
         "%s: v1 controllers are never delegated to users", cgroup_mode_name (mode));
  if (h->root)
    add (h, 0, RUNCGO_CHECK_OK, "cgroup.delegation", NULL, "not needed: root manages every cgroup");
  else
    check_delegation (h, mode);
}

/* ---------------------------------------------------------------- systemd and D-Bus */

static void
check_systemd (struct host *h)
{
  bool booted = access ("/run/systemd/system", F_OK) == 0;
  if (h->root)
    {
      add (h, 0, RUNCGO_CHECK_OK, "systemd", NULL, "%s",
           booted ? "systemd is the init: --systemd-cgroup works" : "systemd is not the init: cgroupfs driver only");
      return;
    }
  cleanup_free char *fix = xasprintf ("`loginctl enable-linger %s` or log in through pam_systemd; without it "
                                      "runcgo uses a delegated cgroup or none",
                                      user_name (h));
  cleanup_free char *sock = h->xdg ? xasprintf ("%s/systemd/private", h->xdg) : NULL;
  int e = sock ? socket_accepts (sock) : ENOENT;
  const char *init = booted ? "" : "; systemd is not the init of this machine";
  if (e == 0)
    add (h, 0, RUNCGO_CHECK_OK, "systemd", NULL, "a systemd user manager runs (%s)", sock);
  else if (sock)
    add (h, 0, RUNCGO_CHECK_WARN, "systemd", fix, "no systemd user manager at %s: %s%s", sock, strerror (e), init);
  else
    add (h, 0, RUNCGO_CHECK_WARN, "systemd", fix, "no systemd user manager (no usable XDG_RUNTIME_DIR)%s", init);
}

/* The first unix: address of a D-Bus address list ("@name" for abstract). */
static char *
dbus_socket_path (const char *address)
{
  cleanup_free char *copy = xstrdup (address);
  char *save = NULL;
  for (char *a = strtok_r (copy, ";", &save); a; a = strtok_r (NULL, ";", &save))
    {
      if (strncmp (a, "unix:", 5) != 0)
        continue;
      char *p = strstr (a, "path="), *abs = strstr (a, "abstract=");
      if (p)
        return xstrndup (p + 5, strcspn (p + 5, ","));
      if (abs)
        return xasprintf ("@%.*s", (int)strcspn (abs + 9, ","), abs + 9);
    }
  return NULL;
}

static void
check_session_bus (struct host *h)
{
  const char *env = getenv ("DBUS_SESSION_BUS_ADDRESS");
  cleanup_free char *sock = NULL;
  const char *from = "DBUS_SESSION_BUS_ADDRESS";
  if (h->root)
    {
      bool sys = socket_accepts ("/run/dbus/system_bus_socket") == 0;
      add (h, 0, RUNCGO_CHECK_OK, "dbus", NULL, "%s",
           sys ? "the system bus accepts connections" : "no system bus: --systemd-cgroup will not work");
      return;
    }
  if (env && *env)
    sock = dbus_socket_path (env);
  else if (h->xdg)
    {
      sock = xasprintf ("%s/bus", h->xdg);
      from = "XDG_RUNTIME_DIR/bus";
    }
  const char *fix = "install dbus-user-session (the user manager then starts the bus), and export "
                    "DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus";
  struct stat st;
  if (sock == NULL)
    add (h, 0, RUNCGO_CHECK_WARN, "dbus", fix, "no session bus (%s)",
         env && *env ? "DBUS_SESSION_BUS_ADDRESS has no unix: address"
                     : "no DBUS_SESSION_BUS_ADDRESS, no "
                       "XDG_RUNTIME_DIR");
  else if (sock[0] != '@' && (stat (sock, &st) < 0 || !S_ISSOCK (st.st_mode)))
    add (h, 0, RUNCGO_CHECK_WARN, "dbus", fix, "no session bus: %s (from %s) is not a socket", sock, from);
  else if (socket_accepts (sock) != 0)
    add (h, 0, RUNCGO_CHECK_WARN, "dbus", fix, "session bus %s (from %s) refuses connections: %s", sock, from,
         strerror (socket_accepts (sock)));
  else
    add (h, 0, RUNCGO_CHECK_OK, "dbus", NULL, "session bus %s accepts connections (from %s)", sock, from);
}

/* ---------------------------------------------------------------- overlay, FUSE, tun */

static void
remove_probe_dir (const char *dir)
{
  static const char *const sub[] = { "w/work", "w/index", "l", "u", "w", "m" };
  for (size_t i = 0; i < ARRAY_SIZE (sub); i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", dir, sub[i]);
      (void)chmod (p, 0700); /* overlay leaves work/ with mode 0 */
      (void)rmdir (p);
    }
  (void)rmdir (dir);
}

static void
check_overlay (struct host *h)
{
  if (!h->userns_ok)
    {
      add (h, 0, RUNCGO_CHECK_WARN, "overlay.userns", "see the userns item", "not probed: no user namespaces");
      return;
    }
  const char *tmp = getenv ("TMPDIR");
  cleanup_free char *dir = xasprintf ("%s/runcgo-check.XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
  if (mkdtemp (dir) == NULL)
    {
      add (h, 0, RUNCGO_CHECK_WARN, "overlay.userns", "set TMPDIR to a writable directory",
           "not probed: cannot create a directory in %s: %s", tmp && *tmp == '/' ? tmp : "/tmp", strerror (errno));
      return;
    }
  static const char *const sub[] = { "l", "u", "w", "m" };
  for (size_t i = 0; i < ARRAY_SIZE (sub); i++)
    {
      cleanup_free char *p = xasprintf ("%s/%s", dir, sub[i]);
      (void)mkdir (p, 0700);
    }
  char msg[512];
  int e = probe_in_child (probe_overlay, dir, msg, sizeof (msg));
  remove_probe_dir (dir);
  h->overlay_ok = e == 0;
  if (e == 0)
    add (h, 0, RUNCGO_CHECK_OK, "overlay.userns", NULL, "%s", msg);
  else
    add (h, 0, RUNCGO_CHECK_WARN, "overlay.userns",
         "Linux >= 5.11 mounts overlayfs in user namespaces; else runcgo needs fuse-overlayfs and /dev/fuse",
         "%s: overlay mounts fall back to fuse-overlayfs", msg);
}

static void
check_device (struct host *h, const char *dev, const char *use, const char *module, const char *item)
{
  struct stat st;
  cleanup_free char *perm_fix = xasprintf ("chmod 0666 %s as root (most distributions ship it so; persist with "
                                           "a udev rule)",
                                           dev);
  cleanup_free char *mod_fix = xasprintf ("modprobe %s (as root)", module);
  if (stat (dev, &st) < 0 || !S_ISCHR (st.st_mode))
    {
      add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, item, mod_fix, "%s is missing: no %s", dev, use);
      return;
    }
  cleanup_close int fd = open (dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);
  int e = fd < 0 ? errno : 0;
  if (e == 0)
    add (h, 0, RUNCGO_CHECK_OK, item, NULL, "%s (mode %04o) is usable: %s", dev, (unsigned)(st.st_mode & 07777), use);
  else
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, item, e == EACCES || e == EPERM ? perm_fix : mod_fix,
         "%s (mode %04o, owner %u): %s: no %s", dev, (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid, strerror (e),
         use);
}

/* --net slirp runs runcgo-slirp: built only when configure found libslirp */
static void
check_slirp_helper (struct host *h)
{
  cleanup_free char *path = runcgo_slirp_helper_path ();
  if (access (path, X_OK) == 0)
    add (h, 0, RUNCGO_CHECK_OK, "slirp", NULL, "%s: --net slirp and run.oci.runcgo.network=slirp work", path);
  else
    add (h, 0, RUNCGO_CHECK_WARN, "slirp", "install libslirp-dev and rebuild runcgo, or set RUNCGO_SLIRP_HELPER",
         "%s: %s: no slirp networking", path, strerror (errno));
}

static void
check_fuse_overlayfs (struct host *h)
{
  bool in_path;
  cleanup_free char *path = find_program ("fuse-overlayfs", &in_path);
  if (path)
    add (h, 0, RUNCGO_CHECK_OK, "fuse-overlayfs", NULL, "%s%s", path, in_path ? "" : " (not in PATH)");
  else if (h->overlay_ok)
    add (h, 0, RUNCGO_CHECK_OK, "fuse-overlayfs", NULL,
         "not installed; not needed while native overlay works in a user namespace (package fuse-overlayfs)");
  else
    add (h, ROOTLESS_ONLY, RUNCGO_CHECK_WARN, "fuse-overlayfs", "install the fuse-overlayfs package",
         "not installed: overlay mounts cannot work rootless here");
}

/* ---------------------------------------------------------------- entry points */

int
runcgo_check_host (struct runcgo_check_report *out, runcgo_error_t *err)
{
  (void)err;
  memset (out, 0, sizeof (*out));
  struct host h = { .r = out, .uid = getuid (), .gid = getgid () };
  h.root = h.uid == 0;
  out->as_root = h.root;
  h.user = runcgo_passwd_name (h.uid);
  check_user (&h);
  check_sysctls (&h);
  check_userns (&h);
  check_helper (&h, 0);
  check_helper (&h, 1);
  check_subid (&h, 0);
  check_subid (&h, 1);
  check_helpers_for_real (&h);
  check_xdg (&h);
  check_cgroups (&h);
  check_systemd (&h);
  check_session_bus (&h);
  check_overlay (&h);
  check_device (&h, "/dev/fuse", "fuse-overlayfs", "fuse", "/dev/fuse");
  check_fuse_overlayfs (&h);
  check_device (&h, "/dev/net/tun", "slirp networking", "tun", "/dev/net/tun");
  check_slirp_helper (&h);
  free (h.user);
  for (int i = 0; i < 2; i++)
    {
      free (h.helper[i]);
      free (h.ranges[i]);
    }
  return 0;
}

void
runcgo_check_report_free (struct runcgo_check_report *r)
{
  for (size_t i = 0; i < r->n; i++)
    {
      free (r->items[i].item);
      free (r->items[i].detail);
      free (r->items[i].fix);
    }
  free (r->items);
  r->items = NULL;
  r->n = 0;
}

const char *
runcgo_check_status_name (enum runcgo_check_status s)
{
  return s == RUNCGO_CHECK_OK ? "ok" : s == RUNCGO_CHECK_WARN ? "warn" : "FAIL";
}

/* What a user of the report most wants to know, in one line. */
static char *
summary (const struct runcgo_check_report *r)
{
  if (!r->can_run)
    return xstrdup ("rootless containers: cannot run (user namespaces are not usable: see the FAIL lines)");
  if (r->as_root)
    return xstrdup ("containers can run as root; for rootless, run `runcgo check` as the user");
  bool helpers = false;
  for (size_t i = 0; i < r->n; i++)
    if (strcmp (r->items[i].item, "idmap.helpers") == 0)
      helpers = r->items[i].status == RUNCGO_CHECK_OK;
  return xasprintf ("rootless containers: can run (%s)",
                    helpers ? "ID maps: your own ID plus your subordinate ranges"
                            : "ID maps: your own ID only; see the warn lines for more");
}

char *
runcgo_check_format_text (const struct runcgo_check_report *r)
{
  int width = 0;
  for (size_t i = 0; i < r->n; i++)
    if ((int)strlen (r->items[i].item) > width)
      width = (int)strlen (r->items[i].item);
  char *out = xstrdup ("");
  for (size_t i = 0; i < r->n; i++)
    {
      const struct runcgo_check_item *it = &r->items[i];
      char *next = xasprintf ("%s%-4s  %-*s  %s%s%s%s\n", out, runcgo_check_status_name (it->status), width, it->item,
                              it->detail, it->fix ? " (fix: " : "", it->fix ? it->fix : "", it->fix ? ")" : "");
      free (out);
      out = next;
    }
  cleanup_free char *sum = summary (r);
  char *all = xasprintf ("%s\n%s\n", out, sum);
  free (out);
  return all;
}

char *
runcgo_check_format_json (const struct runcgo_check_report *r)
{
  static const char *const names[] = { "ok", "warn", "fail" };
  json_object *arr = json_object_new_array ();
  for (size_t i = 0; i < r->n; i++)
    {
      const struct runcgo_check_item *it = &r->items[i];
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "item", json_object_new_string (it->item));
      json_object_object_add (o, "status", json_object_new_string (names[it->status]));
      json_object_object_add (o, "detail", json_object_new_string (it->detail));
      json_object_object_add (o, "fix", it->fix ? json_object_new_string (it->fix) : NULL);
      json_object_array_add (arr, o);
    }
  char *s = xasprintf ("%s\n",
                       json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (arr);
  return s;
}
