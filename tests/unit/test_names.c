/* test_names.c -- signals, capabilities, sysctl keys, seccomp, rlimits, hooks
 * and the identity switch.
 *
 * Anything that changes process state (seccomp, setrlimit, setresuid,
 * sysctl in a private netns) runs in a forked child that records results in
 * shared memory; the parent turns them into TAP lines and stays untouched.
 * Tests that need root say "# SKIP" when run unprivileged. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <linux/capability.h>

#include "core/util.h"
#include "linux/linux.h"
#include "security/security.h"
#include "tap.h"

static char scratch[64] = "/tmp/runcgo-test-names.XXXXXX";

/* ------------------------------------------------------------ child runner */
struct report
{
  int n;
  struct
  {
    int ok;
    char what[300];
  } r[32];
};

static void __attribute__ ((format (printf, 3, 4))) rep (struct report *R, int cond, const char *fmt, ...)
{
  if (R->n >= (int)ARRAY_SIZE (R->r))
    return;
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (R->r[R->n].what, sizeof (R->r[R->n].what), fmt, ap);
  va_end (ap);
  R->r[R->n++].ok = cond;
}

/* Run fn in a forked child; its rep() calls become TAP lines here. */
static void
run_child (const char *label, void (*fn) (struct report *, void *), void *arg)
{
  struct report *R = mmap (NULL, sizeof (*R), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (R == MAP_FAILED)
    abort ();
  R->n = 0;
  fflush (stdout);
  pid_t pid = fork ();
  if (pid == 0)
    {
      fn (R, arg);
      _exit (0);
    }
  int status = 0;
  waitpid (pid, &status, 0);
  for (int i = 0; i < R->n; i++)
    ok (R->r[i].ok, "%s: %s", label, R->r[i].what);
  ok (WIFEXITED (status) && WEXITSTATUS (status) == 0, "%s: child exited cleanly (status %#x)", label, status);
  munmap (R, sizeof (*R));
}

static void
skip (const char *what, const char *why)
{
  ok (1, "%s # SKIP %s", what, why);
}

static const char *
errtext (runcgo_error_t e)
{
  return e ? runcgo_error_text (e) : "(no error)";
}

static bool
err_has (runcgo_error_t e, const char *needle)
{
  return e != NULL && strstr (runcgo_error_text (e), needle) != NULL;
}

/* Drop one capability from the effective set (tests of EPERM paths as root).
 * Raw capget/capset so the test does not depend on how caps.c is built. */
static void
drop_effective_cap (int cap)
{
  struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct data[2];
  if (syscall (SYS_capget, &hdr, data) < 0)
    return;
  data[cap / 32].effective &= ~(1U << (cap % 32));
  syscall (SYS_capset, &hdr, data);
}

/* ------------------------------------------------------------ signals */
static void
test_signal_parse (void)
{
  struct
  {
    const char *in;
    int want;
  } cases[] = {
    { "SIGKILL", SIGKILL },
    { "KILL", SIGKILL },
    { "kill", SIGKILL },
    { "sigterm", SIGTERM },
    { "9", 9 },
    { "15", 15 },
    { "0", 0 },
    { "SIGCHLD", SIGCHLD },
    { "CLD", SIGCHLD },
    { "IOT", SIGABRT },
    { "SIGRTMIN", SIGRTMIN },
    { "RTMIN+2", SIGRTMIN + 2 },
    { "SIGRTMAX-1", SIGRTMAX - 1 },
    { "rtmax", SIGRTMAX },
    { "64", 64 },
    { "", -1 },
    { "SIG", -1 },
    { "SIGFOO", -1 },
    { "65", -1 },
    { "-9", -1 },
    { "+9", -1 },
    { "9x", -1 },
    { "99999999999999999999999", -1 },
    { "RTMIN+40", -1 },
    { "RTMAX+1", -1 },
    { "RTMIN-1", -1 },
    { "RTMIN+", -1 },
    { "RTMIN+ 1", -1 },
    { " 9", -1 },
    { "KILL ", -1 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      int got = runcgo_signal_parse (cases[i].in);
      ok (got == cases[i].want, "signal_parse(\"%s\") = %d (want %d)", cases[i].in, got, cases[i].want);
    }
  ok (runcgo_signal_parse (NULL) == -1, "signal_parse(NULL) = -1");
}

static void
test_signal_names (void)
{
  struct
  {
    int sig;
    const char *want;
  } cases[] = {
    { SIGKILL, "SIGKILL" },
    { SIGABRT, "SIGABRT" },
    { SIGCHLD, "SIGCHLD" },
    { SIGIO, "SIGIO" },
    { SIGRTMIN, "SIGRTMIN" },
    { SIGRTMIN + 3, "SIGRTMIN+3" },
    { SIGRTMAX - 1, "SIGRTMAX-1" },
    { SIGRTMAX, "SIGRTMAX" },
    { 0, NULL },
    { SIGRTMAX + 1, NULL },
    { -1, NULL },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      const char *got = runcgo_signal_name (cases[i].sig);
      ok ((got == NULL && cases[i].want == NULL) || (got && cases[i].want && strcmp (got, cases[i].want) == 0),
          "signal_name(%d) = %s (want %s)", cases[i].sig, got ? got : "NULL", cases[i].want ? cases[i].want : "NULL");
    }
  int bad = 0;
  for (int s = 1; s <= SIGRTMAX; s++)
    {
      const char *n = runcgo_signal_name (s);
      if (n && runcgo_signal_parse (n) != s)
        bad = s;
    }
  ok (bad == 0, "every signal name parses back to its number (first bad: %d)", bad);
}

/* ------------------------------------------------------------ capabilities */
static void
test_cap_names (void)
{
  struct
  {
    const char *in;
    int want;
  } cases[] = {
    { "CAP_CHOWN", 0 },
    { "CAP_NET_BIND_SERVICE", 10 },
    { "CAP_SYS_ADMIN", 21 },
    { "CAP_CHECKPOINT_RESTORE", 40 },
    { "cap_chown", -1 },
    { "CHOWN", -1 },
    { "CAP_", -1 },
    { "CAP_FOO", -1 },
    { "21", -1 },
    { "CAP_Chown", -1 },
    { "CAP_CHOWN ", -1 },
    { "CAP_21", -1 },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      int got = runcgo_cap_from_name (cases[i].in);
      ok (got == cases[i].want, "cap_from_name(\"%s\") = %d (want %d)", cases[i].in, got, cases[i].want);
    }
  ok (runcgo_cap_from_name (NULL) == -1, "cap_from_name(NULL) = -1");
  int last = runcgo_cap_last ();
  ok (last >= 37 && last < 64, "cap_last = %d (a 6.x kernel knows at least 40)", last);
}

/* ------------------------------------------------------------ sysctl */
static void
test_sysctl_keys (void)
{
  struct
  {
    const char *in, *want;
  } cases[] = {
    { "net.ipv4.ip_forward", "net/ipv4/ip_forward" },
    { "kernel.shmmax", "kernel/shmmax" },
    { "fs.mqueue.msg_max", "fs/mqueue/msg_max" },
    { "", NULL },
    { ".net.ipv4", NULL },
    { "net.", NULL },
    { "net..ipv4", NULL },
    { "net/ipv4/ip_forward", NULL },
    { "../../etc/passwd", NULL },
    { "net.ipv4.conf.eth0/1.rp_filter", NULL },
  };
  for (size_t i = 0; i < ARRAY_SIZE (cases); i++)
    {
      cleanup_free char *got = runcgo_sysctl_key_to_path (cases[i].in);
      ok ((got == NULL && cases[i].want == NULL) || (got && cases[i].want && strcmp (got, cases[i].want) == 0),
          "sysctl_key_to_path(\"%s\") = %s", cases[i].in, got ? got : "NULL");
    }
  ok (runcgo_sysctl_key_to_path (NULL) == NULL, "sysctl_key_to_path(NULL) = NULL");
}

static char *
read_small (const char *path)
{
  char *buf = NULL;
  if (runcgo_read_file_at (AT_FDCWD, path, 0, &buf, NULL, NULL) < 0)
    return xstrdup ("(unreadable)");
  buf[strcspn (buf, "\n")] = '\0';
  return buf;
}

static int
sysctl_apply_one (const char *key, const char *value, runcgo_error_t *err)
{
  struct runcgo_kv kv = { (char *)key, (char *)value };
  struct runcgo_linux l = { .sysctl = &kv, .n_sysctl = 1 };
  return runcgo_sysctl_apply (&l, err);
}

/* In a private network and mount namespace: nothing here reaches the host. */
static void
child_sysctl (struct report *R, void *arg)
{
  if (unshare (CLONE_NEWNET | CLONE_NEWNS) < 0 || mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    {
      rep (R, 0, "unshare netns+mntns: %s", strerror (errno));
      return;
    }
  runcgo_error_t err = NULL;
  int r = sysctl_apply_one ("net.ipv4.ip_forward", "1", &err);
  cleanup_free char *v = read_small ("/proc/sys/net/ipv4/ip_forward");
  rep (R, r == 0 && strcmp (v, "1") == 0, "net.ipv4.ip_forward=1 written in the private netns (%s, now %s)",
       errtext (err), v);
  runcgo_error_release (&err);

  r = sysctl_apply_one ("net.ipv4.no_such_sysctl", "1", &err);
  rep (R, r < 0 && err && err->status == ENOENT && err_has (err, "net.ipv4.no_such_sysctl"),
       "missing sysctl fails with ENOENT naming the key: %s", errtext (err));
  runcgo_error_release (&err);

  r = sysctl_apply_one ("net/ipv4/ip_forward", "0", &err);
  rep (R, r < 0 && err_has (err, "invalid key"), "slash key refused: %s", errtext (err));
  runcgo_error_release (&err);

  /* CVE-2025-52881: another procfs file bound over the sysctl */
  if (mount ("/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/core/somaxconn", NULL, MS_BIND, NULL) < 0)
    {
      rep (R, 0, "bind over somaxconn: %s", strerror (errno));
      return;
    }
  r = sysctl_apply_one ("net.core.somaxconn", "0", &err);
  cleanup_free char *after = read_small ("/proc/sys/net/ipv4/ip_forward");
  rep (R, r < 0 && err && err->status == EXDEV && strcmp (after, "1") == 0,
       "write through an over-mounted sysctl refused, target untouched (%s; ip_forward=%s)", errtext (err), after);
  runcgo_error_release (&err);
}

/* ------------------------------------------------------------ rlimits */
static void
child_rlimits (struct report *R, void *arg)
{
  runcgo_error_t err = NULL;
  struct rlimit got, core, core0;
  getrlimit (RLIMIT_CORE, &core0);
  struct runcgo_rlimit rl[] = {
    { "RLIMIT_NOFILE", RLIMIT_NOFILE, 100, 200 },
    { "RLIMIT_CORE", RLIMIT_CORE, 0, core0.rlim_max },
  };
  struct runcgo_process p = { .rlimits = rl, .n_rlimits = 2 };
  int r = runcgo_rlimits_apply (&p, &err);
  getrlimit (RLIMIT_NOFILE, &got);
  getrlimit (RLIMIT_CORE, &core);
  rep (R, r == 0 && got.rlim_cur == 100 && got.rlim_max == 200 && core.rlim_cur == 0 && core.rlim_max == core0.rlim_max,
       "NOFILE 100/200 and CORE 0/hard applied (%s)", errtext (err));
  runcgo_error_release (&err);

  drop_effective_cap (CAP_SYS_RESOURCE);
  struct runcgo_rlimit raise = { "RLIMIT_NOFILE", RLIMIT_NOFILE, 100, 300 };
  p.rlimits = &raise;
  p.n_rlimits = 1;
  r = runcgo_rlimits_apply (&p, &err);
  rep (R, r < 0 && err_has (err, "setrlimit RLIMIT_NOFILE soft=100 hard=300") && err_has (err, "CAP_SYS_RESOURCE"),
       "raising the hard limit without CAP_SYS_RESOURCE: %s", errtext (err));
  runcgo_error_release (&err);

  struct runcgo_rlimit inverted = { "RLIMIT_NOFILE", RLIMIT_NOFILE, UINT64_MAX, 120 };
  p.rlimits = &inverted;
  r = runcgo_rlimits_apply (&p, &err);
  rep (R, r < 0 && err_has (err, "soft=unlimited hard=120") && err_has (err, "soft limit must not exceed"),
       "soft > hard: %s", errtext (err));
  runcgo_error_release (&err);

  struct runcgo_rlimit unknown = { "RLIMIT_FOO", -1, 1, 1 };
  p.rlimits = &unknown;
  r = runcgo_rlimits_apply (&p, &err);
  rep (R, r < 0 && err_has (err, "RLIMIT_FOO"), "unresolved rlimit: %s", errtext (err));
  runcgo_error_release (&err);
}

/* ------------------------------------------------------------ seccomp */
static char *mkdirat_names[] = { "mkdirat", NULL };
static char *personality_names[] = { "this_syscall_does_not_exist", "personality", NULL };
static char *socket_names[] = { "socket", NULL };
static char *unshare_names[] = { "unshare", NULL };
static char *getpgid_names[] = { "getpgid", NULL };
static char *acct_names[] = { "acct", NULL };
static char *swapon_names[] = { "swapon", "swapoff", "syslog", NULL }; /* 8 rules in all: binary tree */
static char *unknown_names[] = { "this_syscall_does_not_exist", NULL };

static struct runcgo_seccomp_arg personality_args[] = { { 0, 0xffffffffULL, { false, 0 }, "SCMP_CMP_EQ" } };
/* two conditions on argument 0: OR semantics (separate rules) */
static struct runcgo_seccomp_arg socket_args[] = {
  { 0, AF_NETLINK, { false, 0 }, "SCMP_CMP_EQ" },
  { 0, AF_PACKET, { false, 0 }, "SCMP_CMP_EQ" },
};
static struct runcgo_seccomp_arg unshare_args[] = {
  { 0, CLONE_NEWUSER, { true, CLONE_NEWUSER }, "SCMP_CMP_MASKED_EQ" },
};

static struct runcgo_seccomp_syscall test_rules[] = {
  { mkdirat_names, "SCMP_ACT_ERRNO", { true, 38 }, NULL, 0 },
  { personality_names, "SCMP_ACT_ERRNO", { false, 0 }, personality_args, 1 },
  { getpgid_names, "SCMP_ACT_ALLOW", { false, 0 }, NULL, 0 }, /* same as default: dropped */
  { socket_names, "SCMP_ACT_ERRNO", { true, EAFNOSUPPORT }, socket_args, 2 },
  { unshare_names, "SCMP_ACT_ERRNO", { true, EACCES }, unshare_args, 1 },
  { acct_names, "SCMP_ACT_NOTIFY", { false, 0 }, NULL, 0 },
  { swapon_names, "SCMP_ACT_KILL_PROCESS", { false, 0 }, NULL, 0 },
};

#if defined __x86_64__
static char *test_arches[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", NULL };
#else
static char *test_arches[] = { NULL };
#endif
static char *test_flags[] = { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG", NULL };

static struct runcgo_seccomp
test_profile (void)
{
  struct runcgo_seccomp s = { .default_action = "SCMP_ACT_ALLOW",
                              .architectures = test_arches,
                              .flags = test_flags,
                              .syscalls = test_rules,
                              .n_syscalls = ARRAY_SIZE (test_rules) };
  return s;
}

static int
compile_expect_error (struct runcgo_seccomp *s, const char *needle, const char *what)
{
  runcgo_error_t err = NULL;
  struct runcgo_seccomp_filter *f = NULL;
  int r = runcgo_seccomp_compile (s, &f, &err);
  int good = ok (r < 0 && f == NULL && err_has (err, needle), "seccomp %s: %s", what, errtext (err));
  runcgo_error_release (&err);
  runcgo_seccomp_filter_free (f);
  return good;
}

static bool
same_bpf (const struct runcgo_seccomp_filter *a, const struct runcgo_seccomp_filter *b)
{
  return a && b && a->len == b->len && memcmp (a->bpf, b->bpf, a->len * 8) == 0;
}

static void
test_seccomp_compile (void)
{
  runcgo_error_t err = NULL;
  struct runcgo_seccomp_filter *f = NULL;
  struct runcgo_seccomp s = test_profile ();
  int r = runcgo_seccomp_compile (&s, &f, &err);
  ok (r == 0 && f && f->len > 4 && f->bpf, "seccomp profile compiles to %zu BPF instructions (%s)", f ? f->len : 0,
      errtext (err));
  ok (f && f->notify && f->flags == (SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_LOG),
      "seccomp notify detected and flags kept (flags %#x)", f ? f->flags : 0);
  runcgo_seccomp_filter_free (f);
  runcgo_error_release (&err);

  ok (runcgo_seccomp_compile (NULL, &f, &err) == 0 && f == NULL, "seccomp absent compiles to nothing");

  /* An unknown name and a rule equal to the default leave the filter exactly
   * as if they were not there. */
  struct runcgo_seccomp empty = { .default_action = "SCMP_ACT_ERRNO" };
  struct runcgo_seccomp_syscall noise[] = {
    { unknown_names, "SCMP_ACT_ALLOW", { false, 0 }, NULL, 0 },
    { getpgid_names, "SCMP_ACT_ERRNO", { false, 0 }, NULL, 0 },
  };
  struct runcgo_seccomp noisy = { .default_action = "SCMP_ACT_ERRNO", .syscalls = noise, .n_syscalls = 2 };
  struct runcgo_seccomp_filter *fe = NULL, *fn = NULL;
  runcgo_seccomp_compile (&empty, &fe, &err);
  runcgo_seccomp_compile (&noisy, &fn, &err);
  ok (same_bpf (fe, fn), "unknown syscall names and rules equal to the default are skipped (%s)", errtext (err));
  runcgo_seccomp_filter_free (fe);
  runcgo_seccomp_filter_free (fn);
  runcgo_error_release (&err);

  /* WAIT_KILLABLE_RECV is meaningless (and refused by the kernel) without a listener */
  char *wk[] = { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC", NULL };
  struct runcgo_seccomp nolisten = { .default_action = "SCMP_ACT_ALLOW", .flags = wk };
  r = runcgo_seccomp_compile (&nolisten, &f, &err);
  ok (r == 0 && f && f->flags == 0, "WAIT_KILLABLE_RECV dropped without NOTIFY rules, TSYNC ignored (%s)",
      errtext (err));
  runcgo_seccomp_filter_free (f);
  runcgo_error_release (&err);

  char *future_arch[] = { "SCMP_ARCH_LOONGARCH64", NULL };
  struct runcgo_seccomp fut = { .default_action = "SCMP_ACT_ALLOW", .architectures = future_arch };
  r = runcgo_seccomp_compile (&fut, &f, &err);
  ok (r == 0, "spec-listed architecture is accepted (skipped if libseccomp lacks it) (%s)", errtext (err));
  runcgo_seccomp_filter_free (f);
  runcgo_error_release (&err);
}

static void
test_seccomp_errors (void)
{
  struct runcgo_seccomp s = test_profile ();
  char *bad_arch[] = { "SCMP_ARCH_X86_64", "SCMP_ARCH_FOO", NULL };
  s.architectures = bad_arch;
  compile_expect_error (&s, "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\"", "bad arch");

  s = test_profile ();
  char *bad_flag[] = { "SECCOMP_FILTER_FLAG_NOPE", NULL };
  s.flags = bad_flag;
  compile_expect_error (&s, "linux.seccomp.flags[0]", "bad flag");

  struct runcgo_seccomp_syscall one = { mkdirat_names, "SCMP_ACT_FOO", { false, 0 }, NULL, 0 };
  struct runcgo_seccomp t = { .default_action = "SCMP_ACT_ALLOW", .syscalls = &one, .n_syscalls = 1 };
  compile_expect_error (&t, "linux.seccomp.syscalls[0].action: unknown action \"SCMP_ACT_FOO\"", "bad action");

  one.action = "SCMP_ACT_KILL";
  one.errno_ret = (runcgo_opt_u64){ true, 5 };
  compile_expect_error (&t, "linux.seccomp.syscalls[0].errnoRet", "errnoRet on an action without errno");

  struct runcgo_seccomp_arg bad_op = { 0, 1, { false, 0 }, "SCMP_CMP_ALMOST" };
  struct runcgo_seccomp_syscall with_op = { mkdirat_names, "SCMP_ACT_ERRNO", { false, 0 }, &bad_op, 1 };
  t.syscalls = &with_op;
  compile_expect_error (&t, "linux.seccomp.syscalls[0].args[0].op", "bad operator");
  bad_op.op = "SCMP_CMP_EQ";
  bad_op.index = 6;
  compile_expect_error (&t, "args[0].index: 6 is out of range", "argument index 6");

  struct runcgo_seccomp n = { .default_action = "SCMP_ACT_NOTIFY" };
  compile_expect_error (&n, "cannot be the default action", "NOTIFY as default");
  n.default_action = "SCMP_ACT_ALLOW";
  n.default_errno_ret = (runcgo_opt_u64){ true, 1 };
  compile_expect_error (&n, "linux.seccomp.defaultErrnoRet", "defaultErrnoRet with ALLOW");
}

static void
child_seccomp_load (struct report *R, void *arg)
{
  const struct runcgo_seccomp_filter *f = arg;
  char dir[128];
  runcgo_error_t err = NULL;
  prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  int fd = runcgo_seccomp_load (f, &err);
  rep (R, fd > 0, "filter loaded, listener fd %d (%s)", fd, errtext (err));
  char link[128] = "";
  char proc[64];
  snprintf (proc, sizeof (proc), "/proc/self/fd/%d", fd);
  ssize_t n = readlink (proc, link, sizeof (link) - 1);
  link[n > 0 ? n : 0] = '\0';
  rep (R, strstr (link, "seccomp") != NULL, "listener fd is a seccomp notify fd (%s)", link);

  snprintf (dir, sizeof (dir), "%s/child-dir", scratch);
  errno = 0;
  long r = syscall (SYS_mkdirat, AT_FDCWD, dir, 0700);
  rep (R, r == -1 && errno == 38, "mkdirat returns errnoRet 38 (r=%ld errno=%d)", r, errno);
  errno = 0;
  r = personality (0xffffffff);
  rep (R, r == -1 && errno == EPERM, "personality(0xffffffff) matched by the EQ arg rule: EPERM (errno=%d)", errno);
  r = personality (PER_LINUX); /* the current persona: a no-op */
  rep (R, r != -1, "personality with another argument is not matched (r=%ld)", r);
  errno = 0;
  int s1 = socket (AF_NETLINK, SOCK_RAW, 0);
  int e1 = errno;
  int s2 = socket (AF_PACKET, SOCK_RAW, 0);
  int e2 = errno;
  int s3 = socket (AF_UNIX, SOCK_STREAM, 0);
  rep (R, s1 < 0 && e1 == EAFNOSUPPORT && s2 < 0 && e2 == EAFNOSUPPORT && s3 >= 0,
       "same-index args are ORed: netlink and packet refused, unix allowed (%d/%d %d)", e1, e2, s3);
  errno = 0;
  r = unshare (CLONE_NEWUSER | CLONE_NEWNS);
  rep (R, r == -1 && errno == EACCES, "unshare with CLONE_NEWUSER matched by MASKED_EQ: EACCES (errno=%d)", errno);
  errno = 0;
  r = unshare (CLONE_NEWUTS);
  rep (R, r == 0 || errno == EPERM, "unshare without CLONE_NEWUSER not matched (errno=%d)", errno);
}

static void
child_seccomp_eacces (struct report *R, void *arg)
{
  runcgo_error_t err = NULL;
  drop_effective_cap (CAP_SYS_ADMIN);
  int r = runcgo_seccomp_load (arg, &err);
  rep (R, r < 0 && err && err->status == EACCES && err_has (err, "noNewPrivileges"),
       "load without no_new_privs or CAP_SYS_ADMIN: %s", errtext (err));
}

static void
child_seccomp_badflag (struct report *R, void *arg)
{
  struct runcgo_seccomp_filter f = *(const struct runcgo_seccomp_filter *)arg;
  runcgo_error_t err = NULL;
  f.flags |= 1U << 30;
  f.notify = false;
  prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  int r = runcgo_seccomp_load (&f, &err);
  rep (R, r < 0 && err_has (err, "does not support"), "unsupported flag is named: %s", errtext (err));
}

static void
test_seccomp_load (void)
{
  runcgo_error_t err = NULL;
  struct runcgo_seccomp_filter *f = NULL;
  struct runcgo_seccomp s = test_profile ();
  if (runcgo_seccomp_compile (&s, &f, &err) < 0)
    {
      ok (0, "seccomp compile for the load test: %s", errtext (err));
      return;
    }
  run_child ("seccomp load", child_seccomp_load, f);
  char dir[128];
  snprintf (dir, sizeof (dir), "%s/parent-dir", scratch);
  ok (syscall (SYS_mkdirat, AT_FDCWD, dir, 0700) == 0, "the parent stays unfiltered: mkdirat works");
  rmdir (dir);
  run_child ("seccomp EACCES", child_seccomp_eacces, f);
  run_child ("seccomp flags", child_seccomp_badflag, f);
  runcgo_seccomp_filter_free (f);
}

#ifdef HAVE_SECCOMP
static const bool have_seccomp = true;
#else
static const bool have_seccomp = false;
#endif

static void
test_seccomp_disabled (void)
{
  struct runcgo_seccomp s = test_profile ();
  compile_expect_error (&s, "built without libseccomp", "compile in a build without libseccomp");
}

/* ------------------------------------------------------------ hooks */
static const char *state_json = "{\"ociVersion\":\"1.3.0\",\"id\":\"t\",\"status\":\"creating\",\"pid\":1}";

static int
run_hooks (struct runcgo_hook *list, size_t n, const char *state, runcgo_error_t *err)
{
  struct runcgo_hooks hooks = { 0 };
  hooks.list[RUNCGO_HOOK_CREATE_RUNTIME] = list;
  hooks.n[RUNCGO_HOOK_CREATE_RUNTIME] = n;
  return runcgo_hooks_run (&hooks, RUNCGO_HOOK_CREATE_RUNTIME, state, err);
}

static double
elapsed_since (const struct timespec *t0)
{
  struct timespec t1;
  clock_gettime (CLOCK_MONOTONIC, &t1);
  return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void
test_hooks_stdin_and_argv (void)
{
  runcgo_error_t err = NULL;
  cleanup_free char *out1 = xasprintf ("OUT=%s/state.json", scratch);
  cleanup_free char *out2 = xasprintf ("OUT=%s/argv0", scratch);
  cleanup_free char *script = xasprintf ("%s/hook.sh", scratch);
  cleanup_free char *body = xasprintf ("#!/bin/sh\necho \"$0 $#\" > %s/noargs\n", scratch);
  cleanup_close int dfd = open (scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  runcgo_write_file_atomic (dfd, "hook.sh", body, strlen (body), 0755, NULL);
  char *args1[] = { "sh", "-c", "cat > \"$OUT\"", NULL };
  char *args2[] = { "custom-argv0", "-c", "printf %s \"$0\" > \"$OUT\"", NULL };
  char *env1[] = { out1, NULL }, *env2[] = { out2, NULL };
  struct runcgo_hook list[] = {
    { "/bin/sh", args1, env1, { false, 0 } },
    { "/bin/sh", args2, env2, { true, 5 } },
    { script, NULL, NULL, { false, 0 } },
  };
  int r = run_hooks (list, 3, state_json, &err);
  ok (r == 0, "three hooks run in order (%s)", errtext (err));
  cleanup_free char *got = read_small (out1 + 4);
  ok (strcmp (got, state_json) == 0, "hook stdin carries the state JSON (%s)", got);
  cleanup_free char *argv0 = read_small (out2 + 4);
  ok (strcmp (argv0, "custom-argv0") == 0, "args[0] is argv[0] (%s)", argv0);
  cleanup_free char *noargs_path = xasprintf ("%s/noargs", scratch);
  cleanup_free char *noargs = read_small (noargs_path);
  cleanup_free char *want = xasprintf ("%s 0", script);
  ok (strcmp (noargs, want) == 0, "without args argv is {path} (%s)", noargs);
  runcgo_error_release (&err);
}

static void
test_hooks_failures (void)
{
  runcgo_error_t err = NULL;
  char *exit3[] = { "sh", "-c", "exit 3", NULL };
  char *never[] = { "sh", "-c", "touch /never-runs", NULL };
  struct runcgo_hook list[] = { { "/bin/sh", exit3, NULL, { false, 0 } }, { "/bin/sh", never, NULL, { false, 0 } } };
  int r = run_hooks (list, 2, state_json, &err);
  ok (r < 0 && err_has (err, "hook createRuntime[0] (/bin/sh): exited with status 3"), "exit 3 is an error: %s",
      errtext (err));
  runcgo_error_release (&err);

  char *selfkill[] = { "sh", "-c", "kill -TERM $$", NULL };
  struct runcgo_hook killed = { "/bin/sh", selfkill, NULL, { false, 0 } };
  r = run_hooks (&killed, 1, state_json, &err);
  ok (r < 0 && err_has (err, "killed by SIGTERM"), "a signal is reported by name: %s", errtext (err));
  runcgo_error_release (&err);

  struct runcgo_hook missing = { "/nonexistent/hook", NULL, NULL, { false, 0 } };
  r = run_hooks (&missing, 1, state_json, &err);
  ok (r < 0 && err && err->status == ENOENT && err_has (err, "/nonexistent/hook"), "missing hook binary: %s",
      errtext (err));
  runcgo_error_release (&err);

  ok (runcgo_hooks_run (NULL, RUNCGO_HOOK_POSTSTOP, state_json, &err) == 0 && err == NULL, "no hooks: success");
}

/* The hook never reads a 1 MiB state and leaves a grandchild: the timeout
 * must still fire on time (writes never block), and kill the whole group. */
static void
test_hooks_timeout_and_sigpipe (void)
{
  runcgo_error_t err = NULL;
  size_t big_len = 1 << 20;
  cleanup_free char *big = xmalloc (big_len + 1);
  memset (big, 'x', big_len);
  big[big_len] = '\0';
  cleanup_free char *pidfile = xasprintf ("PIDFILE=%s/sleep.pid", scratch);
  char *env[] = { pidfile, NULL };
  char *sleeper[] = { "sh", "-c", "sleep 10 & echo $! > \"$PIDFILE\"; wait", NULL };
  struct runcgo_hook slow = { "/bin/sh", sleeper, env, { true, 1 } };
  struct timespec t0;
  clock_gettime (CLOCK_MONOTONIC, &t0);
  int r = run_hooks (&slow, 1, big, &err);
  double secs = elapsed_since (&t0);
  ok (r < 0 && err_has (err, "hook createRuntime[0] (/bin/sh) timed out after 1 s") && secs > 0.9 && secs < 3,
      "timeout fires after %.2f s: %s", secs, errtext (err));
  runcgo_error_release (&err);

  cleanup_free char *pid_s = read_small (pidfile + 8);
  int gone = 0, pid = atoi (pid_s);
  for (int i = 0; pid > 0 && i < 100 && !gone; i++)
    {
      char stat_path[64];
      snprintf (stat_path, sizeof (stat_path), "/proc/%d/stat", pid);
      cleanup_free char *st = read_small (stat_path);
      char *p = strrchr (st, ')');
      gone = strcmp (st, "(unreadable)") == 0 || (p && p[2] == 'Z');
      if (!gone)
        usleep (10000);
    }
  ok (gone, "the hook's background child (pid %d) was killed with it", pid);

  char *quick[] = { "sh", "-c", "exit 0", NULL };
  struct runcgo_hook closes = { "/bin/sh", quick, NULL, { true, 5 } };
  r = run_hooks (&closes, 1, big, &err);
  sigset_t mask;
  sigprocmask (SIG_BLOCK, NULL, &mask);
  ok (r == 0 && !sigismember (&mask, SIGPIPE), "a hook that ignores its stdin: no SIGPIPE, mask restored (%s)",
      errtext (err));
  runcgo_error_release (&err);
}

/* ------------------------------------------------------------ identity */
static char *
status_field (const char *status, const char *key)
{
  const char *p = strstr (status, key);
  if (p == NULL)
    return xstrdup ("(missing)");
  p += strlen (key);
  p += strspn (p, " \t");
  return xstrndup (p, strcspn (p, "\n"));
}

static char *caps_two[] = { "CAP_NET_BIND_SERVICE", "CAP_CHOWN", NULL };
static char *caps_nbs[] = { "CAP_NET_BIND_SERVICE", NULL };
static uint32_t test_gids[] = { 1000, 2000 };

static void
child_identity (struct report *R, void *arg)
{
  runcgo_error_t err = NULL;
  struct runcgo_user u
      = { .uid = 1000, .gid = 1000, .umask = { true, 027 }, .additional_gids = test_gids, .n_additional_gids = 2 };
  struct runcgo_caps c = {
    .bounding = caps_two, .effective = caps_two, .permitted = caps_two, .inheritable = caps_nbs, .ambient = caps_nbs
  };
  int r = runcgo_identity_apply (&u, &c, &err);
  rep (R, r == 0, "identity applied (%s)", errtext (err));
  runcgo_error_release (&err);
  cleanup_free char *st = NULL;
  if (runcgo_read_file_at (AT_FDCWD, "/proc/self/status", 0, &st, NULL, NULL) < 0)
    st = xstrdup ("");
  struct
  {
    const char *key, *want;
  } fields[] = {
    { "Uid:", "1000\t1000\t1000\t1000" }, { "Gid:", "1000\t1000\t1000\t1000" }, { "Groups:", "1000 2000" },
    { "CapInh:", "0000000000000400" },    { "CapPrm:", "0000000000000401" },    { "CapEff:", "0000000000000401" },
    { "CapBnd:", "0000000000000401" },    { "CapAmb:", "0000000000000400" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (fields); i++)
    {
      cleanup_free char *v = status_field (st, fields[i].key);
      v[strcspn (v, "\n")] = '\0';
      /* Groups has a trailing space on some kernels */
      size_t len = strlen (v);
      while (len && v[len - 1] == ' ')
        v[--len] = '\0';
      rep (R, strcmp (v, fields[i].want) == 0, "%s %s (want %s)", fields[i].key, v, fields[i].want);
    }
  mode_t old = umask (0);
  rep (R, old == 027, "umask %03o (want 027)", (unsigned)old);

  struct runcgo_user root = { 0 };
  r = runcgo_identity_apply (&root, NULL, &err);
  rep (R, r < 0 && err_has (err, "setgroups to []: Operation not permitted"),
       "going back to root fails at the first step: %s", errtext (err));
  runcgo_error_release (&err);
}

static void
child_identity_nocaps (struct report *R, void *arg)
{
  runcgo_error_t err = NULL;
  cleanup_free char *before = NULL, *after = NULL;
  runcgo_read_file_at (AT_FDCWD, "/proc/self/status", 0, &before, NULL, NULL);
  umask (077);
  struct runcgo_user u = { .uid = 1000, .gid = 1000 };
  int r = runcgo_identity_apply (&u, NULL, &err);
  runcgo_read_file_at (AT_FDCWD, "/proc/self/status", 0, &after, NULL, NULL);
  cleanup_free char *eff = status_field (after, "CapEff:");
  cleanup_free char *prm = status_field (after, "CapPrm:");
  cleanup_free char *bnd0 = status_field (before, "CapBnd:");
  cleanup_free char *bnd1 = status_field (after, "CapBnd:");
  cleanup_free char *groups = status_field (after, "Groups:");
  rep (R, r == 0 && strcmp (eff, "0000000000000000") == 0 && strcmp (prm, "0000000000000000") == 0,
       "caps absent: a non-root uid ends with no capabilities (eff %s prm %s; %s)", eff, prm, errtext (err));
  rep (R, strcmp (bnd0, bnd1) == 0, "caps absent: bounding set untouched (%s)", bnd1);
  rep (R, groups[strspn (groups, " ")] == '\0', "no additional gids: supplementary groups cleared (\"%s\")", groups);
  mode_t old = umask (0);
  rep (R, old == 022, "umask defaults to 022 (got %03o)", (unsigned)old);
  runcgo_error_release (&err);
}

static void
child_identity_errors (struct report *R, void *arg)
{
  runcgo_error_t err = NULL;
  char *bad[] = { "CAP_FOO", NULL };
  struct runcgo_caps c = { .bounding = caps_two, .effective = bad, .permitted = caps_two };
  struct runcgo_user u = { .uid = 1000, .gid = 1000 };
  int r = runcgo_identity_apply (&u, &c, &err);
  rep (R, r < 0 && err_has (err, "process.capabilities.effective[0]: unknown capability \"CAP_FOO\"") && getuid () == 0,
       "unknown capability refused before any side effect: %s", errtext (err));
  runcgo_error_release (&err);

  struct runcgo_caps amb = { .bounding = caps_two, .effective = caps_two, .permitted = caps_two, .ambient = caps_nbs };
  if (fork () == 0)
    {
      r = runcgo_identity_apply (&u, &amb, &err);
      /* `runc spec` lists ambient caps without inheritable ones: skipped, as runc and crun do */
      rep (R, r == 0 && prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_BIND_SERVICE, 0, 0) == 0,
           "ambient without inheritable is skipped, not raised: %s", err ? errtext (err) : "ok");
      _exit (0);
    }
  wait (NULL);

  drop_effective_cap (CAP_SETUID);
  r = runcgo_identity_apply (&u, NULL, &err);
  rep (R, r < 0 && err_has (err, "setresuid to 1000: Operation not permitted"), "setresuid failure names the step: %s",
       errtext (err));
  runcgo_error_release (&err);
}

static void
test_identity (void)
{
  if (geteuid () != 0)
    {
      skip ("identity_apply switches uid/gid/caps", "needs root");
      return;
    }
  run_child ("identity", child_identity, NULL);
  run_child ("identity without caps", child_identity_nocaps, NULL);
  run_child ("identity errors", child_identity_errors, NULL);
}

int
main (void)
{
  if (mkdtemp (scratch) == NULL)
    {
      perror ("mkdtemp");
      return 1;
    }
  chmod (scratch, 0755);
  test_signal_parse ();
  test_signal_names ();
  test_cap_names ();
  test_sysctl_keys ();
  if (geteuid () == 0)
    run_child ("sysctl", child_sysctl, NULL);
  else
    skip ("sysctl apply in a private netns", "needs root");
  run_child ("rlimits", child_rlimits, NULL);
  if (have_seccomp)
    {
      test_seccomp_compile ();
      test_seccomp_errors ();
      test_seccomp_load ();
    }
  else
    test_seccomp_disabled ();
  test_hooks_stdin_and_argv ();
  test_hooks_failures ();
  test_hooks_timeout_and_sigpipe ();
  test_identity ();
  cleanup_free char *rm = xasprintf ("rm -rf '%s'", scratch);
  if (system (rm) != 0)
    diag ("could not remove %s", scratch);
  return done_testing ();
}
