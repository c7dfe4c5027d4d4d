/* test_criu_rpc.c -- the CRIU RPC codec against bytes that protobuf itself
 * produced: the expected arrays below were serialized by the python
 * protobuf runtime from criu's images/rpc.proto (criu_req / criu_resp), so
 * a wrong field number, wire type or varint encoding shows up as a diff.
 * Also the pure half of checkpoint: which container mounts are external
 * (mountinfo samples taken from a runcgo container on a hybrid host). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "lifecycle/checkpoint.h"
#include "lifecycle/criu_rpc.h"
#include "tap.h"

static int
bytes_equal (const char *what, const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
  if (got_len == want_len && memcmp (got, want, got_len) == 0)
    return ok (1, "%s encodes to protobuf's %zu bytes", what, want_len);
  size_t i = 0;
  while (i < got_len && i < want_len && got[i] == want[i])
    i++;
  diag ("%s: %zu bytes, want %zu; first difference at offset %zu (got 0x%02x, want 0x%02x)", what, got_len,
        want_len, i, i < got_len ? got[i] : 0, i < want_len ? want[i] : 0);
  return ok (0, "%s encodes to protobuf's %zu bytes", what, want_len);
}

static void
check_encoding (const char *what, const struct runcgo_criu_req *req, const uint8_t *want, size_t want_len)
{
  uint8_t *buf = NULL;
  size_t len = 0;
  runcgo_criu_req_encode (req, &buf, &len);
  bytes_equal (what, buf, len, want, want_len);
  free (buf);
}

static void
test_encode_simple_requests (void)
{
  static const uint8_t version[] = { 0x08, 0x0a };
  static const uint8_t notify[] = { 0x08, 0x06, 0x18, 0x01 };
  struct runcgo_criu_req req = { .type = RUNCGO_CRIU_VERSION };
  check_encoding ("VERSION request", &req, version, sizeof (version));
  req = (struct runcgo_criu_req){ .type = RUNCGO_CRIU_NOTIFY, .notify_success = true };
  check_encoding ("NOTIFY answer with notify_success", &req, notify, sizeof (notify));
}

static void
test_encode_dump_request (void)
{
  static const uint8_t want[] = {
    0x08, 0x01, 0x12, 0x99, 0x01, 0x08, 0x05, 0x10, 0xd2, 0x09, 0x18, 0x01, 0x28, 0x01, 0x38, 0x01, 0x40, 0x01,
    0x48, 0x04, 0x52, 0x08, 0x64, 0x75, 0x6d, 0x70, 0x2e, 0x6c, 0x6f, 0x67, 0x60, 0x01, 0x6a, 0x02, 0x2f, 0x72,
    0x72, 0x04, 0x2e, 0x2e, 0x2f, 0x70, 0x78, 0x01, 0x88, 0x01, 0x06, 0xba, 0x01, 0x0c, 0x0a, 0x04, 0x2f, 0x74,
    0x6d, 0x70, 0x12, 0x04, 0x2f, 0x74, 0x6d, 0x70, 0xba, 0x01, 0x1a, 0x0a, 0x0b, 0x2f, 0x70, 0x72, 0x6f, 0x63,
    0x2f, 0x6b, 0x63, 0x6f, 0x72, 0x65, 0x12, 0x0b, 0x2f, 0x70, 0x72, 0x6f, 0x63, 0x2f, 0x6b, 0x63, 0x6f, 0x72,
    0x65, 0xc0, 0x01, 0x01, 0x90, 0x02, 0x03, 0xaa, 0x02, 0x1c, 0x6e, 0x65, 0x74, 0x5b, 0x34, 0x30, 0x32, 0x36,
    0x35, 0x33, 0x31, 0x39, 0x39, 0x32, 0x5d, 0x3a, 0x65, 0x78, 0x74, 0x52, 0x6f, 0x6f, 0x74, 0x4e, 0x65, 0x74,
    0x4e, 0x53, 0xe2, 0x02, 0x18, 0x2f, 0x73, 0x79, 0x73, 0x2f, 0x66, 0x73, 0x2f, 0x63, 0x67, 0x72, 0x6f, 0x75,
    0x70, 0x2f, 0x66, 0x72, 0x65, 0x65, 0x7a, 0x65, 0x72, 0x2f, 0x78, 0x90, 0x03, 0x01,
  };
  static const struct runcgo_criu_kv mnts[] = { { "/tmp", "/tmp" }, { "/proc/kcore", "/proc/kcore" } };
  static char *const external[] = { (char *) "net[4026531992]:extRootNetNS" };
  struct runcgo_criu_opts o;
  runcgo_criu_opts_init (&o);
  o.images_dir_fd = 5;
  o.work_dir_fd = 6;
  o.pid = 1234;
  o.leave_running = o.tcp_established = o.shell_job = o.file_locks = true;
  o.log_level = 4;
  o.log_file = "dump.log";
  o.notify_scripts = o.track_mem = o.manage_cgroups = o.orphan_pts_master = true;
  o.root = "/r";
  o.parent_img = "../p";
  o.ext_mnt = mnts;
  o.n_ext_mnt = 2;
  o.has_manage_cgroups_mode = true;
  o.manage_cgroups_mode = RUNCGO_CRIU_CG_SOFT;
  o.external = external;
  o.n_external = 1;
  o.freeze_cgroup = "/sys/fs/cgroup/freezer/x";
  struct runcgo_criu_req req = { .type = RUNCGO_CRIU_DUMP, .opts = &o };
  check_encoding ("DUMP request (scalars, strings, ext_mnt, external)", &req, want, sizeof (want));
}

/* negative int32s (images_dir_fd -1, an fd -2) take ten bytes; a cg_root
 * without ctrl leaves the optional field out; mode IGNORE (0) is still sent */
static void
test_encode_restore_request (void)
{
  static const uint8_t want[] = {
    0x08, 0x02, 0x12, 0x59, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x20, 0x01, 0x30,
    0x01, 0xca, 0x01, 0x0e, 0x0a, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x12, 0x04, 0x2f, 0x61, 0x2f, 0x62,
    0xca, 0x01, 0x04, 0x12, 0x02, 0x2f, 0x63, 0xd0, 0x01, 0x01, 0xda, 0x01, 0x0d, 0x0a, 0x09, 0x70, 0x69, 0x70,
    0x65, 0x3a, 0x5b, 0x34, 0x32, 0x5d, 0x10, 0x01, 0xda, 0x01, 0x19, 0x0a, 0x0c, 0x65, 0x78, 0x74, 0x52, 0x6f,
    0x6f, 0x74, 0x4e, 0x65, 0x74, 0x4e, 0x53, 0x10, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
    0x90, 0x02, 0x00,
  };
  static const struct runcgo_criu_cg_root roots[] = { { "memory", "/a/b" }, { NULL, "/c" } };
  static const struct runcgo_criu_inherit_fd fds[] = { { "pipe:[42]", 1 }, { "extRootNetNS", -2 } };
  struct runcgo_criu_opts o;
  runcgo_criu_opts_init (&o);
  o.evasive_devices = o.rst_sibling = o.ext_unix_sk = true;
  o.cg_root = roots;
  o.n_cg_root = 2;
  o.inherit_fd = fds;
  o.n_inherit_fd = 2;
  o.has_manage_cgroups_mode = true;
  o.manage_cgroups_mode = RUNCGO_CRIU_CG_IGNORE;
  struct runcgo_criu_req req = { .type = RUNCGO_CRIU_RESTORE, .opts = &o };
  check_encoding ("RESTORE request (negative int32, cg_root, inherit_fd)", &req, want, sizeof (want));
}

static int
decode (const uint8_t *buf, size_t len, struct runcgo_criu_resp *r, char **msg)
{
  runcgo_error_t err = NULL;
  int ret = runcgo_criu_resp_decode (buf, len, r, &err);
  if (msg)
    *msg = err ? xstrdup (err->msg) : NULL;
  runcgo_error_release (&err);
  return ret;
}

/* The flags that only pass through to criu (runc's --auto-dedup,
 * --lazy-pages, --page-server, --status-fd, --empty-ns, --tcp-skip-in-flight,
 * --link-remap, --lsm-profile, --lsm-mount-context; crun's --tcp-close and
 * --network-lock): bytes from `protoc --encode=criu_req rpc.proto`. */
static void
test_encode_pass_through_flags (void)
{
  static const uint8_t want[] = {
    0x08, 0x01, 0x12, 0x3f, 0x08, 0x05, 0x5a, 0x0c, 0x0a, 0x08, 0x31, 0x30, 0x2e, 0x30, 0x2e, 0x30, 0x2e, 0x32,
    0x10, 0x1b, 0x80, 0x01, 0x01, 0x90, 0x01, 0x01, 0xb0, 0x02, 0x80, 0x80, 0x80, 0x80, 0x04, 0xf0, 0x02, 0x01,
    0x80, 0x03, 0x01, 0x88, 0x03, 0x09, 0xa0, 0x03, 0x01, 0xaa, 0x03, 0x0a, 0x61, 0x70, 0x70, 0x61, 0x72, 0x6d,
    0x6f, 0x72, 0x3a, 0x70, 0xfa, 0x03, 0x03, 0x63, 0x74, 0x78, 0x80, 0x04, 0x02,
  };
  struct runcgo_criu_opts o;
  runcgo_criu_opts_init (&o);
  o.images_dir_fd = 5;
  o.ps_address = "10.0.0.2";
  o.ps_port = 27;
  struct runcgo_criu_extra_opts x = { .auto_dedup = true, .lazy_pages = true, .tcp_skip_in_flight = true,
                                      .link_remap = true, .tcp_close = true, .empty_ns = 0x40000000,
                                      .lsm_profile = "apparmor:p", .lsm_mount_context = "ctx",
                                      .network_lock = RUNCGO_CRIU_NETLOCK_NFTABLES };
  runcgo_criu_extra_apply (&x, &o);
  o.status_fd = 9;
  struct runcgo_criu_req req = { .type = RUNCGO_CRIU_DUMP, .opts = &o };
  check_encoding ("DUMP request with every pass-through flag", &req, want, sizeof (want));
}

static void
test_page_server_and_network_lock_parse (void)
{
  char *addr = NULL;
  int port = 0;
  runcgo_error_t err = NULL;
  ok (runcgo_criu_page_server_parse ("192.168.1.2:27", &addr, &port, &err) == 0 && strcmp (addr, "192.168.1.2") == 0
        && port == 27,
      "--page-server 192.168.1.2:27");
  free (addr);
  addr = NULL;
  ok (runcgo_criu_page_server_parse ("[::1]:1234", &addr, &port, &err) == 0 && strcmp (addr, "::1") == 0
        && port == 1234,
      "--page-server [::1]:1234");
  free (addr);
  addr = NULL;
  ok (runcgo_criu_page_server_parse (":27", &addr, &port, &err) == 0 && *addr == '\0' && port == 27,
      "--page-server :27 (any address)");
  free (addr);
  const char *bad[] = { "host", "host:", "host:0", "host:70000", "host:2x" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      int r = runcgo_criu_page_server_parse (bad[i], &addr, &port, &err);
      ok (r < 0 && err && strstr (runcgo_error_text (err), "--page-server"), "--page-server \"%s\" is refused", bad[i]);
      runcgo_error_release (&err);
    }
  enum runcgo_criu_network_lock nl;
  ok (runcgo_criu_network_lock_parse ("iptables", &nl) == 0 && nl == RUNCGO_CRIU_NETLOCK_IPTABLES, "iptables = 1");
  ok (runcgo_criu_network_lock_parse ("skip", &nl) == 0 && nl == RUNCGO_CRIU_NETLOCK_SKIP, "skip = 3");
  ok (runcgo_criu_network_lock_parse ("nft", &nl) < 0, "an unknown lock method is refused");
}

static void
test_decode_responses (void)
{
  static const uint8_t dump_ok[] = { 0x08, 0x01, 0x10, 0x01, 0x1a, 0x02, 0x08, 0x00 };
  static const uint8_t dump_fail[] = { 0x08, 0x01, 0x10, 0x00, 0x38, 0x34, 0x4a, 0x0e, 0x44, 0x75, 0x6d,
                                       0x70, 0x69, 0x6e, 0x67, 0x20, 0x46, 0x41, 0x49, 0x4c, 0x45, 0x44 };
  static const uint8_t notify[] = { 0x08, 0x06, 0x10, 0x01, 0x2a, 0x11, 0x0a, 0x0c, 0x70, 0x6f, 0x73, 0x74,
                                    0x2d, 0x72, 0x65, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x10, 0xe1, 0x21 };
  /* restore.pid 777 plus fields runcgo does not read: features, status */
  static const uint8_t restore[] = { 0x08, 0x02, 0x10, 0x01, 0x22, 0x03, 0x08, 0x89,
                                     0x06, 0x42, 0x02, 0x08, 0x01, 0x58, 0x03 };
  static const uint8_t version[] = { 0x08, 0x0a, 0x10, 0x01, 0x52, 0x0b, 0x08, 0x03, 0x10,
                                     0x11, 0x1a, 0x03, 0x61, 0x62, 0x63, 0x20, 0x01 };
  static const uint8_t neg_errno[] = { 0x08, 0x02, 0x10, 0x00, 0x38, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  struct runcgo_criu_resp r;

  ok (decode (dump_ok, sizeof (dump_ok), &r, NULL) == 0 && r.type == RUNCGO_CRIU_DUMP && r.success
          && !r.has_cr_errno && r.cr_errmsg == NULL,
      "a successful DUMP response decodes");
  runcgo_criu_resp_clear (&r);
  ok (decode (dump_fail, sizeof (dump_fail), &r, NULL) == 0 && !r.success && r.has_cr_errno && r.cr_errno == 52
          && r.cr_errmsg && strcmp (r.cr_errmsg, "Dumping FAILED") == 0,
      "a failed DUMP response carries cr_errno and cr_errmsg");
  runcgo_criu_resp_clear (&r);
  ok (decode (notify, sizeof (notify), &r, NULL) == 0 && r.type == RUNCGO_CRIU_NOTIFY && r.notify_script
          && strcmp (r.notify_script, "post-restore") == 0 && r.has_notify_pid && r.notify_pid == 4321,
      "a NOTIFY response gives the script name and pid");
  runcgo_criu_resp_clear (&r);
  ok (decode (restore, sizeof (restore), &r, NULL) == 0 && r.type == RUNCGO_CRIU_RESTORE && r.has_restore_pid
          && r.restore_pid == 777,
      "a RESTORE response gives restore.pid and skips unknown fields");
  runcgo_criu_resp_clear (&r);
  ok (decode (version, sizeof (version), &r, NULL) == 0 && r.has_version && r.version_major == 3
          && r.version_minor == 17 && r.version_sublevel == 1 && r.version_gitid
          && strcmp (r.version_gitid, "abc") == 0,
      "a VERSION response gives major.minor.sublevel and gitid");
  runcgo_criu_resp_clear (&r);
  ok (decode (neg_errno, sizeof (neg_errno), &r, NULL) == 0 && r.cr_errno == -1,
      "a negative int32 (ten-byte varint) decodes");
  runcgo_criu_resp_clear (&r);
}

/* Fields of the wire types rpc.proto does not use in what runcgo reads
 * (fixed64, fixed32, an unknown length-delimited field) are skipped. */
static void
test_decode_skips_unknown_wire_types (void)
{
  static const uint8_t msg[] = {
    0x08, 0x01,                                     /* type DUMP */
    0xa1, 0x06, 1, 2, 3, 4, 5, 6, 7, 8,             /* field 100, fixed64 */
    0xad, 0x06, 1, 2, 3, 4,                         /* field 101, fixed32 */
    0xb2, 0x06, 0x03, 'x', 'y', 'z',                /* field 102, bytes */
    0x10, 0x01,                                     /* success */
  };
  struct runcgo_criu_resp r;
  ok (decode (msg, sizeof (msg), &r, NULL) == 0 && r.type == RUNCGO_CRIU_DUMP && r.success,
      "fixed64, fixed32 and unknown length-delimited fields are skipped");
  runcgo_criu_resp_clear (&r);
}

static void
expect_malformed (const char *what, const uint8_t *buf, size_t len, const char *needle)
{
  struct runcgo_criu_resp r;
  char *msg = NULL;
  int ret = decode (buf, len, &r, &msg);
  ok (ret < 0 && msg && strstr (msg, needle), "%s is rejected (%s)", what, msg ? msg : "accepted");
  free (msg);
  if (ret == 0)
    runcgo_criu_resp_clear (&r);
}

static void
test_decode_rejects_malformed (void)
{
  static const uint8_t no_success[] = { 0x08, 0x01 };
  static const uint8_t no_type[] = { 0x10, 0x01 };
  static const uint8_t truncated_len[] = { 0x08, 0x01, 0x10, 0x01, 0x4a, 0x05, 'a', 'b' };
  static const uint8_t truncated_varint[] = { 0x08, 0x81 };
  static const uint8_t long_varint[] = { 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
  static const uint8_t group[] = { 0x08, 0x01, 0x10, 0x01, 0x1b };
  static const uint8_t field_zero[] = { 0x00, 0x01, 0x08, 0x01, 0x10, 0x01 };
  static const uint8_t bad_nested[] = { 0x08, 0x02, 0x10, 0x01, 0x22, 0x02, 0x08, 0x89 };
  expect_malformed ("a response without success", no_success, sizeof (no_success), "success");
  expect_malformed ("a response without type", no_type, sizeof (no_type), "type");
  expect_malformed ("a string longer than the message", truncated_len, sizeof (truncated_len), "malformed");
  expect_malformed ("a truncated varint", truncated_varint, sizeof (truncated_varint), "malformed");
  expect_malformed ("an eleven-byte varint", long_varint, sizeof (long_varint), "malformed");
  expect_malformed ("a group (wire type 3)", group, sizeof (group), "malformed");
  expect_malformed ("field number 0", field_zero, sizeof (field_zero), "malformed");
  expect_malformed ("a truncated nested message", bad_nested, sizeof (bad_nested), "malformed");
  expect_malformed ("an empty message", (const uint8_t *) "", 0, "type");
}

static size_t
put_varint (uint8_t *p, size_t v)
{
  size_t n = 0;
  for (; v >= 0x80; v >>= 7)
    p[n++] = (uint8_t) (0x80 | (v & 0x7f));
  p[n++] = (uint8_t) v;
  return n;
}

/* Lengths around 127/128, where a length varint grows to two bytes, for the
 * string and for the nested message holding it. */
static void
test_decode_lengths_at_varint_boundary (void)
{
  for (size_t n = 124; n <= 130; n++)
    {
      uint8_t buf[200];
      size_t len = 0;
      buf[len++] = 0x08, buf[len++] = 0x06, buf[len++] = 0x10, buf[len++] = 0x01;
      buf[len++] = 0x2a; /* notify */
      len += put_varint (buf + len, 1 + (n < 128 ? 1 : 2) + n);
      buf[len++] = 0x0a; /* notify.script */
      len += put_varint (buf + len, n);
      memset (buf + len, 's', n);
      len += n;
      struct runcgo_criu_resp r;
      ok (decode (buf, len, &r, NULL) == 0 && r.notify_script && strlen (r.notify_script) == n,
          "a %zu-byte notify script name decodes", n);
      runcgo_criu_resp_clear (&r);
    }
}

static void
test_cg_mode_names (void)
{
  enum runcgo_criu_cg_mode m = RUNCGO_CRIU_CG_DEFAULT;
  ok (runcgo_criu_cg_mode_parse ("soft", &m) == 0 && m == RUNCGO_CRIU_CG_SOFT, "cg mode soft = 3");
  ok (runcgo_criu_cg_mode_parse ("full", &m) == 0 && m == RUNCGO_CRIU_CG_FULL, "cg mode full = 4");
  ok (runcgo_criu_cg_mode_parse ("strict", &m) == 0 && m == RUNCGO_CRIU_CG_STRICT, "cg mode strict = 5");
  ok (runcgo_criu_cg_mode_parse ("ignore", &m) == 0 && m == RUNCGO_CRIU_CG_IGNORE, "cg mode ignore = 0");
  ok (runcgo_criu_cg_mode_parse ("props", &m) < 0, "cg mode props is not a runc choice");
  ok (strcmp (runcgo_criu_type_name (RUNCGO_CRIU_PRE_DUMP), "PRE_DUMP") == 0
          && strcmp (runcgo_criu_type_name (99), "unknown") == 0,
      "request type names");
}

/* A runcgo container of this project's CI host (hybrid cgroups, no cgroup
 * namespace), trimmed, plus lines for cases that host did not have. */
static const char container_mountinfo[]
    = "165 142 254:0 /tmp/ckpt/m/bundle/rootfs / rw,relatime - ext4 /dev/vda rw\n"
      "166 165 0:51 / /proc rw,relatime - proc proc rw\n"
      "167 165 0:52 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
      "168 167 0:53 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666\n"
      "171 165 0:55 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
      "172 171 0:56 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - tmpfs tmpfs rw,mode=755\n"
      "176 172 0:31 /ckpt-test/c1 /sys/fs/cgroup/memory ro,relatime - cgroup cgroup rw,memory\n"
      "181 172 0:36 /ckpt-test/c1 /sys/fs/cgroup/systemd ro,relatime - cgroup cgroup rw,name=systemd\n"
      "182 172 0:37 /ckpt-test/c1 /sys/fs/cgroup/unified ro,relatime - cgroup2 cgroup2 rw\n"
      "183 165 254:0 /tmp/ckpt/m/shared /tmp rw,relatime - ext4 /dev/vda rw\n"
      "143 166 0:51 /bus /proc/bus ro,relatime - proc proc rw\n"
      "148 166 0:57 / /proc/acpi ro,relatime - tmpfs tmpfs ro\n"
      "149 166 0:52 /null /proc/keys rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
      "184 167 0:53 /0 /dev/console rw - devpts devpts rw\n"
      /* not on that host: a device bound from the host's devtmpfs (user
       * namespace), a bind from inside the rootfs, a bind of a subdirectory
       * of a host mount whose own root is not "/", an escaped space */
      "190 167 0:6 /null /dev/null rw - devtmpfs devtmpfs rw\n"
      "191 165 254:0 /tmp/ckpt/m/bundle/rootfs/etc /mnt/etc rw - ext4 /dev/vda rw\n"
      "192 165 254:0 /srv/data/sub /data-sub rw - ext4 /dev/vda rw\n"
      "193 165 254:0 /tmp/x\\040y /with\\040space rw - ext4 /dev/vda rw\n";
static const char host_mountinfo[]
    = "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
      "21 26 0:20 / /proc rw,relatime shared:5 - proc proc rw\n"
      "23 26 0:6 / /dev rw,relatime shared:2 - devtmpfs devtmpfs rw,mode=755\n"
      "30 26 0:24 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
      "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
      "50 26 254:0 /srv/data /data rw - ext4 /dev/vda rw\n";

static const struct runcgo_ext_mount *
find_ext (const struct runcgo_ext_mount *e, size_t n, const char *dest)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (e[i].dest, dest) == 0)
      return &e[i];
  return NULL;
}

static void
expect_ext (const struct runcgo_ext_mount *e, size_t n, const char *dest, const char *source, bool cgroup)
{
  const struct runcgo_ext_mount *m = find_ext (e, n, dest);
  ok (m && strcmp (m->source, source) == 0 && m->cgroup == cgroup, "%s is external, from the host's %s%s", dest,
      source, cgroup ? " (a cgroup)" : "");
  if (m && strcmp (m->source, source) != 0)
    diag ("source: %s", m->source);
}

static void
test_external_mounts_without_cgroupns (void)
{
  struct runcgo_ext_mount *e = NULL;
  size_t n = 0;
  runcgo_error_t err = NULL;
  ok (runcgo_criu_external_mounts (container_mountinfo, host_mountinfo, false, &e, &n, &err) == 0,
      "external mounts of a sample container");
  runcgo_error_release (&err);
  expect_ext (e, n, "/tmp", "/tmp/ckpt/m/shared", false);
  expect_ext (e, n, "/sys/fs/cgroup/memory", "/sys/fs/cgroup/memory/ckpt-test/c1", true);
  expect_ext (e, n, "/sys/fs/cgroup/systemd", "/sys/fs/cgroup/systemd/ckpt-test/c1", true);
  expect_ext (e, n, "/sys/fs/cgroup/unified", "/sys/fs/cgroup/unified/ckpt-test/c1", true);
  expect_ext (e, n, "/dev/null", "/dev/null", false);
  expect_ext (e, n, "/data-sub", "/data/sub", false);
  expect_ext (e, n, "/with space", "/tmp/x y", false);
  static const char *internal[] = { "/", "/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/proc/bus",
                                    "/proc/acpi", "/proc/keys", "/dev/console", "/mnt/etc" };
  for (size_t i = 0; i < ARRAY_SIZE (internal); i++)
    ok (find_ext (e, n, internal[i]) == NULL, "%s is left to criu", internal[i]);
  ok (n == 7, "exactly 7 external mounts (%zu)", n);
  runcgo_ext_mounts_free (e, n);
}

static void
test_external_mounts_with_cgroupns (void)
{
  struct runcgo_ext_mount *e = NULL;
  size_t n = 0;
  runcgo_error_t err = NULL;
  ok (runcgo_criu_external_mounts (container_mountinfo, host_mountinfo, true, &e, &n, &err) == 0
          && find_ext (e, n, "/sys/fs/cgroup/memory") == NULL && find_ext (e, n, "/sys/fs/cgroup/unified") == NULL
          && find_ext (e, n, "/tmp") != NULL && n == 4,
      "with a cgroup namespace the cgroup mounts are criu's to redo, binds stay external");
  runcgo_error_release (&err);
  runcgo_ext_mounts_free (e, n);
  int r = runcgo_criu_external_mounts ("166 165 0:51 / /proc rw - proc proc rw\n", host_mountinfo, false, &e, &n,
                                       &err);
  ok (r < 0 && err && strstr (err->msg, "no root mount"), "a mountinfo without a root mount is an error (%s)",
      err ? err->msg : "accepted");
  runcgo_error_release (&err);
  /* a bind of a host directory that no host mount shows */
  ok (runcgo_criu_external_mounts ("1 0 8:1 / / rw - ext4 a rw\n2 1 9:9 /x /y rw - ext4 b rw\n",
                                   "1 0 9:9 /other /z rw - ext4 b rw\n", false, &e, &n, &err)
              < 0
          && err && strstr (err->msg, "`/y`"),
      "a mount of a host filesystem no host mount shows is an error");
  runcgo_error_release (&err);
}

int
main (void)
{
  test_encode_simple_requests ();
  test_encode_dump_request ();
  test_encode_restore_request ();
  test_encode_pass_through_flags ();
  test_page_server_and_network_lock_parse ();
  test_decode_responses ();
  test_decode_skips_unknown_wire_types ();
  test_decode_rejects_malformed ();
  test_decode_lengths_at_varint_boundary ();
  test_cg_mode_names ();
  test_external_mounts_without_cgroupns ();
  test_external_mounts_with_cgroupns ();
  return done_testing ();
}
