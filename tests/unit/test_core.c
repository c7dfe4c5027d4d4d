/* test_core.c -- container IDs, the state.json codec, the sync message
 * decoder and the namespace plan: the pure parts of the process model. */
#include "config.h"

#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/context.h"
#include "core/state.h"
#include "core/util.h"
#include "spawn/spawn.h"
#include "spawn/sync.h"
#include "userns/idmap.h"
#include "tap.h"

static int
id_ok (const char *id)
{
  runcgo_error_t err = NULL;
  int r = runcgo_container_id_validate (id, &err);
  runcgo_error_release (&err);
  return r == 0;
}

static void
test_container_ids (void)
{
  static const char *good[] = { "a", "abc-DEF_1.2+3", "0", "x.y", "a-" };
  static const char *bad[] = { "", ".", "..", "../../../etc", ".hidden", "-x", "a/b", "a b", "a\nb", "é" };
  for (size_t i = 0; i < ARRAY_SIZE (good); i++)
    ok (id_ok (good[i]), "container ID \"%s\" is accepted", good[i]);
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    ok (!id_ok (bad[i]), "container ID \"%s\" is rejected", bad[i]);
  char long_id[1026];
  memset (long_id, 'a', 1025);
  long_id[1025] = '\0';
  ok (!id_ok (long_id), "a 1025-character ID is rejected");
  long_id[1024] = '\0';
  ok (id_ok (long_id), "a 1024-character ID is accepted");
  runcgo_error_t err = NULL;
  runcgo_container_id_validate ("../x", &err);
  ok (err && strstr (err->msg, "'.'") && err->hint, "the ID error names the character and has a hint");
  runcgo_error_release (&err);
}

static void
test_state_codec (void)
{
  struct runcgo_kv ann[] = { { "k", "v" } };
  char *args[] = { "/bin/sh", "-c", "true", NULL };
  struct runcgo_hook hook = { .path = "/bin/sh", .args = args, .timeout = { true, 5 } };
  char *env[] = { "A=1", NULL };
  struct runcgo_hook post[] = { { .path = "/p0" }, { .path = "/p1", .env = env } };
  struct runcgo_container_state st = { .id = "c1", .pid = 4242, .start_time = 123456789, .bundle = "/b",
                                       .rootfs = "/b/rootfs", .created = "2026-01-01T00:00:00.000000000Z",
                                       .cgroup_path = "/t/c1", .cgroup_driver = 0, .new_pidns = true,
                                       .annotations = ann, .n_annotations = 1, .poststop = &hook, .n_poststop = 1,
                                       .poststart = post, .n_poststart = 2 };
  char dir[] = "/tmp/runcgo-test-core.XXXXXX";
  runcgo_error_t err = NULL;
  ok (mkdtemp (dir) != NULL, "temp dir");
  int fd = open (dir, O_RDONLY | O_DIRECTORY);
  ok (runcgo_state_write (fd, &st, &err) == 0, "state.json is written");
  struct runcgo_container_state *rd = NULL;
  ok (runcgo_state_read (fd, &rd, &err) == 0, "state.json is read back");
  ok (rd && rd->pid == 4242 && rd->start_time == 123456789 && strcmp (rd->bundle, "/b") == 0
          && strcmp (rd->cgroup_path, "/t/c1") == 0 && rd->new_pidns,
      "scalar fields survive the round trip");
  ok (rd && rd->n_annotations == 1 && strcmp (rd->annotations[0].value, "v") == 0, "annotations survive");
  ok (rd && rd->n_poststop == 1 && rd->poststop[0].timeout.v == 5 && strcmp (rd->poststop[0].args[2], "true") == 0,
      "poststop hooks survive");
  ok (rd && rd->has_poststart && rd->n_poststart == 2 && strcmp (rd->poststart[1].path, "/p1") == 0
          && strcmp (rd->poststart[1].env[0], "A=1") == 0 && !rd->poststart[0].args,
      "poststart hooks survive");
  ok (rd && runcgo_state_status (fd, rd) == RUNCGO_STATUS_STOPPED, "a pid with another start time reads as stopped");
  runcgo_state_free (rd);
  runcgo_state_dir_remove (AT_FDCWD, dir, &err);
  close (fd);
  rd = NULL;
  const char *none = "{\"id\":\"x\",\"bundle\":\"/b\",\"poststart\":[]}";
  ok (runcgo_state_decode (none, strlen (none), &rd, &err) == 0 && rd->has_poststart && rd->n_poststart == 0,
      "an empty poststart list is a stored list (start reads no config)");
  runcgo_state_free (rd);
  rd = NULL;
  const char *old = "{\"id\":\"x\",\"bundle\":\"/b\"}";
  ok (runcgo_state_decode (old, strlen (old), &rd, &err) == 0 && !rd->has_poststart,
      "a state of an older runcgo has no poststart list (start reads the config)");
  runcgo_state_free (rd);
  rd = NULL;
  ok (runcgo_state_decode ("{\"id\":\"x\"", 9, &rd, &err) < 0 && err, "a truncated state.json is an error");
  runcgo_error_release (&err);
  ok (runcgo_state_decode ("{\"id\":\"x\",\"bundle\":\"/b\",\"pid\":-5}", 33, &rd, &err) < 0, "a negative pid is refused");
  runcgo_error_release (&err);
  ok (runcgo_state_decode ("[]", 2, &rd, &err) < 0, "a non-object is refused");
  runcgo_error_release (&err);
  ok (runcgo_state_decode ("{\"id\":1,\"bundle\":\"/b\"}", 22, &rd, &err) < 0, "a wrong type is refused");
  runcgo_error_release (&err);
}

static void
test_sync_decode (void)
{
  struct runcgo_sync_msg msg;
  runcgo_error_t err = NULL;
  uint32_t buf[3 + 4] = { RUNCGO_SYNC_ERROR, 13, 5 };
  memcpy (&buf[3], "hello", 5);
  ok (runcgo_sync_decode (buf, 12 + 5, &msg, &err) == 0 && msg.value == 13 && strcmp (msg.payload, "hello") == 0,
      "an ERROR message decodes with its payload");
  ok (runcgo_sync_decode (buf, 11, &msg, &err) < 0, "a short message is refused");
  runcgo_error_release (&err);
  ok (runcgo_sync_decode (buf, 12 + 4, &msg, &err) < 0, "a length mismatch is refused");
  runcgo_error_release (&err);
  buf[0] = 99;
  ok (runcgo_sync_decode (buf, 12 + 5, &msg, &err) < 0, "an unknown type is refused");
  runcgo_error_release (&err);
  buf[0] = RUNCGO_SYNC_READY;
  buf[2] = 0xffffffffu;
  ok (runcgo_sync_decode (buf, 12 + 5, &msg, &err) < 0, "an oversized length is refused");
  runcgo_error_release (&err);
  ok (strcmp (runcgo_sync_type_name (RUNCGO_SYNC_HOOKS_DONE), "HOOKS_DONE") == 0, "type names");
  bool named = true;
  for (uint32_t t = 1; t <= RUNCGO_SYNC_MAX_TYPE; t++)
    named = named && runcgo_sync_type_name (t) && strcmp (runcgo_sync_type_name (t), "unknown") != 0;
  ok (named && strcmp (runcgo_sync_type_name (RUNCGO_SYNC_CREATED), "CREATED") == 0, "every type has a name");
  ok (RUNCGO_SYNC_ERROR == 10, "ERROR keeps its number (the fuzz corpus encodes it)");
}

static void
test_ns_plan (void)
{
  struct runcgo_namespace ns[] = { { RUNCGO_NS_PID, NULL }, { RUNCGO_NS_MOUNT, NULL }, { RUNCGO_NS_CGROUP, NULL },
                                   { RUNCGO_NS_TIME, NULL }, { RUNCGO_NS_USER, NULL } };
  struct runcgo_linux l = { .namespaces = ns, .n_namespaces = 5 };
  struct runcgo_spec spec = { .linux_ = &l };
  struct runcgo_ns_plan plan;
  runcgo_ns_plan_compute (&spec, &plan);
  ok (!plan.slow && (plan.clone_flags & (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER)) == (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUSER),
      "fast path: new namespaces are cloned at once");
  ok (!(plan.clone_flags & CLONE_NEWCGROUP) && plan.new_cgroup, "the cgroup namespace is left to the init");
  ok (!(plan.clone_flags & 0x80) && plan.new_time, "the time namespace is left to the init");
  ok (!plan.fork_for_pid, "no extra fork in the fast path");
  ns[1].path = "/proc/1/ns/mnt";
  runcgo_ns_plan_compute (&spec, &plan);
  ok (plan.slow && plan.clone_flags == 0, "slow path: joining by path clones without namespaces");
  ok (plan.fork_for_pid && plan.new_pid && plan.new_user, "slow path: a new pid namespace needs the extra fork");
  ok (!(plan.unshare_flags & CLONE_NEWNS), "a joined namespace is not unshared");
}

static void
test_subid_parse (void)
{
  const char *text = "# comment\nalice:100000:65536\nbob:200000:1000\n1001:300000:10\nalice:500000:5\n"
                     "broken\nalice:x:10\nalice:1:0\nalice:4294967295:2\n";
  struct runcgo_subid_range *r = NULL;
  size_t n = 0;
  runcgo_subid_parse (text, "alice", 1000, &r, &n);
  ok (n == 2 && r[0].start == 100000 && r[0].count == 65536 && r[1].start == 500000,
      "subuid ranges of a user by name, in file order, malformed lines skipped");
  free (r);
  runcgo_subid_parse (text, "carol", 1001, &r, &n);
  ok (n == 1 && r[0].start == 300000 && r[0].count == 10, "subuid ranges of a user by numeric uid");
  free (r);
  runcgo_subid_parse (text, "dave", 4242, &r, &n);
  ok (n == 0 && r == NULL, "no ranges for an unlisted user");
  char *fmt = runcgo_idmap_format ((struct runcgo_idmap[]){ { 0, 1000, 1 }, { 1, 100000, 65536 } }, 2);
  ok (strcmp (fmt, "0 1000 1\n1 100000 65536\n") == 0, "map lines are formatted for one write");
  free (fmt);
}

/* The plan made before the clone: who writes which map, and how. */
static void
test_idmap_plan (void)
{
  struct runcgo_idmap uids[] = { { 0, 1000, 1 }, { 1, 100000, 65536 } };
  struct runcgo_idmap own_u = { 0, (uint32_t) geteuid (), 1 }, own_g = { 0, (uint32_t) getegid (), 1 };
  struct runcgo_linux l = { .uid_mappings = uids, .n_uid_mappings = 2 };
  struct runcgo_idmap_job job;
  runcgo_error_t err = NULL;
  ok (runcgo_idmap_plan (&l, false, &job, &err) == 0 && job.w[0].text && !job.w[0].exe && !job.w[0].deny_setgroups
          && strcmp (job.w[0].text, "0 1000 1\n1 100000 65536\n") == 0 && !job.w[1].text && !job.w[1].exe,
      "privileged: the uid map written directly, no gid map");
  runcgo_idmap_job_release (&job);
  l = (struct runcgo_linux){ .uid_mappings = &own_u, .n_uid_mappings = 1, .gid_mappings = &own_g, .n_gid_mappings = 1 };
  ok (runcgo_idmap_plan (&l, true, &job, &err) == 0 && job.w[0].text && !job.w[0].exe && !job.w[0].deny_setgroups
          && job.w[1].text && !job.w[1].exe && job.w[1].deny_setgroups,
      "unprivileged single-ID maps: no helper, setgroups denied before gid_map");
  runcgo_idmap_job_release (&job);
  ok (runcgo_idmap_finish (&job, 0, &err) == 0 && err == NULL, "a released job has no helper left to wait for");
}

static void
test_mountinfo_unescape (void)
{
  const char in[] = "/a\\040b\\011c\\012d\\134e\\08\\0";
  char *out = runcgo_mountinfo_unescape (in, strlen (in));
  ok (strcmp (out, "/a b\tc\nd\\e\\08\\0") == 0, "mountinfo: \\ooo escapes undone, malformed ones kept (%s)", out);
  free (out);
  out = runcgo_mountinfo_unescape ("/x\\040y", 3);
  ok (strcmp (out, "/x\\") == 0, "mountinfo: an escape cut by the field's length is not read past it");
  free (out);
}

/* /etc/passwd without NSS: the first line with the uid, NIS compat and
 * malformed lines skipped. */
static bool
passwd_is (const char *text, uid_t uid, const char *want)
{
  char *got = runcgo_passwd_name_in (text, uid);
  bool good = want ? got && strcmp (got, want) == 0 : got == NULL;
  if (!good)
    diag ("uid %u: got %s, want %s", (unsigned)uid, got ? got : "(none)", want ? want : "(none)");
  free (got);
  return good;
}

static void
test_passwd_name (void)
{
  static const char text[] = "root:x:0:0:root:/root:/bin/bash\n"
                             "+nis:x:1001:1001::/:\n"     /* NIS compat: not a user */
                             "broken:x:1001\n"           /* too few fields */
                             ":x:1001:1001::/:\n"         /* no name */
                             "rtest:x:1001:1001::/home/rtest:/bin/sh\n"
                             "again:x:1001:1001::/:\n"    /* a second name for 1001: the first wins */
                             "big:x:4294967294:1::/:\n"
                             "neg:x:-5:1::/:\n"
                             "last:x:7:7::/:";            /* no final newline */
  ok (passwd_is (text, 0, "root"), "passwd: root");
  ok (passwd_is (text, 1001, "rtest"), "passwd: the first valid line of a uid wins, NIS and broken lines skipped");
  ok (passwd_is (text, 4294967294u, "big"), "passwd: a large uid");
  ok (passwd_is (text, 7, "last"), "passwd: the last line without a newline");
  ok (passwd_is (text, 5, NULL) && passwd_is ("", 0, NULL), "passwd: no such uid (and no -5 read as 5)");
}

/* runcgo_rfc3339 against gmtime_r + strftime, and the number scanners. */
static void
test_time_and_numbers (void)
{
  static const time_t when[] = { 0, 1, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800 /* 2000-03-01 */,
                                 1709164800 /* 2024-02-29 */, 1795000000, 2147483647, 2147483648LL,
                                 4107542400LL /* 2100-03-01 */, 253402300799LL /* 9999-12-31T23:59:59 */ };
  bool all = true;
  for (size_t i = 0; i < ARRAY_SIZE (when); i++)
    {
      struct timespec ts = { when[i], 123456789 };
      struct tm tm;
      char got[64], want[64];
      gmtime_r (&when[i], &tm);
      size_t n = strftime (want, sizeof (want), "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf (want + n, sizeof (want) - n, ".123456789Z");
      runcgo_rfc3339 (&ts, got, sizeof (got));
      if (strcmp (got, want) != 0)
        all = false, diag ("%lld: %s, want %s", (long long)when[i], got, want);
    }
  ok (all, "rfc3339 agrees with gmtime_r + strftime (epoch, leap days, 2038, 2100, 9999)");
  const char *s = " 12\t34 x";
  uint64_t a = 0, b = 0, c = 0;
  ok (runcgo_scan_u64 (&s, &a) && runcgo_scan_u64 (&s, &b) && a == 12 && b == 34 && !runcgo_scan_u64 (&s, &c)
          && strcmp (s, " x") == 0,
      "scan_u64: blanks, then digits; stops at a non-number");
  s = "18446744073709551616";
  ok (!runcgo_scan_u64 (&s, &a), "scan_u64: 2^64 overflows");
  unsigned maj = 0, mn = 0;
  ok (runcgo_parse_dev ("8:16", &maj, &mn) && maj == 8 && mn == 16 && !runcgo_parse_dev ("8:", &maj, &mn)
          && !runcgo_parse_dev ("8:1x", &maj, &mn) && !runcgo_parse_dev ("-8:1", &maj, &mn)
          && !runcgo_parse_dev ("4294967296:0", &maj, &mn),
      "parse_dev: exactly MAJOR:MINOR");
}

int
main (void)
{
  test_mountinfo_unescape ();
  test_time_and_numbers ();
  test_passwd_name ();
  test_subid_parse ();
  test_container_ids ();
  test_state_codec ();
  test_sync_decode ();
  test_ns_plan ();
  test_idmap_plan ();
  return done_testing ();
}
