/* safe_path.c -- resolve and create paths inside the rootfs without leaving it.
 *
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) does it in the kernel; on
 * kernels without openat2 (ENOSYS, probed once) a userspace walk gives the
 * same semantics: one component at a time with O_PATH|O_NOFOLLOW, symlinks
 * followed by hand with absolute targets re-rooted at root_fd, ".." popping a
 * stack of already-opened directories (so it can never climb above the root,
 * even if a directory is moved concurrently), at most 40 links.  Directory
 * creation always uses the walk: each new component is created with mkdirat
 * in the fd of its parent and re-opened O_NOFOLLOW, never by name from the
 * root, so a symlink swapped in by the container cannot redirect it. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#endif

#include "core/util.h"
#include "fs/fs.h"

#ifndef HAVE_LINUX_OPENAT2_H
struct open_how
{
  unsigned long long flags, mode, resolve;
};
#define RESOLVE_NO_MAGICLINKS 0x02
#define RESOLVE_IN_ROOT 0x10
#endif
#if !defined(SYS_openat2) && defined(__x86_64__)
#define SYS_openat2 437
#endif

#define MAX_SYMLINKS 40 /* the kernel's limit (MAXSYMLINKS) */

static int openat2_state; /* 0 = not probed, 1 = works, -1 = ENOSYS */
static bool force_fallback;

void
runcgo_safe_path_force_fallback (bool on)
{
  force_fallback = on;
}

/* -1 with errno ENOSYS when the kernel lacks openat2 (remembered forever). */
static int
open_in_root_kernel (int root_fd, const char *path, int flags, mode_t mode)
{
#ifdef SYS_openat2
  bool creat = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  struct open_how how = {
    .flags = (unsigned long long)(flags | O_CLOEXEC),
    .mode = creat ? mode : 0,
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  if (openat2_state >= 0)
    {
      /* EAGAIN: a concurrent rename or mount made the kernel unsure that
       * ".." stayed inside the root; retrying is what it asks for. */
      for (int i = 0; i < 64; i++)
        {
          int fd = (int)syscall (SYS_openat2, root_fd, path, &how, sizeof (how));
          if (fd >= 0 || errno != EAGAIN)
            {
              if (fd < 0 && errno == ENOSYS)
                break;
              openat2_state = 1;
              return fd;
            }
        }
      if (errno != ENOSYS)
        return -1;
    }
#endif
  openat2_state = -1;
  errno = ENOSYS;
  return -1;
}

/* ---- userspace walk */

struct walk
{
  int root_fd; /* not owned; the bottom of the stack */
  int *stack;  /* owned directory fds below the root; the top is the current dir */
  size_t depth, cap;
  int links;
};

static int
walk_cur (const struct walk *w)
{
  return w->depth ? w->stack[w->depth - 1] : w->root_fd;
}

static void
walk_push (struct walk *w, int fd)
{
  if (w->depth == w->cap)
    {
      w->cap = w->cap ? w->cap * 2 : 16;
      w->stack = xrealloc (w->stack, w->cap * sizeof (int));
    }
  w->stack[w->depth++] = fd;
}

/* ".." : back to the directory we came from; at the root, stay there. */
static void
walk_pop (struct walk *w)
{
  if (w->depth > 0)
    close (w->stack[--w->depth]);
}

static void
walk_release (struct walk *w)
{
  while (w->depth > 0)
    walk_pop (w);
  free (w->stack);
  w->stack = NULL;
}

/* Replace *rest by TARGET followed by what was left after the link (which
 * starts with '/' or is empty, so a trailing slash keeps meaning "dir"). */
static int
walk_follow (struct walk *w, char **rest, const char *target, const char *after)
{
  if (++w->links > MAX_SYMLINKS)
    {
      errno = ELOOP;
      return -1;
    }
  if (*target == '\0')
    {
      errno = ENOENT;
      return -1;
    }
  if (*target == '/')
    while (w->depth > 0)
      walk_pop (w); /* absolute targets are relative to the rootfs */
  char *joined = xasprintf ("%s%s", target, after);
  free (*rest);
  *rest = joined;
  return 0;
}

static char *
read_link_at (int dirfd, const char *name)
{
  char buf[PATH_MAX];
  ssize_t n = readlinkat (dirfd, name, buf, sizeof (buf) - 1);
  if (n < 0)
    return NULL;
  buf[n] = '\0';
  return xstrdup (buf);
}

/* Create the missing component NAME in PARENT (a dir, or an empty file when
 * it is the leaf of a file bind mount); EEXIST means someone raced us, which
 * is fine: the caller re-opens it O_NOFOLLOW and checks what it got. */
static int
walk_create (int parent, const char *name, bool as_file)
{
  if (as_file)
    {
      int fd = openat (parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0644);
      if (fd >= 0)
        close (fd);
      return fd < 0 && errno != EEXIST ? -1 : 0;
    }
  return mkdirat (parent, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

struct walk_req
{
  int flags; /* caller's open flags for the final component */
  mode_t mode;
  bool create; /* mkdir_p mode: create what is missing, return O_PATH */
  bool leaf_is_file;
};

/* The final component, opened with the caller's flags and O_NOFOLLOW.
 * Returns the fd, -1 on error, or -2 with *link set when it is a symlink the
 * caller wants followed. */
static int
walk_open_last (struct walk *w, const char *name, const struct walk_req *r, char **link)
{
  int cur = walk_cur (w);
  int fd = openat (cur, name, r->flags | O_NOFOLLOW | O_CLOEXEC, r->mode);
  if (r->flags & O_NOFOLLOW)
    return fd; /* the caller asked for the link itself (or ELOOP), like the kernel */
  if (fd >= 0)
    {
      struct stat st;
      if (!(r->flags & O_PATH) || (fstat (fd, &st) == 0 && !S_ISLNK (st.st_mode)))
        return fd;
      close (fd);
    }
  /* O_NOFOLLOW on a symlink gives ELOOP, or ENOTDIR with O_DIRECTORY: if it
   * is a symlink, follow it by hand; else the error is real */
  else if (errno != ELOOP && errno != ENOTDIR)
    return -1;
  int saved = errno;
  *link = read_link_at (cur, name);
  if (*link == NULL)
    {
      errno = fd >= 0 ? ELOOP : saved;
      return -1;
    }
  return -2;
}

/* An intermediate component (or any component in create mode).  Returns 0
 * and pushes the directory, 1 with *out set for a non-directory leaf in
 * create mode, 2 with *link set for a symlink, -1 on error. */
static int
walk_step (struct walk *w, const char *name, bool is_last, const struct walk_req *r, int *out, char **link)
{
  int cur = walk_cur (w);
  cleanup_close int fd = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && r->create)
    {
      if (walk_create (cur, name, is_last && r->leaf_is_file) < 0)
        return -1;
      /* never trust the name twice: re-open and look at what is there */
      fd = openat (cur, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    }
  if (fd < 0)
    return -1;
  struct stat st;
  if (fstat (fd, &st) < 0)
    return -1;
  if (S_ISLNK (st.st_mode))
    {
      *link = read_link_at (fd, "");
      return *link ? 2 : -1;
    }
  if (is_last)
    {
      *out = steal_fd (&fd);
      return 1;
    }
  if (!S_ISDIR (st.st_mode))
    {
      errno = ENOTDIR;
      return -1;
    }
  walk_push (w, steal_fd (&fd));
  return 0;
}

/* Open what is left once every component is consumed: the current dir. */
static int
walk_open_current (struct walk *w, const struct walk_req *r)
{
  int flags = r->create ? O_PATH : r->flags;
  return openat (walk_cur (w), ".", (flags & ~O_NOFOLLOW) | O_CLOEXEC, r->mode);
}

static int
walk_resolve (int root_fd, const char *path, const struct walk_req *r)
{
  struct walk w = { .root_fd = root_fd };
  cleanup_free char *rest = xstrdup (path);
  size_t pos = 0;
  int ret = -1;
  for (;;)
    {
      while (rest[pos] == '/')
        pos++;
      if (rest[pos] == '\0')
        {
          ret = walk_open_current (&w, r);
          break;
        }
      size_t end = pos + strcspn (rest + pos, "/");
      bool is_last = rest[end] == '\0';
      cleanup_free char *name = xstrndup (rest + pos, end - pos);
      cleanup_free char *link = NULL;
      int fd = -1, st;
      if (strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
        {
          if (name[1] == '.')
            walk_pop (&w);
          pos = end;
          continue;
        }
      if (is_last && !r->create)
        {
          st = walk_open_last (&w, name, r, &link);
          if (st != -2)
            {
              ret = st;
              break;
            }
        }
      else
        {
          st = walk_step (&w, name, is_last, r, &fd, &link);
          if (st < 0 || st == 1)
            {
              ret = st < 0 ? -1 : fd;
              break;
            }
          if (st == 0)
            {
              pos = end;
              continue;
            }
        }
      /* a symlink: splice its target in front of what is left */
      cleanup_free char *after = xstrdup (rest + end);
      if (walk_follow (&w, &rest, link, after) < 0)
        break;
      pos = 0;
    }
  int saved = errno;
  walk_release (&w);
  errno = saved;
  return ret;
}

/* ---- public API */

int
runcgo_safe_open (int root_fd, const char *path, int flags, mode_t mode, runcgo_error_t *err)
{
  if (path == NULL || *path == '\0')
    path = "/";
  int fd = -1;
  if (!force_fallback && openat2_state >= 0)
    {
      fd = open_in_root_kernel (root_fd, path, flags, mode);
      if (fd >= 0)
        return fd;
      if (errno != ENOSYS)
        return runcgo_fail (err, errno, "open `%s` inside the container rootfs", path);
    }
  struct walk_req r = { .flags = flags, .mode = (flags & O_CREAT) ? mode : 0 };
  fd = walk_resolve (root_fd, path, &r);
  if (fd < 0)
    return runcgo_fail (err, errno, "open `%s` inside the container rootfs", path);
  return fd;
}

int
runcgo_safe_mkdir_p (int root_fd, const char *path, bool leaf_is_file, runcgo_error_t *err)
{
  if (path == NULL || *path == '\0')
    path = "/";
  /* fast path: it usually exists already (/proc, /dev, /sys ...) */
  if (!force_fallback && openat2_state >= 0)
    {
      int fd = open_in_root_kernel (root_fd, path, O_PATH, 0);
      if (fd >= 0)
        return fd;
      if (errno != ENOENT && errno != ENOSYS)
        return runcgo_fail (err, errno, "resolve `%s` inside the container rootfs", path);
    }
  struct walk_req r = { .flags = O_PATH, .create = true, .leaf_is_file = leaf_is_file };
  int fd = walk_resolve (root_fd, path, &r);
  if (fd < 0)
    return runcgo_fail (err, errno, "create `%s` inside the container rootfs", path);
  return fd;
}

/* Lexical cleaning, the rules of Go's filepath.Clean: collapse "//", drop
 * ".", resolve ".." against the previous element; ".." at the root of an
 * absolute path stays at the root, while a relative path keeps its leading
 * ".." (so callers can see that it climbs out).  "" becomes ".". */
char *
runcgo_path_clean (const char *path)
{
  if (path == NULL || *path == '\0')
    return xstrdup (".");
  bool rooted = path[0] == '/';
  size_t n = strlen (path), r = 0, w = 0, dotdot = 0;
  char *out = xmalloc (n + 2);
  if (rooted)
    {
      out[w++] = '/';
      r = 1;
      dotdot = 1;
    }
  while (r < n)
    {
      if (path[r] == '/' || (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')))
        r++; /* empty element or "." */
      else if (path[r] == '.' && path[r + 1] == '.' && (r + 2 == n || path[r + 2] == '/'))
        {
          r += 2;
          if (w > dotdot)
            {
              w--; /* drop the last element */
              while (w > dotdot && out[w] != '/')
                w--;
            }
          else if (!rooted)
            {
              if (w > 0)
                out[w++] = '/';
              out[w++] = '.';
              out[w++] = '.';
              dotdot = w;
            }
        }
      else
        {
          if ((rooted && w != 1) || (!rooted && w != 0))
            out[w++] = '/';
          for (; r < n && path[r] != '/'; r++)
            out[w++] = path[r];
        }
    }
  if (w == 0)
    out[w++] = '.';
  out[w] = '\0';
  return out;
}
