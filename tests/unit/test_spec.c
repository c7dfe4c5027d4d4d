/* test_spec.c -- config.json parsing, validation and generation.
 *
 * The OCI schema fixtures (SPEC_TEST_DIR/good must pass, bad must fail), then
 * one case per kind of error with the exact field path in the message, then
 * a config with every field checked member by member.  JSON in this file is
 * written with ' for " (see J()) to stay readable. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "spec/generate.h"
#include "spec/spec.h"
#include "tap.h"

#ifndef SPEC_TEST_DIR
#error "compile with -DSPEC_TEST_DIR='\"/path/to/tests/fixtures/spec\"'"
#endif

/* ' -> " so that JSON fits in C string literals without escapes. */
static char *
J (const char *s)
{
  char *r = xstrdup (s);
  for (char *p = r; *p; p++)
    if (*p == '\'')
      *p = '"';
  return r;
}

/* Parse (and validate with FLAGS unless flags < 0); return the error text or
 * NULL on success.  The returned text is owned by a static slot. */
static char *last;

static const char *
check (const char *json_quoted, int flags)
{
  free (last);
  last = NULL;
  cleanup_free char *json = J (json_quoted);
  struct runcgo_spec *s = NULL;
  runcgo_error_t err = NULL;
  int r = runcgo_spec_parse (json, strlen (json), &s, &err);
  if (r == 0 && flags >= 0)
    r = runcgo_spec_validate (s, (unsigned)flags, &err);
  runcgo_spec_free (s);
  if (r == 0)
    return NULL;
  last = xstrdup (runcgo_error_text (err));
  runcgo_error_release (&err);
  return last;
}

static void
expect_error (const char *json, int flags, const char *want, const char *name)
{
  const char *got = check (json, flags);
  if (!ok (got && strstr (got, want), "%s", name))
    diag ("want \"%s\", got \"%s\"", want, got ? got : "(success)");
}

static void
expect_ok (const char *json, int flags, const char *name)
{
  const char *got = check (json, flags);
  if (!ok (got == NULL, "%s", name))
    diag ("unexpected error: %s", got);
}

#define HEAD "'ociVersion':'1.0.0','root':{'path':'rootfs'}"
#define PROC "'process':{'cwd':'/','args':['sh']}"
#define NS(...) "'linux':{'namespaces':[" __VA_ARGS__ "]}"

/* ---------------------------------------------------------------- fixtures */

static void
test_fixtures (const char *sub, bool want_ok)
{
  cleanup_free char *dir = xasprintf ("%s/%s", SPEC_TEST_DIR, sub);
  DIR *d = opendir (dir);
  if (!ok (d != NULL, "open fixture dir %s", dir))
    return;
  struct dirent *de;
  while ((de = readdir (d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_free char *path = xasprintf ("%s/%s", dir, de->d_name);
      cleanup_free char *text = NULL;
      size_t len = 0;
      runcgo_error_t err = NULL;
      struct runcgo_spec *s = NULL;
      int r = runcgo_read_file_at (AT_FDCWD, path, 0, &text, &len, &err);
      if (r == 0)
        r = runcgo_spec_parse (text, len, &s, &err);
      if (r == 0)
        r = runcgo_spec_validate (s, 0, &err);
      ok ((r == 0) == want_ok, "fixture %s/%s is %s", sub, de->d_name, want_ok ? "accepted" : "rejected");
      if (err)
        diag ("%s: %s", de->d_name, runcgo_error_text (err));
      runcgo_error_release (&err);
      runcgo_spec_free (s);
    }
  closedir (d);
}

/* ---------------------------------------------------------------- JSON-level errors */

static void
test_types (void)
{
  expect_error ("{" HEAD ",'process':{'cwd':'/','user':{'uid':'0'}}}", -1,
                "process.user.uid: expected a non-negative integer, got string", "string uid names its path");
  expect_error ("{" HEAD ",'process':{'cwd':'/','user':{'uid':-1}}}", -1,
                "process.user.uid: expected a non-negative integer, got -1", "negative uid is rejected");
  expect_error ("{" HEAD ",'process':{'cwd':'/','user':{'gid':4294967296}}}", -1,
                "process.user.gid: 4294967296 is out of range (maximum 4294967295)", "uid32 overflow is rejected");
  expect_error ("{" HEAD ",'process':{'cwd':'/','user':{'uid':1.0}}}", -1,
                "process.user.uid: expected a non-negative integer, got a non-integer number", "1.0 is not an integer");
  expect_error ("{" HEAD ",'process':{'cwd':'/','terminal':'yes'}}", -1,
                "process.terminal: expected a boolean, got string", "bool field");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':'sh'}}", -1, "process.args: expected an array, got string",
                "array field");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh',1]}}", -1,
                "process.args[1]: expected a string, got integer", "array element path");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a'},{'destination':'/b','options':[true]}]}", -1,
                "mounts[1].options[0]: expected a string, got boolean", "nested array path");
  expect_error ("{" HEAD ",'linux':{'namespaces':['pid']}}", -1, "linux.namespaces[0]: expected an object, got string",
                "array of objects path");
  expect_error ("{" HEAD ",'linux':{'resources':{'memory':{'limit':'1G'}}}}", -1,
                "linux.resources.memory.limit: expected an integer, got string", "deep object path");
  expect_error ("{" HEAD ",'linux':{'resources':{'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0,"
                "'rate':-5}]}}}}",
                -1, "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: expected a non-negative integer, got -5",
                "throttle rate path");
  expect_error ("{" HEAD ",'linux':{'netDevices':{'eth0':{'name':23}}}}", -1,
                "linux.netDevices[\"eth0\"].name: expected a string, got integer", "map entry path");
  expect_error ("{" HEAD ",'annotations':{'a':1}}", -1, "annotations[\"a\"]: expected a string, got integer",
                "annotation value type");
  expect_error ("{" HEAD ",'hooks':{'poststop':[{'args':[]}]}}", -1,
                "hooks.poststop[0].path: required field is missing", "missing hook path");
  expect_error ("{'root':{'path':'rootfs'}}", -1, "ociVersion: required field is missing", "ociVersion is required");
  expect_error ("{" HEAD ",'process':{'args':['sh']}}", -1, "process.cwd: required field is missing",
                "process.cwd is required");
  expect_error ("{" HEAD ",'linux':{'devices':[{'path':'/dev/x','type':'c','minor':1}]}}", -1,
                "linux.devices[0].major: required field is missing", "device major required for c");
  expect_ok ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'devices':[{'path':'/dev/f','type':'p'}]}}", 0,
             "FIFO device needs no major/minor");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'foo'}]}}", -1,
                "linux.namespaces[0].type: unknown namespace \"foo\"", "unknown namespace type");
  expect_error ("{" HEAD ",'linux':{'timeOffsets':{'realtime':{'secs':1}}}}", -1,
                "linux.timeOffsets.realtime: unknown clock", "unknown clock");
  expect_error ("[1]", -1, "top-level JSON value must be an object, got array", "top level must be an object");
  expect_ok ("{" HEAD ",'process':{'cwd':'/','args':null,'env':null}}", -1, "JSON null counts as absent");
}

static void
test_malformed (void)
{
  expect_error ("{]", -1, "malformed JSON at line 1, column 2", "malformed JSON names line and column");
  expect_error ("{'ociVersion':'1.0.0',\n 'root':{'path':'r'},}", -1, "malformed JSON at line 2",
                "trailing comma is rejected (strict)");
  expect_error ("{'ociVersion':'1.0.0'} x", -1, "malformed JSON", "trailing data is rejected");
  expect_error ("{'ociVersion':", -1, "unexpected end of input", "truncated input");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh\\u0000evil']}}", -1,
                "process.args[0]: string contains a NUL byte", "NUL inside a string is rejected");
  expect_error ("{" HEAD ",'process':{'cwd':'/','user':{'uid':99999999999999999999}}}", -1, "integer at line 1, column",
                "integer beyond 64 bits is rejected, not clamped");
  expect_error ("{" HEAD ",'process':{'cwd':'/','oomScoreAdj':-9223372036854775809}}", -1, "is out of range",
                "negative integer beyond 64 bits is rejected");

  size_t depth = 10000;
  char *deep = xmalloc (depth + 1);
  memset (deep, '[', depth);
  deep[depth] = '\0';
  struct runcgo_spec *s = NULL;
  runcgo_error_t err = NULL;
  int r = runcgo_spec_parse (deep, depth, &s, &err);
  ok (r < 0 && strstr (runcgo_error_text (err), "malformed JSON"), "10000 nested arrays are refused: %s",
      err ? runcgo_error_text (err) : "(accepted)");
  runcgo_error_release (&err);
  free (deep);

  char raw[] = "{\"ociVersion\":\"1.0.0\"\0}";
  r = runcgo_spec_parse (raw, sizeof (raw) - 1, &s, &err);
  ok (r < 0 && strstr (runcgo_error_text (err), "NUL byte"), "raw NUL byte in the text is refused");
  runcgo_error_release (&err);
}

/* ---------------------------------------------------------------- validation */

static void
test_validate_process (void)
{
  /* config.md: "REQUIRED when start is called": run (and restore) need
   * it, create does not */
  expect_error ("{" HEAD "}", RUNCGO_VALIDATE_NEED_PROCESS,
                "process: required to run a container (a config without one can only be created) (hint: add a "
                "\"process\" object ('runcgo spec' writes an example), or use `create` and run programs in the "
                "container with `exec`)",
                "process required for run, with what to do instead");
  expect_ok ("{" HEAD "}", 0, "process optional for create");
  expect_ok ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'},{'type':'pid'}]},'mounts':[{'destination':'/tmp',"
             "'type':'tmpfs','source':'tmpfs'}]}",
             RUNCGO_VALIDATE_STRICT_DEVICES, "create: a config with mounts and namespaces but no process");
  expect_error ("{" HEAD ",'process':null}", RUNCGO_VALIDATE_NEED_PROCESS, "process: required", "process: null");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':[]}}", 0, "process.args: must contain at least one entry",
                "empty args");
  expect_error ("{" HEAD ",'process':{'cwd':'tmp','args':['sh']}}", 0, "process.cwd: \"tmp\" is not an absolute path",
                "relative cwd");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'env':['PATH=/bin','FOO']}}", 0,
                "process.env[1]: \"FOO\" has no '='", "env without =");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'capabilities':{'bounding':['CAP_FOO']}}}", 0,
                "process.capabilities.bounding[0]: unknown capability \"CAP_FOO\"", "unknown capability");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'capabilities':{'ambient':['sys_admin']}}}", 0,
                "process.capabilities.ambient[0]: unknown capability", "malformed capability name");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]}}", 0,
                "process.rlimits[0].type: unknown resource \"RLIMIT_FOO\"", "unknown rlimit");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':1},"
                "{'type':'RLIMIT_NOFILE','soft':2,'hard':2}]}}",
                0, "process.rlimits[1].type: RLIMIT_NOFILE is already set", "duplicate rlimit");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'rlimits':[{'type':'RLIMIT_CORE','soft':2,'hard':1}]}}",
                0, "process.rlimits[0]: soft limit 2 is above the hard limit 1", "soft above hard");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}}}",
                0, "process.ioPriority.priority: 8 is outside 0..7", "io priority range");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_FAST'}}}", 0,
                "process.scheduler.policy: unknown policy", "scheduler policy enum");
  expect_error ("{" HEAD ",'process':{'cwd':'/','args':['sh'],'scheduler':{'policy':'SCHED_OTHER','priority':5}}}", 0,
                "only SCHED_FIFO and SCHED_RR take a priority", "scheduler priority rule");
}

static void
test_validate_mounts_hooks (void)
{
  expect_error ("{" HEAD
                ",'mounts':[{'destination':'/../../../tmp/pwned','type':'tmpfs'}]," NS ("{'type':'mount'}") "}",
                0, "mounts[0].destination: \"/../../../tmp/pwned\" climbs out", "traversal destination");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a'},{'destination':'x/../../y'}]," NS ("{'type':'mount'}") "}", 0,
                "mounts[1].destination", "relative traversal destination");
  expect_ok ("{" HEAD ",'mounts':[{'destination':'/a/../b','type':'tmpfs'},{'destination':'proc','type':'proc'}]," NS (
                 "{'type':'mount'}") "}",
             0, "inner .. and relative destinations are allowed (config.md)");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a','type':''}]," NS ("{'type':'mount'}") "}", 0,
                "mounts[0].type: must not be empty", "empty mount type");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a','options':['rbind']}]," NS ("{'type':'mount'}") "}", 0,
                "mounts[0].source: a bind mount needs a source", "bind without source");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a','type':'bind'}]," NS ("{'type':'mount'}") "}", 0,
                "mounts[0].source: a bind mount needs a source", "type bind without source");
  expect_error ("{" HEAD ",'mounts':[{'destination':'/a','type':'tmpfs'}]}", 0, "mounts: needs a mount namespace",
                "mounts without a mount namespace");
  expect_error ("{" HEAD ",'hooks':{'prestart':[{'path':'/bin/true','timeout':0}]}}", 0,
                "hooks.prestart[0].timeout: must be greater than zero", "hook timeout 0");
  expect_error ("{" HEAD ",'hooks':{'createRuntime':[{'path':'true'}]}}", 0,
                "hooks.createRuntime[0].path: \"true\" is not an absolute path", "relative hook path");
}

static void
test_validate_namespaces (void)
{
  expect_error ("{" HEAD "," NS ("{'type':'pid'},{'type':'pid'}") "}", 0,
                "linux.namespaces[1].type: duplicate \"pid\" namespace", "duplicate namespace");
  expect_error ("{" HEAD "," NS ("{'type':'net','path':'/x'}") "}", -1, "unknown namespace \"net\"",
                "proc name is not a spec name");
  expect_error ("{" HEAD "," NS ("{'type':'network','path':'run/netns/x'}") "}", 0,
                "linux.namespaces[0].path: \"run/netns/x\" is not an absolute path", "relative ns path");
  expect_error ("{" HEAD ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
                "'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
                0, "linux.uidMappings: mappings are set but no user namespace", "mappings without userns");
  expect_error ("{" HEAD "," NS ("{'type':'user'}") "}", 0, "a new user namespace needs ID mappings",
                "userns without mappings as root");
  expect_ok ("{" HEAD "," NS ("{'type':'user'}") "}", RUNCGO_VALIDATE_ROOTLESS,
             "rootless userns without mappings (automatic mapping)");
  expect_error ("{" HEAD "," NS ("{'type':'pid'}") "}", RUNCGO_VALIDATE_ROOTLESS,
                "a rootless container needs a user namespace", "rootless without userns");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,"
                "'size':10},{'containerID':5,'hostID':5000,'size':10}],'gidMappings':[{'containerID':0,'hostID':1000,"
                "'size':1}]}}",
                0, "linux.uidMappings[1]: containerID range overlaps linux.uidMappings[0]", "overlapping mappings");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,"
                "'size':0}],'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
                0, "linux.uidMappings[0].size: must be greater than 0", "mapping of size 0");
  expect_error ("{" HEAD ",'linux':{'timeOffsets':{'monotonic':{'secs':5}}}}", 0,
                "linux.timeOffsets: needs a time namespace", "time offsets need a time namespace");
  expect_error ("{" HEAD ",'hostname':'box'}", 0, "hostname: setting it needs a UTS namespace",
                "hostname needs a UTS namespace");
  expect_ok ("{" HEAD ",'hostname':'box'," NS ("{'type':'uts'}") "}", 0, "hostname with a UTS namespace");
}

/* --device-policy strict / the annotation: judged by type and numbers */
static void
test_device_policy (void)
{
#define DEV(t, maj, min) "{'path':'/dev/d" #maj "-" #min "','type':'" t "','major':" #maj ",'minor':" #min "}"
#define DEVS(...) "{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'devices':[" __VA_ARGS__ "]}}"
  expect_ok (DEVS (DEV ("b", 8, 0)), 0, "default policy: a disk is the engine's choice");
  expect_error (DEVS (DEV ("b", 8, 0)), RUNCGO_VALIDATE_STRICT_DEVICES,
                "linux.devices[0]: `/dev/d8-0` (b 8:0) is refused by the strict device policy (--device-policy strict)",
                "strict: /dev/sda");
  expect_error (DEVS (DEV ("c", 1, 1)), RUNCGO_VALIDATE_STRICT_DEVICES, "(c 1:1) is refused", "strict: /dev/mem");
  expect_error (DEVS (DEV ("u", 1, 2)), RUNCGO_VALIDATE_STRICT_DEVICES, "(u 1:2) is refused", "strict: /dev/kmem as u");
  expect_ok (DEVS (DEV ("c", 1, 3) "," DEV ("c", 1, 5) "," DEV ("c", 1, 7) "," DEV ("c", 1, 8) "," DEV ("c", 1, 9) ","
                   DEV ("c", 5, 0) "," DEV ("c", 5, 1) "," DEV ("c", 5, 2) "," DEV ("c", 136, 0) "," DEV ("c", 143, 9)
                   "," DEV ("p", 0, 0)),
             RUNCGO_VALIDATE_STRICT_DEVICES, "strict: the safe set, pty slaves and fifos");
  expect_error (DEVS (DEV ("c", 144, 0)), RUNCGO_VALIDATE_STRICT_DEVICES, "(c 144:0) is refused", "strict: 144 is no pty");
  expect_error ("{" HEAD ",'annotations':{'run.oci.runcgo.device-policy':'strict'},"
                "'linux':{'namespaces':[{'type':'mount'}],'devices':[" DEV ("b", 8, 0) "]}}",
                0, "refused by the strict device policy (annotation run.oci.runcgo.device-policy)", "annotation strict");
  expect_error ("{" HEAD ",'annotations':{'run.oci.runcgo.device-policy':'lax'},'linux':{}}", 0,
                "expected \"default\" or \"strict\", got \"lax\"", "annotation with an unknown value");
#undef DEV
#undef DEVS
}

static void
test_validate_linux (void)
{
  /* linux.mountLabel is double-quoted into mount data (mount_opts.c) */
  expect_ok ("{" HEAD ",'linux':{'mountLabel':'system_u:object_r:container_file_t:s0:c1,c2'}}", 0,
             "mountLabel with MCS commas");
  expect_error ("{" HEAD ",'linux':{'mountLabel':'system_u:object_r:x_t:s0\\\",size=1'}}", 0,
                "linux.mountLabel: \"system_u:object_r:x_t:s0\",size=1\" holds a double quote or a control character",
                "mountLabel with a double quote");
  expect_error ("{" HEAD ",'linux':{'mountLabel':'a\\nb'}}", 0, "linux.mountLabel: ", "mountLabel with a newline");
  expect_error ("{" HEAD ",'linux':{'sysctl':{'net.ipv4.ip_forward':'1'}}}", 0,
                "linux.sysctl[\"net.ipv4.ip_forward\"]: needs a network namespace", "net sysctl without netns");
  expect_ok ("{" HEAD
             ",'linux':{'namespaces':[{'type':'ipc'}],'sysctl':{'kernel.shmmax':'1','fs.mqueue.msg_max':'9'}}}",
             0, "ipc sysctls with an ipc namespace");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'ipc'},{'type':'network'}],'sysctl':{'vm.swappiness':'1'}}}",
                0, "linux.sysctl[\"vm.swappiness\"]: not namespaced", "host-wide sysctl");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'network'}],'sysctl':{'net/ipv4/ip_forward':'1'}}}", 0,
                "invalid key", "sysctl key with /");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'devices':[{'path':'/dev/x','type':'x','major':1,"
                "'minor':1}]}}",
                0, "linux.devices[0].type: expected one of", "device type");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'devices':[{'path':'dev/x','type':'c','major':1,"
                "'minor':1}]}}",
                0, "linux.devices[0].path: \"dev/x\" is not an absolute path", "device path");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'rootfsPropagation':'bogus'}}", 0,
                "linux.rootfsPropagation: unknown propagation \"bogus\"", "propagation enum");
  expect_error ("{" HEAD ",'linux':{'namespaces':[{'type':'mount'}],'maskedPaths':['proc/kcore']}}", 0,
                "linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path", "masked path");
  expect_error ("{" HEAD ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_NOPE'}}}", 0,
                "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"", "seccomp action enum");
  expect_error ("{" HEAD ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],"
                "'action':'SCMP_ACT_KILL','errnoRet':1}]}}}",
                0, "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE", "errnoRet with KILL");
  expect_error ("{" HEAD ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['SCMP_ARCH_Z80']}}}",
                0, "linux.seccomp.architectures[0]: unknown architecture", "seccomp arch enum");
  expect_error ("{" HEAD ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['kill'],"
                "'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_XX'}]}]}}}",
                0, "linux.seccomp.syscalls[0].args[0].op: unknown operator", "seccomp op enum");
  expect_error ("{" HEAD ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],"
                "'action':'SCMP_ACT_ERRNO'}]}}}",
                0, "linux.seccomp.syscalls[0].names: must contain at least one name", "seccomp empty names");
  expect_error ("{" HEAD ",'linux':{'resources':{'devices':[{'allow':true,'access':'rwx'}]}}}", 0,
                "linux.resources.devices[0].access: \"rwx\" is not a combination", "device cgroup access");
  expect_error ("{" HEAD ",'linux':{'resources':{'memory':{'limit':2000000,'swap':1000000}}}}", 0,
                "linux.resources.memory.swap: 1000000 is below limit 2000000", "swap below memory");
  expect_error ("{" HEAD ",'linux':{'resources':{'cpu':{'period':10}}}}", 0,
                "linux.resources.cpu.period: 10 is outside 1000..1000000", "cpu period range");
  expect_error ("{" HEAD ",'linux':{'resources':{'hugepageLimits':[{'pageSize':'2mb','limit':1}]}}}", 0,
                "linux.resources.hugepageLimits[0].pageSize: invalid size", "hugepage size pattern");
  expect_error ("{" HEAD ",'linux':{'resources':{'rdma':{'mlx5_1':{}}}}}", 0,
                "linux.resources.rdma[\"mlx5_1\"]: needs hcaHandles or hcaObjects", "rdma needs a limit");
  expect_error ("{" HEAD ",'linux':{'personality':{'domain':'BSD'}}}", 0, "linux.personality.domain: unknown domain",
                "personality domain");
  expect_error ("{" HEAD ",'linux':{'memoryPolicy':{'mode':'MPOL_BIND'}}}", 0,
                "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node", "mempolicy nodes");
  expect_error ("{" HEAD ",'linux':{'netDevices':{'eth0':{'name':'averyveryverylongname'}}}}", 0,
                "linux.netDevices[\"eth0\"].name: invalid interface name", "netdev name length");
  expect_error ("{" HEAD ",'linux':{'netDevices':{'eth0':{'name':'x'},'eth1':{'name':'x'}}}}", 0,
                "name \"x\" is also the target of", "netdev duplicate target");
  expect_error ("{" HEAD ",'linux':{'intelRdt':{'memBwSchema':'L3:0=f'}}}", 0,
                "linux.intelRdt.memBwSchema: must start with \"MB:\"", "memBwSchema pattern");
  expect_error ("{'ociVersion':'2.0.0','root':{'path':'r'}}", 0, "ociVersion: \"2.0.0\" is not supported",
                "major version 2");
  expect_error ("{'ociVersion':'1.0','root':{'path':'r'}}", 0, "is not a SemVer", "not semver");
  expect_ok ("{'ociVersion':'1.0.2-dev','root':{'path':'r'}}", 0, "pre-release version");
  expect_error ("{'ociVersion':'1.0.0'}", 0, "root.path: required on Linux", "root required");
}

/* ---------------------------------------------------------------- generate */

static void
test_generate (bool rootless)
{
  char *text = runcgo_spec_generate (rootless);
  struct runcgo_spec *s = NULL;
  runcgo_error_t err = NULL;
  unsigned flags = RUNCGO_VALIDATE_NEED_PROCESS | (rootless ? RUNCGO_VALIDATE_ROOTLESS : 0);
  int r = runcgo_spec_parse (text, strlen (text), &s, &err);
  if (r == 0)
    r = runcgo_spec_validate (s, flags, &err);
  if (!ok (r == 0, "generate(%s) parses and validates", rootless ? "rootless" : "root"))
    diag ("%s", runcgo_error_text (err));
  runcgo_error_release (&err);
  if (s)
    {
      /* the same config without its process: what `create` accepts and `run` refuses */
      struct runcgo_process *p = steal_ptr (&s->process);
      r = runcgo_spec_validate (s, flags & ~RUNCGO_VALIDATE_NEED_PROCESS, &err);
      if (!ok (r == 0, "generate(%s) without process validates for create", rootless ? "rootless" : "root"))
        diag ("%s", runcgo_error_text (err));
      runcgo_error_release (&err);
      r = runcgo_spec_validate (s, flags, &err);
      ok (r < 0 && strstr (runcgo_error_text (err), "process: required to run"),
          "generate(%s) without process is refused for run", rootless ? "rootless" : "root");
      runcgo_error_release (&err);
      s->process = p;
    }
  if (s && rootless)
    ok (s->linux_ && s->linux_->n_uid_mappings == 1 && s->linux_->uid_mappings[0].host_id == (uint32_t)geteuid ()
            && runcgo_spec_namespace (s, RUNCGO_NS_USER) && !runcgo_spec_namespace (s, RUNCGO_NS_NETWORK)
            && s->linux_->resources == NULL && strcmp (s->mounts[5].source, "/sys") == 0,
        "rootless template: own uid mapped, user ns, no netns, no resources, /sys rbind");
  else if (s)
    ok (runcgo_spec_namespace (s, RUNCGO_NS_NETWORK) && !runcgo_spec_namespace (s, RUNCGO_NS_USER)
            && strcmp (s->oci_version, "1.3.0") == 0 && strcmp (s->process->args[0], "sh") == 0 && s->process->terminal,
        "root template: netns, no userns, ociVersion 1.3.0, args [sh], terminal");
  runcgo_spec_free (s);
  free (text);
}

/* ---------------------------------------------------------------- full round */

static const char full_config[]
    = "{'ociVersion':'1.3.0','root':{'path':'rootfs','readonly':true},"
      "'process':{'terminal':true,'consoleSize':{'height':25,'width':80},"
      "'user':{'uid':1,'gid':2,'umask':18,'additionalGids':[5,6],'username':'u'},"
      "'args':['sh','-c','x'],'commandLine':'cl','env':['A=1'],'cwd':'/w',"
      "'capabilities':{'bounding':['CAP_KILL'],'effective':[],'permitted':['CAP_KILL','CAP_CHOWN']},"
      "'rlimits':[{'type':'RLIMIT_NOFILE','soft':10,'hard':18446744073709551615}],"
      "'noNewPrivileges':true,'apparmorProfile':'aa','oomScoreAdj':-17,'selinuxLabel':'sl',"
      "'scheduler':{'policy':'SCHED_DEADLINE','nice':0,'runtime':10,'deadline':20,'period':30,"
      "'flags':['SCHED_FLAG_RECLAIM']},"
      "'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':3},"
      "'execCPUAffinity':{'initial':'0-3','final':'1'}},"
      "'hostname':'h','domainname':'d',"
      "'mounts':[{'destination':'/m','type':'none','source':'/src','options':['rbind','idmap'],"
      "'uidMappings':[{'containerID':0,'hostID':100,'size':10}],'gidMappings':[{'containerID':0,'hostID':200,'size':10}"
      "]}],"
      "'hooks':{'prestart':[{'path':'/p','args':['p','1'],'env':['E=1'],'timeout':7}],'poststop':[{'path':'/q'}]},"
      "'annotations':{'k1':'v1','k2':'v2'},"
      "'linux':{'namespaces':[{'type':'pid'},{'type':'network','path':'/run/netns/n'},{'type':'mount'},"
      "{'type':'ipc'},{'type':'uts'},{'type':'user'},{'type':'cgroup'},{'type':'time'}],"
      "'uidMappings':[{'containerID':0,'hostID':1000,'size':65536}],"
      "'gidMappings':[{'containerID':0,'hostID':2000,'size':65536}],"
      "'timeOffsets':{'monotonic':{'secs':-5,'nanosecs':7},'boottime':{'secs':9}},"
      "'devices':[{'path':'/dev/fuse','type':'c','major':10,'minor':229,'fileMode':438,'uid':3,'gid':4}],"
      "'netDevices':{'eth1':{'name':'ceth1'},'eth2':{}},"
      "'cgroupsPath':'system.slice:runcgo:x',"
      "'resources':{'devices':[{'allow':false,'access':'rwm'},{'allow':true,'type':'c','major':1,'minor':3,"
      "'access':'rw'}],"
      "'memory':{'limit':100000,'reservation':5,'swap':200000,'kernel':-1,'kernelTCP':7,'swappiness':60,"
      "'disableOOMKiller':true,'useHierarchy':false,'checkBeforeUpdate':true},"
      "'cpu':{'shares':1024,'quota':50000,'burst':1000,'period':100000,'realtimeRuntime':950,'realtimePeriod':1000,"
      "'cpus':'0-1','mems':'0','idle':1},"
      "'pids':{'limit':-1},"
      "'blockIO':{'weight':500,'leafWeight':300,'weightDevice':[{'major':8,'minor':0,'weight':10}],"
      "'throttleReadBpsDevice':[{'major':8,'minor':1,'rate':11}],'throttleWriteBpsDevice':[{'major':8,'minor':2,"
      "'rate':12}],'throttleReadIOPSDevice':[{'major':8,'minor':3,'rate':13}],'throttleWriteIOPSDevice':"
      "[{'major':8,'minor':4,'rate':14},{'major':8,'minor':5,'rate':15}]},"
      "'hugepageLimits':[{'pageSize':'2MB','limit':4096}],"
      "'network':{'classID':42,'priorities':[{'name':'eth0','priority':3}]},"
      "'rdma':{'mlx5_1':{'hcaHandles':3,'hcaObjects':4}},"
      "'unified':{'memory.high':'max'}},"
      "'rootfsPropagation':'rslave',"
      "'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':38,'architectures':['SCMP_ARCH_X86_64'],"
      "'flags':['SECCOMP_FILTER_FLAG_LOG'],'listenerPath':'/run/agent.sock','listenerMetadata':'md',"
      "'syscalls':[{'names':['read','write'],'action':'SCMP_ACT_ALLOW'},{'names':['kill'],'action':'SCMP_ACT_NOTIFY',"
      "'args':[{'index':1,'value':9,'valueTwo':10,'op':'SCMP_CMP_MASKED_EQ'}]}]},"
      "'sysctl':{'net.core.somaxconn':'256','kernel.shmmax':'1000'},"
      "'maskedPaths':['/proc/kcore'],'readonlyPaths':['/proc/sys'],'mountLabel':'ml',"
      "'intelRdt':{'closID':'g','schemata':['L3:0=f'],'l3CacheSchema':'L3:0=ff','memBwSchema':'MB:0=20',"
      "'enableMonitoring':true},"
      "'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'0-1','flags':['MPOL_F_STATIC_NODES']},"
      "'personality':{'domain':'LINUX32'}}}";

static void
test_full_process (const struct runcgo_process *p)
{
  ok (p->terminal && p->has_console_size && p->console_height == 25 && p->console_width == 80, "process console");
  ok (p->user.uid == 1 && p->user.gid == 2 && p->user.umask.set && p->user.umask.v == 18
          && p->user.n_additional_gids == 2 && p->user.additional_gids[1] == 6 && strcmp (p->user.username, "u") == 0,
      "process.user");
  ok (runcgo_strv_len (p->args) == 3 && strcmp (p->args[2], "x") == 0 && strcmp (p->command_line, "cl") == 0
          && strcmp (p->env[0], "A=1") == 0 && strcmp (p->cwd, "/w") == 0,
      "process args/env/cwd");
  ok (p->capabilities && runcgo_strv_len (p->capabilities->bounding) == 1 && p->capabilities->effective
          && p->capabilities->effective[0] == NULL && p->capabilities->inheritable == NULL
          && runcgo_strv_len (p->capabilities->permitted) == 2,
      "capabilities: absent set NULL, empty set non-NULL");
  ok (p->n_rlimits == 1 && p->rlimits[0].resource == RLIMIT_NOFILE && p->rlimits[0].soft == 10
          && p->rlimits[0].hard == UINT64_MAX,
      "rlimit resolved, UINT64_MAX kept");
  ok (p->no_new_privileges && strcmp (p->apparmor_profile, "aa") == 0 && p->oom_score_adj.set
          && p->oom_score_adj.v == -17 && strcmp (p->selinux_label, "sl") == 0,
      "process security fields");
  ok (p->scheduler && strcmp (p->scheduler->policy, "SCHED_DEADLINE") == 0 && p->scheduler->runtime == 10
          && p->scheduler->deadline == 20 && p->scheduler->period == 30
          && strcmp (p->scheduler->flags[0], "SCHED_FLAG_RECLAIM") == 0 && p->io_priority
          && strcmp (p->io_priority->klass, "IOPRIO_CLASS_RT") == 0 && p->io_priority->priority == 3
          && strcmp (p->exec_cpu_affinity_initial, "0-3") == 0 && strcmp (p->exec_cpu_affinity_final, "1") == 0,
      "scheduler, ioPriority, execCPUAffinity");
}

static void
test_full_top (const struct runcgo_spec *s)
{
  ok (strcmp (s->root_path, "rootfs") == 0 && s->root_readonly && strcmp (s->hostname, "h") == 0
          && strcmp (s->domainname, "d") == 0,
      "root, hostname, domainname");
  const struct runcgo_mount *m = &s->mounts[0];
  ok (s->n_mounts == 1 && strcmp (m->source, "/src") == 0 && m->n_uid_mappings == 1 && m->uid_mappings[0].host_id == 100
          && m->gid_mappings[0].host_id == 200 && runcgo_strv_contains (m->options, "idmap"),
      "mount with idmaps");
  ok (s->hooks.n[RUNCGO_HOOK_PRESTART] == 1 && s->hooks.list[RUNCGO_HOOK_PRESTART][0].timeout.set
          && s->hooks.list[RUNCGO_HOOK_PRESTART][0].timeout.v == 7
          && strcmp (s->hooks.list[RUNCGO_HOOK_PRESTART][0].args[1], "1") == 0 && s->hooks.n[RUNCGO_HOOK_POSTSTOP] == 1
          && !s->hooks.list[RUNCGO_HOOK_POSTSTOP][0].timeout.set && s->hooks.n[RUNCGO_HOOK_POSTSTART] == 0,
      "hooks by kind");
  ok (s->n_annotations == 2 && strcmp (runcgo_spec_annotation (s, "k2"), "v2") == 0
          && runcgo_spec_annotation (s, "nope") == NULL,
      "annotations lookup");
}

static void
test_full_linux (const struct runcgo_linux *l, const struct runcgo_spec *s)
{
  const struct runcgo_namespace *net = runcgo_spec_namespace (s, RUNCGO_NS_NETWORK);
  ok (l->n_namespaces == 8 && net && strcmp (net->path, "/run/netns/n") == 0
          && runcgo_spec_namespace (s, RUNCGO_NS_TIME)->path == NULL,
      "namespaces with and without path");
  ok (l->uid_mappings[0].size == 65536 && l->gid_mappings[0].host_id == 2000 && l->time_monotonic.set
          && l->time_monotonic.secs == -5 && l->time_monotonic.nanosecs == 7 && l->time_boottime.set
          && l->time_boottime.secs == 9,
      "id mappings and time offsets");
  ok (l->n_devices == 1 && l->devices[0].type == 'c' && l->devices[0].major == 10 && l->devices[0].file_mode.v == 438
          && l->devices[0].gid.set && l->devices[0].gid.v == 4,
      "devices");
  ok (l->n_net_devices == 2 && strcmp (l->net_devices[0].host_name, "eth1") == 0
          && strcmp (l->net_devices[0].name, "ceth1") == 0 && l->net_devices[1].name == NULL,
      "netDevices keyed by host name");
  const struct runcgo_resources *r = l->resources;
  ok (r && r->n_devices == 2 && !r->devices[0].allow && r->devices[0].type == NULL && r->devices[1].major.v == 1
          && r->memory->limit.v == 100000 && r->memory->kernel.v == -1 && r->memory->disable_oom_killer.v
          && r->memory->use_hierarchy.set && !r->memory->use_hierarchy.v && r->memory->swappiness.v == 60,
      "resources.devices and memory");
  ok (r->cpu->quota.v == 50000 && r->cpu->period.v == 100000 && r->cpu->burst.v == 1000 && r->cpu->idle.v == 1
          && strcmp (r->cpu->cpus, "0-1") == 0 && r->pids_limit.set && r->pids_limit.v == -1,
      "cpu and pids");
  const struct runcgo_block_io *b = r->block_io;
  ok (b && b->n_throttle[0] == 1 && b->n_throttle[1] == 1 && b->n_throttle[2] == 1 && b->weight.v == 500
          && b->leaf_weight.v == 300 && b->weight_device[0].weight.v == 10 && !b->weight_device[0].leaf_weight.set
          && b->throttle[0][0].rate == 11 && b->throttle[1][0].rate == 12 && b->throttle[2][0].rate == 13
          && b->n_throttle[3] == 2 && b->throttle[3][1].rate == 15,
      "blockIO throttle[] order: readBps, writeBps, readIOPS, writeIOPS");
  ok (r->hugepage_limits[0].limit == 4096 && r->net_class_id.v == 42 && r->net_priorities[0].priority == 3
          && r->n_rdma == 1 && strcmp (r->rdma[0].device, "mlx5_1") == 0 && r->rdma[0].hca_objects.v == 4
          && r->n_unified == 1 && strcmp (r->unified[0].value, "max") == 0,
      "hugepages, network, rdma, unified");
  const struct runcgo_seccomp *sc = l->seccomp;
  ok (sc && sc->default_errno_ret.v == 38 && sc->n_syscalls == 2 && sc->syscalls[1].args[0].index == 1
          && sc->syscalls[1].args[0].value_two.set && sc->syscalls[1].args[0].value_two.v == 10
          && strcmp (sc->listener_metadata, "md") == 0,
      "seccomp");
  ok (l->n_sysctl == 2 && strcmp (l->rootfs_propagation, "rslave") == 0 && strcmp (l->mount_label, "ml") == 0
          && strcmp (l->cgroups_path, "system.slice:runcgo:x") == 0 && l->intel_rdt->enable_monitoring
          && strcmp (l->intel_rdt->mem_bw_schema, "MB:0=20") == 0 && strcmp (l->memory_policy->nodes, "0-1") == 0
          && strcmp (l->personality->domain, "LINUX32") == 0,
      "sysctl, propagation, rdt, memory policy, personality");
}

static void
test_full (void)
{
  cleanup_free char *json = J (full_config);
  struct runcgo_spec *s = NULL;
  runcgo_error_t err = NULL;
  int r = runcgo_spec_parse (json, strlen (json), &s, &err);
  if (r == 0)
    r = runcgo_spec_validate (s, RUNCGO_VALIDATE_NEED_PROCESS, &err);
  if (!ok (r == 0, "full config parses and validates"))
    diag ("%s", runcgo_error_text (err));
  runcgo_error_release (&err);
  if (s && s->process && s->linux_)
    {
      test_full_process (s->process);
      test_full_top (s);
      test_full_linux (s->linux_, s);
    }
  runcgo_spec_free (s);
}

/* ---------------------------------------------------------------- files, process.json, tables */

static void
test_load (void)
{
  char dir[] = "/tmp/test_spec.XXXXXX";
  runcgo_error_t err = NULL;
  struct runcgo_spec *s = NULL;
  if (!ok (mkdtemp (dir) != NULL, "mkdtemp"))
    return;
  int r = runcgo_spec_load (dir, &s, &err);
  ok (r < 0 && strstr (runcgo_error_text (err), "open config.json in bundle \"")
          && strstr (runcgo_error_text (err), "No such file or directory (hint: run 'runcgo spec'"),
      "missing config.json: names the bundle and the fix: %s", err ? runcgo_error_text (err) : "");
  runcgo_error_release (&err);
  cleanup_free char *path = xasprintf ("%s/config.json", dir);
  char *text = runcgo_spec_generate (false);
  FILE *f = fopen (path, "w");
  fputs (text, f);
  fclose (f);
  free (text);
  r = runcgo_spec_load (dir, &s, &err);
  ok (r == 0 && s && s->process, "load a generated config.json from a bundle");
  runcgo_spec_free (s);
  runcgo_error_release (&err);
  f = fopen (path, "w");
  fputs ("{\"ociVersion\": 7}", f);
  fclose (f);
  r = runcgo_spec_load (dir, &s, &err);
  ok (r < 0 && strstr (runcgo_error_text (err), "config.json: ociVersion: expected a string, got integer"),
      "load error names file and field: %s", err ? runcgo_error_text (err) : "");
  runcgo_error_release (&err);
  /* 17 MiB of whitespace: valid JSON padding, but over the 16 MiB limit */
  f = fopen (path, "w");
  for (int i = 0; i < 17 * 1024; i++)
    fprintf (f, "%1024s", "");
  fputs ("{}", f);
  fclose (f);
  r = runcgo_spec_load (dir, &s, &err);
  ok (r < 0 && err && err->status == EFBIG, "oversized config.json is refused: %s", err ? runcgo_error_text (err) : "");
  runcgo_error_release (&err);
  unlink (path);
  rmdir (dir);
}

static void
test_process_json (void)
{
  cleanup_free char *good = J ("{'cwd':'/','args':['ls'],'env':['A=b'],'user':{'uid':5}}");
  cleanup_free char *bad = J ("{'args':['ls']}");
  struct runcgo_process *p = NULL;
  runcgo_error_t err = NULL;
  int r = runcgo_process_parse (good, strlen (good), &p, &err);
  ok (r == 0 && p->user.uid == 5 && runcgo_process_validate (p, "process", &err) == 0, "process.json parses");
  runcgo_process_free (p);
  p = NULL;
  r = runcgo_process_parse (bad, strlen (bad), &p, &err);
  ok (r < 0 && strstr (runcgo_error_text (err), "process.cwd: required field is missing"), "process.json needs cwd");
  runcgo_error_release (&err);
}

static void
test_tables (void)
{
  ok (runcgo_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME && runcgo_rlimit_from_name ("RLIMIT_AS") == RLIMIT_AS
          && runcgo_rlimit_from_name ("RLIMIT_NLIMITS") == -1 && runcgo_rlimit_from_name ("nofile") == -1,
      "rlimit names");
  ok (runcgo_ns_clone_flags[RUNCGO_NS_TIME] == 0x80 && runcgo_ns_clone_flags[RUNCGO_NS_CGROUP] == CLONE_NEWCGROUP
          && runcgo_ns_clone_flags[RUNCGO_NS_USER] == CLONE_NEWUSER,
      "clone flags");
  ok (strcmp (runcgo_ns_proc_names[RUNCGO_NS_NETWORK], "net") == 0
          && strcmp (runcgo_ns_proc_names[RUNCGO_NS_MOUNT], "mnt") == 0
          && strcmp (runcgo_ns_spec_names[RUNCGO_NS_NETWORK], "network") == 0
          && strcmp (runcgo_hook_kind_names[RUNCGO_HOOK_CREATE_CONTAINER], "createContainer") == 0,
      "namespace and hook names");
}

int
main (void)
{
  test_fixtures ("good", true);
  test_fixtures ("bad", false);
  test_types ();
  test_malformed ();
  test_validate_process ();
  test_validate_mounts_hooks ();
  test_validate_namespaces ();
  test_validate_linux ();
  test_device_policy ();
  test_generate (false);
  test_generate (true);
  test_full ();
  test_load ();
  test_process_json ();
  test_tables ();
  free (last);
  return done_testing ();
}
