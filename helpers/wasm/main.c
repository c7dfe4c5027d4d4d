/* main.c -- runcgo-wasm MODULE.wasm [ARGS...]: the engine of runcgo's wasm
 * handler.  runcgo execs it (from a sealed memfd) as the container process
 * with argv = process.args, the module's path first (by hand: runcgo-wasm
 * MODULE ARGS, told apart by argv[0]'s name); it loads the module,
 * instantiates it with WASI preview1 and runs `_start`.  Exit status:
 * the module's proc_exit code, 0 when _start returns, 134 on a trap (as
 * wasmtime: 128 + SIGABRT), 1 when the module cannot be loaded. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasm.h"

#define EXIT_TRAP 134
#define MAX_MODULE (1u << 30)

extern char **environ;

static void __attribute__ ((noreturn, format (printf, 1, 2))) die (const char *fmt, ...)
{
  va_list ap;
  fputs ("runcgo-wasm: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  exit (1);
}

static uint8_t *
read_module (const char *path, size_t *size)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) < 0)
    die ("%s: %s", path, strerror (errno));
  if (!S_ISREG (st.st_mode) || st.st_size > MAX_MODULE)
    die ("%s: not a regular file of at most 1 GiB", path);
  uint8_t *buf = malloc ((size_t)st.st_size + 1);
  size_t done = 0;
  while (buf && done < (size_t)st.st_size)
    {
      ssize_t r = read (fd, buf + done, (size_t)st.st_size - done);
      if (r <= 0)
        die ("%s: read: %s", path, r < 0 ? strerror (errno) : "short file");
      done += (size_t)r;
    }
  if (buf == NULL)
    die ("%s: out of memory", path);
  close (fd);
  *size = done;
  return buf;
}

static void
check_trap (struct wasm_instance *in, const char *why)
{
  if (why == NULL)
    return;
  fprintf (stderr, "runcgo-wasm: trap: %s in function %u\n", why, in->trap_func);
  exit (EXIT_TRAP);
}

int
main (int argc, char **argv)
{
  char err[512];
  struct wasm_instance in = { 0 };
  /* as the handler, runcgo execs us with argv = process.args: the module
   * first; run by hand: runcgo-wasm MODULE ARGS */
  const char *self = strrchr (argv[0], '/') ? strrchr (argv[0], '/') + 1 : argv[0];
  if (strcmp (self, "runcgo-wasm") == 0)
    {
      if (argc < 2 || strcmp (argv[1], "--help") == 0)
        {
          fprintf (argc < 2 ? stderr : stdout, "usage: runcgo-wasm MODULE.wasm [ARG...]\n");
          return argc < 2 ? 1 : 0;
        }
      argc--, argv++;
    }
  size_t size;
  uint8_t *bytes = read_module (argv[0], &size);
  struct wasm_module *m = wasm_decode (bytes, size, err, sizeof (err));
  free (bytes);
  if (m == NULL)
    die ("%s: invalid module: %s", argv[0], err);
  /* the module sees its own path as argv[0], as under wasmtime */
  if (wasi_link (&in, m, argc, argv, environ, err, sizeof (err)) < 0
      || wasm_instantiate (&in, m, err, sizeof (err)) < 0)
    die ("%s: %s", argv[0], err);
  if (m->start >= 0)
    check_trap (&in, wasm_call (&in, (uint32_t)m->start, NULL, NULL));
  const struct wasm_export *e = wasm_find_export (m, "_start", 0);
  if (e == NULL)
    die ("%s: the module exports no _start function (a WASI command is expected)", argv[0]);
  const struct wasm_type *t = &m->types[m->funcs[e->index].type];
  if (t->nparams || t->nresults)
    die ("%s: _start must take and return nothing", argv[0]);
  check_trap (&in, wasm_call (&in, e->index, NULL, NULL));
  return 0;
}
