/* test_systemd.c -- the pure parts of the systemd cgroup driver: cgroupsPath
 * "slice:prefix:name" (runc's rules and defaults, errors naming the field),
 * slice expansion, OCI resources -> unit properties for v1 and v2 (names,
 * values, conversions, systemd version gates), cpu lists -> AllowedCPUs
 * bitmasks, the checks on /proc/PID/cgroup, and when a rootless config
 * may go to a user scope automatically.  No bus, no cgroup. */
#include "config.h"

#include <string.h>

#include "cgroup/systemd.h"
#include "core/util.h"
#include "tap.h"

static runcgo_error_t err;

static bool
err_has (const char *needle)
{
  return err && strstr (runcgo_error_text (err), needle) != NULL;
}

/* ---------------------------------------------------------------- cgroupsPath */

static bool
parses_to (const char *path, bool rootless, const char *slice, const char *unit, bool is_slice)
{
  struct runcgo_sd_unit u;
  runcgo_error_release (&err);
  if (runcgo_sd_parse_path (path, "abc", rootless, &u, &err) < 0)
    {
      diag ("%s: %s", path, runcgo_error_text (err));
      return false;
    }
  bool good = strcmp (u.slice, slice) == 0 && strcmp (u.unit, unit) == 0 && u.is_slice == is_slice;
  if (!good)
    diag ("%s: got slice=%s unit=%s is_slice=%d", path, u.slice, u.unit, u.is_slice);
  runcgo_sd_unit_clear (&u);
  return good;
}

static bool
path_fails (const char *path, const char *needle)
{
  struct runcgo_sd_unit u;
  runcgo_error_release (&err);
  if (runcgo_sd_parse_path (path, "abc", false, &u, &err) == 0)
    {
      runcgo_sd_unit_clear (&u);
      return false;
    }
  bool good = err_has ("linux.cgroupsPath") && err_has (needle);
  if (!good)
    diag ("%s: %s", path, runcgo_error_text (err));
  return good;
}

static void
test_cgroups_path (void)
{
  ok (parses_to ("system.slice:runcgo:test", false, "system.slice", "runcgo-test.scope", false),
      "slice:prefix:name -> prefix-name.scope in the slice");
  ok (parses_to ("", false, "system.slice", "runcgo-abc.scope", false),
      "empty path: runcgo-<id>.scope in system.slice");
  ok (parses_to (NULL, true, "user.slice", "runcgo-abc.scope", false), "rootless default slice is user.slice");
  ok (parses_to (":docker:1234", false, "system.slice", "docker-1234.scope", false), "empty slice: the default");
  ok (parses_to ("machine.slice::foo", false, "machine.slice", "foo.scope", false), "empty prefix: name.scope");
  ok (parses_to ("system.slice:x:kubepods-pod1.slice", false, "system.slice", "kubepods-pod1.slice", true),
      "a name ending in .slice makes a slice (prefix unused)");
  ok (parses_to ("a-b.slice:p:n@1", false, "a-b.slice", "p-n@1.scope", false), "nested slice, '@' in the name");
  ok (path_fails ("bad", "slice:prefix:name"), "one field is an error naming the format");
  ok (path_fails ("/runcgo/abc", "slice:prefix:name"), "a cgroupfs path is an error");
  ok (path_fails ("a.slice:b:c:d", "slice:prefix:name"), "four fields is an error");
  ok (path_fails ("system:runcgo:x", "slice \"system\""), "a slice not ending in .slice is an error naming it");
  ok (path_fails ("system.slice:runcgo:", "name is empty"), "an empty name is an error");
  ok (path_fails ("system.slice:a/b:c", "prefix \"a/b\""), "'/' in the prefix is an error");
  ok (path_fails ("system.slice:p:a b", "name \"a b\""), "a space in the name is an error");
  ok (path_fails ("a--b.slice:p:n", "empty component"), "a--b.slice is an error");
  ok (path_fails ("system.slice:p:-x.slice", "empty component"), "a slice name -x.slice is an error");
  char longname[300];
  memset (longname, 'n', sizeof (longname) - 1);
  longname[sizeof (longname) - 1] = '\0';
  cleanup_free char *lp = xasprintf ("system.slice:p:%s", longname);
  ok (path_fails (lp, "255"), "a unit name over 255 characters is an error");
  struct runcgo_sd_unit u;
  runcgo_error_release (&err);
  ok (runcgo_sd_parse_path ("", NULL, false, &u, &err) < 0, "no path and no id is an error");
}

static bool
expands_to (const char *slice, const char *want)
{
  cleanup_free char *got = NULL;
  runcgo_error_release (&err);
  if (runcgo_sd_expand_slice (slice, &got, &err) < 0)
    return want == NULL;
  if (want == NULL || strcmp (got, want) != 0)
    diag ("%s -> %s", slice, got);
  return want && strcmp (got, want) == 0;
}

static void
test_expand_slice (void)
{
  ok (expands_to ("system.slice", "/system.slice"), "system.slice -> /system.slice");
  ok (expands_to ("a-b-c.slice", "/a.slice/a-b.slice/a-b-c.slice"), "a-b-c.slice -> every ancestor slice");
  ok (expands_to ("-.slice", "/"), "-.slice is the root");
  ok (expands_to ("-a.slice", NULL), "-a.slice is refused");
  ok (expands_to ("a-.slice", NULL), "a-.slice is refused");
  ok (expands_to (".slice", NULL), ".slice is refused");
  ok (expands_to ("a/b.slice", NULL), "a '/' is refused");
  ok (expands_to ("system", NULL), "no .slice suffix is refused");
}

/* ---------------------------------------------------------------- bitmasks, quota, version */

static void
test_bits (void)
{
  unsigned char *b = NULL;
  size_t n = 0;
  runcgo_error_release (&err);
  ok (runcgo_sd_list_to_bits ("0-2,7", "f", &b, &n, &err) == 0 && n == 1 && b[0] == 0x87, "0-2,7 -> 0x87");
  free (b);
  b = NULL;
  ok (runcgo_sd_list_to_bits ("8", "f", &b, &n, &err) == 0 && n == 2 && b[0] == 0 && b[1] == 1,
      "8 -> two bytes, little-endian");
  free (b);
  b = NULL;
  ok (runcgo_sd_list_to_bits ("0,64", "f", &b, &n, &err) == 0 && n == 9 && b[0] == 1 && b[8] == 1,
      "0,64 -> nine bytes");
  free (b);
  b = NULL;
  ok (runcgo_sd_list_to_bits ("", "f", &b, &n, &err) == 0 && n == 0, "empty list -> no bytes");
  const char *bad[] = { "1-0", "a", "1,", "-1", "3-", "1,,2", "0-70000", "1 2" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      runcgo_error_release (&err);
      b = NULL;
      int r = runcgo_sd_list_to_bits (bad[i], "linux.resources.cpu.cpus", &b, &n, &err);
      ok (r < 0 && err_has ("linux.resources.cpu.cpus") && b == NULL, "\"%s\" is refused, naming the field", bad[i]);
    }
}

static void
test_quota (void)
{
  ok (runcgo_sd_quota_per_sec (50000, 100000) == 500000, "50000/100000 -> 500000 us per s");
  ok (runcgo_sd_quota_per_sec (50000, 0) == 500000, "no period: the default 100000");
  ok (runcgo_sd_quota_per_sec (12345, 100000) == 130000, "rounded up to whole percent (123450 -> 130000)");
  ok (runcgo_sd_quota_per_sec (1000, 1000000) == 10000, "1000/1000000 -> at least 1%%");
  ok (runcgo_sd_quota_per_sec (0, 100000) == RUNCGO_SD_INFINITY, "no quota -> infinity");
  ok (runcgo_sd_quota_per_sec (-1, 100000) == RUNCGO_SD_INFINITY, "-1 -> infinity");
  ok (runcgo_sd_parse_version ("252.38-1~deb12u1") == 252, "Version 252.38-1~deb12u1 -> 252");
  ok (runcgo_sd_parse_version ("v255-rc1") == 255, "v255-rc1 -> 255");
  ok (runcgo_sd_parse_version ("") == 0 && runcgo_sd_parse_version (NULL) == 0, "unknown -> 0");
}

static void
test_proc_in (void)
{
  const char *v1 = "4:memory:/system.slice/runcgo-a.scope\n1:name=systemd:/system.slice/runcgo-a.scope\n0::/\n";
  const char *v2 = "0::/user.slice/user-1000.slice/user@1000.service/user.slice/runcgo-a.scope\n";
  ok (runcgo_sd_proc_in (v1, "/system.slice/runcgo-a.scope"), "v1: the name=systemd line places the pid");
  ok (runcgo_sd_proc_in (v2, "/user.slice/user-1000.slice/user@1000.service/user.slice/runcgo-a.scope"),
      "v2: the 0:: line places the pid");
  ok (!runcgo_sd_proc_in (v1, "/system.slice/runcgo-a.scop"), "a prefix of the path is not a match");
  ok (!runcgo_sd_proc_in (v1, "/system.slice/runcgo-a.scope/sub"), "a longer path is not a match");
  ok (!runcgo_sd_proc_in ("0::/\n", "/system.slice/runcgo-a.scope"), "the root cgroup is not the unit");
}

static void
test_proc_below (void)
{
  const char *v2 = "0::/u/user@1000.service/app.slice/run-1.service\n";
  ok (runcgo_sd_proc_below (v2, "/u/user@1000.service"), "a process deep in the manager's subtree");
  ok (runcgo_sd_proc_below (v2, "/u/user@1000.service/app.slice/run-1.service"), "the root itself");
  ok (runcgo_sd_proc_below (v2, "/"), "everything is below /");
  ok (!runcgo_sd_proc_below (v2, "/u/user@1000.serv"), "a prefix of a name is not a parent");
  ok (!runcgo_sd_proc_below ("0::/u/session-1.scope\n", "/u/user@1000.service"), "a session scope is elsewhere");
}

/* The automatic choice of a user scope for the cgroupfs driver's config. */
static void
test_auto_candidate (void)
{
  struct runcgo_memory mem = { .limit = { true, 64 << 20 } };
  struct runcgo_kv unified[] = { { (char *)"cgroup.max.descendants", (char *)"7" } };
  struct runcgo_resources none = { 0 }, memory = { .memory = &mem }, uni = { .unified = unified, .n_unified = 1 };
  struct runcgo_cgroup_config c = { .id = "x", .resources = &memory, .rootless = true };
  ok (runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "v2, rootless, a memory limit, no cgroupsPath");
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V1), "never on v1 (nothing is delegated to users)");
  c.rootless = false;
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "never for root");
  c.rootless = true;
  c.resources = NULL;
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "no resources: no bus");
  c.resources = &none;
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "empty resources: no bus");
  c.resources = &uni;
  ok (runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_HYBRID), "hybrid: cgroup2 files only");
  c.cgroups_path = "user.slice:runcgo:x";
  ok (runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "a cgroupsPath slice:prefix:name");
  c.cgroups_path = "/mine/x";
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "an absolute cgroupsPath is the cgroupfs driver's");
  c.cgroups_path = "a:b";
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "two fields are not a systemd path");
  unified[0].key = (char *)"cgroup.procs";
  c.cgroups_path = NULL;
  ok (!runcgo_sd_auto_candidate (&c, RUNCGO_CGROUP_V2), "a resource error is left to the cgroupfs driver");
}

/* ---------------------------------------------------------------- properties */

static struct runcgo_sd_props props;

static int
build (const struct runcgo_resources *r, enum runcgo_cgroup_mode mode, unsigned version)
{
  runcgo_sd_props_free (&props);
  runcgo_error_release (&err);
  return runcgo_sd_resource_props (r, mode, version, &props, &err);
}

static bool
has_u64 (const char *name, uint64_t v)
{
  const struct runcgo_sd_prop *p = runcgo_sd_props_find (&props, name);
  if (p == NULL || p->type != RUNCGO_SD_U64 || p->num != v)
    diag ("%s: %s", name, p ? "other value or type" : "absent");
  return p && p->type == RUNCGO_SD_U64 && p->num == v;
}

static bool
absent (const char *name)
{
  return runcgo_sd_props_find (&props, name) == NULL;
}

static void
test_props_v1 (void)
{
  struct runcgo_memory mem = { .limit = { true, 64 << 20 }, .reservation = { true, 32 << 20 } };
  struct runcgo_cpu cpu = { .shares = { true, 512 }, .quota = { true, 50000 }, .period = { true, 100000 } };
  cpu.cpus = (char *)"0-1";
  struct runcgo_block_io bio = { .weight = { true, 300 } };
  struct runcgo_resources r = { .memory = &mem, .cpu = &cpu, .pids_limit = { true, 50 }, .block_io = &bio };
  ok (build (&r, RUNCGO_CGROUP_HYBRID, 252) == 0, "v1 properties build");
  ok (has_u64 ("MemoryLimit", 64 << 20) && absent ("MemoryMax"), "v1: memory.limit -> MemoryLimit");
  ok (absent ("MemoryLow"), "v1: no MemoryLow (reservation is written to the file only)");
  ok (has_u64 ("CPUShares", 512) && absent ("CPUWeight"), "v1: shares -> CPUShares");
  ok (has_u64 ("CPUQuotaPerSecUSec", 500000) && has_u64 ("CPUQuotaPeriodUSec", 100000), "quota and period");
  ok (has_u64 ("TasksMax", 50), "pids.limit -> TasksMax");
  ok (has_u64 ("BlockIOWeight", 300) && absent ("IOWeight"), "v1: blkio weight -> BlockIOWeight");
  const struct runcgo_sd_prop *p = runcgo_sd_props_find (&props, "AllowedCPUs");
  ok (p && p->type == RUNCGO_SD_BYTES && p->n_bytes == 1 && p->bytes[0] == 0x03, "cpus 0-1 -> AllowedCPUs 0x03");
  ok (build (&r, RUNCGO_CGROUP_V1, 243) == 0 && absent ("AllowedCPUs") && has_u64 ("CPUQuotaPeriodUSec", 100000),
      "systemd 243: no AllowedCPUs yet");
  ok (build (&r, RUNCGO_CGROUP_V1, 241) == 0 && absent ("CPUQuotaPeriodUSec") && has_u64 ("CPUQuotaPerSecUSec", 500000),
      "systemd 241: no CPUQuotaPeriodUSec yet");
  r.pids_limit.v = -1;
  mem.limit.v = -1;
  ok (build (&r, RUNCGO_CGROUP_V1, 252) == 0 && has_u64 ("TasksMax", RUNCGO_SD_INFINITY)
          && has_u64 ("MemoryLimit", RUNCGO_SD_INFINITY),
      "-1 -> infinity");
  r.pids_limit.v = 0;
  mem.limit.v = 0;
  ok (build (&r, RUNCGO_CGROUP_V1, 252) == 0 && absent ("TasksMax") && absent ("MemoryLimit"),
      "0 -> not a property (runc; pids.max 0 goes to the file)");
  cpu.cpus = (char *)"x";
  ok (build (&r, RUNCGO_CGROUP_V1, 252) < 0 && err_has ("linux.resources.cpu.cpus"), "bad cpus: error names the field");
  ok (build (NULL, RUNCGO_CGROUP_V2, 252) == 0 && props.n == 0, "no resources -> no properties");
}

static void
test_props_v2 (void)
{
  struct runcgo_memory mem
      = { .limit = { true, 64 << 20 }, .reservation = { true, 32 << 20 }, .swap = { true, 96 << 20 } };
  struct runcgo_cpu cpu = { .shares = { true, 1024 }, .quota = { true, 20000 } };
  cpu.mems = (char *)"0";
  struct runcgo_block_io bio = { .weight = { true, 500 } };
  struct runcgo_kv unified[] = { { (char *)"memory.high", (char *)"max" },
                                 { (char *)"pids.max", (char *)"7\n" },
                                 { (char *)"io.max", (char *)"8:0 rbps=1" } };
  struct runcgo_resources r = { .memory = &mem, .cpu = &cpu, .block_io = &bio, .unified = unified, .n_unified = 3 };
  ok (build (&r, RUNCGO_CGROUP_V2, 252) == 0, "v2 properties build");
  ok (has_u64 ("MemoryMax", 64 << 20) && absent ("MemoryLimit"), "v2: memory.limit -> MemoryMax");
  ok (has_u64 ("MemoryLow", 32 << 20), "v2: reservation -> MemoryLow");
  ok (has_u64 ("MemorySwapMax", 32 << 20), "v2: swap is memory+swap: MemorySwapMax = swap - limit");
  ok (has_u64 ("CPUWeight", runcgo_cg_shares_to_weight (1024)) && absent ("CPUShares"), "v2: shares -> CPUWeight");
  ok (has_u64 ("CPUQuotaPerSecUSec", 200000) && absent ("CPUQuotaPeriodUSec"), "quota alone: default period");
  ok (has_u64 ("IOWeight", runcgo_cg_blkio_to_io_weight (500)), "v2: blkio weight -> IOWeight (converted)");
  const struct runcgo_sd_prop *p = runcgo_sd_props_find (&props, "AllowedMemoryNodes");
  ok (p && p->n_bytes == 1 && p->bytes[0] == 0x01, "mems 0 -> AllowedMemoryNodes 0x01");
  ok (has_u64 ("MemoryHigh", RUNCGO_SD_INFINITY) && has_u64 ("TasksMax", 7), "unified keys systemd knows");
  unified[1].value = (char *)"seven";
  ok (build (&r, RUNCGO_CGROUP_V2, 252) < 0 && err_has ("linux.resources.unified.pids.max"),
      "a unified value that is not a number: error names the key");
  unified[1].value = (char *)"7";
  mem.swap.v = -1;
  ok (build (&r, RUNCGO_CGROUP_V2, 252) == 0 && has_u64 ("MemorySwapMax", RUNCGO_SD_INFINITY), "swap -1 -> infinity");
}

static void
test_unit_props (void)
{
  struct runcgo_sd_unit u = { (char *)"system.slice", (char *)"runcgo-x.scope", false };
  struct runcgo_memory mem = { .limit = { true, 1 << 20 } };
  struct runcgo_resources r = { .memory = &mem };
  runcgo_sd_props_free (&props);
  runcgo_error_release (&err);
  ok (runcgo_sd_unit_props (&u, "runcgo container x", 4242, &r, RUNCGO_CGROUP_V2, 252, &props, &err) == 0,
      "scope properties build");
  const struct runcgo_sd_prop *p = runcgo_sd_props_find (&props, "Slice");
  ok (p && p->type == RUNCGO_SD_STRING && strcmp (p->str, "system.slice") == 0, "Slice=system.slice");
  p = runcgo_sd_props_find (&props, "Delegate");
  ok (p && p->type == RUNCGO_SD_BOOL && p->num == 1, "Delegate=yes");
  p = runcgo_sd_props_find (&props, "PIDs");
  ok (p && p->type == RUNCGO_SD_U32_ONE && p->num == 4242, "PIDs=[4242]");
  p = runcgo_sd_props_find (&props, "DefaultDependencies");
  ok (p && p->type == RUNCGO_SD_BOOL && p->num == 0, "DefaultDependencies=no");
  p = runcgo_sd_props_find (&props, "Description");
  ok (p && strcmp (p->str, "runcgo container x") == 0, "Description");
  ok (runcgo_sd_props_find (&props, "IOAccounting") && has_u64 ("MemoryMax", 1 << 20), "accounting + resources");
  struct runcgo_sd_unit s = { (char *)"system.slice", (char *)"pod-a.slice", true };
  runcgo_sd_props_free (&props);
  ok (runcgo_sd_unit_props (&s, "d", 4242, NULL, RUNCGO_CGROUP_V1, 252, &props, &err) == 0, "slice properties build");
  p = runcgo_sd_props_find (&props, "Wants");
  ok (p && p->type == RUNCGO_SD_STR_ONE && strcmp (p->str, "system.slice") == 0, "slice: Wants=parent");
  ok (absent ("PIDs") && absent ("Delegate") && absent ("Slice"), "slice: no PIDs, Delegate or Slice");
  ok (runcgo_sd_props_find (&props, "BlockIOAccounting") && absent ("IOAccounting"), "v1: BlockIOAccounting");
}

int
main (void)
{
  test_cgroups_path ();
  test_expand_slice ();
  test_bits ();
  test_quota ();
  test_proc_in ();
  test_proc_below ();
  test_auto_candidate ();
  test_props_v1 ();
  test_props_v2 ();
  test_unit_props ();
  runcgo_sd_props_free (&props);
  runcgo_error_release (&err);
  return done_testing ();
}
