/* seccomp_cache.c -- compiled seccomp filters, cached by content hash.
 *
 * libseccomp needs ~13.5 ms of CPU (and +1 MiB of RSS) to compile the default
 * Docker/Podman profile: 25 times everything else the parent of `run` does.
 * The BPF is a pure function of the seccomp section as parsed, libseccomp,
 * runcgo and the kernel/architecture, so it is stored once under
 * <state root>/.cache/seccomp/<SHA-256 of all of those> and loaded from there
 * on the next create or exec.  A hit only follows a successful compile of the
 * very same input, so every error of the section has been reported before. */
#include "config.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "core/sha256.h"
#include "core/util.h"
#include "security/security.h"

#ifdef HAVE_SECCOMP

/* Bump when the compile rules in seccomp.c or the entry layout change. */
#define CACHE_FORMAT "runcgo-seccomp-bpf-1"
#define ENTRY_MAGIC "RCGSBPF1"

/* One entry: this header, then len struct sock_filter. */
struct entry_header
{
  char magic[8];
  uint8_t key[RUNCGO_SHA256_LEN]; /* the file name again: a copied or renamed entry is not trusted */
  uint8_t sum[RUNCGO_SHA256_LEN]; /* of the BPF that follows: detects a corrupted entry */
  uint32_t flags;
  uint32_t notify;
  uint32_t len;
  uint32_t reserved;
};

/* ---------------------------------------------------------------- the key
 * Every field is length-prefixed (NULL distinct from ""), so no two
 * different inputs serialise to the same bytes. */

static void
put_u64 (struct runcgo_sha256 *h, uint64_t v)
{
  runcgo_sha256_update (h, &v, sizeof (v));
}

static void
put_str (struct runcgo_sha256 *h, const char *s)
{
  put_u64 (h, s ? strlen (s) : UINT64_MAX);
  if (s)
    runcgo_sha256_update (h, s, strlen (s));
}

static void
put_strv (struct runcgo_sha256 *h, char *const *v)
{
  put_u64 (h, v ? runcgo_strv_len (v) : UINT64_MAX);
  for (size_t i = 0; v && v[i]; i++)
    put_str (h, v[i]);
}

static void
put_opt (struct runcgo_sha256 *h, runcgo_opt_u64 o)
{
  put_u64 (h, o.set);
  put_u64 (h, o.set ? o.v : 0);
}

/* The identity of a file (a package upgrade keeping the version string
 * still changes it): device, inode, size, mtime. */
static void
put_file_identity (struct runcgo_sha256 *h, const char *path)
{
  struct stat st;
  if (path == NULL || stat (path, &st) < 0)
    memset (&st, 0, sizeof (st));
  put_str (h, path);
  put_u64 (h, st.st_dev);
  put_u64 (h, st.st_ino);
  put_u64 (h, (uint64_t)st.st_size);
  put_u64 (h, (uint64_t)st.st_mtim.tv_sec);
  put_u64 (h, (uint64_t)st.st_mtim.tv_nsec);
}

/* What produced the BPF: runcgo, libseccomp, kernel and architecture. */
static void
put_toolchain (struct runcgo_sha256 *h)
{
  put_str (h, CACHE_FORMAT);
  put_str (h, PACKAGE_VERSION);
  put_file_identity (h, "/proc/self/exe");
  const struct scmp_version *v = seccomp_version ();
  put_u64 (h, v ? v->major : 0);
  put_u64 (h, v ? v->minor : 0);
  put_u64 (h, v ? v->micro : 0);
  /* the shared libseccomp, unless it is linked into runcgo itself (then
   * /proc/self/exe above covers it; dladdr would name argv[0]) */
  Dl_info lib, self;
  bool shared = dladdr ((void *)seccomp_init, &lib) && lib.dli_fname && dladdr ((void *)put_toolchain, &self)
                && lib.dli_fbase != self.dli_fbase;
  put_file_identity (h, shared ? lib.dli_fname : NULL);
  put_u64 (h, seccomp_arch_native ());
  struct utsname u;
  if (uname (&u) < 0)
    memset (&u, 0, sizeof (u));
  put_str (h, u.sysname);
  put_str (h, u.release);
  put_str (h, u.version);
  put_str (h, u.machine);
}

/* listenerPath and listenerMetadata are left out: they do not change the
 * BPF, only where the listener fd goes. */
void
runcgo_seccomp_cache_key (const struct runcgo_seccomp *s, uint8_t key[RUNCGO_SHA256_LEN])
{
  struct runcgo_sha256 h;
  runcgo_sha256_init (&h);
  put_toolchain (&h);
  put_str (&h, s->default_action);
  put_opt (&h, s->default_errno_ret);
  put_strv (&h, s->architectures);
  put_strv (&h, s->flags);
  put_u64 (&h, s->fail_unknown);
  put_u64 (&h, s->n_syscalls);
  for (size_t i = 0; i < s->n_syscalls; i++)
    {
      const struct runcgo_seccomp_syscall *sc = &s->syscalls[i];
      put_strv (&h, sc->names);
      put_str (&h, sc->action);
      put_opt (&h, sc->errno_ret);
      put_u64 (&h, sc->n_args);
      for (size_t k = 0; k < sc->n_args; k++)
        {
          put_u64 (&h, sc->args[k].index);
          put_u64 (&h, sc->args[k].value);
          put_opt (&h, sc->args[k].value_two);
          put_str (&h, sc->args[k].op);
        }
    }
  runcgo_sha256_final (&h, key);
}

/* ---------------------------------------------------------------- the store */

/* mkdir (0700) and open one level, never through a symlink, and only if it is
 * ours and nobody else can write to it: whoever can put a file here chooses
 * the filter of every later container. */
static int
open_private_dir (int dirfd, const char *name)
{
  int fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && mkdirat (dirfd, name, 0700) == 0)
    fd = openat (dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 022) != 0))
    {
      close (fd);
      return -1;
    }
  return fd;
}

int
runcgo_seccomp_cache_open (int root_fd)
{
  if (root_fd < 0)
    return -1;
  cleanup_close int top = open_private_dir (root_fd, ".cache");
  return top < 0 ? -1 : open_private_dir (top, "seccomp");
}

/* 1 with *out set on a valid entry; 0 when missing, truncated, corrupted
 * or not ours (the caller compiles and rewrites it). */
int
runcgo_seccomp_cache_read (int dir_fd, const uint8_t key[RUNCGO_SHA256_LEN], struct runcgo_seccomp_filter **out)
{
  char name[2 * RUNCGO_SHA256_LEN + 1];
  runcgo_sha256_hex (key, name);
  cleanup_close int fd = openat (dir_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  struct entry_header hd;
  if (fd < 0 || fstat (fd, &st) < 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ()
      || st.st_size <= (off_t)sizeof (hd) || (size_t)st.st_size > sizeof (hd) + BPF_MAXINSNS * sizeof (struct sock_filter)
      || (st.st_size - (off_t)sizeof (hd)) % (off_t)sizeof (struct sock_filter) != 0)
    return 0;
  size_t bytes = (size_t)st.st_size - sizeof (hd);
  cleanup_free void *bpf = xmalloc (bytes);
  if (runcgo_read_all (fd, &hd, sizeof (hd)) != (ssize_t)sizeof (hd) || runcgo_read_all (fd, bpf, bytes) != (ssize_t)bytes)
    return 0;
  uint8_t sum[RUNCGO_SHA256_LEN];
  runcgo_sha256 (bpf, bytes, sum);
  if (memcmp (hd.magic, ENTRY_MAGIC, sizeof (hd.magic)) != 0 || memcmp (hd.key, key, sizeof (hd.key)) != 0
      || memcmp (hd.sum, sum, sizeof (sum)) != 0 || hd.len != bytes / sizeof (struct sock_filter) || hd.notify > 1)
    return 0;
  struct runcgo_seccomp_filter *f = xzalloc (sizeof (*f));
  f->bpf = steal_ptr (&bpf);
  f->len = hd.len;
  f->flags = hd.flags;
  f->notify = hd.notify;
  *out = f;
  return 1;
}

/* Best effort: a read-only or full state root only costs the next compile. */
void
runcgo_seccomp_cache_write (int dir_fd, const uint8_t key[RUNCGO_SHA256_LEN], const struct runcgo_seccomp_filter *f)
{
  char name[2 * RUNCGO_SHA256_LEN + 1];
  runcgo_sha256_hex (key, name);
  size_t bytes = f->len * sizeof (struct sock_filter);
  struct entry_header hd = { .flags = f->flags, .notify = f->notify, .len = (uint32_t)f->len };
  memcpy (hd.magic, ENTRY_MAGIC, sizeof (hd.magic));
  memcpy (hd.key, key, sizeof (hd.key));
  runcgo_sha256 (f->bpf, bytes, hd.sum);
  cleanup_free uint8_t *buf = xmalloc (sizeof (hd) + bytes);
  memcpy (buf, &hd, sizeof (hd));
  memcpy (buf + sizeof (hd), f->bpf, bytes);
  runcgo_error_t ignored = NULL;
  if (runcgo_write_file_atomic (dir_fd, name, buf, sizeof (hd) + bytes, 0600, &ignored) < 0)
    runcgo_error_release (&ignored);
}

int
runcgo_seccomp_compile_cached (const struct runcgo_seccomp *s, int root_fd, struct runcgo_seccomp_filter **out,
                               runcgo_error_t *err)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  cleanup_close int dir = runcgo_seccomp_cache_open (root_fd);
  if (dir < 0)
    return runcgo_seccomp_compile (s, out, err);
  uint8_t key[RUNCGO_SHA256_LEN];
  runcgo_seccomp_cache_key (s, key);
  if (runcgo_seccomp_cache_read (dir, key, out) == 1)
    return 0;
  if (runcgo_seccomp_compile (s, out, err) < 0)
    return -1;
  runcgo_seccomp_cache_write (dir, key, *out);
  return 0;
}

#else /* !HAVE_SECCOMP: runcgo_seccomp_compile reports the missing library */

int
runcgo_seccomp_compile_cached (const struct runcgo_seccomp *s, int root_fd UNUSED, struct runcgo_seccomp_filter **out,
                               runcgo_error_t *err)
{
  return runcgo_seccomp_compile (s, out, err);
}

#endif
