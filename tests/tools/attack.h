/* attack.h -- what the container-side attackers (attack_exe.c,
 * ptrace_attach.c) share: the options -s STOPFILE -g GRACE -d DEADLINE
 * -r REPORT, the loop that scans /proc until the stop file (plus grace) or
 * the deadline, the test of "runs the container's own binary" (busybox or
 * the tool itself), events recorded once, and the report (NAME=VALUE
 * counters, then the events).
 *
 * A header of static functions, not a second .c file: test scripts that run
 * from a source tree build each tool with one `gcc -static TOOL.c` (tool ()
 * in tests/lib/common.sh).  Include it before any system header. */
#ifndef RUNCGO_TESTS_ATTACK_H
#define RUNCGO_TESTS_ATTACK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* O_PATH; config.h sets it too, but is absent from a build on the fly */
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ATTACK_MAX_EVENTS 60
#define ATTACK_MAX_PIDS 4096

struct attack_counter
{
  const char *name;
  long *value;
};

struct attack_tool
{
  const char *name;
  const char *usage;       /* the argument synopsis after the name */
  const char *extra_opts;  /* getopt letters beyond "s:g:d:r:", or "" */
  void (*option) (int opt, const char *arg);
  double grace;            /* default -g */
  void (*attack) (int pid);            /* every visible process but us, each scan */
  void (*after_scan) (void);           /* optional: after each scan, and once at the end */
  const struct attack_counter *counters; /* the report, ended by { NULL, NULL } */
};

static struct stat attack_known[2]; /* the container's binaries: this tool, busybox */
static char attack_events[ATTACK_MAX_EVENTS][320];
static int attack_n_events;
static long attack_scans;

/* Record an event once (the same attempt repeats on every scan).  */
__attribute__ ((format (printf, 1, 2), unused)) static void
attack_event (const char *fmt, ...)
{
  va_list ap;
  int i;

  if (attack_n_events >= ATTACK_MAX_EVENTS)
    return;
  va_start (ap, fmt);
  vsnprintf (attack_events[attack_n_events], sizeof attack_events[0], fmt, ap);
  va_end (ap);
  for (i = 0; i < attack_n_events; i++)
    if (strcmp (attack_events[i], attack_events[attack_n_events]) == 0)
      return;
  attack_n_events++;
}

__attribute__ ((unused)) static void
attack_comm_of (int pid, char *buf, size_t len)
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

/* 1 when ST is busybox or this tool.  */
__attribute__ ((unused)) static int
attack_is_container_binary (const struct stat *st)
{
  int i;

  for (i = 0; i < 2; i++)
    if (st->st_dev == attack_known[i].st_dev && st->st_ino == attack_known[i].st_ino)
      return 1;
  return 0;
}

static double
attack_now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
attack_scan (const struct attack_tool *t)
{
  struct dirent *de;
  DIR *d = opendir ("/proc");
  int self = getpid ();

  if (d == NULL)
    return;
  attack_scans++;
  while ((de = readdir (d)) != NULL)
    {
      int pid = atoi (de->d_name);
      if (pid > 0 && pid != self)
        t->attack (pid);
    }
  closedir (d);
}

static int
attack_write_report (const struct attack_tool *t, const char *report)
{
  const struct attack_counter *c;
  char tmp[4096];
  FILE *f;
  int i;

  snprintf (tmp, sizeof tmp, "%s.tmp", report);
  f = fopen (tmp, "we");
  if (f == NULL)
    return -1;
  fprintf (f, "scans=%ld\n", attack_scans);
  for (c = t->counters; c->name; c++)
    fprintf (f, "%s=%ld\n", c->name, *c->value);
  for (i = 0; i < attack_n_events; i++)
    fprintf (f, "event: %s\n", attack_events[i]);
  if (fclose (f) != 0)
    return -1;
  return rename (tmp, report);
}

static int
attack_usage (const struct attack_tool *t)
{
  fprintf (stderr, "usage: %s %s\n", t->name, t->usage);
  return 2;
}

/* The whole program: options, then scan until told to stop, then report.
   The exit status is 0 unless the tool could not run.  */
static int
attack_main (const struct attack_tool *t, int argc, char **argv)
{
  const char *stopfile = NULL, *report = NULL;
  double grace = t->grace, deadline = 60, stop_at = 0, t0;
  char opts[32];
  int opt;

  snprintf (opts, sizeof opts, "s:g:d:r:%s", t->extra_opts);
  while ((opt = getopt (argc, argv, opts)) != -1)
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
      case '?':
        return attack_usage (t);
      default:
        t->option (opt, optarg);
      }
  if (report == NULL)
    return attack_usage (t);
  if (stat ("/proc/self/exe", &attack_known[0]) < 0 || stat ("/bin/busybox", &attack_known[1]) < 0)
    {
      fprintf (stderr, "%s: stat of the container's own binaries: %s\n", t->name, strerror (errno));
      return 2;
    }
  t0 = attack_now ();
  for (;;)
    {
      double now = attack_now ();
      if (stop_at == 0 && stopfile != NULL && access (stopfile, F_OK) == 0)
        stop_at = now + grace;
      if ((stop_at != 0 && now >= stop_at) || now - t0 >= deadline)
        break;
      attack_scan (t);
      if (t->after_scan)
        t->after_scan ();
    }
  if (t->after_scan)
    t->after_scan ();
  if (attack_write_report (t, report) < 0)
    {
      fprintf (stderr, "%s: write the report: %s\n", t->name, strerror (errno));
      return 2;
    }
  return 0;
}

#endif
