/* mount_opts.c -- OCI mount option strings -> mount(2) / mount_setattr(2).
 *
 * Pure translation, no syscalls: the same table as runc and crun (every
 * option of config.md "Linux mount options" plus the runtime extensions
 * tmpcopyup, copy-symlink, src-nofollow, idmap, ridmap).  Options the
 * runtime does not know are filesystem options and are joined into `data`. */
#include "config.h"

#include <string.h>
#include <sys/mount.h>

#include "core/mount_api.h"
#include "core/util.h"
#include "fs/fs.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif

/* Plain mount(2) flags: `clear` options (rw, suid, ...) remove the flag and
 * record it in o->clear, so that a bind remount never re-adds it as one of
 * the source's locked flags (it fails with EPERM instead, as it should). */
struct flag_opt
{
  const char *name;
  bool clear;
  unsigned long flag;
};

static const struct flag_opt flag_opts[] = {
  { "defaults", false, 0 },
  { "ro", false, MS_RDONLY },
  { "rw", true, MS_RDONLY },
  { "suid", true, MS_NOSUID },
  { "nosuid", false, MS_NOSUID },
  { "dev", true, MS_NODEV },
  { "nodev", false, MS_NODEV },
  { "exec", true, MS_NOEXEC },
  { "noexec", false, MS_NOEXEC },
  { "sync", false, MS_SYNCHRONOUS },
  { "async", true, MS_SYNCHRONOUS },
  { "dirsync", false, MS_DIRSYNC },
  { "remount", false, MS_REMOUNT },
  { "mand", false, MS_MANDLOCK },
  { "nomand", true, MS_MANDLOCK },
  { "atime", true, MS_NOATIME },
  { "noatime", false, MS_NOATIME },
  { "diratime", true, MS_NODIRATIME },
  { "nodiratime", false, MS_NODIRATIME },
  { "relatime", false, MS_RELATIME },
  { "norelatime", true, MS_RELATIME },
  { "strictatime", false, MS_STRICTATIME },
  { "nostrictatime", true, MS_STRICTATIME },
  { "lazytime", false, MS_LAZYTIME },
  { "nolazytime", true, MS_LAZYTIME },
  { "iversion", false, MS_I_VERSION },
  { "noiversion", true, MS_I_VERSION },
  { "silent", false, MS_SILENT },
  { "loud", true, MS_SILENT },
  { "nosymfollow", false, MS_NOSYMFOLLOW },
  { "symfollow", true, MS_NOSYMFOLLOW },
};

static const struct flag_opt propagation_opts[] = {
  { "shared", false, MS_SHARED },         { "rshared", false, MS_SHARED | MS_REC },
  { "slave", false, MS_SLAVE },           { "rslave", false, MS_SLAVE | MS_REC },
  { "private", false, MS_PRIVATE },       { "rprivate", false, MS_PRIVATE | MS_REC },
  { "unbindable", false, MS_UNBINDABLE }, { "runbindable", false, MS_UNBINDABLE | MS_REC },
};

/* Recursive attributes (mount_setattr AT_RECURSIVE).  The atime modes are an
 * enum inside MOUNT_ATTR__ATIME, not bits: the kernel rejects an atime value
 * in attr_set unless attr_clr holds the whole MOUNT_ATTR__ATIME mask, and
 * rejects a partial mask in attr_clr.  So every atime option *selects* a
 * mode: "ratime"/"rnostrictatime" -> relatime (the kernel default, as
 * mount(8) documents for atime/nostrictatime), "rnorelatime" -> strictatime. */
struct attr_opt
{
  const char *name;
  bool clear;
  bool atime; /* selects an atime mode */
  unsigned long long attr;
};

static const struct attr_opt attr_opts[] = {
  { "rro", false, false, MOUNT_ATTR_RDONLY },
  { "rrw", true, false, MOUNT_ATTR_RDONLY },
  { "rnosuid", false, false, MOUNT_ATTR_NOSUID },
  { "rsuid", true, false, MOUNT_ATTR_NOSUID },
  { "rnodev", false, false, MOUNT_ATTR_NODEV },
  { "rdev", true, false, MOUNT_ATTR_NODEV },
  { "rnoexec", false, false, MOUNT_ATTR_NOEXEC },
  { "rexec", true, false, MOUNT_ATTR_NOEXEC },
  { "rnodiratime", false, false, MOUNT_ATTR_NODIRATIME },
  { "rdiratime", true, false, MOUNT_ATTR_NODIRATIME },
  { "rnosymfollow", false, false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rsymfollow", true, false, MOUNT_ATTR_NOSYMFOLLOW },
  { "rnoatime", false, true, MOUNT_ATTR_NOATIME },
  { "ratime", false, true, MOUNT_ATTR_RELATIME },
  { "rrelatime", false, true, MOUNT_ATTR_RELATIME },
  { "rnorelatime", false, true, MOUNT_ATTR_STRICTATIME },
  { "rstrictatime", false, true, MOUNT_ATTR_STRICTATIME },
  { "rnostrictatime", false, true, MOUNT_ATTR_RELATIME },
};

static bool
apply_flag_opt (const char *opt, struct runcgo_mount_opts *o)
{
  for (size_t i = 0; i < ARRAY_SIZE (flag_opts); i++)
    {
      if (strcmp (opt, flag_opts[i].name) != 0)
        continue;
      if (flag_opts[i].clear)
        {
          o->flags &= ~flag_opts[i].flag;
          o->clear |= flag_opts[i].flag;
        }
      else
        {
          o->flags |= flag_opts[i].flag;
          o->clear &= ~flag_opts[i].flag;
        }
      return true;
    }
  for (size_t i = 0; i < ARRAY_SIZE (propagation_opts); i++)
    if (strcmp (opt, propagation_opts[i].name) == 0)
      {
        /* one propagation type per mount: the last one wins, as in runc */
        o->propagation = propagation_opts[i].flag;
        return true;
      }
  return false;
}

static bool
apply_attr_opt (const char *opt, struct runcgo_mount_opts *o)
{
  for (size_t i = 0; i < ARRAY_SIZE (attr_opts); i++)
    {
      const struct attr_opt *a = &attr_opts[i];
      if (strcmp (opt, a->name) != 0)
        continue;
      if (a->atime)
        {
          o->attr_set = (o->attr_set & ~(unsigned long long)MOUNT_ATTR__ATIME) | a->attr;
          o->attr_clr |= MOUNT_ATTR__ATIME;
        }
      else if (a->clear)
        {
          o->attr_clr |= a->attr;
          o->attr_set &= ~a->attr;
        }
      else
        {
          o->attr_set |= a->attr;
          o->attr_clr &= ~a->attr;
        }
      return true;
    }
  return false;
}

/* Options that change what the runtime does rather than a mount flag. */
static bool
apply_runtime_opt (const char *opt, struct runcgo_mount_opts *o)
{
  if (strcmp (opt, "bind") == 0)
    {
      o->bind = true;
      o->flags |= MS_BIND;
    }
  else if (strcmp (opt, "rbind") == 0)
    {
      o->rbind = true;
      o->flags |= MS_BIND | MS_REC;
    }
  else if (strcmp (opt, "idmap") == 0)
    o->idmap = true;
  else if (strcmp (opt, "ridmap") == 0)
    o->ridmap = true;
  else if (strcmp (opt, "tmpcopyup") == 0)
    o->tmpcopyup = true;
  else if (strcmp (opt, "copy-symlink") == 0)
    o->copy_symlink = true;
  else if (strcmp (opt, "src-nofollow") == 0)
    o->src_nofollow = true;
  else
    return false;
  return true;
}

static void
append_data (struct runcgo_mount_opts *o, const char *opt)
{
  if (o->data == NULL)
    {
      o->data = xstrdup (opt);
      return;
    }
  char *joined = xasprintf ("%s,%s", o->data, opt);
  free (o->data);
  o->data = joined;
}

int
runcgo_mount_opts_parse (char *const *options, struct runcgo_mount_opts *out, runcgo_error_t *err)
{
  memset (out, 0, sizeof (*out));
  for (size_t i = 0; options && options[i]; i++)
    {
      const char *opt = options[i];
      if (*opt == '\0')
        continue;
      if (apply_flag_opt (opt, out) || apply_attr_opt (opt, out) || apply_runtime_opt (opt, out))
        continue;
      /* unknown to the runtime: a filesystem option (mode=, size=, gid=, ...) */
      append_data (out, opt);
    }
  return 0;
}

char **
runcgo_mount_opts_known (void)
{
  /* what apply_runtime_opt() knows */
  static const char *const runtime_opts[]
      = { "bind", "rbind", "idmap", "ridmap", "tmpcopyup", "copy-symlink", "src-nofollow" };
  size_t n = 0, cap = ARRAY_SIZE (flag_opts) + ARRAY_SIZE (propagation_opts) + ARRAY_SIZE (attr_opts)
                      + ARRAY_SIZE (runtime_opts) + 1;
  char **v = xzalloc (cap * sizeof (char *));
  for (size_t i = 0; i < ARRAY_SIZE (flag_opts); i++)
    v[n++] = xstrdup (flag_opts[i].name);
  for (size_t i = 0; i < ARRAY_SIZE (propagation_opts); i++)
    v[n++] = xstrdup (propagation_opts[i].name);
  for (size_t i = 0; i < ARRAY_SIZE (attr_opts); i++)
    v[n++] = xstrdup (attr_opts[i].name);
  for (size_t i = 0; i < ARRAY_SIZE (runtime_opts); i++)
    v[n++] = xstrdup (runtime_opts[i]);
  return v;
}

void
runcgo_mount_opts_free (struct runcgo_mount_opts *o)
{
  if (o == NULL)
    return;
  free (o->data);
  o->data = NULL;
}

/* ---------------------------------------------------------------- SELinux mount labels */

/* Which mounts take linux.mountLabel, as runc and crun decide: proc and
 * sysfs keep the kernel's labels; a bind mount shares its source's
 * superblock (the kernel ignores mount data then); cgroup hierarchies are
 * the host's; mqueue's superblock belongs to the IPC namespace and may
 * exist already (a second mount with other context options fails), so its
 * root gets the label as an xattr instead. */
enum runcgo_mount_label_how
runcgo_mount_label_how (const char *type, bool bind)
{
  static const char *const never[] = { "proc", "sysfs", "cgroup", "cgroup2", "bind", "none" };
  if (bind || type == NULL || *type == '\0')
    return RUNCGO_MOUNT_LABEL_NONE;
  for (size_t i = 0; i < ARRAY_SIZE (never); i++)
    if (strcmp (type, never[i]) == 0)
      return RUNCGO_MOUNT_LABEL_NONE;
  return strcmp (type, "mqueue") == 0 ? RUNCGO_MOUNT_LABEL_XATTR : RUNCGO_MOUNT_LABEL_OPTION;
}

/* label.FormatMountLabelByType of runc, crun's add_selinux_mount_label: the
 * value is double-quoted because an MCS level has commas of its own
 * ("s0:c1,c2"), and the kernel's option parser keeps a quoted value in one
 * piece (and drops the quotes).  validate_linux.c refuses labels holding a
 * double quote, which no quoting could carry. */
char *
runcgo_mount_label_data (const char *data, const char *label, const char *context_type, bool selinux_enabled)
{
  if (!selinux_enabled || label == NULL || *label == '\0')
    return data ? xstrdup (data) : NULL;
  const char *type = context_type && *context_type ? context_type : "context";
  if (data == NULL || *data == '\0')
    return xasprintf ("%s=\"%s\"", type, label);
  return xasprintf ("%s,%s=\"%s\"", data, type, label);
}
