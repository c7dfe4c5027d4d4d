/* seccomp.c -- linux.seccomp compiled to BPF in the parent, loaded in the init.
 *
 * Compiling before clone means every profile error is reported before any
 * side effect, and the child only has to make one raw seccomp(2) call (no
 * libseccomp state, no allocation).  Rule semantics follow runc: syscall
 * names unknown to libseccomp are skipped, rules equal to the default action
 * are dropped, and repeated argument indexes become separate (OR) rules. */
#include "config.h"

#include <ctype.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "core/util.h"
#include "security/security.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

struct flag_name
{
  const char *name;
  unsigned int flag;
};

/* TSYNC maps to 0: the init is single-threaded, and TSYNC together with
 * NEW_LISTENER is refused by the kernel. */
static const struct flag_name seccomp_flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", 0 },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
  { "SECCOMP_FILTER_FLAG_NEW_LISTENER", SECCOMP_FILTER_FLAG_NEW_LISTENER }, /* for messages only */
};

void
runcgo_seccomp_filter_free (struct runcgo_seccomp_filter *f)
{
  if (f == NULL)
    return;
  free (f->bpf);
  free (f);
}

static const char *
flag_display_name (unsigned int flag)
{
  for (size_t i = 0; i < ARRAY_SIZE (seccomp_flags); i++)
    if (seccomp_flags[i].flag == flag)
      return seccomp_flags[i].name;
  return "an unknown seccomp flag";
}

/* Which flag did the kernel refuse?  A NULL program makes a known flag fail
 * with EFAULT and an unknown one with EINVAL (libseccomp probes the same
 * way).  WAIT_KILLABLE_RECV is only valid together with NEW_LISTENER. */
static unsigned int
unsupported_flag (unsigned int flags)
{
  for (unsigned int bit = 1; bit && bit <= flags; bit <<= 1)
    {
      if (!(flags & bit))
        continue;
      unsigned int probe = bit;
      if (bit == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
        probe |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, probe, NULL) < 0 && errno == EINVAL)
        return bit;
    }
  return 0;
}

int
runcgo_seccomp_load (const struct runcgo_seccomp_filter *f, runcgo_error_t *err)
{
  if (f == NULL)
    return 0;
  struct sock_fprog prog = { .len = (unsigned short)f->len, .filter = f->bpf };
  unsigned int flags = f->flags | (f->notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  long r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r >= 0)
    return f->notify ? (int)r : 0;
  int e = errno;
  unsigned int bad = e == EINVAL ? unsupported_flag (flags) : 0;
  if (bad)
    return runcgo_fail_hint (err, e,
                             "drop it from linux.seccomp.flags (or drop SCMP_ACT_NOTIFY rules), or use a newer kernel",
                             "load seccomp filter: this kernel does not support %s", flag_display_name (bad));
  if (e == EACCES)
    return runcgo_fail_hint (err, e, "set process.noNewPrivileges, or load the filter while CAP_SYS_ADMIN is held",
                             "load seccomp filter");
  return runcgo_fail (err, e, "load seccomp filter (%zu instructions)", f->len);
}

/* Base64 (RFC 4648, padding optional, whitespace skipped) -> bytes; -1 on
 * a character outside the alphabet. */
static ssize_t
base64_decode (const char *in, unsigned char *out)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0;
  for (const char *p = in; *p && *p != '='; p++)
    {
      if (isspace ((unsigned char)*p))
        continue;
      const char *c = strchr (alphabet, *p);
      if (c == NULL)
        return -1;
      acc = (acc << 6) | (uint32_t)(c - alphabet);
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          out[n++] = (unsigned char)(acc >> bits);
        }
    }
  return (ssize_t)n;
}

/* run.oci.seccomp_bpf_data (crun): the filter is the annotation's program,
 * a base64 array of struct sock_filter, loaded as it is. */
static int
filter_from_bpf_data (const char *b64, struct runcgo_seccomp_filter **out, runcgo_error_t *err)
{
  static const char hint[] = "give a base64 array of struct sock_filter (8 bytes each)";
  unsigned char *buf = xmalloc (strlen (b64) * 3 / 4 + 3);
  ssize_t n = base64_decode (b64, buf);
  size_t insns = n > 0 ? (size_t)n / sizeof (struct sock_filter) : 0;
  if (n <= 0 || (size_t)n % sizeof (struct sock_filter) != 0 || insns > BPF_MAXINSNS)
    {
      free (buf);
      return runcgo_fail_hint (err, EINVAL, hint, "%s: not a BPF program (%zd bytes decoded)",
                               RUNCGO_ANN_SECCOMP_BPF_DATA, n);
    }
  struct runcgo_seccomp_filter *f = xzalloc (sizeof (*f));
  f->bpf = buf;
  f->len = insns;
  *out = f;
  return 0;
}

int
runcgo_seccomp_prepare (const struct runcgo_spec *spec, int root_fd, struct runcgo_seccomp_filter **out,
                        runcgo_error_t *err)
{
  *out = NULL;
  const char *data = runcgo_spec_annotation (spec, RUNCGO_ANN_SECCOMP_BPF_DATA);
  if (spec->linux_ == NULL)
    return 0;
  if (data)
    return filter_from_bpf_data (data, out, err);
  return runcgo_seccomp_compile_cached (spec->linux_->seccomp, root_fd, out, err);
}

#ifdef HAVE_SECCOMP

struct action_name
{
  const char *name;
  uint32_t action;
  bool takes_errno; /* ERRNO: the errno; TRACE: the message for the tracer */
};

static const struct action_name seccomp_actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};

static const struct
{
  const char *name;
  enum scmp_compare op;
} seccomp_ops[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* Every architecture the spec lists; one this libseccomp cannot handle is
 * skipped (it cannot be the host's), anything else unknown is an error. */
static const char *const spec_arches[] = {
  "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
  "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
  "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
  "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
  "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",     "SCMP_ARCH_LOONGARCH64",
  "SCMP_ARCH_M68K",    "SCMP_ARCH_SH",       "SCMP_ARCH_SHEB",        NULL,
};

static void
filter_freep (struct runcgo_seccomp_filter **f)
{
  runcgo_seccomp_filter_free (*f);
}

static void
ctx_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
}

/* errno_field names errnoRet for messages; ret is that field. */
static int
parse_action (const char *name, runcgo_opt_u64 ret, const char *action_field, const char *errno_field, uint32_t *out,
              runcgo_error_t *err)
{
  const struct action_name *a = NULL;
  for (size_t i = 0; name && i < ARRAY_SIZE (seccomp_actions); i++)
    if (strcmp (name, seccomp_actions[i].name) == 0)
      a = &seccomp_actions[i];
  if (a == NULL)
    return runcgo_fail_hint (err, 0, "use one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL_PROCESS, ...",
                             "%s: unknown action \"%s\"", action_field, name ? name : "");
  /* The spec: "When the action doesn't support an errno, the runtime MUST
   * print an error and fail." */
  if (ret.set && !a->takes_errno)
    return runcgo_fail_hint (err, 0, "errnoRet applies only to SCMP_ACT_ERRNO and SCMP_ACT_TRACE",
                             "%s: %s does not take an errno", errno_field, a->name);
  if (ret.set && ret.v > 0xffff)
    return runcgo_fail (err, 0, "%s: %llu is out of range (0..65535)", errno_field, (unsigned long long)ret.v);
  *out = a->action;
  if (a->takes_errno)
    *out |= (uint32_t)(ret.set ? ret.v : EPERM);
  return 0;
}

static int
parse_flags (char *const *flags, unsigned int *out, runcgo_error_t *err)
{
  *out = 0;
  for (size_t i = 0; flags && flags[i]; i++)
    {
      size_t k = 0;
      /* the last entry (NEW_LISTENER) is implied by SCMP_ACT_NOTIFY, not a spec flag */
      while (k < ARRAY_SIZE (seccomp_flags) - 1 && strcmp (flags[i], seccomp_flags[k].name) != 0)
        k++;
      if (k == ARRAY_SIZE (seccomp_flags) - 1)
        return runcgo_fail_hint (err, 0, "use SECCOMP_FILTER_FLAG_LOG, _SPEC_ALLOW, _WAIT_KILLABLE_RECV or _TSYNC",
                                 "linux.seccomp.flags[%zu]: unknown flag \"%s\"", i, flags[i]);
      *out |= seccomp_flags[k].flag;
    }
  return 0;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's "x86_64" -> its token. */
static int
add_architectures (scmp_filter_ctx ctx, char *const *arches, runcgo_error_t *err)
{
  for (size_t i = 0; arches && arches[i]; i++)
    {
      const char *name = arches[i];
      uint32_t token = 0;
      if (strncmp (name, "SCMP_ARCH_", 10) == 0 && name[10] != '\0')
        {
          cleanup_free char *lower = xstrdup (name + 10);
          for (char *p = lower; *p; p++)
            *p = (char)tolower ((unsigned char)*p);
          token = seccomp_arch_resolve_name (lower);
        }
      if (token == 0 && runcgo_strv_contains ((char *const *)spec_arches, name))
        continue;
      if (token == 0)
        return runcgo_fail_hint (err, 0, "use the SCMP_ARCH_* names, e.g. SCMP_ARCH_X86_64",
                                 "linux.seccomp.architectures[%zu]: unknown architecture \"%s\"", i, name);
      int rc = seccomp_arch_add (ctx, token);
      if (rc < 0 && rc != -EEXIST) /* the native arch is always present */
        return runcgo_fail (err, -rc, "linux.seccomp.architectures[%zu]: add %s", i, name);
    }
  return 0;
}

/* Fills cmps[0..n_args); *same_index tells whether two args share an index:
 * libseccomp rejects that within one rule, so runc then adds one rule per
 * argument (OR semantics), and so do we. */
static int
build_conditions (const struct runcgo_seccomp_syscall *sc, const char *field, struct scmp_arg_cmp *cmps,
                  bool *same_index, runcgo_error_t *err)
{
  unsigned int seen = 0;
  *same_index = false;
  for (size_t k = 0; k < sc->n_args; k++)
    {
      const struct runcgo_seccomp_arg *a = &sc->args[k];
      size_t o = 0;
      while (o < ARRAY_SIZE (seccomp_ops) && (a->op == NULL || strcmp (a->op, seccomp_ops[o].name) != 0))
        o++;
      if (o == ARRAY_SIZE (seccomp_ops))
        return runcgo_fail_hint (err, 0, "use SCMP_CMP_EQ, _NE, _LT, _LE, _GE, _GT or _MASKED_EQ",
                                 "%s.args[%zu].op: unknown operator \"%s\"", field, k, a->op ? a->op : "");
      if (a->index > 5)
        return runcgo_fail (err, 0, "%s.args[%zu].index: %u is out of range (a syscall has arguments 0..5)", field, k,
                            a->index);
      if (seen & (1U << a->index))
        *same_index = true;
      seen |= 1U << a->index;
      /* MASKED_EQ: datum_a is the mask (value), datum_b the expected result */
      cmps[k] = (struct scmp_arg_cmp){
        .arg = a->index, .op = seccomp_ops[o].op, .datum_a = a->value, .datum_b = a->value_two.v
      };
    }
  return 0;
}

static int
add_syscall_rules (scmp_filter_ctx ctx, uint32_t default_action, const struct runcgo_seccomp *s, size_t idx,
                   bool *notify, size_t *n_rules, runcgo_error_t *err)
{
  const struct runcgo_seccomp_syscall *sc = &s->syscalls[idx];
  char field[64], errno_field[96], action_field[96];
  snprintf (field, sizeof (field), "linux.seccomp.syscalls[%zu]", idx);
  snprintf (action_field, sizeof (action_field), "%s.action", field);
  snprintf (errno_field, sizeof (errno_field), "%s.errnoRet", field);
  uint32_t act;
  if (parse_action (sc->action, sc->errno_ret, action_field, errno_field, &act, err) < 0)
    return -1;
  cleanup_free struct scmp_arg_cmp *cmps = xzalloc ((sc->n_args + 1) * sizeof (*cmps));
  bool same_index;
  if (build_conditions (sc, field, cmps, &same_index, err) < 0)
    return -1;
  /* libseccomp refuses (EACCES) a rule whose action is the default; such a
   * rule changes nothing, so it is dropped. */
  if (act == default_action)
    return 0;
  for (size_t j = 0; sc->names && sc->names[j]; j++)
    {
      /* Unknown to libseccomp (newer than it, or a typo): runc and crun skip
       * it, and profiles written for newer kernels rely on that; crun's
       * run.oci.seccomp_fail_unknown_syscall makes it an error. */
      int nr = seccomp_syscall_resolve_name (sc->names[j]);
      if (nr == __NR_SCMP_ERROR && s->fail_unknown)
        return runcgo_fail_hint (err, EINVAL, "fix the name, or drop the annotation run.oci.seccomp_fail_unknown_syscall",
                                 "%s.names[%zu]: unknown syscall \"%s\"", field, j, sc->names[j]);
      if (nr == __NR_SCMP_ERROR)
        continue;
      int rc = 0;
      if (!same_index)
        rc = seccomp_rule_add_array (ctx, act, nr, (unsigned int)sc->n_args, cmps);
      for (size_t k = 0; same_index && rc == 0 && k < sc->n_args; k++)
        rc = seccomp_rule_add_array (ctx, act, nr, 1, &cmps[k]);
      if (rc < 0)
        return runcgo_fail_hint (err, -rc, "the kernel or libseccomp may not support this action or comparison",
                                 "%s.names[%zu]: add rule for \"%s\"", field, j, sc->names[j]);
      if (act == SCMP_ACT_NOTIFY)
        *notify = true;
      (*n_rules)++;
    }
  return 0;
}

/* libseccomp 2.5 can only export to an fd: go through a memfd. */
static int
export_bpf (scmp_filter_ctx ctx, struct runcgo_seccomp_filter *f, runcgo_error_t *err)
{
  cleanup_close int fd = memfd_create ("runcgo-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return runcgo_fail (err, errno, "linux.seccomp: memfd_create");
  int rc = seccomp_export_bpf (ctx, fd);
  if (rc < 0)
    return runcgo_fail (err, -rc, "linux.seccomp: export the compiled filter");
  off_t size = lseek (fd, 0, SEEK_END);
  if (size <= 0 || size % (off_t)sizeof (struct sock_filter) != 0 || lseek (fd, 0, SEEK_SET) < 0)
    return runcgo_fail (err, size < 0 ? errno : EINVAL, "linux.seccomp: exported filter has a bad size");
  size_t len = (size_t)size / sizeof (struct sock_filter);
  if (len > BPF_MAXINSNS)
    return runcgo_fail_hint (err, E2BIG, "shorten linux.seccomp.syscalls (merge entries with the same action)",
                             "linux.seccomp: the filter has %zu instructions, the kernel allows %d", len, BPF_MAXINSNS);
  f->bpf = xmalloc ((size_t)size);
  if (runcgo_read_all (fd, f->bpf, (size_t)size) != (ssize_t)size)
    return runcgo_fail (err, errno ? errno : EIO, "linux.seccomp: read back the compiled filter");
  f->len = len;
  return 0;
}

static int
compile_ctx (scmp_filter_ctx ctx, uint32_t def, const struct runcgo_seccomp *s, struct runcgo_seccomp_filter *f,
             runcgo_error_t *err)
{
  /* The init sets no_new_privs itself, when the config asks for it. */
  int rc = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (rc < 0)
    return runcgo_fail (err, -rc, "linux.seccomp: clear the no_new_privs attribute");
  if (add_architectures (ctx, s->architectures, err) < 0)
    return -1;
  size_t n_rules = 0;
  for (size_t i = 0; i < s->n_syscalls; i++)
    if (add_syscall_rules (ctx, def, s, i, &f->notify, &n_rules, err) < 0)
      return -1;
  /* A binary tree instead of a linear list: the usual ~350-syscall profiles
   * then cost a handful of comparisons per syscall instead of hundreds.  Not
   * for tiny filters: libseccomp < 2.5.4 ignores the default action of a
   * tree with no rules (libseccomp#370); runc uses the same threshold of 8.
   * Best effort: the attribute is only a performance hint. */
  if (n_rules >= 8)
    seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  /* The kernel refuses WAIT_KILLABLE_RECV without a listener, and it means
   * nothing without one. */
  if (!f->notify)
    f->flags &= ~(unsigned int)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return export_bpf (ctx, f, err);
}

int
runcgo_seccomp_compile (const struct runcgo_seccomp *s, struct runcgo_seccomp_filter **out, runcgo_error_t *err)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  __attribute__ ((cleanup (filter_freep))) struct runcgo_seccomp_filter *f = xzalloc (sizeof (*f));
  uint32_t def;
  if (parse_action (s->default_action, s->default_errno_ret, "linux.seccomp.defaultAction",
                    "linux.seccomp.defaultErrnoRet", &def, err)
      < 0)
    return -1;
  /* The listener fd has to be sent to the agent after the filter is loaded;
   * with NOTIFY as default that send would itself wait on the agent. */
  if (def == SCMP_ACT_NOTIFY)
    return runcgo_fail_hint (err, 0, "use SCMP_ACT_NOTIFY only in linux.seccomp.syscalls[].action",
                             "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
  if (parse_flags (s->flags, &f->flags, err) < 0)
    return -1;
  __attribute__ ((cleanup (ctx_releasep))) scmp_filter_ctx ctx = seccomp_init (def);
  if (ctx == NULL)
    return runcgo_fail_hint (err, EINVAL, "the kernel may not support this action",
                             "linux.seccomp.defaultAction: seccomp_init with %s", s->default_action);
  if (compile_ctx (ctx, def, s, f, err) < 0)
    return -1;
  *out = steal_ptr (&f);
  return 0;
}

#else /* !HAVE_SECCOMP */

int
runcgo_seccomp_compile (const struct runcgo_seccomp *s, struct runcgo_seccomp_filter **out, runcgo_error_t *err)
{
  *out = NULL;
  if (s == NULL)
    return 0;
  return runcgo_fail_hint (err, ENOTSUP, "rebuild runcgo with libseccomp, or remove linux.seccomp from the config",
                           "linux.seccomp: runcgo was built without libseccomp");
}

#endif
