/* test_exe_shield.c -- runcgo_exe_shield() in a child of the test: afterwards
 * /proc/self/exe is a sealed memfd that cannot be written, no mapping of the
 * test's own binary is left, code and data of the binary still work (a
 * function runs, a global keeps its value and stays writable), and a second
 * call is a no-op.  Twice: with the read-only clone of the binary, and in a
 * user namespace, where open_tree is refused and the segments are copied.
 * Needs CAP_SYS_ADMIN (PR_SET_MM_MAP) in the namespace: skipped otherwise. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "security/security.h"
#include "tap.h"

static int counter = 41;
static const char marker[] = "still mapped";

static int __attribute__((noinline))
add_one (int x)
{
  return x + 1;
}

/* Mappings of ST's inode (device and inode in /proc/self/maps); with
 * WRITABLE, only those not on a read-only mount (through map_files: an open
 * for writing would fail with ETXTBSY first while the parent runs the
 * binary, which proves nothing). */
static int
mappings_of (const struct stat *st, bool writable)
{
  FILE *f = fopen ("/proc/self/maps", "re");
  char line[512];
  int n = 0;
  while (f && fgets (line, sizeof (line), f))
    {
      unsigned long start, end, ino;
      unsigned int maj, min;
      if (sscanf (line, "%lx-%lx %*s %*x %x:%x %lu", &start, &end, &maj, &min, &ino) != 5 || ino != st->st_ino
          || makedev (maj, min) != st->st_dev)
        continue;
      char path[96];
      snprintf (path, sizeof (path), "/proc/self/map_files/%lx-%lx", start, end);
      struct statvfs sv;
      if (!writable || statvfs (path, &sv) < 0 || !(sv.f_flag & ST_RDONLY))
        n++;
    }
  if (f)
    fclose (f);
  return n;
}

/* Runs in the child; the exit status is a bit mask of failed checks. */
static int
shielded_child (const struct stat *before)
{
  runcgo_error_t err = NULL;
  if (runcgo_exe_shield (&err) < 0)
    {
      printf ("# shield: %s\n", runcgo_error_text (err));
      return err->status == EPERM ? 100 : 1;
    }
  int bad = 0;
  char link[256] = "";
  if (readlink ("/proc/self/exe", link, sizeof (link) - 1) < 0 || strncmp (link, "/memfd:runcgo", 13) != 0)
    bad |= 2;
  if (open ("/proc/self/exe", O_WRONLY) >= 0 || mappings_of (before, true) != 0)
    bad |= 4;
  counter = add_one (counter);
  if (counter != 42 || strcmp (marker, "still mapped") != 0)
    bad |= 8;
  if (runcgo_exe_shield (&err) < 0)
    bad |= 16;
  return bad;
}

/* Fork, optionally unshare a user namespace there (open_tree is refused in
 * it: the copying path), shield and check. */
static void
run_case (const struct stat *st, bool in_userns, const char *what)
{
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      if (in_userns && unshare (CLONE_NEWUSER) < 0)
        _exit (100);
      _exit (shielded_child (st));
    }
  int status = 0;
  waitpid (pid, &status, 0);
  int code = WIFEXITED (status) ? WEXITSTATUS (status) : 255;
  if (code == 100)
    {
      printf ("ok %d # SKIP %s: needs CAP_SYS_ADMIN (or a user namespace)\n", ++tap_n, what);
      return;
    }
  ok (code != 1 && code != 255, "%s: the shield goes up (status %d)", what, status);
  ok (!(code & 2), "%s: /proc/self/exe is the memfd", what);
  ok (!(code & 4), "%s: it cannot be opened for writing; every mapping of the binary is on a read-only mount", what);
  ok (!(code & 8), "%s: code and data of the binary still work", what);
  ok (!(code & 16), "%s: a second call is a no-op", what);
}

int
main (void)
{
  struct stat st;
  if (stat ("/proc/self/exe", &st) < 0)
    return 1;
  ok (mappings_of (&st, true) > 0, "before: the test binary is mapped from a writable mount");
  run_case (&st, false, "read-only clone");
  run_case (&st, true, "copy (user namespace)");
  ok (mappings_of (&st, true) > 0, "the parent is untouched");
  return done_testing ();
}
