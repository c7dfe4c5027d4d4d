/* test_mount_opts.c -- OCI mount option strings -> flags, attrs and data. */
#include "config.h"

#include <string.h>
#include <sys/mount.h>

#include "core/util.h"
#include "fs/fs.h"
#include "tap.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

/* parse a NULL-terminated list given inline */
#define PARSE(o, ...)                                                                                                  \
  do                                                                                                                   \
    {                                                                                                                  \
      char *opts_[] = { __VA_ARGS__, NULL };                                                                           \
      runcgo_mount_opts_free (&(o));                                                                                   \
      runcgo_mount_opts_parse (opts_, &(o), NULL);                                                                     \
    }                                                                                                                  \
  while (0)

static void
test_plain_flags (void)
{
  struct runcgo_mount_opts o = { 0 };
  PARSE (o, "nosuid", "nodev", "noexec", "ro");
  ok (o.flags == (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY), "nosuid,nodev,noexec,ro set their MS_ flags");
  ok (o.data == NULL && o.clear == 0, "known options leave data empty and clear nothing");
  PARSE (o, "ro", "rw");
  ok (!(o.flags & MS_RDONLY) && (o.clear & MS_RDONLY), "rw after ro clears MS_RDONLY and records it in clear");
  PARSE (o, "rw", "ro");
  ok ((o.flags & MS_RDONLY) && !(o.clear & MS_RDONLY), "ro after rw wins (last one counts)");
  PARSE (o, "suid", "dev", "exec");
  ok (o.flags == 0 && o.clear == (MS_NOSUID | MS_NODEV | MS_NOEXEC), "suid,dev,exec land in clear");
  PARSE (o, "sync", "dirsync", "mand");
  ok (o.flags == (MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK), "sync, dirsync, mand");
  PARSE (o, "sync", "async");
  ok (!(o.flags & MS_SYNCHRONOUS) && (o.clear & MS_SYNCHRONOUS), "async clears sync");
  PARSE (o, "noatime", "nodiratime", "strictatime", "lazytime");
  ok (o.flags == (MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME | MS_LAZYTIME), "atime family sets its flags");
  PARSE (o, "noatime", "atime", "relatime", "norelatime");
  ok (!(o.flags & (MS_NOATIME | MS_RELATIME)) && (o.clear & MS_NOATIME) && (o.clear & MS_RELATIME),
      "atime and norelatime clear noatime and relatime");
  PARSE (o, "nosymfollow");
  ok (o.flags == MS_NOSYMFOLLOW, "nosymfollow is MS_NOSYMFOLLOW");
  PARSE (o, "nosymfollow", "symfollow");
  ok (o.flags == 0 && (o.clear & MS_NOSYMFOLLOW), "symfollow clears it");
  PARSE (o, "remount", "defaults");
  ok (o.flags == MS_REMOUNT, "remount sets MS_REMOUNT, defaults sets nothing");
  PARSE (o, "nomand", "nolazytime", "nostrictatime", "diratime");
  ok (o.flags == 0 && o.clear == (MS_MANDLOCK | MS_LAZYTIME | MS_STRICTATIME | MS_NODIRATIME), "no* clearing options");
  runcgo_mount_opts_free (&o);
}

static void
test_bind_and_runtime_options (void)
{
  struct runcgo_mount_opts o = { 0 };
  PARSE (o, "bind");
  ok (o.bind && !o.rbind && o.flags == MS_BIND, "bind: MS_BIND, not recursive");
  PARSE (o, "rbind", "ro");
  ok (o.rbind && o.flags == (MS_BIND | MS_REC | MS_RDONLY), "rbind: MS_BIND|MS_REC");
  PARSE (o, "idmap");
  ok (o.idmap && !o.ridmap && o.flags == 0 && o.data == NULL, "idmap is a runtime option, not passed to mount");
  PARSE (o, "ridmap");
  ok (o.ridmap && !o.idmap, "ridmap");
  PARSE (o, "tmpcopyup", "copy-symlink", "src-nofollow");
  ok (o.tmpcopyup && o.copy_symlink && o.src_nofollow && o.data == NULL, "tmpcopyup, copy-symlink, src-nofollow");
  runcgo_mount_opts_free (&o);
}

static void
test_propagation (void)
{
  struct runcgo_mount_opts o = { 0 };
  PARSE (o, "shared");
  ok (o.propagation == MS_SHARED && o.flags == 0, "shared -> MS_SHARED, not in flags");
  PARSE (o, "rshared");
  ok (o.propagation == (MS_SHARED | MS_REC), "rshared -> MS_SHARED|MS_REC");
  PARSE (o, "slave");
  ok (o.propagation == MS_SLAVE, "slave");
  PARSE (o, "rslave");
  ok (o.propagation == (MS_SLAVE | MS_REC), "rslave");
  PARSE (o, "private");
  ok (o.propagation == MS_PRIVATE, "private");
  PARSE (o, "rprivate");
  ok (o.propagation == (MS_PRIVATE | MS_REC), "rprivate");
  PARSE (o, "unbindable");
  ok (o.propagation == MS_UNBINDABLE, "unbindable");
  PARSE (o, "runbindable");
  ok (o.propagation == (MS_UNBINDABLE | MS_REC), "runbindable");
  PARSE (o, "rbind", "rprivate", "slave");
  ok (o.propagation == MS_SLAVE && o.flags == (MS_BIND | MS_REC), "last propagation wins, bind flags untouched");
  runcgo_mount_opts_free (&o);
}

static void
test_recursive_attrs (void)
{
  struct runcgo_mount_opts o = { 0 };
  PARSE (o, "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow");
  ok (o.attr_set
              == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME
                  | MOUNT_ATTR_NOSYMFOLLOW)
          && o.attr_clr == 0 && o.flags == 0,
      "rro,rnosuid,rnodev,rnoexec,rnodiratime,rnosymfollow -> attr_set only");
  PARSE (o, "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow");
  ok (o.attr_clr
              == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME
                  | MOUNT_ATTR_NOSYMFOLLOW)
          && o.attr_set == 0,
      "their opposites -> attr_clr only");
  PARSE (o, "rro", "rrw");
  ok (o.attr_set == 0 && o.attr_clr == MOUNT_ATTR_RDONLY, "rrw after rro: cleared, not set");
  PARSE (o, "rnoatime");
  ok (o.attr_set == MOUNT_ATTR_NOATIME && o.attr_clr == MOUNT_ATTR__ATIME,
      "rnoatime: the kernel wants the whole MOUNT_ATTR__ATIME in attr_clr");
  PARSE (o, "rstrictatime");
  ok (o.attr_set == MOUNT_ATTR_STRICTATIME && o.attr_clr == MOUNT_ATTR__ATIME, "rstrictatime");
  PARSE (o, "rnoatime", "rrelatime");
  ok (o.attr_set == MOUNT_ATTR_RELATIME && o.attr_clr == MOUNT_ATTR__ATIME, "rrelatime replaces rnoatime");
  PARSE (o, "rnoatime", "ratime");
  ok ((o.attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_RELATIME && o.attr_clr == MOUNT_ATTR__ATIME,
      "ratime selects the default (relatime) mode");
  PARSE (o, "rnorelatime");
  ok (o.attr_set == MOUNT_ATTR_STRICTATIME && o.attr_clr == MOUNT_ATTR__ATIME, "rnorelatime -> strictatime");
  PARSE (o, "rstrictatime", "rnostrictatime");
  ok ((o.attr_set & MOUNT_ATTR__ATIME) == MOUNT_ATTR_RELATIME, "rnostrictatime -> relatime");
  PARSE (o, "rbind", "rro");
  ok (o.flags == (MS_BIND | MS_REC) && !(o.flags & MS_RDONLY), "rro does not leak into mount(2) flags");
  runcgo_mount_opts_free (&o);
}

static void
test_data (void)
{
  struct runcgo_mount_opts o = { 0 };
  PARSE (o, "nosuid", "strictatime", "mode=755", "size=65536k");
  ok (o.data && strcmp (o.data, "mode=755,size=65536k") == 0, "tmpfs: unknown options joined into data (got %s)",
      o.data ? o.data : "NULL");
  ok (o.flags == (MS_NOSUID | MS_STRICTATIME), "... and the known ones stay flags");
  PARSE (o, "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
  ok (o.data && strcmp (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5") == 0, "devpts data in order (got %s)",
      o.data ? o.data : "NULL");
  PARSE (o, "", "ro", "");
  ok (o.data == NULL && o.flags == MS_RDONLY, "empty options are ignored");
  PARSE (o, "lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "userxattr");
  ok (o.data && strcmp (o.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w,userxattr") == 0, "overlay data");
  runcgo_mount_opts_free (&o);
  ok (o.data == NULL, "free leaves no dangling data pointer");
  struct runcgo_mount_opts none;
  runcgo_mount_opts_parse (NULL, &none, NULL);
  ok (none.flags == 0 && none.data == NULL && !none.bind, "NULL options: all zero");
}

/* linux.mountLabel: the exact data each mount gets (runc's
 * label.FormatMountLabelByType, crun's add_selinux_mount_label). */
static void
expect_label (const char *data, const char *label, const char *type, bool selinux, const char *want, const char *name)
{
  char *got = runcgo_mount_label_data (data, label, type, selinux);
  bool same = (got == NULL && want == NULL) || (got && want && strcmp (got, want) == 0);
  if (!ok (same, "%s", name))
    diag ("want %s, got %s", want ? want : "(null)", got ? got : "(null)");
  free (got);
}

static void
test_mount_label_data (void)
{
  const char *l = "system_u:object_r:container_file_t:s0:c1,c2";
  expect_label (NULL, l, NULL, true, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"",
                "no data: context=\"LABEL\", the MCS commas inside the quotes");
  expect_label ("", l, NULL, true, "context=\"system_u:object_r:container_file_t:s0:c1,c2\"", "empty data: the same");
  expect_label ("mode=755,size=65536k", l, NULL, true,
                "mode=755,size=65536k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"",
                "existing data: the label is appended after a comma");
  expect_label ("newinstance,ptmxmode=0666,mode=0620,gid=5", "system_u:object_r:container_file_t:s0", "context", true,
                "newinstance,ptmxmode=0666,mode=0620,gid=5,context=\"system_u:object_r:container_file_t:s0\"",
                "devpts data, a label without categories");
  static const char *const types[] = { "context", "fscontext", "defcontext", "rootcontext" };
  for (size_t i = 0; i < ARRAY_SIZE (types); i++)
    {
      char *want = xasprintf ("mode=1777,%s=\"%s\"", types[i], l);
      expect_label ("mode=1777", l, types[i], true, want, types[i]);
      free (want);
    }
  expect_label ("mode=1777", l, "", true, "mode=1777,context=\"system_u:object_r:container_file_t:s0:c1,c2\"",
                "an empty context type is the default, context");
  expect_label ("mode=1777", l, "fscontext", false, "mode=1777", "SELinux not enabled: the data unchanged");
  expect_label (NULL, l, NULL, false, NULL, "SELinux not enabled, no data: still none");
  expect_label ("mode=1777", NULL, NULL, true, "mode=1777", "no label: the data unchanged");
  expect_label ("mode=1777", "", "context", true, "mode=1777", "an empty label: the data unchanged");
  expect_label (NULL, NULL, NULL, true, NULL, "no label, no data: none");
}

static void
test_mount_label_how (void)
{
  static const char *const none[] = { "proc", "sysfs", "cgroup", "cgroup2", "bind", "" };
  for (size_t i = 0; i < ARRAY_SIZE (none); i++)
    ok (runcgo_mount_label_how (none[i], false) == RUNCGO_MOUNT_LABEL_NONE, "%s: no label",
        *none[i] ? none[i] : "(no type)");
  ok (runcgo_mount_label_how (NULL, false) == RUNCGO_MOUNT_LABEL_NONE, "(NULL type): no label");
  static const char *const option[] = { "tmpfs", "devpts", "overlay", "ramfs", "fuse.sshfs" };
  for (size_t i = 0; i < ARRAY_SIZE (option); i++)
    ok (runcgo_mount_label_how (option[i], false) == RUNCGO_MOUNT_LABEL_OPTION, "%s: the label as a mount option",
        option[i]);
  ok (runcgo_mount_label_how ("mqueue", false) == RUNCGO_MOUNT_LABEL_XATTR,
      "mqueue: the label as the xattr of its root (its superblock is the IPC namespace's)");
  ok (runcgo_mount_label_how ("tmpfs", true) == RUNCGO_MOUNT_LABEL_NONE, "a bind mount of type tmpfs: no label");
  ok (runcgo_mount_label_how ("mqueue", true) == RUNCGO_MOUNT_LABEL_NONE, "a bind mount of type mqueue: no label");
}

int
main (void)
{
  test_plain_flags ();
  test_bind_and_runtime_options ();
  test_propagation ();
  test_recursive_attrs ();
  test_data ();
  test_mount_label_data ();
  test_mount_label_how ();
  return done_testing ();
}
