/* ptrace_attach [-s STOPFILE] [-g GRACE] [-d DEADLINE] -r REPORT: a container
 * process that tries to ptrace the runtime while the runtime is inside the
 * container's namespaces (CVE-2016-9962: a dumpable `runc exec` could be
 * attached from the container and its host file descriptors used).
 *
 * It runs inside a test container (statically linked) and loops over every
 * process it can see.  Processes whose executable is the container's own
 * (busybox, this program) are left alone; every other one (its executable is
 * foreign, or unreadable: a non-dumpable process) gets PTRACE_SEIZE and an
 * open of /proc/PID/mem.  An attach that succeeds is undone at once; it counts
 * only when it caught a foreign image outside execve (see attack ()).
 * It stops GRACE seconds (default 0.5) after STOPFILE appears or after
 * DEADLINE seconds (default 60) and writes REPORT: NAME=VALUE counters (scans,
 * targets, attach_denied, attached, attached_in_exec, mem_opened) and the
 * first events.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 60
#define MAX_PIDS 4096

static struct stat known[2];
static char events[MAX_EVENTS][320];
static int n_events;
static long scans, targets, attach_denied, attached, attached_in_exec, mem_opened;
static int seen_pid[MAX_PIDS];

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

/* 1 when PID runs busybox or this program, 0 otherwise (or unreadable).  */
static int
runs_container_binary (int pid)
{
  char path[64];
  struct stat st;
  int i;

  snprintf (path, sizeof path, "/proc/%d/exe", pid);
  if (stat (path, &st) < 0)
    return 0;
  for (i = 0; i < 2; i++)
    if (st.st_dev == known[i].st_dev && st.st_ino == known[i].st_ino)
      return 1;
  return 0;
}

static void
attack (int pid)
{
  char path[64], comm[32];
  int fd;

  if (runs_container_binary (pid))
    return;
  if (pid < MAX_PIDS && !seen_pid[pid])
    {
      seen_pid[pid] = 1;
      targets++;
    }
  comm_of (pid, comm, sizeof comm);
  /* Attaches that reach a process in the middle of its execve(2) prove
     nothing: past the point of no return the kernel has made it dumpable for
     the new image.  PTRACE_O_TRACEEXEC makes such an exec the first stop;
     only a first stop that is not an exec, in a process that still runs a
     foreign image, shows that the runtime itself could be traced (a
     dumpable runtime would be caught that way on almost every try: it spends
     far more time in user space than inside execve).  */
  if (ptrace (PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC) == 0)
    {
      int status = 0, in_exec = 0, foreign_image = 0;
      if (ptrace (PTRACE_INTERRUPT, pid, 0, 0) == 0 && waitpid (pid, &status, __WALL) == pid)
        {
          in_exec = status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8));
          foreign_image = WIFSTOPPED (status) && !runs_container_binary (pid);
          ptrace (PTRACE_DETACH, pid, 0, 0);
        }
      if (in_exec)
        {
          if (attached_in_exec++ < 3)
            event ("attached to %d (%s) during its execve (allowed)", pid, comm);
        }
      else if (foreign_image)
        {
          attached++;
          event ("ATTACHED to %d (%s) running a foreign image", pid, comm);
        }
    }
  else if (errno == EPERM || errno == EACCES)
    {
      if (attach_denied++ < 5)
        event ("denied: ptrace %d (%s): %s", pid, comm, strerror (errno));
    }
  snprintf (path, sizeof path, "/proc/%d/mem", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      /* an exec between the check above and the open gives a legitimate
         container process: not counted */
      if (!runs_container_binary (pid))
        {
          mem_opened++;
          event ("OPENED %s (%s)", path, comm);
        }
      close (fd);
    }
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
        attack (pid);
    }
  closedir (d);
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
  fprintf (f, "scans=%ld\ntargets=%ld\nattach_denied=%ld\nattached=%ld\nattached_in_exec=%ld\nmem_opened=%ld\n", scans,
           targets, attach_denied, attached, attached_in_exec, mem_opened);
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
  double grace = 0.5, deadline = 60, stop_at = 0, t0;
  int opt;

  while ((opt = getopt (argc, argv, "s:g:d:r:")) != -1)
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
      case 'r':
        report = optarg;
        break;
      default:
        fprintf (stderr, "usage: ptrace_attach [-s STOPFILE] [-g GRACE] [-d DEADLINE] -r REPORT\n");
        return 2;
      }
  if (report == NULL)
    {
      fprintf (stderr, "usage: ptrace_attach [-s STOPFILE] [-g GRACE] [-d DEADLINE] -r REPORT\n");
      return 2;
    }
  if (stat ("/proc/self/exe", &known[0]) < 0 || stat ("/bin/busybox", &known[1]) < 0)
    {
      perror ("ptrace_attach: stat of the container's own binaries");
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
    }
  if (write_report (report) < 0)
    {
      perror ("ptrace_attach: write the report");
      return 2;
    }
  return 0;
}
