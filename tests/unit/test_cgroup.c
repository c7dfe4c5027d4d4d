/* test_cgroup.c -- the pure parts of src/lib/cgroup: the resource plan for
 * v1 and v2 (file names, values, order, conversions, field-named errors),
 * cgroupsPath cleaning, and the mountinfo / /proc/PID/cgroup parsers.
 * Runs unprivileged and touches no cgroup. */
#include "config.h"

#include <string.h>

#include "cgroup/internal.h"
#include "core/util.h"
#include "tap.h"

static struct runcgo_cgroup_write *w;
static size_t nw;
static runcgo_error_t err;

/* Plan r for mode; returns 0 or -1 (error kept in err for the checks). */
static int
plan (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode)
{
  runcgo_cgroup_writes_free (w, nw);
  w = NULL;
  nw = 0;
  runcgo_error_release (&err);
  return runcgo_cgroup_plan_writes (r, mode, &w, &nw, &err);
}

/* Index of the k-th write to file (k from 0), or -1. */
static int
find (const char *file, int k)
{
  for (size_t i = 0; i < nw; i++)
    if (strcmp (w[i].file, file) == 0 && k-- == 0)
      return (int)i;
  return -1;
}

static bool
has (const char *file, const char *value)
{
  for (int k = 0; find (file, k) >= 0; k++)
    if (strcmp (w[find (file, k)].value, value) == 0)
      return true;
  return false;
}

static bool
err_has (const char *s)
{
  return err && strstr (err->msg, s);
}

static void
test_memory (void)
{
  struct runcgo_memory m = { .limit = { true, 1048576 }, .swap = { true, 3145728 }, .reservation = { true, 524288 } };
  struct runcgo_resources r = { .memory = &m };

  ok (plan (&r, RUNCGO_CGROUP_V1) == 0, "v1 memory plan succeeds");
  int l = find ("memory.limit_in_bytes", 0), s = find ("memory.memsw.limit_in_bytes", 0);
  ok (l >= 0 && strcmp (w[l].value, "1048576") == 0 && strcmp (w[l].controller, "memory") == 0,
      "v1 limit -> memory.limit_in_bytes in the memory hierarchy");
  ok (l >= 0 && strcmp (w[l].field, "linux.resources.memory.limit") == 0, "the write names its OCI field");
  ok (s > l && strcmp (w[s].value, "3145728") == 0, "v1 swap is memory+swap, written after the limit");
  ok (l >= 0 && s >= 0 && (w[l].flags & RUNCGO_CGROUP_WRITE_RETRY) && (w[s].flags & RUNCGO_CGROUP_WRITE_RETRY),
      "limit and memsw retry on EINVAL (their order depends on the current values)");
  ok (has ("memory.soft_limit_in_bytes", "524288"), "v1 reservation -> memory.soft_limit_in_bytes");

  ok (plan (&r, RUNCGO_CGROUP_V2) == 0, "v2 memory plan succeeds");
  ok (has ("memory.max", "1048576") && w[find ("memory.max", 0)].controller == NULL, "v2 limit -> memory.max");
  ok (has ("memory.swap.max", "2097152"), "v2 memory.swap.max = swap - limit (runc's conversion)");
  ok (has ("memory.low", "524288"), "v2 reservation -> memory.low");

  m.limit.v = -1;
  m.swap.set = false;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("memory.max", "max") && has ("memory.swap.max", "max"),
      "v2 limit -1 -> memory.max max, and unlimited swap with it");
  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("memory.limit_in_bytes", "-1")
          && (w[find ("memory.memsw.limit_in_bytes", 0)].flags & RUNCGO_CGROUP_WRITE_OPTIONAL),
      "v1 limit -1 also lifts memsw, where swap is accounted");

  m.limit.v = 1048576;
  m.swap = (runcgo_opt_i64){ true, 1048576 };
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("memory.swap.max", "0"), "v2 swap == limit disables swap (\"0\")");
  m.swap.v = -1;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("memory.swap.max", "max"), "v2 swap -1 -> max");

  m.swap.v = 4096;
  ok (plan (&r, RUNCGO_CGROUP_V1) < 0 && err_has ("linux.resources.memory.swap") && err_has (">= memory.limit"),
      "swap below limit is an error naming memory.swap");
  m.limit.set = false;
  m.swap.v = 2097152;
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("linux.resources.memory.swap"),
      "v2 swap without a memory limit is an error");
}

static void
test_memory_misc (void)
{
  struct runcgo_memory m = { .swappiness = { true, 60 },
                             .disable_oom_killer = { true, true },
                             .kernel_tcp = { true, 65536 },
                             .kernel = { true, 65536 } };
  struct runcgo_resources r = { .memory = &m };

  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("memory.swappiness", "60"), "v1 swappiness -> memory.swappiness");
  ok (has ("memory.oom_control", "1"), "v1 disableOOMKiller -> memory.oom_control 1");
  int t = find ("memory.kmem.tcp.limit_in_bytes", 0);
  ok (t >= 0 && (w[t].flags & RUNCGO_CGROUP_WRITE_OPTIONAL), "v1 kernelTCP is written only where the kernel has it");
  ok (find ("memory.kmem.limit_in_bytes", 0) < 0, "deprecated memory.kernel is ignored");

  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("linux.resources.memory.swappiness"),
      "v2 swappiness is an error naming the field");
  m.swappiness.set = false;
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("disableOOMKiller"), "v2 disableOOMKiller is an error");
  m.swappiness = (runcgo_opt_u64){ true, 101 };
  ok (plan (&r, RUNCGO_CGROUP_V1) < 0 && err_has ("swappiness") && err_has ("0-100"),
      "swappiness above 100 is refused");
}

static void
test_cpu (void)
{
  struct runcgo_cpu c = { .shares = { true, 1024 },
                          .quota = { true, 50000 },
                          .period = { true, 100000 },
                          .burst = { true, 10000 },
                          .cpus = (char *)"0-1",
                          .mems = (char *)"0" };
  struct runcgo_resources r = { .cpu = &c };

  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("cpu.shares", "1024"), "v1 shares -> cpu.shares");
  int p = find ("cpu.cfs_period_us", 0), q = find ("cpu.cfs_quota_us", 0);
  ok (p >= 0 && q > p && strcmp (w[q].value, "50000") == 0 && strcmp (w[p].value, "100000") == 0,
      "v1 period then quota");
  ok (p >= 0 && (w[p].flags & RUNCGO_CGROUP_WRITE_RETRY), "v1 period retries after the quota on EINVAL");
  ok (has ("cpu.cfs_burst_us", "10000"), "v1 burst -> cpu.cfs_burst_us");
  int cs = find ("cpuset.cpus", 0);
  ok (cs >= 0 && strcmp (w[cs].controller, "cpuset") == 0 && strcmp (w[cs].value, "0-1") == 0
          && has ("cpuset.mems", "0"),
      "cpus/mems go to the cpuset hierarchy");

  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("cpu.weight", "39"), "v2 shares 1024 -> cpu.weight 39");
  ok (has ("cpu.max", "50000 100000") && has ("cpu.max.burst", "10000"), "v2 quota+period -> cpu.max \"50000 100000\"");
  c.quota.v = -1;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("cpu.max", "max 100000"), "v2 quota -1 -> \"max 100000\"");
  c.quota.v = 20000;
  c.period.set = false;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("cpu.max", "20000"), "v2 quota alone keeps the kernel's period");

  ok (runcgo_cg_shares_to_weight (2) == 1, "shares 2 -> weight 1");
  ok (runcgo_cg_shares_to_weight (1024) == 39, "shares 1024 -> weight 39");
  ok (runcgo_cg_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000");
  ok (runcgo_cg_shares_to_weight (0) == 0 && runcgo_cg_shares_to_weight (1) == 1, "shares 0 unset, 1 clamps to 1");

  c.realtime_runtime = (runcgo_opt_i64){ true, 950000 };
  c.realtime_period = (runcgo_opt_u64){ true, 1000000 };
  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("cpu.rt_period_us", "1000000") && has ("cpu.rt_runtime_us", "950000"),
      "v1 realtime -> cpu.rt_period_us / cpu.rt_runtime_us");
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("linux.resources.cpu.realtime"), "v2 realtime is an error");
  c.realtime_runtime.set = c.realtime_period.set = false;
  c.idle = (runcgo_opt_i64){ true, 1 };
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("cpu.idle", "1"), "idle -> cpu.idle");
}

static void
test_pids_blkio (void)
{
  struct runcgo_resources r = { .pids_limit = { true, 10 } };
  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("pids.max", "10")
          && strcmp (w[find ("pids.max", 0)].controller, "pids") == 0,
      "pids.limit 10 -> pids.max 10");
  r.pids_limit.v = -1;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("pids.max", "max"), "pids.limit -1 -> max");
  r.pids_limit.v = 0;
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("pids.max", "0"), "pids.limit 0 is a real limit (spec 1.3)");

  struct runcgo_block_weight_device wd = { 8, 0, { true, 300 }, { false, 0 } };
  struct runcgo_block_throttle_device rb = { 8, 0, 1048576 }, wi = { 8, 16, 120 };
  struct runcgo_block_io b = { .weight = { true, 500 }, .weight_device = &wd, .n_weight_device = 1 };
  b.throttle[0] = &rb;
  b.n_throttle[0] = 1;
  b.throttle[3] = &wi;
  b.n_throttle[3] = 1;
  struct runcgo_resources rb_r = { .block_io = &b };
  ok (plan (&rb_r, RUNCGO_CGROUP_V1) == 0 && has ("blkio.weight", "500") && has ("blkio.weight_device", "8:0 300"),
      "v1 blkio weights");
  ok (has ("blkio.throttle.read_bps_device", "8:0 1048576") && has ("blkio.throttle.write_iops_device", "8:16 120"),
      "v1 throttles \"MAJ:MIN rate\"");
  ok (plan (&rb_r, RUNCGO_CGROUP_V2) == 0 && has ("io.bfq.weight", "500") && has ("io.bfq.weight", "8:0 300"),
      "v2 weights go to io.bfq.weight");
  ok (has ("io.max", "8:0 rbps=1048576") && has ("io.max", "8:16 wiops=120"), "v2 throttles -> io.max key=value");
  ok (runcgo_cg_blkio_to_io_weight (10) == 1 && runcgo_cg_blkio_to_io_weight (1000) == 10000
          && runcgo_cg_blkio_to_io_weight (500) == 4950,
      "blkio weight -> io.weight conversion (10->1, 500->4950, 1000->10000)");
  b.leaf_weight = (runcgo_opt_u64){ true, 300 };
  ok (plan (&rb_r, RUNCGO_CGROUP_V2) < 0 && err_has ("leafWeight"), "v2 leafWeight is an error");
  ok (plan (&rb_r, RUNCGO_CGROUP_V1) == 0 && has ("blkio.leaf_weight", "300"), "v1 leafWeight -> blkio.leaf_weight");
}

static void
test_hugetlb_net_rdma (void)
{
  struct runcgo_hugepage_limit h = { (char *)"2MB", 209715200 };
  struct runcgo_resources r = { .hugepage_limits = &h, .n_hugepage_limits = 1 };
  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && has ("hugetlb.2MB.limit_in_bytes", "209715200"),
      "v1 hugetlb.2MB.limit_in_bytes");
  int rs = find ("hugetlb.2MB.rsvd.limit_in_bytes", 0);
  ok (rs >= 0 && (w[rs].flags & RUNCGO_CGROUP_WRITE_OPTIONAL), "v1 reservation limit where supported");
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("hugetlb.2MB.max", "209715200") && find ("hugetlb.2MB.rsvd.max", 0) >= 0,
      "v2 hugetlb.2MB.max and .rsvd.max");
  h.page_size = (char *)"2M";
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("hugepageLimits[0].pageSize"), "page size \"2M\" is refused");

  struct runcgo_net_priority pr = { (char *)"eth0", 5 };
  struct runcgo_resources n = { .net_class_id = { true, 1048577 }, .net_priorities = &pr, .n_net_priorities = 1 };
  ok (plan (&n, RUNCGO_CGROUP_V1) == 0 && has ("net_cls.classid", "1048577") && has ("net_prio.ifpriomap", "eth0 5"),
      "v1 network classID and priorities");
  ok (plan (&n, RUNCGO_CGROUP_V2) < 0 && err_has ("linux.resources.network"), "v2 network is an error");

  struct runcgo_rdma rd[2]
      = { { (char *)"mlx5_1", { true, 3 }, { true, 10000 } }, { (char *)"mlx4_0", { false, 0 }, { true, 1000 } } };
  struct runcgo_resources rr = { .rdma = rd, .n_rdma = 2 };
  ok (plan (&rr, RUNCGO_CGROUP_V2) == 0 && has ("rdma.max", "mlx5_1 hca_handle=3 hca_object=10000")
          && has ("rdma.max", "mlx4_0 hca_object=1000"),
      "rdma.max lines");
}

static void
test_unified (void)
{
  struct runcgo_kv kv[2] = { { (char *)"memory.high", (char *)"max" },
                             { (char *)"io.max", (char *)"259:0 rbps=2097152\n253:0 wiops=120" } };
  struct runcgo_resources r = { .unified = kv, .n_unified = 2 };
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && has ("memory.high", "max"), "unified keys are written raw on v2");
  ok (has ("io.max", "259:0 rbps=2097152") && has ("io.max", "253:0 wiops=120"),
      "a multi-line unified value is written line by line");
  ok (plan (&r, RUNCGO_CGROUP_HYBRID) == 0 && w[find ("memory.high", 0)].controller == NULL,
      "hybrid: unified keys go to the cgroup2 mount");
  ok (plan (&r, RUNCGO_CGROUP_V1) < 0 && err_has ("linux.resources.unified"), "v1: unified is an error");
  kv[0].key = (char *)"cgroup.procs";
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("cgroup.procs"), "cgroup.procs cannot be set via unified");
  kv[0].key = (char *)"../memory.max";
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0 && err_has ("not a cgroup file name"), "a key with '/' is refused");
  kv[0].key = (char *)"memoryhigh";
  ok (plan (&r, RUNCGO_CGROUP_V2) < 0, "a key without a controller prefix is refused");
}

static void
test_devices (void)
{
  struct runcgo_device_cgroup d[3] = {
    { .allow = false, .access = (char *)"rwm" },
    { .allow = true, .type = (char *)"c", .major = { true, 10 }, .minor = { true, 229 }, .access = (char *)"rw" },
    { .allow = true, .type = (char *)"a", .major = { true, 5 }, .access = (char *)"r" },
  };
  struct runcgo_resources r = { .devices = d, .n_devices = 3 };
  ok (plan (&r, RUNCGO_CGROUP_V1) == 0 && nw > 4 && strcmp (w[0].file, "devices.deny") == 0
          && strcmp (w[0].value, "a") == 0,
      "v1 devices start with deny-all");
  ok (strcmp (w[1].file, "devices.deny") == 0 && strcmp (w[1].value, "a") == 0, "a wildcard deny rule -> \"a\"");
  ok (strcmp (w[2].file, "devices.allow") == 0 && strcmp (w[2].value, "c 10:229 rw") == 0,
      "rules in order: \"c 10:229 rw\"");
  ok (strcmp (w[3].value, "c 5:* r") == 0 && strcmp (w[4].value, "b 5:* r") == 0,
      "type a with numbers is spelled as c and b (\"a ...\" would allow all)");
  ok (strcmp (w[nw - 1].value, "c 10:200 rwm") == 0 && has ("devices.allow", "c 1:3 rwm"),
      "the spec's default devices are allowed last");
  ok (plan (&r, RUNCGO_CGROUP_V2) == 0 && find ("devices.allow", 0) < 0 && find ("devices.deny", 0) < 0,
      "v2 writes no device files (eBPF filter)");
  ok (plan (NULL, RUNCGO_CGROUP_V1) == 0 && has ("devices.deny", "a") && !runcgo_cg_plan_requests (w, nw),
      "no resources: device defaults only, which is not a resource request");
  d[1].access = (char *)"rwx";
  ok (plan (&r, RUNCGO_CGROUP_V1) < 0 && err_has ("linux.resources.devices[1].access"), "bad access is refused");
}

static void
test_paths (void)
{
  char *out = NULL;
  runcgo_error_release (&err);
  ok (runcgo_cg_clean_path ("//a/./b/", &out, &err) == 0 && strcmp (out, "/a/b") == 0, "\"//a/./b/\" -> \"/a/b\"");
  free (out);
  ok (runcgo_cg_clean_path ("a/../b/c", &out, &err) == 0 && strcmp (out, "b/c") == 0, "\"a/../b/c\" -> \"b/c\"");
  free (out);
  ok (runcgo_cg_clean_path ("/../etc", &out, &err) < 0 && err_has ("linux.cgroupsPath"),
      "\"..\" above the root is refused");
  runcgo_error_release (&err);
  ok (runcgo_cg_clean_path ("a/../../x", &out, &err) < 0, "\"..\" above a relative start is refused");
  runcgo_error_release (&err);
}

static const char mountinfo[] = "22 1 0:21 / /sys rw - sysfs sysfs rw\n"
                                "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                                "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                                "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory,clone_children\n"
                                "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
                                "41 30 0:38 / /sys/fs/cgroup/other rw - cgroup cgroup rw,name=other\n"
                                "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate\n"
                                "50 22 0:31 /sub /mnt/my\\040mem rw - cgroup cgroup rw,memory\n";

static void
test_parsers (void)
{
  struct runcgo_cg_hier *h = NULL;
  size_t n = 0;
  ok (runcgo_cg_parse_mountinfo (mountinfo, &h, &n, &err) == 0 && n == 4,
      "mountinfo: 4 hierarchies (duplicate mount and name=other skipped)");
  ok (n == 4 && strcmp (h[0].controllers, "cpu,cpuacct") == 0 && strcmp (h[0].mount, "/sys/fs/cgroup/cpu,cpuacct") == 0,
      "co-mounted cpu,cpuacct");
  ok (n == 4 && strcmp (h[1].controllers, "memory") == 0, "mount options are not controllers");
  ok (n == 4 && strcmp (h[2].controllers, "name=systemd") == 0, "name=systemd is kept");
  ok (n == 4 && h[3].unified && strcmp (h[3].mount, "/sys/fs/cgroup/unified") == 0, "cgroup2 mount");
  runcgo_cg_hiers_free (h, n);
  ok (runcgo_cg_parse_mountinfo ("50 22 0:31 /sub /mnt/my\\040mem rw - cgroup cgroup rw,memory\n", &h, &n, &err) == 0
          && n == 1 && strcmp (h[0].mount, "/mnt/my mem") == 0 && strcmp (h[0].root, "/sub") == 0,
      "mountinfo escapes and the mount root");
  runcgo_cg_hiers_free (h, n);

  const char *proc = "9:name=systemd:/user.slice\n4:memory:/process_api/abc\n2:cpuacct,cpu:/\n0::/init.scope\n";
  char *p = runcgo_cg_proc_path (proc, "memory");
  ok (p && strcmp (p, "/process_api/abc") == 0, "/proc/self/cgroup: memory path");
  free (p);
  p = runcgo_cg_proc_path (proc, "cpu,cpuacct");
  ok (p && strcmp (p, "/") == 0, "controller sets match in any order");
  free (p);
  p = runcgo_cg_proc_path (proc, "");
  ok (p && strcmp (p, "/init.scope") == 0, "the cgroup2 line");
  free (p);
  ok (runcgo_cg_proc_path (proc, "pids") == NULL, "absent hierarchy -> NULL");
  ok (runcgo_cg_has_controller ("cpu,cpuacct", "cpuacct") && !runcgo_cg_has_controller ("cpuacct", "cpu")
          && runcgo_cg_has_controller ("cpuset cpu io\n", "io"),
      "controller lists match whole names");
}

int
main (void)
{
  test_memory ();
  test_memory_misc ();
  test_cpu ();
  test_pids_blkio ();
  test_hugetlb_net_rdma ();
  test_unified ();
  test_devices ();
  test_paths ();
  test_parsers ();
  runcgo_cgroup_writes_free (w, nw);
  runcgo_error_release (&err);
  return done_testing ();
}
