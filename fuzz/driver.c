/* driver.c -- replays a fuzz corpus through a harness without libFuzzer: the
 * corpus regression test of make check (any compiler, no clang needed).
 *
 *   fuzz_X [FILE|DIR]...   default: $TOP_SRCDIR/fuzz/corpus/X
 *
 * Every file is fed to LLVMFuzzerTestOneInput once; a crash or a sanitizer
 * report ends the process (the TAP driver records it), so the name of each
 * input goes to stderr first.  Prints TAP: one test per directory or file. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "fuzz.h"

static int
run_file (const char *path)
{
  cleanup_free char *data = NULL;
  size_t len = 0;
  runcgo_error_t err = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &data, &len, &err) < 0)
    {
      printf ("# %s\n", runcgo_error_text (err));
      runcgo_error_release (&err);
      return -1;
    }
  fprintf (stderr, "input %s\n", path);
  /* a private copy of exactly len bytes, so reads past the end are caught */
  cleanup_free uint8_t *copy = xmalloc (len ? len : 1);
  memcpy (copy, data, len);
  LLVMFuzzerTestOneInput (copy, len);
  return 0;
}

/* Returns the number of inputs run, -1 on a read error. */
static long
run_path (const char *path)
{
  struct stat sb;
  if (stat (path, &sb) < 0)
    return -1;
  if (!S_ISDIR (sb.st_mode))
    return run_file (path) < 0 ? -1 : 1;
  DIR *d = opendir (path);
  if (d == NULL)
    return -1;
  long n = 0;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_free char *p = xasprintf ("%s/%s", path, de->d_name);
      if (run_file (p) < 0)
        n = -1;
      else if (n >= 0)
        n++;
    }
  closedir (d);
  return n;
}

int
main (int argc, char **argv)
{
  const char *top = getenv ("TOP_SRCDIR");
  cleanup_free char *def = xasprintf ("%s/fuzz/corpus/%s", top ? top : ".", FUZZ_TARGET);
  char *defv[] = { def };
  char **paths = argc > 1 ? argv + 1 : defv;
  int n = argc > 1 ? argc - 1 : 1, failed = 0;
  printf ("1..%d\n", n);
  for (int i = 0; i < n; i++)
    {
      long k = run_path (paths[i]);
      printf ("%s %d - %s: %ld inputs of the %s harness ran clean\n", k > 0 ? "ok" : "not ok", i + 1, paths[i],
              k, FUZZ_TARGET);
      fflush (stdout);
      failed |= k <= 0;
    }
  return failed;
}
