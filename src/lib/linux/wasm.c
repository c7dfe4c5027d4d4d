/* wasm.c -- the WebAssembly handler, as crun's: a config whose annotations
 * ask for it (run.oci.handler=wasm, module.wasm.image/variant=compat, or
 * compat-smart with process.args[0] ending in .wasm) runs the module named
 * by process.args[0] in helpers/runcgo-wasm instead of exec'ing args[0];
 * so does `exec` for the process it runs in such a container.
 * The helper is opened by the runtime before anything enters the container
 * and copied into a sealed memfd (the CVE-2019-5736 rule: the container can
 * never reach, let alone write, the host's file), and the init execveat()s
 * that memfd as its very last step, after seccomp, capabilities and
 * no_new_privs, exactly where it would exec a native binary. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/util.h"
#include "linux/linux.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

static bool
ends_with (const char *s, const char *suffix)
{
  size_t n = strlen (s), k = strlen (suffix);
  return n >= k && strcmp (s + n - k, suffix) == 0;
}

bool
runcgo_wasm_wanted_for (const struct runcgo_spec *spec, char *const *args)
{
  const char *handler = runcgo_spec_annotation (spec, RUNCGO_ANNOTATION_HANDLER);
  const char *variant = runcgo_spec_annotation (spec, RUNCGO_ANNOTATION_WASM_VARIANT);
  if (handler && strcmp (handler, "wasm") == 0)
    return true;
  if (variant && strcmp (variant, "compat") == 0)
    return true;
  /* compat-smart: images that mix native and wasm entrypoints, decided
   * process by process (an exec of a native binary stays native) */
  return variant && strcmp (variant, "compat-smart") == 0 && args && args[0] && ends_with (args[0], ".wasm");
}

bool
runcgo_wasm_wanted (const struct runcgo_spec *spec)
{
  return runcgo_wasm_wanted_for (spec, spec->process ? spec->process->args : NULL);
}

char *
runcgo_wasm_helper_path (void)
{
  static char *found;
  if (found == NULL)
    found = runcgo_helper_path ("runcgo-wasm", "RUNCGO_WASM_HELPER");
  return xstrdup (found);
}

/* A sealed, executable memfd holding the helper.  Sealing makes the copy
 * immutable; it is the only thing of the host's the container could see of
 * the engine (/proc/PID/exe), and a write to it fails. */
static int
seal_copy (int src, const char *path, runcgo_error_t *err)
{
  struct stat st;
  if (fstat (src, &st) < 0)
    return runcgo_fail (err, errno, "wasm handler: stat %s", path);
  cleanup_close int mfd = memfd_create ("runcgo-wasm", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) /* kernels before 6.3 have no MFD_EXEC: every memfd is executable */
    mfd = memfd_create ("runcgo-wasm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return runcgo_fail_hint (err, errno, "vm.memfd_noexec must allow executable memfds",
                             "wasm handler: memfd for the engine");
  for (off_t off = 0; off < st.st_size;)
    {
      ssize_t n = sendfile (mfd, src, &off, (size_t)(st.st_size - off));
      if (n <= 0)
        return runcgo_fail (err, n < 0 ? errno : EIO, "wasm handler: copy %s into a memfd", path);
    }
  if (fcntl (mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    return runcgo_fail (err, errno, "wasm handler: seal the engine's memfd");
  return steal_fd (&mfd);
}

int
runcgo_wasm_open_helper (int *fd, runcgo_error_t *err)
{
  cleanup_free char *path = runcgo_wasm_helper_path ();
  cleanup_close int src = open (path, O_RDONLY | O_CLOEXEC);
  if (src < 0)
    return runcgo_fail_hint (err, errno,
                             "install runcgo's helpers (" RUNCGO_PKGLIBEXECDIR "/runcgo-wasm) or point "
                             "RUNCGO_WASM_HELPER at runcgo-wasm; or drop the run.oci.handler / "
                             "module.wasm.image/variant annotation",
                             "wasm handler: the WebAssembly engine %s", path);
  *fd = seal_copy (src, path, err);
  return *fd < 0 ? -1 : 0;
}

/* In the container, before READY: the module must be a regular file.  A
 * relative args[0] is relative to process.cwd, as the engine will open it
 * after entering the cwd. */
int
runcgo_wasm_check_module (const struct runcgo_process *p, runcgo_error_t *err)
{
  const char *mod = p->args[0];
  cleanup_free char *path = mod[0] == '/' ? xstrdup (mod) : xasprintf ("%s/%s", p->cwd, mod);
  struct stat st;
  const char *hint = "process.args[0] names the WebAssembly module inside the container";
  if (stat (path, &st) < 0)
    return runcgo_fail_hint (err, errno, hint, "wasm handler: module \"%s\"", mod);
  if (!S_ISREG (st.st_mode))
    return runcgo_fail_hint (err, EINVAL, hint, "wasm handler: module \"%s\" is not a regular file", mod);
  return 0;
}

/* The last step of the container process: the engine, from its memfd, with
 * the module's path as argv[0] so the process looks as a native one would. */
int
runcgo_wasm_exec (int fd, char *const *args, char *const *env, runcgo_error_t *err)
{
  syscall (SYS_execveat, fd, "", args, env, AT_EMPTY_PATH);
  return runcgo_fail (err, errno, "wasm handler: exec the engine for \"%s\"", args[0]);
}
