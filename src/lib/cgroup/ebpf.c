/* ebpf.c -- device access on cgroup v2: linux.resources.devices as a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the container's cgroup.
 *
 * cgroup v2 has no devices.allow/deny files.  The rules (the config's, then
 * the default allow list appended exactly as on v1) are first run through an
 * emulation of the v1 devices cgroup, as runc's devicefilter does, so that a
 * config means the same on v1 and v2; the resulting exception list becomes a
 * straight-line program (crun's and runc's instruction layout).  Building the
 * program is pure (unit-tested with an interpreter); attaching it replaces
 * the program a previous create/update attached, never leaving the cgroup
 * without a filter in between. */
#include "config.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "cgroup/internal.h"
#include "core/util.h"

/* ---------------------------------------------------------------- the v1 emulation */

#define ACC_ALL (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD)
#define ANY (-1)

struct dev_rule
{
  char type;            /* 'b' or 'c' */
  int64_t major, minor; /* ANY = wildcard */
  unsigned access;      /* BPF_DEVCG_ACC_* */
};

/* Exactly the state of a v1 devices cgroup: a default and its exceptions. */
struct emulator
{
  bool default_allow;
  struct dev_rule *rules;
  size_t n;
};

/* The spec's default devices, appended after the config's rules (as
 * resources.c does on v1, and runc and crun do). */
static const struct dev_rule default_allow[] = {
  { 'c', ANY, ANY, BPF_DEVCG_ACC_MKNOD },
  { 'b', ANY, ANY, BPF_DEVCG_ACC_MKNOD },
  { 'c', 1, 3, ACC_ALL },     /* /dev/null */
  { 'c', 1, 8, ACC_ALL },     /* /dev/random */
  { 'c', 1, 7, ACC_ALL },     /* /dev/full */
  { 'c', 5, 0, ACC_ALL },     /* /dev/tty */
  { 'c', 1, 5, ACC_ALL },     /* /dev/zero */
  { 'c', 1, 9, ACC_ALL },     /* /dev/urandom */
  { 'c', 5, 1, ACC_ALL },     /* /dev/console */
  { 'c', 136, ANY, ACC_ALL }, /* /dev/pts/N */
  { 'c', 5, 2, ACC_ALL },     /* /dev/ptmx */
  { 'c', 10, 200, ACC_ALL },  /* /dev/net/tun */
};

static struct dev_rule *
find_rule (struct emulator *e, char type, int64_t major, int64_t minor)
{
  for (size_t i = 0; i < e->n; i++)
    if (e->rules[i].type == type && e->rules[i].major == major && e->rules[i].minor == minor)
      return &e->rules[i];
  return NULL;
}

static void
add_exception (struct emulator *e, const struct dev_rule *r)
{
  struct dev_rule *old = find_rule (e, r->type, r->major, r->minor);
  if (old)
    {
      old->access |= r->access;
      return;
    }
  e->rules = xrealloc (e->rules, (e->n + 1) * sizeof (*e->rules));
  e->rules[e->n++] = *r;
}

static char *
rule_text (char type, int64_t major, int64_t minor, unsigned access)
{
  char maj[24] = "*", min[24] = "*";
  if (major != ANY)
    snprintf (maj, sizeof (maj), "%" PRId64, major);
  if (minor != ANY)
    snprintf (min, sizeof (min), "%" PRId64, minor);
  return xasprintf ("%c %s:%s %s%s%s", type, maj, min, access & BPF_DEVCG_ACC_READ ? "r" : "",
                    access & BPF_DEVCG_ACC_WRITE ? "w" : "", access & BPF_DEVCG_ACC_MKNOD ? "m" : "");
}

/* Removing part of an exception that a wildcard exception also covers is
 * silently ignored by the v1 kernel: the device would stay reachable.  Like
 * runc, refuse it instead of giving a false sense of security. */
static int
remove_exception (struct emulator *e, const struct dev_rule *r, const char *field, runcgo_error_t *err)
{
  const int64_t partial[3][2] = { { ANY, r->minor }, { r->major, ANY }, { ANY, ANY } };
  for (int k = 0; k < 3; k++)
    {
      if (partial[k][0] == r->major && partial[k][1] == r->minor)
        continue;
      struct dev_rule *w = find_rule (e, r->type, partial[k][0], partial[k][1]);
      if (w && (w->access & r->access))
        {
          cleanup_free char *want = rule_text (r->type, r->major, r->minor, r->access);
          cleanup_free char *have = rule_text (w->type, w->major, w->minor, w->access);
          return runcgo_fail_hint (err, EINVAL, "allow the devices one by one instead of with the wildcard rule",
                                   "%s: \"%s\" cannot punch a hole in the wildcard rule \"%s\" (the devices "
                                   "cgroup cannot express it)",
                                   field, want, have);
        }
    }
  struct dev_rule *old = find_rule (e, r->type, r->major, r->minor);
  if (old)
    {
      old->access &= ~r->access;
      if (old->access == 0)
        *old = e->rules[--e->n];
    }
  return 0;
}

static int
emulate (struct emulator *e, bool allow, const struct dev_rule *r, const char *field, runcgo_error_t *err)
{
  /* an allow-list adds allow rules and removes denied ones; a deny-list
   * the other way round */
  if (allow != e->default_allow)
    {
      add_exception (e, r);
      return 0;
    }
  return remove_exception (e, r, field, err);
}

static int64_t
dev_number (runcgo_opt_i64 n)
{
  return n.set && n.v >= 0 ? n.v : ANY;
}

static unsigned
access_bits (const char *s)
{
  unsigned a = 0;
  for (; s && *s; s++)
    a |= *s == 'r' ? BPF_DEVCG_ACC_READ : *s == 'w' ? BPF_DEVCG_ACC_WRITE : *s == 'm' ? BPF_DEVCG_ACC_MKNOD : 0;
  return a ? a : ACC_ALL;
}

/* One OCI rule.  Type "a" with wildcards and rwm resets the cgroup to
 * allow-all or deny-all; any other "a" rule is the same rule for c and b,
 * as resources.c spells it on v1 (the kernel would read it as "a"). */
static int
apply_config_rule (struct emulator *e, const struct runcgo_device_cgroup *d, size_t i, runcgo_error_t *err)
{
  char field[64];
  snprintf (field, sizeof (field), "linux.resources.devices[%zu]", i);
  const char *type = d->type && *d->type ? d->type : "a";
  if (strlen (type) != 1 || !strchr ("abc", type[0]))
    return runcgo_fail (err, EINVAL, "%s.type: \"%s\" is not a, b or c", field, type);
  if (d->access && strspn (d->access, "rwm") != strlen (d->access))
    return runcgo_fail (err, EINVAL, "%s.access: \"%s\" is not a subset of rwm", field, d->access);
  struct dev_rule r = { type[0], dev_number (d->major), dev_number (d->minor), access_bits (d->access) };
  if (r.major > INT32_MAX || r.minor > INT32_MAX)
    return runcgo_fail (err, ERANGE, "%s: device number out of range", field);
  if (r.type == 'a' && r.major == ANY && r.minor == ANY && r.access == ACC_ALL)
    {
      e->default_allow = d->allow;
      e->n = 0;
      return 0;
    }
  if (r.type != 'a')
    return emulate (e, d->allow, &r, field, err);
  r.type = 'c';
  if (emulate (e, d->allow, &r, field, err) < 0)
    return -1;
  r.type = 'b';
  return emulate (e, d->allow, &r, field, err);
}

/* runc's order: (major, minor, type), wildcards first; any fixed order
 * makes the program a function of the rules. */
static int
rule_cmp (const void *pa, const void *pb)
{
  const struct dev_rule *a = pa, *b = pb;
  if (a->major != b->major)
    return a->major < b->major ? -1 : 1;
  if (a->minor != b->minor)
    return a->minor < b->minor ? -1 : 1;
  return (a->type > b->type) - (a->type < b->type);
}

/* ---------------------------------------------------------------- the program */

struct prog
{
  struct bpf_insn *insns;
  size_t n;
};

static void
emit (struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  p->insns = xrealloc (p->insns, (p->n + 1) * sizeof (*p->insns));
  p->insns[p->n++] = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* struct bpf_cgroup_dev_ctx { u32 access_type (access << 16 | type); u32 major; u32 minor; } */
static void
emit_prologue (struct prog *p)
{
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0); /* R2 = type */
  emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0); /* R3 = access */
  emit (p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0); /* R4 = major */
  emit (p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0); /* R5 = minor */
}

static void
emit_return (struct prog *p, bool allow)
{
  emit (p, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, allow ? 1 : 0);
  emit (p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/* if (type, access, major, minor all match) return verdict; else fall
 * through to the next block.  Every jump skips to the end of the block. */
static void
emit_rule (struct prog *p, const struct dev_rule *r, bool verdict)
{
  bool has_access = r->access != ACC_ALL, has_major = r->major != ANY, has_minor = r->minor != ANY;
  int16_t left = (int16_t)(1 + (has_access ? 3 : 0) + has_major + has_minor + 2); /* insns in the block */
  emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, --left, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
  if (has_access)
    {
      /* the requested access must be a subset of the rule's */
      emit (p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
      emit (p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)r->access);
      left -= 3;
      emit (p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, left, 0);
    }
  if (has_major)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, --left, (int32_t)r->major);
  if (has_minor)
    emit (p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, --left, (int32_t)r->minor);
  emit_return (p, verdict);
}

int
runcgo_cg_devices_program (const struct runcgo_resources *r, struct bpf_insn **insns, size_t *n, runcgo_error_t *err)
{
  /* a new cgroup starts from deny-all, as resources.c's v1 plan does */
  struct emulator e = { 0 };
  for (size_t i = 0; r && i < r->n_devices; i++)
    if (apply_config_rule (&e, &r->devices[i], i, err) < 0)
      {
        free (e.rules);
        return -1;
      }
  for (size_t i = 0; i < ARRAY_SIZE (default_allow); i++)
    if (emulate (&e, true, &default_allow[i], "default device rules", err) < 0)
      {
        free (e.rules);
        return -1;
      }
  if (e.n > 0) /* qsort (NULL, 0, ...) is undefined (UBSan, make check-asan) */
    qsort (e.rules, e.n, sizeof (*e.rules), rule_cmp);
  /* every exception has the verdict opposite to the default */
  struct prog p = { 0 };
  emit_prologue (&p);
  for (size_t i = 0; i < e.n; i++)
    emit_rule (&p, &e.rules[i], !e.default_allow);
  emit_return (&p, e.default_allow);
  free (e.rules);
  *insns = p.insns;
  *n = p.n;
  return 0;
}

/* ---------------------------------------------------------------- load and attach */

static long
sys_bpf (int cmd, union bpf_attr *attr)
{
  return syscall (SYS_bpf, cmd, attr, sizeof (*attr));
}

static int
load_program (const struct bpf_insn *insns, size_t n, runcgo_error_t *err)
{
  static char log[16384];
  union bpf_attr attr;
  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)insns;
  attr.insn_cnt = (uint32_t)n;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  int fd = (int)sys_bpf (BPF_PROG_LOAD, &attr);
  struct rlimit old;
  if (fd < 0 && errno == EPERM && getrlimit (RLIMIT_MEMLOCK, &old) == 0)
    {
      /* before 5.11 BPF memory was charged to RLIMIT_MEMLOCK; put the
       * limit back after, or the container init would inherit it */
      struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
      if (setrlimit (RLIMIT_MEMLOCK, &rl) == 0)
        {
          fd = (int)sys_bpf (BPF_PROG_LOAD, &attr);
          int e = errno;
          setrlimit (RLIMIT_MEMLOCK, &old);
          errno = e;
        }
    }
  if (fd >= 0)
    return fd;
  int e = errno;
  /* again with the verifier's log, for the message */
  log[0] = '\0';
  attr.log_level = 1;
  attr.log_buf = (uint64_t)(uintptr_t)log;
  attr.log_size = sizeof (log);
  fd = (int)sys_bpf (BPF_PROG_LOAD, &attr);
  if (fd >= 0)
    return fd;
  log[strcspn (log, "\n")] = '\0';
  return runcgo_fail_hint (err, e, e == EPERM ? "loading BPF programs needs CAP_SYS_ADMIN (or CAP_BPF)" : NULL,
                           "linux.resources.devices: load the cgroup device filter (%zu instructions)%s%s", n,
                           *log ? ": " : "", log);
}

/* Program IDs attached directly to the cgroup (not inherited ones). */
static int
attached_ids (int dir_fd, uint32_t **ids, size_t *n, runcgo_error_t *err)
{
  for (uint32_t cap = 16; cap <= 4096; cap *= 4)
    {
      cleanup_free uint32_t *buf = xzalloc (cap * sizeof (uint32_t));
      union bpf_attr attr;
      memset (&attr, 0, sizeof (attr));
      attr.query.target_fd = (uint32_t)dir_fd;
      attr.query.attach_type = BPF_CGROUP_DEVICE;
      attr.query.prog_ids = (uint64_t)(uintptr_t)buf;
      attr.query.prog_cnt = cap;
      if (sys_bpf (BPF_PROG_QUERY, &attr) == 0)
        {
          *n = attr.query.prog_cnt;
          *ids = steal_ptr (&buf);
          return 0;
        }
      if (errno != ENOSPC)
        return runcgo_fail (err, errno, "query the device filters of the cgroup");
    }
  return runcgo_fail (err, ENOSPC, "query the device filters of the cgroup: too many programs");
}

static int
prog_fd_by_id (uint32_t id)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof (attr));
  attr.prog_id = id;
  return (int)sys_bpf (BPF_PROG_GET_FD_BY_ID, &attr);
}

static int
attach (int dir_fd, int prog_fd, int replace_fd)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof (attr));
  attr.target_fd = (uint32_t)dir_fd;
  attr.attach_bpf_fd = (uint32_t)prog_fd;
  attr.attach_type = BPF_CGROUP_DEVICE;
  /* ALLOW_MULTI: a program of the container's own (nested runtime,
   * systemd in the container) below us is not replaced by ours */
  attr.attach_flags = BPF_F_ALLOW_MULTI | (replace_fd >= 0 ? BPF_F_REPLACE : 0);
  attr.replace_bpf_fd = replace_fd >= 0 ? (uint32_t)replace_fd : 0;
  return sys_bpf (BPF_PROG_ATTACH, &attr) < 0 ? errno : 0;
}

static int
detach_ids (int dir_fd, const uint32_t *ids, size_t n, runcgo_error_t *err)
{
  for (size_t i = 0; i < n; i++)
    {
      cleanup_close int fd = prog_fd_by_id (ids[i]);
      if (fd < 0)
        {
          if (errno == ENOENT)
            continue; /* gone meanwhile */
          return runcgo_fail (err, errno, "open the previous device filter (program %" PRIu32 ")", ids[i]);
        }
      union bpf_attr attr;
      memset (&attr, 0, sizeof (attr));
      attr.target_fd = (uint32_t)dir_fd;
      attr.attach_bpf_fd = (uint32_t)fd;
      attr.attach_type = BPF_CGROUP_DEVICE;
      if (sys_bpf (BPF_PROG_DETACH, &attr) < 0 && errno != ENOENT)
        return runcgo_fail (err, errno, "detach the previous device filter (program %" PRIu32 ")", ids[i]);
    }
  return 0;
}

int
runcgo_cg_devices_attach (const char *dir, const struct bpf_insn *insns, size_t n, runcgo_error_t *err)
{
  cleanup_close int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0)
    return runcgo_fail (err, errno, "linux.resources.devices: open cgroup %s", dir);
  cleanup_close int prog_fd = load_program (insns, n, err);
  if (prog_fd < 0)
    return -1;
  cleanup_free uint32_t *old = NULL;
  size_t n_old = 0;
  if (attached_ids (dir_fd, &old, &n_old, err) < 0)
    return runcgo_error_wrap (err, "linux.resources.devices");
  /* One program of ours already there (an update): swap it atomically,
   * so that no device access slips through between detach and attach. */
  if (n_old == 1)
    {
      cleanup_close int old_fd = prog_fd_by_id (old[0]);
      int e = old_fd >= 0 ? attach (dir_fd, prog_fd, old_fd) : ENOENT;
      if (e == 0)
        return 0;
      if (e != EINVAL && e != ENOENT)
        return runcgo_fail (err, e, "linux.resources.devices: replace the device filter of %s", dir);
      /* no BPF_F_REPLACE (before 5.6), or the old one vanished: add, then remove */
    }
  int e = attach (dir_fd, prog_fd, -1);
  if (e)
    return runcgo_fail_hint (err, e, e == EPERM ? "attaching BPF programs needs CAP_SYS_ADMIN" : NULL,
                             "linux.resources.devices: attach the device filter to %s", dir);
  return detach_ids (dir_fd, old, n_old, err) < 0 ? runcgo_error_wrap (err, "linux.resources.devices") : 0;
}
