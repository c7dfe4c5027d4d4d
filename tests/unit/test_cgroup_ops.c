/* test_cgroup_ops.c -- the pure parts behind pause/update/ps/events/features
 * and the cgroup v2 device filter: the BPF program generated from device
 * rules (run through a small interpreter of the instructions it uses, and
 * through the kernel's verifier when allowed), the stats file parsers, runc's
 * JSON for stats, the ps table filter, CLI value parsers, the resources
 * parser of update -r, and the features document.  Unprivileged; the
 * verifier check is skipped when BPF programs cannot be loaded. */
#include "config.h"

#include <json-c/json.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup/internal.h"
#include "core/util.h"
#include "lifecycle/ops.h"
#include "spec/spec.h"
#include "tap.h"

/* ---------------------------------------------------------------- a tiny BPF interpreter */

/* Runs the subset of eBPF the generator emits against one request;
 * returns R0, or -1 for an instruction it does not know or a bad jump. */
static long
bpf_run (const struct bpf_insn *p, size_t n, unsigned type, unsigned access, unsigned major, unsigned minor)
{
  uint32_t ctx[3] = { (access << 16) | type, major, minor };
  uint64_t r[11] = { 0 };
  size_t steps = 0;
  for (size_t pc = 0; pc < n && steps++ < 10000; pc++)
    {
      const struct bpf_insn *i = &p[pc];
      uint64_t src = BPF_SRC (i->code) == BPF_X ? r[i->src_reg] : (uint64_t)(int64_t)i->imm;
      switch (i->code)
        {
        case BPF_LDX | BPF_W | BPF_MEM:
          if (i->src_reg != BPF_REG_1 || i->off < 0 || i->off > 8 || i->off % 4)
            return -1;
          r[i->dst_reg] = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_AND | BPF_K:
          r[i->dst_reg] = (uint32_t)(r[i->dst_reg] & (uint32_t)i->imm);
          break;
        case BPF_ALU | BPF_RSH | BPF_K:
          r[i->dst_reg] = (uint32_t)r[i->dst_reg] >> i->imm;
          break;
        case BPF_ALU | BPF_MOV | BPF_X:
        case BPF_ALU | BPF_MOV | BPF_K:
          r[i->dst_reg] = (uint32_t)src;
          break;
        case BPF_JMP | BPF_JNE | BPF_K:
        case BPF_JMP | BPF_JNE | BPF_X:
          if (r[i->dst_reg] != src)
            pc += (size_t)i->off;
          break;
        case BPF_JMP | BPF_EXIT:
          return (long)r[0];
        default:
          return -1;
        }
    }
  return -1; /* fell off the end */
}

#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static struct bpf_insn *prog;
static size_t n_prog;
static runcgo_error_t err;

static int
gen (struct runcgo_device_cgroup *rules, size_t n)
{
  struct runcgo_resources r = { .devices = rules, .n_devices = n };
  free (prog);
  prog = NULL;
  runcgo_error_release (&err);
  return runcgo_cg_devices_program (n ? &r : NULL, &prog, &n_prog, &err);
}

static long
ask (unsigned type, unsigned access, unsigned major, unsigned minor)
{
  return bpf_run (prog, n_prog, type, access, major, minor);
}

#define RULE(allow_, type_, maj_, min_, acc_)                                                                          \
  {                                                                                                                    \
    .allow = (allow_), .type = (type_), .major = { (maj_) >= 0, (maj_) }, .minor = { (min_) >= 0, (min_) },            \
    .access = (acc_)                                                                                                   \
  }

/* The kernel's verifier accepts the program (root with BPF allowed only). */
static int
verifier_accepts (void)
{
  union bpf_attr attr;
  memset (&attr, 0, sizeof (attr));
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = (uint64_t)(uintptr_t)prog;
  attr.insn_cnt = (uint32_t)n_prog;
  attr.license = (uint64_t)(uintptr_t) "GPL";
  int fd = (int)syscall (SYS_bpf, BPF_PROG_LOAD, &attr, sizeof (attr));
  if (fd < 0)
    return errno == EPERM ? -1 : 0;
  close (fd);
  return 1;
}

static void
test_default_rules_only (void)
{
  ok (gen (NULL, 0) == 0, "no config rules: a program is generated");
  ok (ask (CHR, R | W, 1, 3) == 1, "default: /dev/null (c 1:3) rw allowed");
  ok (ask (CHR, R, 1, 5) == 1, "default: /dev/zero (c 1:5) allowed (runc appends it after the config's rules)");
  ok (ask (CHR, R | W, 136, 7) == 1, "default: /dev/pts/7 (c 136:*) allowed");
  ok (ask (CHR, R, 1, 11) == 0, "default: /dev/kmsg (c 1:11) read denied");
  ok (ask (CHR, M, 1, 11) == 1, "default: mknod of any char device allowed (c *:* m)");
  ok (ask (BLK, M, 8, 0) == 1 && ask (BLK, R, 8, 0) == 0, "default: block devices: mknod yes, read no");
  ok (ask (CHR, R | M, 1, 11) == 0, "an access needing r and m is allowed only by one rule granting both");
  ok (ask (CHR, R | W, 10, 200) == 1, "default: /dev/net/tun allowed");
  int v = verifier_accepts ();
  if (v < 0)
    ok (1, "# SKIP the kernel's verifier check needs CAP_SYS_ADMIN/CAP_BPF");
  else
    ok (v == 1, "the kernel's verifier accepts the default program (%zu instructions)", n_prog);
}

static void
test_exact_instructions (void)
{
  /* deny-all, then allow c 1:11 r: the c 1:11 r block sorts after the
   * c *:* m / b *:* m defaults (wildcards first) */
  struct runcgo_device_cgroup rules[] = { RULE (false, "a", -1, -1, "rwm"), RULE (true, "c", 1, 11, "r") };
  ok (gen (rules, 2) == 0, "deny-all + allow c 1:11 r generates");
  /* prologue: ctx loads */
  ok (n_prog > 6 && prog[0].code == (BPF_LDX | BPF_W | BPF_MEM) && prog[0].dst_reg == BPF_REG_2 && prog[1].imm == 0xFFFF
          && prog[3].code == (BPF_ALU | BPF_RSH | BPF_K) && prog[3].imm == 16 && prog[4].off == 4 && prog[5].off == 8,
      "prologue: R2 = type, R3 = access, R4 = major, R5 = minor");
  size_t b = 6;
  while (b < n_prog
         && !(prog[b].code == (BPF_JMP | BPF_JNE | BPF_K) && prog[b].dst_reg == BPF_REG_2 && b + 4 < n_prog
              && prog[b + 4].imm == 1 && prog[b + 5].imm == 11))
    b++;
  ok (b + 7 < n_prog, "a block for c 1:11 exists");
  if (b + 7 < n_prog)
    {
      ok (prog[b].imm == CHR && prog[b].off == 7, "block: if type != c skip the 7 following instructions");
      ok (prog[b + 1].code == (BPF_ALU | BPF_MOV | BPF_X) && prog[b + 2].imm == R
              && prog[b + 3].code == (BPF_JMP | BPF_JNE | BPF_X) && prog[b + 3].off == 4,
          "block: access check (R1 = R3 & r; skip unless R1 == R3)");
      ok (prog[b + 4].dst_reg == BPF_REG_4 && prog[b + 4].off == 3 && prog[b + 5].dst_reg == BPF_REG_5
              && prog[b + 5].off == 2,
          "block: major and minor checks skip to the next block");
      ok (prog[b + 6].code == (BPF_ALU | BPF_MOV | BPF_K) && prog[b + 6].imm == 1
              && prog[b + 7].code == (BPF_JMP | BPF_EXIT),
          "block: allow = return 1");
    }
  ok (prog[n_prog - 2].imm == 0 && prog[n_prog - 1].code == (BPF_JMP | BPF_EXIT), "allow-list: default is return 0");
  ok (ask (CHR, R, 1, 11) == 1 && ask (CHR, W, 1, 11) == 0, "c 1:11 r: read allowed, write denied");
}

static void
test_allow_all_and_deny (void)
{
  struct runcgo_device_cgroup all[] = { RULE (true, "a", -1, -1, "rwm") };
  int r = gen (all, 1);
  ok (r == 0 && n_prog == 8, "allow-all: the prologue and return 1 only (%zu instructions)", n_prog);
  ok (ask (BLK, R | W, 8, 0) == 1 && ask (CHR, R, 1, 11) == 1, "allow-all: any device allowed");

  struct runcgo_device_cgroup deny[] = { RULE (true, "a", -1, -1, "rwm"), RULE (false, "c", 1, 11, "rwm") };
  ok (gen (deny, 2) == 0, "allow-all then deny c 1:11 generates");
  ok (ask (CHR, R, 1, 11) == 0 && ask (CHR, R, 1, 12) == 1 && ask (BLK, R, 1, 11) == 1,
      "deny-list: only c 1:11 denied (block 1:11 and c 1:12 still allowed)");
  ok (prog[n_prog - 2].imm == 1, "deny-list: default is return 1");

  struct runcgo_device_cgroup later[]
      = { RULE (false, "a", -1, -1, "rwm"), RULE (true, "c", 1, 11, "rwm"), RULE (false, "c", 1, 11, "w") };
  ok (gen (later, 3) == 0 && ask (CHR, R, 1, 11) == 1 && ask (CHR, W, 1, 11) == 0,
      "rules apply in order: a later deny c 1:11 w removes write only");
}

static void
test_type_a_and_errors (void)
{
  /* "a 1:11 r" is spelled as c and b rules (as resources.c does on v1), not "allow everything" */
  struct runcgo_device_cgroup a[] = { RULE (false, "a", -1, -1, "rwm"), RULE (true, "a", 1, 11, "r") };
  ok (gen (a, 2) == 0 && ask (CHR, R, 1, 11) == 1 && ask (BLK, R, 1, 11) == 1 && ask (CHR, W, 1, 11) == 0
          && ask (CHR, R, 1, 12) == 0,
      "type a with numbers: the same rule for c and b, nothing more");
  struct runcgo_device_cgroup hole[]
      = { RULE (false, "a", -1, -1, "rwm"), RULE (true, "c", -1, -1, "rwm"), RULE (false, "c", 1, 3, "rw") };
  int r = gen (hole, 3);
  ok (r < 0 && err && strstr (err->msg, "linux.resources.devices[2]") && strstr (err->msg, "punch a hole"),
      "a deny that would punch a hole in a wildcard allow is refused, naming the rule: %s", err ? err->msg : "");
  struct runcgo_device_cgroup bad[] = { RULE (true, "x", 1, 1, "r") };
  ok (gen (bad, 1) < 0 && err && strstr (err->msg, "linux.resources.devices[0].type"), "an unknown type is an error");
  struct runcgo_device_cgroup badacc[] = { RULE (true, "c", 1, 1, "rx") };
  ok (gen (badacc, 1) < 0 && err && strstr (err->msg, ".access"), "an unknown access letter is an error");
}

/* ---------------------------------------------------------------- stats parsers */

static void
test_stats_parsers (void)
{
  struct runcgo_cgroup_stats s = { 0 };
  uint64_t v = 0;
  ok (runcgo_cg_keyed_value ("oom 0\noom_kill 3\n", "oom_kill", &v) && v == 3, "keyed value: oom_kill 3");
  ok (runcgo_cg_keyed_value ("oom_kill 3\noom 7\n", "oom", &v) && v == 7, "keyed value: a key is not a prefix match");
  ok (runcgo_cg_keyed_value ("max max\n", "max", &v) && v == UINT64_MAX, "keyed value: \"max\" is UINT64_MAX");

  runcgo_cg_parse_memory_stat ("cache 4096\nrss 8192\ntotal_rss 8192\n", &s);
  ok (s.memory.n_raw == 3 && strcmp (s.memory.raw[1].key, "rss") == 0 && s.memory.raw[1].value == 8192,
      "memory.stat: every line into raw, in order");

  runcgo_cg_parse_cpu_stat ("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 10\nnr_throttled 2\n"
                            "throttled_usec 70\n",
                            true, &s);
  ok (s.cpu.total == 1500000 && s.cpu.user == 1000000 && s.cpu.kernel == 500000, "v2 cpu.stat: usec -> nsec");
  ok (s.cpu.periods == 10 && s.cpu.throttled_periods == 2 && s.cpu.throttled_time == 70000,
      "v2 cpu.stat: throttling (time in nsec)");
  runcgo_cg_parse_cpu_stat ("nr_periods 4\nnr_throttled 1\nthrottled_time 123456\n", false, &s);
  ok (s.cpu.periods == 4 && s.cpu.throttled_time == 123456, "v1 cpu.stat: throttled_time already in nsec");

  int added = runcgo_cg_parse_blkio_v1 ("8:0 Read 100\n8:0 Write 200\n8:0 Sync 300\nTotal 600\n",
                                        RUNCGO_BLKIO_SERVICE_BYTES, &s);
  ok (added == 3 && s.blkio[0].n == 3 && strcmp (s.blkio[0].e[1].op, "Write") == 0 && s.blkio[0].e[1].value == 200
          && s.blkio[0].e[1].major == 8,
      "v1 blkio: MAJ:MIN Op VALUE lines, Total skipped");
  runcgo_cg_parse_io_stat ("259:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n", &s);
  ok (s.blkio[0].n == 5 && strcmp (s.blkio[0].e[3].op, "Read") == 0 && s.blkio[0].e[3].value == 4096
          && s.blkio[0].e[4].major == 259,
      "v2 io.stat: rbytes/wbytes -> ioServiceBytesRecursive Read/Write");
  ok (s.blkio[1].n == 2 && s.blkio[1].e[1].value == 2, "v2 io.stat: rios/wios -> ioServicedRecursive");

  char *a = runcgo_cg_hugepage_name ("hugepages-2048kB"), *b = runcgo_cg_hugepage_name ("hugepages-1048576kB"),
       *c = runcgo_cg_hugepage_name ("hugepages-64kB"), *d = runcgo_cg_hugepage_name ("foo");
  ok (a && strcmp (a, "2MB") == 0 && b && strcmp (b, "1GB") == 0 && c && strcmp (c, "64KB") == 0 && d == NULL,
      "hugepage sizes named as the kernel's hugetlb.<size> files");
  free (a);
  free (b);
  free (c);
  runcgo_cgroup_stats_clear (&s);
}

static json_object *
stats_json_of (const struct runcgo_cgroup_stats *s)
{
  cleanup_free char *text = runcgo_stats_json (s);
  return json_tokener_parse (text);
}

static void
test_stats_json (void)
{
  struct runcgo_cgroup_stats s = { 0 };
  s.memory.usage = (struct runcgo_cgroup_mem_entry){ .limit = UINT64_MAX, .usage = 4096, .max = 8192, .failcnt = 0 };
  s.cpu.total = 1000;
  s.pids.current = 2;
  runcgo_cg_parse_memory_stat ("cache 10\n", &s);
  json_object *o = stats_json_of (&s), *x = NULL, *y = NULL;
  ok (o != NULL, "stats JSON parses");
  ok (json_object_object_get_ex (o, "memory", &x) && json_object_object_get_ex (x, "usage", &y)
          && json_object_get_uint64 (json_object_object_get (y, "limit")) == UINT64_MAX
          && json_object_get_uint64 (json_object_object_get (y, "usage")) == 4096
          && json_object_object_get_ex (y, "failcnt", NULL),
      "memory.usage has limit, usage, failcnt (runc's MemoryEntry)");
  ok (json_object_object_get_ex (x, "raw", &y) && json_object_get_uint64 (json_object_object_get (y, "cache")) == 10,
      "memory.raw carries memory.stat");
  ok (json_object_object_get_ex (x, "swap", &y) && json_object_object_get_ex (y, "limit", NULL)
          && !json_object_object_get_ex (y, "usage", NULL),
      "a zero usage is omitted (omitempty), the limit is not");
  ok (json_object_object_get_ex (o, "cpu", &x) && json_object_object_get_ex (x, "usage", &y)
          && json_object_object_get_ex (y, "kernel", NULL) && json_object_object_get_ex (y, "user", NULL)
          && !json_object_object_get_ex (y, "percpu", NULL),
      "cpu.usage: kernel and user always, percpu omitted when empty");
  ok (json_object_object_get_ex (o, "pids", &x) && json_object_get_uint64 (json_object_object_get (x, "current")) == 2
          && !json_object_object_get_ex (x, "limit", NULL),
      "pids: current; no limit field when unlimited (runc's 0)");
  ok (json_object_object_get_ex (o, "hugetlb", NULL) && json_object_object_get_ex (o, "blkio", NULL)
          && json_object_object_get_ex (o, "intel_rdt", NULL),
      "hugetlb, blkio and intel_rdt objects are present");
  json_object_put (o);
  runcgo_cgroup_stats_clear (&s);
}

/* ---------------------------------------------------------------- ps, values, resources, features */

static void
test_ps_filter (void)
{
  const char *out = "UID          PID    PPID  C STIME TTY          TIME CMD\n"
                    "root           1       0  0 10:00 ?        00:00:01 /sbin/init\n"
                    "root        4242       1  0 10:01 ?        00:00:00 sleep 100\n"
                    "root        4243    4242  0 10:01 ?        00:00:00 sh -c x\n";
  pid_t pids[] = { 4243, 4242 };
  cleanup_free char *t = NULL, *t2 = NULL;
  ok (runcgo_ps_filter (out, pids, 2, &t, &err) == 0, "ps -ef output filters");
  ok (t && strncmp (t, "UID ", 4) == 0 && strstr (t, "sleep 100") && strstr (t, "sh -c x") && !strstr (t, "/sbin/init"),
      "ps table: header plus the container's rows only");
  ok (runcgo_ps_filter ("  PID TTY\n 4242 ?\n 99 ?\n", pids, 2, &t2, &err) == 0 && t2
          && strcmp (t2, "  PID TTY\n 4242 ?\n") == 0,
      "ps table: the PID column found wherever it is");
  runcgo_error_release (&err);
  cleanup_free char *t3 = NULL;
  ok (runcgo_ps_filter ("USER CMD\nroot x\n", pids, 2, &t3, &err) < 0 && err && strstr (err->msg, "PID"),
      "ps table: no PID column is an error");
  runcgo_error_release (&err);
}

static void
test_values (void)
{
  int64_t v = 0;
  uint64_t ms = 0;
  ok (runcgo_parse_memory_size ("1024", &v) == 0 && v == 1024, "memory size: plain bytes");
  ok (runcgo_parse_memory_size ("64m", &v) == 0 && v == 64 << 20, "memory size: 64m");
  ok (runcgo_parse_memory_size ("1.5g", &v) == 0 && v == 3LL << 29, "memory size: 1.5g");
  ok (runcgo_parse_memory_size ("2GiB", &v) == 0 && v == 2LL << 30, "memory size: 2GiB");
  ok (runcgo_parse_memory_size ("10 KB", &v) == 0 && v == 10240, "memory size: \"10 KB\" (1024-based, as docker)");
  ok (runcgo_parse_memory_size ("-1", &v) == 0 && v == -1, "memory size: -1 = unlimited");
  ok (runcgo_parse_memory_size ("-2", &v) < 0 && runcgo_parse_memory_size ("12q", &v) < 0
          && runcgo_parse_memory_size ("", &v) < 0 && runcgo_parse_memory_size ("1e3", &v) < 0,
      "memory size: garbage refused");
  ok (runcgo_parse_duration_ms ("5s", &ms) == 0 && ms == 5000, "duration: 5s");
  ok (runcgo_parse_duration_ms ("250ms", &ms) == 0 && ms == 250, "duration: 250ms");
  ok (runcgo_parse_duration_ms ("1m30s", &ms) == 0 && ms == 90000, "duration: 1m30s");
  ok (runcgo_parse_duration_ms ("1.5s", &ms) == 0 && ms == 1500, "duration: 1.5s");
  ok (runcgo_parse_duration_ms ("5", &ms) < 0 && runcgo_parse_duration_ms ("s", &ms) < 0
          && runcgo_parse_duration_ms ("5x", &ms) < 0,
      "duration: a missing or unknown unit is refused (as Go)");
}

static void
test_resources_parse (void)
{
  const char *good = "{\"memory\":{\"limit\":1048576,\"swap\":-1},\"cpu\":{\"quota\":50000,\"cpus\":\"0\"},"
                     "\"pids\":{\"limit\":10},\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}";
  struct runcgo_resources *r = NULL;
  ok (runcgo_resources_parse (good, strlen (good), &r, &err) == 0 && r && r->memory && r->memory->limit.v == 1048576
          && r->memory->swap.v == -1 && r->cpu->quota.v == 50000 && strcmp (r->cpu->cpus, "0") == 0 && r->pids_limit.set
          && r->pids_limit.v == 10 && r->n_devices == 1,
      "update -r: a resources object parses into the spec structs");
  ok (r && runcgo_resources_validate (r, &err) == 0, "and validates");
  runcgo_resources_free (r);
  r = NULL;
  const char *bad = "{\"memory\":{\"limit\":\"1g\"}}";
  int rc = runcgo_resources_parse (bad, strlen (bad), &r, &err);
  ok (rc < 0 && err && strstr (err->msg, "linux.resources.memory.limit"), "a wrong type names the field: %s",
      err ? err->msg : "");
  runcgo_error_release (&err);
  ok (runcgo_resources_parse ("[1]", 3, &r, &err) < 0 && err, "not an object: an error");
  runcgo_error_release (&err);
  const char *neg = "{\"pids\":{\"limit\":-5}}";
  ok (runcgo_resources_parse (neg, strlen (neg), &r, &err) == 0 && runcgo_resources_validate (r, &err) < 0
          && strstr (err->msg, "pids.limit"),
      "validation refuses pids.limit -5");
  runcgo_resources_free (r);
  runcgo_error_release (&err);
}

static void
test_features (void)
{
  cleanup_free char *text = runcgo_features_json ();
  json_object *f = json_tokener_parse (text), *x = NULL, *l = NULL;
  ok (f != NULL, "features is JSON");
  ok (json_object_object_get_ex (f, "ociVersionMin", &x) && strcmp (json_object_get_string (x), "1.0.0") == 0
          && json_object_object_get_ex (f, "ociVersionMax", &x) && strcmp (json_object_get_string (x), "1.3.0") == 0,
      "ociVersionMin 1.0.0, ociVersionMax 1.3.0");
  bool has_rbind = false;
  if (json_object_object_get_ex (f, "mountOptions", &x))
    for (size_t i = 0; i < json_object_array_length (x); i++)
      has_rbind = has_rbind || strcmp (json_object_get_string (json_object_array_get_idx (x, i)), "rbind") == 0;
  ok (has_rbind, "mountOptions come from the mount option table (rbind)");
  ok (json_object_object_get_ex (f, "linux", &l) && json_object_object_get_ex (l, "cgroup", &x)
          && json_object_get_boolean (json_object_object_get (x, "v1"))
          && json_object_get_boolean (json_object_object_get (x, "v2"))
          && json_object_is_type (json_object_object_get (x, "systemd"), json_type_boolean),
      "cgroup: v1 and v2 yes, systemd a boolean");
  ok (l && json_object_object_get_ex (l, "namespaces", &x) && json_object_array_length (x) == RUNCGO_NS_KINDS,
      "every namespace kind the spec model knows");
  json_object_put (f);
}

int
main (void)
{
  test_default_rules_only ();
  test_exact_instructions ();
  test_allow_all_and_deny ();
  test_type_a_and_errors ();
  test_stats_parsers ();
  test_stats_json ();
  test_ps_filter ();
  test_values ();
  test_resources_parse ();
  test_features ();
  free (prog);
  runcgo_error_release (&err);
  return done_testing ();
}
