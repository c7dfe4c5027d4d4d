/* spec.c -- `runcgo spec [--rootless] [-b DIR]`: write a default config.json.
 *
 * An existing non-empty config.json is never overwritten.  `runcgo spec >
 * config.json` also works: the shell has created (empty) the very file we
 * are asked to write, and stdout is it, so the JSON goes to stdout. */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "core/util.h"
#include "spec/generate.h"

static const struct option spec_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, 'r' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static bool
stdout_is (const struct stat *st)
{
  struct stat out;
  return fstat (STDOUT_FILENO, &out) == 0 && out.st_dev == st->st_dev && out.st_ino == st->st_ino;
}

RUNCGO_CMD (spec)
{
  const char *bundle = ".";
  bool rootless = false;
  int c;
  optind = 1;
  while ((c = getopt_long (argc, argv, "b:h", spec_options, NULL)) != -1)
    {
      if (c == 'b')
        bundle = optarg;
      else if (c == 'r')
        rootless = true;
      else if (c == 'h')
        {
          runcgo_cli_usage ("spec");
          return 0;
        }
      else
        return runcgo_fail_hint (err, 0, "see 'runcgo spec --help'", "spec: invalid option");
    }
  if (runcgo_cli_args ("spec", argc - optind, argv + optind, 0, 0, err) < 0)
    return -1;
  cleanup_free char *path = xasprintf ("%s/config.json", bundle);
  cleanup_free char *json = runcgo_spec_generate (rootless);
  size_t len = strlen (json);
  struct stat st;
  if (stat (path, &st) == 0)
    {
      if (stdout_is (&st))
        return runcgo_write_all (STDOUT_FILENO, json, len) < 0 ? runcgo_fail (err, errno, "write stdout") : 0;
      if (st.st_size > 0)
        return runcgo_fail_hint (err, EEXIST, "remove it first, or write elsewhere with -b DIR", "spec: `%s`", path);
    }
  cleanup_close int dfd = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return runcgo_fail (err, errno, "spec: bundle directory `%s`", bundle);
  if (runcgo_write_file_atomic (dfd, "config.json", json, len, 0644, err) < 0)
    return runcgo_error_wrap (err, "spec");
  return 0;
}
