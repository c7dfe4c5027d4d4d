/* caps.c -- capability names, and the identity switch of the container init.
 *
 * runcgo_identity_apply() is the one ordered sequence every runtime must get
 * exactly right: umask, keepcaps, bounding set, groups, gid, uid, capset,
 * ambient.  Each step needs a privilege that a later step gives up, so the
 * order is not negotiable; the comments at each step say why. */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#ifdef HAVE_CAP
#include <sys/capability.h>
#else
#include <linux/capability.h>
#endif

#include "core/util.h"
#include "security/security.h"

/* 16-bit ID syscalls still exist on i386/arm: always use the 32-bit ones. */
#ifdef SYS_setresuid32
#define NR_SETRESUID SYS_setresuid32
#define NR_SETRESGID SYS_setresgid32
#define NR_SETGROUPS SYS_setgroups32
#else
#define NR_SETRESUID SYS_setresuid
#define NR_SETRESGID SYS_setresgid
#define NR_SETGROUPS SYS_setgroups
#endif

_Static_assert(sizeof (gid_t) == sizeof (uint32_t), "additional_gids is passed to setgroups as is");

/* For messages, and for name lookup when built without libcap. */
static const char *const cap_names[] = {
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
};

static const char *
cap_display_name (int cap, char *buf, size_t len)
{
  if (cap >= 0 && (size_t)cap < ARRAY_SIZE (cap_names))
    return cap_names[cap];
  snprintf (buf, len, "capability %d", cap);
  return buf;
}

/* The spec's names are "CAP_" + upper case.  libcap is laxer (it also takes
 * "cap_chown" and bare numbers such as "21"), which would let typos through. */
static bool
cap_name_well_formed (const char *name)
{
  if (name == NULL || strncmp (name, "CAP_", 4) != 0 || name[4] == '\0')
    return false;
  bool letter = false;
  for (const char *p = name + 4; *p; p++)
    {
      if (isupper ((unsigned char)*p))
        letter = true;
      else if (!isdigit ((unsigned char)*p) && *p != '_')
        return false;
    }
  return letter;
}

int
runcgo_cap_from_name (const char *name)
{
  if (!cap_name_well_formed (name))
    return -1;
#ifdef HAVE_CAP
  cap_value_t v;
  if (cap_from_name (name, &v) < 0 || v < 0)
    return -1;
  return (int)v;
#else
  for (size_t i = 0; i < ARRAY_SIZE (cap_names); i++)
    if (strcmp (cap_names[i], name) == 0)
      return (int)i;
  return -1;
#endif
}

/* /proc may not be mounted where the init runs: fall back to probing the
 * bounding set, which answers EINVAL past the last capability. */
int
runcgo_cap_last (void)
{
  static int cached = -1;
  if (cached >= 0)
    return cached;
  char buf[32];
  uint64_t v;
  cleanup_close int fd = open ("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? runcgo_read_all (fd, buf, sizeof (buf) - 1) : -1;
  if (n > 0)
    {
      buf[n] = '\0';
      buf[strcspn (buf, "\n")] = '\0';
    }
  if (n > 0 && runcgo_parse_u64 (buf, &v) == 0 && v < 64)
    return cached = (int)v;
  int last = 0;
  while (last < 63 && prctl (PR_CAPBSET_READ, (unsigned long)last + 1, 0, 0, 0) >= 0)
    last++;
  return cached = last;
}

/* Names -> bit mask.  Unknown names were rejected by the validator; one that
 * libcap knows but this kernel does not is skipped, as runc and crun do: the
 * kernel could not grant it, and failing would make new profiles unusable on
 * older kernels. */
static int
caps_to_mask (char *const *names, const char *set, uint64_t *mask, runcgo_error_t *err)
{
  int last = runcgo_cap_last ();
  *mask = 0;
  for (size_t i = 0; names && names[i]; i++)
    {
      int c = runcgo_cap_from_name (names[i]);
      if (c < 0)
        return runcgo_fail_hint (err, 0, "capability names are upper case with the CAP_ prefix, e.g. CAP_CHOWN",
                                 "process.capabilities.%s[%zu]: unknown capability \"%s\"", set, i, names[i]);
      if (c <= last)
        *mask |= 1ULL << c;
    }
  return 0;
}

/* Must run while CAP_SETPCAP is still effective, i.e. before the uid
 * switch.  Drop first and read only when that fails: one syscall per
 * capability, and a runtime that already runs with a reduced bounding set
 * (and without CAP_SETPCAP) still passes for what is gone already. */
static int
drop_bounding (uint64_t keep, runcgo_error_t *err)
{
  char buf[32];
  int last = runcgo_cap_last ();
  for (int c = 0; c <= last; c++)
    {
      if ((keep & (1ULL << c)) || prctl (PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) == 0)
        continue;
      int e = errno;
      if (prctl (PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 0)
        continue;
      return runcgo_fail_hint (err, e, "the runtime needs CAP_SETPCAP to shrink the bounding set",
                               "drop %s from the bounding set", cap_display_name (c, buf, sizeof (buf)));
    }
  return 0;
}

static bool
setgroups_denied (void)
{
  char buf[16];
  cleanup_close int fd = open ("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? runcgo_read_all (fd, buf, sizeof (buf) - 1) : -1;
  return n >= 4 && strncmp (buf, "deny", 4) == 0;
}

static char *
format_gids (const struct runcgo_user *user)
{
  char *s = xstrdup ("");
  for (size_t i = 0; i < user->n_additional_gids; i++)
    {
      char *t = xasprintf ("%s%s%u", s, i ? "," : "", user->additional_gids[i]);
      free (s);
      s = t;
    }
  return s;
}

/* Always called, even with no additional gids: the runtime's own
 * supplementary groups must not leak into the container. */
static int
set_groups (const struct runcgo_user *user, runcgo_error_t *err)
{
  size_t n = user->n_additional_gids;
  /* run.oci.keep_original_groups: the runtime's groups stay (crun) */
  if (user->keep_groups)
    return 0;
  if (syscall (NR_SETGROUPS, n, user->additional_gids) == 0)
    return 0;
  int e = errno;
  /* A user namespace with "deny" in /proc/self/setgroups (a single-ID
   * rootless mapping) refuses setgroups outright; with nothing to set, the
   * only group the process has is its gid, which is what we want. */
  bool denied = e == EPERM && setgroups_denied ();
  if (denied && n == 0)
    return 0;
  cleanup_free char *list = format_gids (user);
  return runcgo_fail_hint (err, e,
                           denied ? "this user namespace denies setgroups (single-ID mapping): drop "
                                    "process.user.additionalGids or map a range of IDs with newgidmap"
                                  : NULL,
                           "setgroups to [%s]", list);
}

/* Raw syscalls: glibc's wrappers broadcast setxid to every thread with a
 * signal, which is pointless in the single-threaded init and costs time.
 * gid first: changing the uid first would drop CAP_SETGID. */
static int
switch_ids (const struct runcgo_user *user, runcgo_error_t *err)
{
  const char *hint = "the ID must be mapped in the container's user namespace (linux.uidMappings/gidMappings)";
  if (syscall (NR_SETRESGID, user->gid, user->gid, user->gid) < 0)
    return runcgo_fail_hint (err, errno, hint, "setresgid to %u", user->gid);
  if (syscall (NR_SETRESUID, user->uid, user->uid, user->uid) < 0)
    return runcgo_fail_hint (err, errno, hint, "setresuid to %u", user->uid);
  return 0;
}

static int
capset_masks (uint64_t eff, uint64_t perm, uint64_t inh)
{
#ifdef HAVE_CAP
  cap_t c = cap_init (); /* all three sets clear */
  if (c == NULL)
    return -1;
  for (int i = 0; i < 64; i++)
    {
      cap_value_t v = i;
      if (eff & (1ULL << i))
        cap_set_flag (c, CAP_EFFECTIVE, 1, &v, CAP_SET);
      if (perm & (1ULL << i))
        cap_set_flag (c, CAP_PERMITTED, 1, &v, CAP_SET);
      if (inh & (1ULL << i))
        cap_set_flag (c, CAP_INHERITABLE, 1, &v, CAP_SET);
    }
  int r = cap_set_proc (c);
  int e = errno;
  cap_free (c);
  errno = e;
  return r;
#else
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2] = {
    { (uint32_t)eff, (uint32_t)perm, (uint32_t)inh },
    { (uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32) },
  };
  return (int)syscall (SYS_capset, &hdr, data);
#endif
}

/* Ambient capabilities survive execve: clear the runtime's own first.  A
 * raise needs the capability in both permitted and inheritable; `runc spec`
 * itself lists ambient capabilities without inheritable ones, so, as runc
 * and crun do, one that cannot be raised (EPERM) is skipped, not fatal. */
static int
set_ambient (char *const *names, runcgo_error_t *err)
{
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
    {
      if (errno == EINVAL && runcgo_strv_len (names) == 0)
        return 0; /* kernel < 4.3: no ambient set at all */
      return runcgo_fail (err, errno, "clear the ambient capability set");
    }
  int last = runcgo_cap_last ();
  for (size_t i = 0; names && names[i]; i++)
    {
      int c = runcgo_cap_from_name (names[i]);
      if (c < 0 || c > last)
        continue; /* rejected or skipped by caps_to_mask */
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c, 0, 0) < 0 && errno != EPERM)
        return runcgo_fail_hint (err, errno, "check the kernel supports it",
                                 "raise ambient capability %s", names[i]);
    }
  return 0;
}

struct cap_masks
{
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

static int
caps_resolve (const struct runcgo_caps *caps, struct cap_masks *m, runcgo_error_t *err)
{
  /* An absent set inside a present capabilities object is empty, as in runc
   * and crun: a missing "bounding" drops everything. */
  if (caps_to_mask (caps->bounding, "bounding", &m->bounding, err) < 0
      || caps_to_mask (caps->effective, "effective", &m->effective, err) < 0
      || caps_to_mask (caps->permitted, "permitted", &m->permitted, err) < 0
      || caps_to_mask (caps->inheritable, "inheritable", &m->inheritable, err) < 0
      || caps_to_mask (caps->ambient, "ambient", &m->ambient, err) < 0)
    return -1;
  return 0;
}

int
runcgo_identity_apply (const struct runcgo_user *user, const struct runcgo_caps *caps, runcgo_error_t *err)
{
  struct cap_masks m = { 0 };
  if (caps && caps_resolve (caps, &m, err) < 0)
    return -1; /* before any side effect */

  umask (user && user->umask.set ? (mode_t)user->umask.v : 0022);

  /* KEEPCAPS keeps the permitted set across the uid change so capset below
   * can choose the final sets.  With caps == NULL it is cleared instead: the
   * kernel's uid-change rules then drop all capabilities of a non-root user. */
  if (prctl (PR_SET_KEEPCAPS, caps ? 1 : 0, 0, 0, 0) < 0)
    return runcgo_fail (err, errno, "prctl PR_SET_KEEPCAPS");
  if (caps && drop_bounding (m.bounding, err) < 0)
    return -1;
  if (user && (set_groups (user, err) < 0 || switch_ids (user, err) < 0))
    return -1;
  if (caps == NULL)
    return 0;

  /* After setresuid to non-root the effective set is empty, but permitted
   * was kept, so any subset of it can be made effective again. */
  if (capset_masks (m.effective, m.permitted, m.inheritable) < 0)
    return runcgo_fail_hint (err, errno,
                             "effective and inheritable must be subsets of permitted (and of bounding), and "
                             "permitted cannot exceed what the runtime holds",
                             "set capabilities (effective %#llx, permitted %#llx, inheritable %#llx)",
                             (unsigned long long)m.effective, (unsigned long long)m.permitted,
                             (unsigned long long)m.inheritable);
  if (set_ambient (caps->ambient, err) < 0)
    return -1;
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return runcgo_fail (err, errno, "prctl PR_SET_KEEPCAPS 0");
  return 0;
}
