/* test_seccomp_cache.c -- the compiled-BPF cache: a hit gives exactly the
 * BPF, flags and notify bit of a fresh compile; any change of the section
 * changes the key; truncated, corrupted, foreign or misnamed entries are
 * misses and get rewritten; the cache dir is private.  Needs libseccomp,
 * runs unprivileged (nothing is loaded into the kernel). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/sha256.h"
#include "core/util.h"
#include "security/security.h"
#include "tap.h"

#ifdef HAVE_SECCOMP

static char *allow_names[] = { "read", "write", "openat", "close", "fstat", "mmap", "brk", "exit_group",
                               "execve", "getpid", "futex", "rt_sigaction", NULL };
static char *notify_names[] = { "mknodat", NULL };
static char *kill_names[] = { "ptrace", NULL };
static char *arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
static char *flags_log[] = { "SECCOMP_FILTER_FLAG_LOG", NULL };
static struct runcgo_seccomp_arg personality_arg = { .index = 0, .value = 0, .op = "SCMP_CMP_EQ" };
static char *personality_names[] = { "personality", NULL };

static struct runcgo_seccomp_syscall rules[] = {
  { .names = allow_names, .action = "SCMP_ACT_ALLOW" },
  { .names = personality_names, .action = "SCMP_ACT_ALLOW", .args = &personality_arg, .n_args = 1 },
  { .names = kill_names, .action = "SCMP_ACT_KILL_PROCESS" },
  { .names = notify_names, .action = "SCMP_ACT_NOTIFY" },
};

static struct runcgo_seccomp
profile (size_t n_rules)
{
  return (struct runcgo_seccomp){ .default_action = "SCMP_ACT_ERRNO",
                                  .architectures = arches,
                                  .flags = flags_log,
                                  .syscalls = rules,
                                  .n_syscalls = n_rules };
}

static int
same_filter (const struct runcgo_seccomp_filter *a, const struct runcgo_seccomp_filter *b)
{
  return a && b && a->len == b->len && a->flags == b->flags && a->notify == b->notify
         && memcmp (a->bpf, b->bpf, a->len * 8) == 0;
}

static void
entry_path (const struct runcgo_seccomp *s, const char *root, char *path, size_t n)
{
  uint8_t key[RUNCGO_SHA256_LEN];
  char hex[65];
  runcgo_seccomp_cache_key (s, key);
  runcgo_sha256_hex (key, hex);
  snprintf (path, n, "%s/.cache/seccomp/%s", root, hex);
}

/* Compile through the cache rooted at root_fd; 1 when the result equals REF. */
static int
cached_equals (const struct runcgo_seccomp *s, int root_fd, const struct runcgo_seccomp_filter *ref)
{
  runcgo_error_t err = NULL;
  struct runcgo_seccomp_filter *f = NULL;
  int r = runcgo_seccomp_compile_cached (s, root_fd, &f, &err) == 0 && same_filter (f, ref);
  runcgo_error_release (&err);
  runcgo_seccomp_filter_free (f);
  return r;
}

static void
test_hit_is_identical (int root_fd, const char *root)
{
  for (size_t n = 3; n <= 4; n++)
    {
      struct runcgo_seccomp s = profile (n);
      runcgo_error_t err = NULL;
      struct runcgo_seccomp_filter *fresh = NULL;
      int r = runcgo_seccomp_compile (&s, &fresh, &err);
      ok (r == 0 && fresh->len > 0, "%zu rules: compiled (%zu insns)", n, fresh ? fresh->len : 0);
      ok (fresh && fresh->notify == (n == 4) && (fresh->flags & SECCOMP_FILTER_FLAG_LOG), "notify %d, LOG kept",
          (int)(n == 4));
      char path[PATH_MAX];
      entry_path (&s, root, path, sizeof (path));
      ok (access (path, F_OK) < 0, "no entry before the first compile");
      ok (cached_equals (&s, root_fd, fresh), "miss: the result is the fresh compile");
      ok (access (path, F_OK) == 0, "the miss wrote %s", path);
      int dir = runcgo_seccomp_cache_open (root_fd);
      uint8_t key[RUNCGO_SHA256_LEN];
      runcgo_seccomp_cache_key (&s, key);
      struct runcgo_seccomp_filter *hit = NULL;
      ok (runcgo_seccomp_cache_read (dir, key, &hit) == 1 && same_filter (hit, fresh),
          "hit: BPF, flags and notify identical to the uncached compile");
      runcgo_seccomp_filter_free (hit);
      close (dir);
      runcgo_seccomp_filter_free (fresh);
    }
}

static int
key_differs (struct runcgo_seccomp *s, const uint8_t base[RUNCGO_SHA256_LEN])
{
  uint8_t k[RUNCGO_SHA256_LEN];
  runcgo_seccomp_cache_key (s, k);
  return memcmp (k, base, sizeof (k)) != 0;
}

static void
test_key_covers_the_section (void)
{
  struct runcgo_seccomp s = profile (4);
  uint8_t base[RUNCGO_SHA256_LEN], again[RUNCGO_SHA256_LEN];
  runcgo_seccomp_cache_key (&s, base);
  runcgo_seccomp_cache_key (&s, again);
  ok (memcmp (base, again, sizeof (base)) == 0, "the key is deterministic");
  s.default_action = "SCMP_ACT_KILL";
  ok (key_differs (&s, base), "defaultAction is in the key");
  s = profile (4);
  s.default_errno_ret = (runcgo_opt_u64){ .set = true, .v = 1 };
  ok (key_differs (&s, base), "defaultErrnoRet is in the key");
  s = profile (4);
  s.architectures = arches + 1;
  ok (key_differs (&s, base), "architectures are in the key");
  s = profile (4);
  s.flags = NULL;
  ok (key_differs (&s, base), "flags are in the key");
  s = profile (3);
  ok (key_differs (&s, base), "the rule list is in the key");
  s = profile (4);
  personality_arg.value = 8;
  ok (key_differs (&s, base), "argument values are in the key");
  personality_arg.value = 0;
  s.listener_path = "/run/agent.sock";
  ok (!key_differs (&s, base), "listenerPath is not (it does not change the BPF)");
}

static void
rewrite (const char *path, long off, const char *bytes, size_t n, bool truncate_there)
{
  int fd = open (path, O_WRONLY);
  if (truncate_there)
    (void)!ftruncate (fd, off);
  else
    (void)!pwrite (fd, bytes, n, off);
  close (fd);
}

static void
test_bad_entries_are_misses (int root_fd, const char *root)
{
  struct runcgo_seccomp s = profile (4);
  runcgo_error_t err = NULL;
  struct runcgo_seccomp_filter *fresh = NULL;
  runcgo_seccomp_compile (&s, &fresh, &err);
  char path[PATH_MAX];
  entry_path (&s, root, path, sizeof (path));
  struct stat st;
  stat (path, &st);
  static const struct
  {
    const char *what;
    long off;
    bool trunc;
  } damage[] = { { "a truncated entry", -8, true }, { "a flipped BPF byte", -3, false },
                 { "a flipped header byte (key)", 12, false }, { "an empty entry", 0, true } };
  int dir = runcgo_seccomp_cache_open (root_fd);
  uint8_t key[RUNCGO_SHA256_LEN];
  runcgo_seccomp_cache_key (&s, key);
  for (size_t i = 0; i < ARRAY_SIZE (damage); i++)
    {
      long off = damage[i].off < 0 ? st.st_size + damage[i].off : damage[i].off;
      rewrite (path, off, "\x5a", 1, damage[i].trunc);
      struct runcgo_seccomp_filter *hit = NULL;
      ok (runcgo_seccomp_cache_read (dir, key, &hit) == 0 && hit == NULL, "%s is a miss", damage[i].what);
      ok (cached_equals (&s, root_fd, fresh), "%s: the compile still gives the right filter", damage[i].what);
      ok (runcgo_seccomp_cache_read (dir, key, &hit) == 1 && same_filter (hit, fresh), "%s is rewritten",
          damage[i].what);
      runcgo_seccomp_filter_free (hit);
    }
  /* the right bytes under another name: the key in the header must match */
  struct runcgo_seccomp other = profile (3);
  char other_path[PATH_MAX];
  entry_path (&other, root, other_path, sizeof (other_path));
  rename (path, other_path);
  uint8_t other_key[RUNCGO_SHA256_LEN];
  runcgo_seccomp_cache_key (&other, other_key);
  struct runcgo_seccomp_filter *hit = NULL;
  ok (runcgo_seccomp_cache_read (dir, other_key, &hit) == 0, "an entry under another key's name is a miss");
  close (dir);
  runcgo_seccomp_filter_free (fresh);
}

static void
test_private_dir (int root_fd, const char *root)
{
  char dir[PATH_MAX];
  snprintf (dir, sizeof (dir), "%s/.cache/seccomp", root);
  struct stat st;
  ok (stat (dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the cache dir is 0700");
  chmod (dir, 0777);
  ok (runcgo_seccomp_cache_open (root_fd) < 0, "a world-writable cache dir is refused");
  struct runcgo_seccomp s = profile (3);
  struct runcgo_seccomp_filter *fresh = NULL;
  runcgo_error_t err = NULL;
  runcgo_seccomp_compile (&s, &fresh, &err);
  ok (cached_equals (&s, root_fd, fresh), "... and the compile goes on without it");
  runcgo_seccomp_filter_free (fresh);
  chmod (dir, 0700);
}

int
main (void)
{
  char root[] = "/tmp/runcgo-test-seccomp-cache.XXXXXX";
  if (mkdtemp (root) == NULL)
    return 1;
  int root_fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  test_hit_is_identical (root_fd, root);
  test_key_covers_the_section ();
  test_bad_entries_are_misses (root_fd, root);
  test_private_dir (root_fd, root);
  close (root_fd);
  char cmd[PATH_MAX + 16];
  snprintf (cmd, sizeof (cmd), "rm -rf '%s'", root);
  (void)!system (cmd);
  return done_testing ();
}

#else

int
main (void)
{
  printf ("1..0 # SKIP built without libseccomp\n");
  return 0;
}

#endif
