/* wasi.c -- WASI preview1 (wasi_snapshot_preview1) for runcgo-wasm: args,
 * environment, stdio, files under the one preopened directory `/` (the
 * container's root: the helper runs after pivot_root), clocks, random, exit.
 * Paths are resolved with openat2(RESOLVE_BENEATH) from the preopen, so `..`
 * or an absolute symlink cannot leave it even where the container's root is
 * a plain directory of a larger tree.  Every guest pointer goes through
 * wasm_mem(): a bad one is EFAULT, never a host crash. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "wasm.h"

#define MAX_FDS 1024
#define PATH_MAX_LEN 4096

enum
{
  W_SUCCESS = 0,
  W_BADF = 8,
  W_FAULT = 21,
  W_INVAL = 28,
  W_NAMETOOLONG = 37,
  W_NOENT = 44,
  W_NOSYS = 52,
  W_NOTDIR = 54,
  W_NOTCAPABLE = 76,
};

struct wasi
{
  int argc;
  char **argv, **envp;
  int fds[MAX_FDS]; /* wasi fd -> host fd, -1 = free */
};

static struct wasi *
state (struct wasm_instance *in)
{
  return in->host;
}

/* Linux errno -> WASI errno (the WASI list is alphabetical, Linux's is not) */
static uint32_t
werr (int e)
{
  static const struct
  {
    int host;
    uint8_t wasi;
  } map[] = {
    { E2BIG, 1 },         { EACCES, 2 },  { EAGAIN, 6 },     { EBADF, 8 },      { EBUSY, 10 },
    { EEXIST, 20 },       { EFAULT, 21 }, { EFBIG, 22 },     { EINTR, 27 },     { EINVAL, 28 },
    { EIO, 29 },          { EISDIR, 31 }, { ELOOP, 32 },     { EMFILE, 33 },    { EMLINK, 34 },
    { ENAMETOOLONG, 37 }, { ENFILE, 41 }, { ENODEV, 43 },    { ENOENT, 44 },    { ENOMEM, 48 },
    { ENOSPC, 51 },       { ENOSYS, 52 }, { ENOTDIR, 54 },   { ENOTEMPTY, 55 }, { ENOTSUP, 58 },
    { ENOTTY, 59 },       { ENXIO, 60 },  { EOVERFLOW, 61 }, { EPERM, 63 },     { EPIPE, 64 },
    { ERANGE, 68 },       { EROFS, 69 },  { ESPIPE, 70 },    { ETXTBSY, 74 },   { EXDEV, W_NOTCAPABLE },
  };
  for (size_t i = 0; i < sizeof (map) / sizeof (map[0]); i++)
    if (map[i].host == e)
      return map[i].wasi;
  return 29; /* EIO */
}

static int
host_fd (struct wasi *w, uint64_t fd)
{
  return (uint32_t)fd < MAX_FDS ? w->fds[(uint32_t)fd] : -1;
}

#define ARG32(i) ((uint32_t)args[i])
#define RET(v) return (*ret = (v)), NULL
#define PTR(p, len)                                                                                                    \
  ({                                                                                                                   \
    void *p_ = wasm_mem (in, (p), (len));                                                                              \
    if (p_ == NULL)                                                                                                    \
      RET (W_FAULT);                                                                                                   \
    p_;                                                                                                                \
  })

/* ---------------------------------------------------------------- args, environ */

/* argv or envp into guest memory: pointers at PTRS, strings at BUF */
static const char *
put_strings (struct wasm_instance *in, char **v, int n, uint32_t ptrs, uint32_t buf, uint64_t *ret)
{
  uint32_t *pv = PTR (ptrs, (uint64_t)n * 4);
  for (int i = 0; i < n; i++)
    {
      size_t len = strlen (v[i]) + 1;
      memcpy (PTR (buf, len), v[i], len);
      pv[i] = buf;
      buf += (uint32_t)len;
    }
  RET (W_SUCCESS);
}

static const char *
put_sizes (struct wasm_instance *in, char **v, int n, uint32_t count, uint32_t size, uint64_t *ret)
{
  uint32_t total = 0;
  for (int i = 0; i < n; i++)
    total += (uint32_t)strlen (v[i]) + 1;
  uint32_t *c = PTR (count, 4), *s = PTR (size, 4);
  *c = (uint32_t)n, *s = total;
  RET (W_SUCCESS);
}

static int
count (char **v)
{
  int n = 0;
  while (v && v[n])
    n++;
  return n;
}

static const char *
args_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return put_strings (in, state (in)->argv, state (in)->argc, ARG32 (0), ARG32 (1), ret);
}

static const char *
args_sizes_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return put_sizes (in, state (in)->argv, state (in)->argc, ARG32 (0), ARG32 (1), ret);
}

static const char *
environ_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return put_strings (in, state (in)->envp, count (state (in)->envp), ARG32 (0), ARG32 (1), ret);
}

static const char *
environ_sizes_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return put_sizes (in, state (in)->envp, count (state (in)->envp), ARG32 (0), ARG32 (1), ret);
}

/* ---------------------------------------------------------------- fds */

static uint8_t
filetype (mode_t mode)
{
  if (S_ISBLK (mode))
    return 1;
  if (S_ISCHR (mode))
    return 2;
  if (S_ISDIR (mode))
    return 3;
  if (S_ISREG (mode))
    return 4;
  if (S_ISSOCK (mode))
    return 6;
  if (S_ISLNK (mode))
    return 7;
  return 0;
}

static const char *
fd_close (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  struct wasi *w = state (in);
  int fd = host_fd (w, args[0]);
  if (fd < 0 || ARG32 (0) == 3)
    RET (W_BADF); /* the preopen stays */
  w->fds[ARG32 (0)] = -1;
  RET (close (fd) < 0 && errno != EINTR ? werr (errno) : W_SUCCESS);
}

/* fdstat: filetype u8 @0, flags u16 @2, rights_base u64 @8, inheriting u64 @16 */
static const char *
fd_fdstat_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  int fd = host_fd (state (in), args[0]);
  struct stat st;
  if (fd < 0)
    RET (W_BADF);
  if (fstat (fd, &st) < 0)
    RET (werr (errno));
  uint8_t *out = PTR (ARG32 (1), 24);
  int fl = fcntl (fd, F_GETFL);
  uint16_t flags = (fl & O_APPEND ? 1 : 0) | (fl & O_NONBLOCK ? 4 : 0);
  /* all rights, but no seek/tell on a character device: wasi-libc's isatty()
   * looks for exactly that */
  uint64_t rights = S_ISCHR (st.st_mode) ? 0x1fffffffu & ~(uint64_t)0x24 : 0x1fffffffu;
  memset (out, 0, 24);
  out[0] = filetype (st.st_mode);
  memcpy (out + 2, &flags, 2);
  memcpy (out + 8, &rights, 8);
  memcpy (out + 16, &rights, 8);
  RET (W_SUCCESS);
}

static const char *
fd_fdstat_set_flags (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  int fd = host_fd (state (in), args[0]);
  if (fd < 0)
    RET (W_BADF);
  int fl = (ARG32 (1) & 1 ? O_APPEND : 0) | (ARG32 (1) & 4 ? O_NONBLOCK : 0);
  RET (fcntl (fd, F_SETFL, fl) < 0 ? werr (errno) : W_SUCCESS);
}

/* filestat: dev @0, ino @8, filetype u8 @16, nlink @24, size @32, atim @40, mtim @48, ctim @56 */
static void
put_filestat (uint8_t *out, const struct stat *st)
{
  uint64_t v[8] = { st->st_dev,
                    st->st_ino,
                    filetype (st->st_mode),
                    st->st_nlink,
                    (uint64_t)st->st_size,
                    (uint64_t)st->st_atim.tv_sec * 1000000000u + (uint64_t)st->st_atim.tv_nsec,
                    (uint64_t)st->st_mtim.tv_sec * 1000000000u + (uint64_t)st->st_mtim.tv_nsec,
                    (uint64_t)st->st_ctim.tv_sec * 1000000000u + (uint64_t)st->st_ctim.tv_nsec };
  memcpy (out, v, 64);
}

static const char *
fd_filestat_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  int fd = host_fd (state (in), args[0]);
  struct stat st;
  if (fd < 0)
    RET (W_BADF);
  if (fstat (fd, &st) < 0)
    RET (werr (errno));
  put_filestat (PTR (ARG32 (1), 64), &st);
  RET (W_SUCCESS);
}

/* prestat: tag u8 @0 (0 = dir), name_len u32 @4; only fd 3, "/" */
static const char *
fd_prestat_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  if (ARG32 (0) != 3)
    RET (W_BADF);
  uint32_t *out = PTR (ARG32 (1), 8);
  out[0] = 0, out[1] = 1;
  RET (W_SUCCESS);
}

static const char *
fd_prestat_dir_name (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  if (ARG32 (0) != 3)
    RET (W_BADF);
  if (ARG32 (2) < 1)
    RET (W_NAMETOOLONG);
  *(char *)PTR (ARG32 (1), 1) = '/';
  RET (W_SUCCESS);
}

/* iovecs {buf u32, len u32} -> host iovecs, all inside guest memory */
static int
guest_iovs (struct wasm_instance *in, uint32_t at, uint32_t n, struct iovec *iov)
{
  const uint32_t *v = wasm_mem (in, at, (uint64_t)n * 8);
  if (v == NULL)
    return -1;
  for (uint32_t i = 0; i < n; i++)
    {
      iov[i].iov_base = wasm_mem (in, v[2 * i], v[2 * i + 1]);
      iov[i].iov_len = v[2 * i + 1];
      if (iov[i].iov_base == NULL)
        return -1;
    }
  return 0;
}

static const char *
fd_rw (struct wasm_instance *in, const uint64_t *args, uint64_t *ret, bool write)
{
  int fd = host_fd (state (in), args[0]);
  struct iovec iov[64];
  uint32_t n = ARG32 (2) < 64 ? ARG32 (2) : 64; /* a short transfer is allowed */
  if (fd < 0)
    RET (W_BADF);
  uint32_t *done = PTR (ARG32 (3), 4);
  if (guest_iovs (in, ARG32 (1), n, iov) < 0)
    RET (W_FAULT);
  ssize_t r = write ? writev (fd, iov, (int)n) : readv (fd, iov, (int)n);
  if (r < 0)
    RET (werr (errno));
  *done = (uint32_t)r;
  RET (W_SUCCESS);
}

static const char *
fd_read (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return fd_rw (in, args, ret, false);
}

static const char *
fd_write (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return fd_rw (in, args, ret, true);
}

static const char *
fd_seek (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  int fd = host_fd (state (in), args[0]);
  if (fd < 0)
    RET (W_BADF);
  if (ARG32 (2) > 2)
    RET (W_INVAL);
  /* WASI's whence values are SET CUR END, as Linux's */
  off_t r = lseek (fd, (off_t)args[1], (int)ARG32 (2));
  if (r < 0)
    RET (werr (errno));
  uint64_t pos = (uint64_t)r;
  memcpy (PTR (ARG32 (3), 8), &pos, 8);
  RET (W_SUCCESS);
}

/* ---------------------------------------------------------------- paths */

/* DIRFD + guest path -> host dirfd and a NUL-terminated copy of the path */
static uint32_t
guest_path (struct wasm_instance *in, const uint64_t *args, int *dirfd, char *buf)
{
  *dirfd = host_fd (state (in), args[0]);
  if (*dirfd < 0)
    return W_BADF;
  uint32_t len = (uint32_t)args[2];
  const char *p = wasm_mem (in, (uint32_t)args[1], len);
  if (p == NULL)
    return W_FAULT;
  if (len >= PATH_MAX_LEN || memchr (p, 0, len))
    return len >= PATH_MAX_LEN ? W_NAMETOOLONG : W_INVAL;
  memcpy (buf, p, len);
  buf[len] = '\0';
  return W_SUCCESS;
}

/* open beneath DIRFD: absolute paths, `..` above it and symlinks leading out
 * are EXDEV (-> ENOTCAPABLE), as a WASI runtime must */
static int
open_beneath (int dirfd, const char *path, int flags, mode_t mode, bool follow)
{
  struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC,
                          .mode = (flags & O_CREAT) ? mode : 0,
                          .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
  if (!follow)
    how.flags |= O_NOFOLLOW;
  int fd = (int)syscall (SYS_openat2, dirfd, path, &how, sizeof (how));
  if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
    return fd;
  /* no openat2 (an old kernel, or a seccomp profile without it): refuse
   * what leaves the directory lexically; a symlink may still point out of
   * it, but the preopen is the container's own root, which the kernel
   * confines the process to anyway */
  if (path[0] == '/' || strcmp (path, "..") == 0 || strncmp (path, "../", 3) == 0 || strstr (path, "/../")
      || (strlen (path) >= 3 && strcmp (path + strlen (path) - 3, "/..") == 0))
    return errno = EXDEV, -1;
  return openat (dirfd, path, (int)how.flags, (mode_t)how.mode);
}

/* the parent directory of PATH beneath DIRFD and PATH's last component, for
 * the *at() calls that have no RESOLVE_BENEATH of their own */
static int
open_parent (int dirfd, char *path, const char **leaf)
{
  char *slash = strrchr (path, '/');
  if (slash == NULL)
    {
      *leaf = path;
      return open_beneath (dirfd, ".", O_PATH | O_DIRECTORY, 0, true);
    }
  *slash = '\0';
  *leaf = slash + 1;
  if (**leaf == '\0' || strcmp (*leaf, "..") == 0 || strcmp (*leaf, ".") == 0)
    return errno = EINVAL, -1;
  return open_beneath (dirfd, *path ? path : ".", O_PATH | O_DIRECTORY, 0, true);
}

static int
alloc_fd (struct wasi *w, int host)
{
  for (int i = 4; i < MAX_FDS; i++)
    if (w->fds[i] < 0)
      return w->fds[i] = host, i;
  return -1;
}

/* path_open(dirfd, lookupflags, path, path_len, oflags, rights_base,
 * rights_inheriting, fdflags, *fd) */
static const char *
path_open (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  char path[PATH_MAX_LEN];
  int dirfd, flags = 0;
  uint32_t r = guest_path (in, (uint64_t[]){ args[0], args[2], args[3] }, &dirfd, path);
  if (r != W_SUCCESS)
    RET (r);
  uint32_t oflags = ARG32 (4), fdflags = ARG32 (7);
  uint64_t rights = args[5];
  bool rd = rights & (1u << 1 | 1u << 14), wr = rights & (1u << 6 | 1u << 4 | 1u << 22);
  if (oflags & 2)
    flags = O_RDONLY | O_DIRECTORY;
  else
    flags = rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
  flags |= (oflags & 1 ? O_CREAT : 0) | (oflags & 4 ? O_EXCL : 0) | (oflags & 8 ? O_TRUNC : 0);
  flags |= (fdflags & 1 ? O_APPEND : 0) | (fdflags & 4 ? O_NONBLOCK : 0) | (fdflags & 16 ? O_SYNC : 0);
  uint32_t *out = PTR (ARG32 (8), 4);
  int fd = open_beneath (dirfd, path, flags, 0666, ARG32 (1) & 1);
  if (fd < 0 && errno == EISDIR && (flags & O_ACCMODE) != O_RDONLY)
    fd = open_beneath (dirfd, path, (flags & ~O_ACCMODE) | O_RDONLY, 0666, ARG32 (1) & 1);
  if (fd < 0)
    RET (werr (errno));
  int wfd = alloc_fd (state (in), fd);
  if (wfd < 0)
    {
      close (fd);
      RET (33); /* EMFILE */
    }
  *out = (uint32_t)wfd;
  RET (W_SUCCESS);
}

/* path_filestat_get(dirfd, lookupflags, path, path_len, *filestat) */
static const char *
path_filestat_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  char path[PATH_MAX_LEN];
  int dirfd;
  struct stat st;
  uint32_t r = guest_path (in, (uint64_t[]){ args[0], args[2], args[3] }, &dirfd, path);
  if (r != W_SUCCESS)
    RET (r);
  uint8_t *out = PTR (ARG32 (4), 64);
  int fd = open_beneath (dirfd, path, O_PATH, 0, ARG32 (1) & 1);
  if (fd < 0)
    RET (werr (errno));
  int ok = fstat (fd, &st);
  int e = errno;
  close (fd);
  if (ok < 0)
    RET (werr (e));
  put_filestat (out, &st);
  RET (W_SUCCESS);
}

/* path_create_directory / path_unlink_file / path_remove_directory (dirfd, path, len) */
static const char *
path_op (struct wasm_instance *in, const uint64_t *args, uint64_t *ret, int what)
{
  char path[PATH_MAX_LEN];
  int dirfd;
  const char *leaf;
  uint32_t r = guest_path (in, args, &dirfd, path);
  if (r != W_SUCCESS)
    RET (r);
  int parent = open_parent (dirfd, path, &leaf);
  if (parent < 0)
    RET (werr (errno));
  int ok = what == 0 ? mkdirat (parent, leaf, 0777) : unlinkat (parent, leaf, what == 2 ? AT_REMOVEDIR : 0);
  int e = errno;
  close (parent);
  RET (ok < 0 ? werr (e) : W_SUCCESS);
}

static const char *
path_create_directory (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return path_op (in, args, ret, 0);
}

static const char *
path_unlink_file (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return path_op (in, args, ret, 1);
}

static const char *
path_remove_directory (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return path_op (in, args, ret, 2);
}

/* ---------------------------------------------------------------- clocks, random, exit, poll */

static clockid_t
host_clock (uint32_t id)
{
  static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID };
  return id < 4 ? ids[id] : (clockid_t)-1;
}

/* clock_time_get and clock_res_get: the same query of a host clock, its
 * nanoseconds stored at the pointer in argument OUT. */
static const char *
clock_query (struct wasm_instance *in, const uint64_t *args, uint64_t *ret,
             int (*query) (clockid_t, struct timespec *), unsigned out)
{
  struct timespec ts;
  if (host_clock (ARG32 (0)) == (clockid_t)-1)
    RET (W_INVAL);
  if (query (host_clock (ARG32 (0)), &ts) < 0)
    RET (werr (errno));
  uint64_t ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
  memcpy (PTR (ARG32 (out), 8), &ns, 8);
  RET (W_SUCCESS);
}

static const char *
clock_time_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return clock_query (in, args, ret, clock_gettime, 2);
}

static const char *
clock_res_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  return clock_query (in, args, ret, clock_getres, 1);
}

static const char *
random_get (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  uint8_t *buf = PTR (ARG32 (0), ARG32 (1));
  for (uint32_t done = 0; done < ARG32 (1);)
    {
      ssize_t r = getrandom (buf + done, ARG32 (1) - done, 0);
      if (r < 0 && errno != EINTR)
        RET (werr (errno));
      done += r > 0 ? (uint32_t)r : 0;
    }
  RET (W_SUCCESS);
}

static const char *
proc_exit (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  (void)in, (void)ret;
  exit ((int)(ARG32 (0) & 0xff));
}

static const char *
sched_yield_ (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  (void)in, (void)args;
  sched_yield ();
  RET (W_SUCCESS);
}

/* poll_oneoff(in, out, nsubscriptions, *nevents), clock subscriptions only:
 * subscription (48 bytes) = userdata u64 @0, tag u8 @8, clock id u32 @16,
 * timeout u64 @24, precision @32, flags u16 @40 (1 = absolute); event (32
 * bytes) = userdata @0, error u16 @8, type u8 @10.  Sleeps until the
 * earliest timeout and reports that one. */
static const char *
poll_oneoff (struct wasm_instance *in, const uint64_t *args, uint64_t *ret)
{
  uint32_t n = ARG32 (2);
  if (n == 0)
    RET (W_INVAL);
  const uint8_t *subs = PTR (ARG32 (0), (uint64_t)n * 48);
  uint8_t *ev = PTR (ARG32 (1), 32);
  uint32_t *nev = PTR (ARG32 (3), 4);
  int best = -1;
  struct timespec best_ts = { 0, 0 };
  clockid_t best_clock = CLOCK_MONOTONIC;
  for (uint32_t i = 0; i < n; i++)
    {
      const uint8_t *s = subs + 48 * i;
      uint32_t id;
      uint64_t timeout;
      uint16_t flags;
      memcpy (&id, s + 16, 4), memcpy (&timeout, s + 24, 8), memcpy (&flags, s + 40, 2);
      if (s[8] != 0)
        RET (W_NOSYS); /* fd readiness is not supported */
      clockid_t c = host_clock (id);
      if (c == (clockid_t)-1)
        RET (W_INVAL);
      struct timespec now, when;
      clock_gettime (c, &now);
      uint64_t abs = flags & 1 ? timeout : (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec + timeout;
      when.tv_sec = (time_t)(abs / 1000000000u), when.tv_nsec = (long)(abs % 1000000000u);
      if (best < 0 || when.tv_sec < best_ts.tv_sec || (when.tv_sec == best_ts.tv_sec && when.tv_nsec < best_ts.tv_nsec))
        best = (int)i, best_ts = when, best_clock = c;
    }
  while (clock_nanosleep (best_clock, TIMER_ABSTIME, &best_ts, NULL) == EINTR)
    ;
  memset (ev, 0, 32);
  memcpy (ev, subs + 48 * best, 8);
  *nev = 1;
  RET (W_SUCCESS);
}

/* ---------------------------------------------------------------- linking */

static const struct
{
  const char *name;
  wasm_host_fn fn;
  const char *sig; /* params -> results, i I for i32 i64 */
} wasi_table[] = {
  { "args_get", args_get, "ii>i" },
  { "args_sizes_get", args_sizes_get, "ii>i" },
  { "environ_get", environ_get, "ii>i" },
  { "environ_sizes_get", environ_sizes_get, "ii>i" },
  { "clock_res_get", clock_res_get, "ii>i" },
  { "clock_time_get", clock_time_get, "iIi>i" },
  { "fd_close", fd_close, "i>i" },
  { "fd_fdstat_get", fd_fdstat_get, "ii>i" },
  { "fd_fdstat_set_flags", fd_fdstat_set_flags, "ii>i" },
  { "fd_filestat_get", fd_filestat_get, "ii>i" },
  { "fd_prestat_get", fd_prestat_get, "ii>i" },
  { "fd_prestat_dir_name", fd_prestat_dir_name, "iii>i" },
  { "fd_read", fd_read, "iiii>i" },
  { "fd_write", fd_write, "iiii>i" },
  { "fd_seek", fd_seek, "iIii>i" },
  { "path_open", path_open, "iiiiiIIii>i" },
  { "path_filestat_get", path_filestat_get, "iiiii>i" },
  { "path_create_directory", path_create_directory, "iii>i" },
  { "path_unlink_file", path_unlink_file, "iii>i" },
  { "path_remove_directory", path_remove_directory, "iii>i" },
  { "random_get", random_get, "ii>i" },
  { "proc_exit", proc_exit, "i>" },
  { "sched_yield", sched_yield_, ">i" },
  { "poll_oneoff", poll_oneoff, "iiii>i" },
};

static bool
sig_matches (const struct wasm_type *t, const char *sig)
{
  uint32_t k = 0;
  for (; *sig != '>'; sig++, k++)
    if (k >= t->nparams || t->params[k] != (*sig == 'i' ? WASM_I32 : WASM_I64))
      return false;
  sig++;
  if (k != t->nparams || t->nresults != (*sig ? 1u : 0u))
    return false;
  return *sig == '\0' || t->result == WASM_I32;
}

int
wasi_link (struct wasm_instance *in, struct wasm_module *m, int argc, char **argv, char **envp, char *err,
           size_t err_size)
{
  static struct wasi w;
  w.argc = argc, w.argv = argv, w.envp = envp;
  for (int i = 0; i < MAX_FDS; i++)
    w.fds[i] = i < 3 ? i : -1;
  w.fds[3] = open ("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (w.fds[3] < 0)
    return snprintf (err, err_size, "cannot open / as the preopened directory: %s", strerror (errno)), -1;
  in->host = &w;
  for (uint32_t i = 0; i < m->n_imported; i++)
    {
      struct wasm_func *f = &m->funcs[i];
      size_t k = 0, n = sizeof (wasi_table) / sizeof (wasi_table[0]);
      if (strcmp (f->imp_module, "wasi_snapshot_preview1") == 0)
        while (k < n && strcmp (wasi_table[k].name, f->imp_field) != 0)
          k++;
      if (strcmp (f->imp_module, "wasi_snapshot_preview1") != 0 || k == n)
        return snprintf (err, err_size,
                         "unknown import: module \"%s\", field \"%s\" (runcgo-wasm provides "
                         "wasi_snapshot_preview1 only, see runcgo(8))",
                         f->imp_module, f->imp_field),
               -1;
      if (!sig_matches (&m->types[f->type], wasi_table[k].sig))
        return snprintf (err, err_size, "import %s.%s: wrong function type", f->imp_module, f->imp_field), -1;
      f->host = wasi_table[k].fn;
    }
  return 0;
}
