/* context.c -- state root selection (root vs rootless) and opening. */
#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include "context.h"
#include "util.h"

static int
rootless_state_root (char **out, runcgo_error_t *err)
{
  const char *xdg = getenv ("XDG_RUNTIME_DIR");
  static const char hint[] = "log in through a session that sets it (systemd-logind), or export "
                             "XDG_RUNTIME_DIR=/run/user/$(id -u) owned by you, or pass --root";
  if (xdg == NULL || *xdg == '\0')
    return runcgo_fail_hint (err, 0, hint, "rootless: XDG_RUNTIME_DIR is not set");
  struct stat st;
  if (stat (xdg, &st) < 0)
    return runcgo_fail_hint (err, errno, hint, "rootless: XDG_RUNTIME_DIR `%s`", xdg);
  if (st.st_uid != geteuid ())
    return runcgo_fail_hint (err, 0, hint, "rootless: XDG_RUNTIME_DIR `%s` is owned by uid %u, not by you (uid %u)",
                             xdg, (unsigned) st.st_uid, (unsigned) geteuid ());
  *out = xasprintf ("%s/runcgo", xdg);
  return 0;
}

int
runcgo_context_init (struct runcgo_context *ctx, const char *root, const char *rootless_opt, bool systemd_cgroup,
                     runcgo_error_t *err)
{
  memset (ctx, 0, sizeof (*ctx));
  ctx->root_fd = -1;
  ctx->systemd_cgroup = systemd_cgroup;
  if (rootless_opt == NULL || strcmp (rootless_opt, "auto") == 0)
    {
      ctx->rootless = geteuid () != 0;
      ctx->userns_root = !ctx->rootless && runcgo_in_user_namespace ();
    }
  else if (strcmp (rootless_opt, "true") == 0)
    ctx->rootless = true;
  else if (strcmp (rootless_opt, "false") == 0)
    ctx->rootless = false;
  else
    return runcgo_fail_hint (err, 0, "use --rootless auto, true or false", "--rootless: invalid value \"%s\"",
                             rootless_opt);
  if (root && *root)
    {
      if (root[0] == '/')
        ctx->state_root = xstrdup (root);
      else
        {
          char cwd[4096];
          if (getcwd (cwd, sizeof (cwd)) == NULL)
            return runcgo_fail (err, errno, "getcwd");
          ctx->state_root = xasprintf ("%s/%s", cwd, root);
        }
      return 0;
    }
  /* root of a nested user namespace keeps its state where the unprivileged
   * user it really is would (runc's rule: unless $USER says root, as with
   * `sudo -E` in a container) */
  const char *user = getenv ("USER"), *xdg = getenv ("XDG_RUNTIME_DIR");
  if (geteuid () != 0 || (ctx->userns_root && xdg && *xdg && !(user && strcmp (user, "root") == 0)))
    return rootless_state_root (&ctx->state_root, err);
  ctx->state_root = xstrdup ("/run/runcgo");
  return 0;
}

int
runcgo_context_open_root (struct runcgo_context *ctx, bool create, runcgo_error_t *err)
{
  if (ctx->root_fd >= 0)
    return 0;
  ctx->root_fd = open (ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd >= 0 || !create || errno != ENOENT)
    {
      if (ctx->root_fd < 0)
        return runcgo_fail (err, errno, "open state root `%s`", ctx->state_root);
      return 0;
    }
  mode_t old = umask (077);
  int r = runcgo_mkdir_p (ctx->state_root, 0700, err);
  umask (old);
  if (r < 0)
    return runcgo_error_wrap (err, "create state root (--root)");
  ctx->root_fd = open (ctx->state_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (ctx->root_fd < 0)
    return runcgo_fail (err, errno, "open state root `%s`", ctx->state_root);
  return 0;
}

void
runcgo_context_close_root (struct runcgo_context *ctx)
{
  if (ctx->root_fd >= 0)
    close (ctx->root_fd);
  ctx->root_fd = -1;
}

void
runcgo_context_release (struct runcgo_context *ctx)
{
  runcgo_context_close_root (ctx);
  free (ctx->state_root);
  ctx->state_root = NULL;
}
