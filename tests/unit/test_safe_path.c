/* test_safe_path.c -- resolution inside a root never leaves it: symlinks
 * pointing out (absolute, "../../..", chains), loops, creation through
 * links; the same expectations for openat2 and the userspace fallback. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "fs/fs.h"
#include "tap.h"

static char top[256];

static void
must (int r, const char *what)
{
  if (r < 0)
    {
      perror (what);
      exit (99);
    }
}

static void
put_file (const char *path, const char *content)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  must (fd, path);
  must ((int)write (fd, content, strlen (content)), path);
  close (fd);
}

/* BASE/root is the root; BASE/etc/marker and BASE/outside_dir are decoys
 * outside it that a broken resolver would reach. */
static void
build_tree (const char *base)
{
  char p[1024];
#define AT(rel) (snprintf (p, sizeof (p), "%s/%s", base, rel), p)
  must (mkdir (base, 0755), base);
  must (mkdir (AT ("etc"), 0755), "etc");
  put_file (AT ("etc/marker"), "outside");
  must (mkdir (AT ("outside_dir"), 0755), "outside_dir");
  must (mkdir (AT ("root"), 0755), "root");
  must (mkdir (AT ("root/etc"), 0755), "root/etc");
  put_file (AT ("root/etc/marker"), "inside");
  put_file (AT ("root/file"), "f");
  must (mkdir (AT ("root/a"), 0755), "a");
  must (mkdir (AT ("root/a/b"), 0755), "a/b");
  must (mkdir (AT ("root/a/b/c"), 0755), "a/b/c");
  must (symlink ("/etc", AT ("root/abs_etc")), "abs_etc");
  must (symlink ("../../../../etc", AT ("root/rel_up")), "rel_up");
  must (symlink ("../../../../../../etc", AT ("root/a/b/up")), "a/b/up");
  must (symlink ("/etc", AT ("root/a/b/abs_etc")), "a/b/abs_etc");
  must (symlink ("chain2", AT ("root/chain1")), "chain1");
  must (symlink ("/a/../a/b", AT ("root/chain2")), "chain2");
  must (symlink ("loop2", AT ("root/loop1")), "loop1");
  must (symlink ("/loop1", AT ("root/loop2")), "loop2");
  must (symlink ("/nonexistent/target", AT ("root/dangling")), "dangling");
  must (symlink ("../outside_dir", AT ("root/out_dir")), "out_dir");
  must (symlink ("/../../outside_dir/made/by/link", AT ("root/dangling_dir")), "dangling_dir");
  must (symlink ("../../leaf_outside", AT ("root/out_leaf")), "out_leaf");
  must (symlink ("/etc/created_via_link", AT ("root/dangling_file")), "dangling_file");
  /* a chain of exactly 40 links is allowed, 41 is ELOOP (MAXSYMLINKS) */
  for (int i = 0; i < 41; i++)
    {
      char target[64], name[64];
      snprintf (target, sizeof (target), i == 40 ? "/etc" : "n%d", i + 1);
      snprintf (name, sizeof (name), "root/n%d", i);
      must (symlink (target, AT (name)), name);
    }
#undef AT
}

static bool
reads (int root, const char *path, const char *want)
{
  char buf[64] = "";
  int fd = runcgo_safe_open (root, path, O_RDONLY, 0, NULL);
  if (fd < 0)
    return false;
  ssize_t n = read (fd, buf, sizeof (buf) - 1);
  close (fd);
  return n >= 0 && strcmp (buf, want) == 0;
}

static int
fails_with (int root, const char *path, int flags)
{
  runcgo_error_t err = NULL;
  int fd = runcgo_safe_open (root, path, flags, 0644, &err);
  if (fd >= 0)
    {
      close (fd);
      return 0;
    }
  int e = err ? err->status : -1;
  runcgo_error_release (&err);
  return e;
}

static bool
same_inode (int fd, const char *host_path)
{
  struct stat a, b;
  return fd >= 0 && fstat (fd, &a) == 0 && lstat (host_path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool
resolves_to (int root, const char *path, int flags, const char *host_path)
{
  int fd = runcgo_safe_open (root, path, flags, 0, NULL);
  bool r = same_inode (fd, host_path);
  if (fd >= 0)
    close (fd);
  return r;
}

static bool
exists (const char *path)
{
  struct stat st;
  return lstat (path, &st) == 0;
}

static void
test_open (const char *mode, const char *base, int root)
{
  char p[1024], q[1024];
  ok (reads (root, "etc/marker", "inside"), "%s: plain path", mode);
  ok (reads (root, "/abs_etc/marker", "inside"), "%s: absolute symlink /etc stays in the root", mode);
  ok (reads (root, "rel_up/marker", "inside"), "%s: ../../../../etc stays in the root", mode);
  ok (reads (root, "a/b/up/marker", "inside"), "%s: deep ../ link stays in the root", mode);
  ok (reads (root, "a/b/abs_etc/marker", "inside"), "%s: a nested absolute link restarts at the root", mode);
  ok (reads (root, "../../../etc/marker", "inside"), "%s: leading .. clamps at the root", mode);
  ok (reads (root, "/a/../../../../etc/marker", "inside"), "%s: .. through a dir clamps at the root", mode);
  ok (reads (root, "/etc/../../etc/marker", "inside"), "%s: .. after /etc clamps at the root", mode);
  snprintf (p, sizeof (p), "%s/root/a/b/c", base);
  ok (resolves_to (root, "chain1/c", O_PATH, p), "%s: chain of links (relative then absolute)", mode);
  ok (fails_with (root, "loop1", O_RDONLY) == ELOOP, "%s: loop -> ELOOP", mode);
  ok (fails_with (root, "loop1/x", O_PATH) == ELOOP, "%s: loop in the middle -> ELOOP", mode);
  snprintf (q, sizeof (q), "%s/root/etc", base);
  ok (resolves_to (root, "n1", O_PATH, q), "%s: a chain of 40 links resolves", mode);
  ok (fails_with (root, "n0", O_PATH) == ELOOP, "%s: a chain of 41 links is ELOOP", mode);
  ok (fails_with (root, "dangling", O_RDONLY) == ENOENT, "%s: dangling absolute link -> ENOENT", mode);
  ok (fails_with (root, "out_dir", O_PATH) == ENOENT, "%s: ../outside_dir is not reached", mode);
  ok (fails_with (root, "file/", O_PATH) == ENOTDIR, "%s: trailing slash on a file -> ENOTDIR", mode);
  ok (fails_with (root, "file/x", O_PATH) == ENOTDIR, "%s: a file in the middle -> ENOTDIR", mode);
  snprintf (p, sizeof (p), "%s/root/abs_etc", base);
  ok (resolves_to (root, "abs_etc", O_PATH | O_NOFOLLOW, p), "%s: O_PATH|O_NOFOLLOW returns the link itself", mode);
  ok (fails_with (root, "abs_etc", O_RDONLY | O_NOFOLLOW) == ELOOP, "%s: O_RDONLY|O_NOFOLLOW on a link -> ELOOP", mode);
  snprintf (p, sizeof (p), "%s/root", base);
  ok (resolves_to (root, "/", O_PATH, p) && resolves_to (root, "..", O_PATH, p) && resolves_to (root, "", O_PATH, p),
      "%s: /, .. and \"\" are the root", mode);
  ok (resolves_to (root, "a/b/c/../../..", O_PATH | O_DIRECTORY, p), "%s: .. back up to the root", mode);
  snprintf (p, sizeof (p), "%s/root/etc", base);
  ok (resolves_to (root, "abs_etc", O_PATH | O_DIRECTORY, p)
          && resolves_to (root, "abs_etc", O_RDONLY | O_DIRECTORY, p),
      "%s: O_DIRECTORY follows a final link to a dir", mode);
  ok (resolves_to (root, "abs_etc/", O_PATH | O_NOFOLLOW, p), "%s: a trailing slash follows even with O_NOFOLLOW",
      mode);
  ok (fails_with (root, "file", O_RDONLY | O_DIRECTORY) == ENOTDIR, "%s: O_DIRECTORY on a file -> ENOTDIR", mode);
  ok (fails_with (root, "abs_etc", O_PATH | O_NOFOLLOW | O_DIRECTORY) == ENOTDIR,
      "%s: O_DIRECTORY|O_NOFOLLOW on a link -> ENOTDIR", mode);
}

static void
test_create (const char *mode, const char *base, int root)
{
  char p[1024], q[1024];
  int fd = runcgo_safe_open (root, "abs_etc/newfile", O_WRONLY | O_CREAT | O_EXCL, 0600, NULL);
  snprintf (p, sizeof (p), "%s/root/etc/newfile", base);
  snprintf (q, sizeof (q), "%s/etc/newfile", base);
  ok (fd >= 0 && exists (p) && !exists (q), "%s: O_CREAT through /etc link creates inside", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_open (root, "dangling_file", O_WRONLY | O_CREAT, 0600, NULL);
  snprintf (p, sizeof (p), "%s/root/etc/created_via_link", base);
  ok (fd >= 0 && exists (p), "%s: O_CREAT on a dangling link creates its target inside", mode);
  if (fd >= 0)
    close (fd);
  ok (fails_with (root, "abs_etc", O_WRONLY | O_CREAT | O_EXCL) == EEXIST, "%s: O_EXCL on a link -> EEXIST", mode);
}

static void
test_mkdir_p (const char *mode, const char *base, int root)
{
  char p[1024], q[1024];
  struct stat st;
  int fd = runcgo_safe_mkdir_p (root, "/abs_etc/newdir/sub", false, NULL);
  snprintf (p, sizeof (p), "%s/root/etc/newdir/sub", base);
  snprintf (q, sizeof (q), "%s/etc/newdir", base);
  ok (same_inode (fd, p) && !exists (q), "%s: mkdir_p through /etc link creates inside", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "rel_up/x/y", false, NULL);
  snprintf (p, sizeof (p), "%s/root/etc/x/y", base);
  ok (same_inode (fd, p), "%s: mkdir_p through ../../../../etc creates inside", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "dangling_dir/leaf", false, NULL);
  snprintf (p, sizeof (p), "%s/root/outside_dir/made/by/link/leaf", base);
  snprintf (q, sizeof (q), "%s/outside_dir/made", base);
  ok (same_inode (fd, p) && !exists (q), "%s: mkdir_p follows a dangling link pointing out, inside", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "out_leaf", true, NULL);
  snprintf (p, sizeof (p), "%s/root/leaf_outside", base);
  snprintf (q, sizeof (q), "%s/leaf_outside", base);
  ok (same_inode (fd, p) && !exists (q) && lstat (p, &st) == 0 && S_ISREG (st.st_mode),
      "%s: leaf file through a link pointing out is created inside", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "/new/dir/file", true, NULL);
  snprintf (p, sizeof (p), "%s/root/new/dir/file", base);
  ok (same_inode (fd, p) && lstat (p, &st) == 0 && S_ISREG (st.st_mode) && (fcntl (fd, F_GETFL) & O_PATH),
      "%s: leaf_is_file creates an empty file and returns O_PATH", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "../../../escape", false, NULL);
  snprintf (p, sizeof (p), "%s/root/escape", base);
  ok (same_inode (fd, p), "%s: leading .. creates at the root", mode);
  if (fd >= 0)
    close (fd);
  fd = runcgo_safe_mkdir_p (root, "etc", false, NULL);
  snprintf (p, sizeof (p), "%s/root/etc", base);
  ok (same_inode (fd, p), "%s: an existing dir is returned", mode);
  if (fd >= 0)
    close (fd);
  runcgo_error_t err = NULL;
  ok (runcgo_safe_mkdir_p (root, "loop1/x", false, &err) < 0 && err && err->status == ELOOP,
      "%s: mkdir_p in a loop -> ELOOP", mode);
  runcgo_error_release (&err);
  ok (runcgo_safe_mkdir_p (root, "file/x", false, &err) < 0 && err && err->status == ENOTDIR,
      "%s: mkdir_p under a file -> ENOTDIR", mode);
  runcgo_error_release (&err);
}

static void
test_clean (void)
{
  static const char *const cases[][2] = {
    { "/a/../../b", "/b" },
    { "", "." },
    { "a/../../b", "../b" },
    { "//a//b/./c/", "/a/b/c" },
    { "/..", "/" },
    { "/", "/" },
    { "a/b/..", "a" },
    { "./", "." },
    { "../../x", "../../x" },
    { "/a/b/../../..", "/" },
    { "abc/./../def", "def" },
    { "..", ".." },
    { "/../x/../y", "/y" },
    { "a//b", "a/b" },
    { "/proc/self/../1", "/proc/1" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      char *c = runcgo_path_clean (cases[i][0]);
      ok (strcmp (c, cases[i][1]) == 0, "clean \"%s\" -> \"%s\" (got \"%s\")", cases[i][0], cases[i][1], c);
      free (c);
    }
}

static void
run_mode (const char *mode, bool fallback)
{
  char base[300], rootp[400];
  snprintf (base, sizeof (base), "%s/%s", top, mode);
  build_tree (base);
  snprintf (rootp, sizeof (rootp), "%s/root", base);
  int root = open (rootp, O_PATH | O_DIRECTORY | O_CLOEXEC);
  must (root, rootp);
  runcgo_safe_path_force_fallback (fallback);
  test_open (mode, base, root);
  test_create (mode, base, root);
  test_mkdir_p (mode, base, root);
  runcgo_safe_path_force_fallback (false);
  close (root);
}

int
main (void)
{
  const char *tmp = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
  snprintf (top, sizeof (top), "%s/test_safe_path.XXXXXX", tmp);
  if (mkdtemp (top) == NULL)
    {
      perror ("mkdtemp");
      return 99;
    }
  run_mode ("openat2", false);
  run_mode ("fallback", true);
  test_clean ();
  char cmd[600];
  snprintf (cmd, sizeof (cmd), "rm -rf '%s'", top);
  if (system (cmd) != 0)
    diag ("could not remove %s", top);
  return done_testing ();
}
