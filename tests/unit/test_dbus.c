/* test_dbus.c -- the D-Bus client's pure half (src/lib/cgroup/dbus.c): method
 * calls byte for byte as the specification lays them out, the systemd
 * driver's StartTransientUnit body, decoding of replies, errors and signals
 * in both byte orders, and the refusal of truncated, misaligned, overlong
 * or otherwise malformed messages.  Then one call over a socketpair with a
 * scripted server.  No bus needed. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/dbus.h"
#include "core/util.h"
#include "tap.h"
#ifdef HAVE_SYSTEMD
#include "cgroup/systemd.h"
#endif

static runcgo_error_t err;

static bool
same_bytes (const char *name, const struct runcgo_dbus_buf *got, const char *want, size_t n)
{
  if (got->len == n && memcmp (got->data, want, n) == 0)
    return true;
  diag ("%s: %zu bytes, want %zu", name, got->len, n);
  for (size_t i = 0; i < got->len || i < n; i++)
    if (i >= got->len || i >= n || got->data[i] != (unsigned char)want[i])
      {
        diag ("first difference at byte %zu: got 0x%02x, want 0x%02x", i, i < got->len ? got->data[i] : 0,
              i < n ? (unsigned char)want[i] : 0);
        break;
      }
  return false;
}

/* ---------------------------------------------------------------- encoding */

/* org.freedesktop.DBus.Hello, serial 1, worked out by hand from the
 * specification: fixed header, then the a(yv) header fields, each struct
 * on an 8-byte boundary, strings as u32 length + bytes + NUL. */
static const char hello_bytes[] = "l\1\0\1"         /* little-endian, METHOD_CALL, no flags, version 1 */
                                  "\0\0\0\0"        /* body length 0 */
                                  "\1\0\0\0"        /* serial 1 */
                                  "\x6d\0\0\0"      /* header fields: 109 bytes (16..125) */
                                  "\1\1o\0"         /* 16: PATH, signature "o" */
                                  "\x15\0\0\0"      /* 20: length 21 */
                                  "/org/freedesktop/DBus\0" /* 24..45 */
                                  "\0\0"            /* 46: pad to 48 */
                                  "\2\1s\0"         /* 48: INTERFACE, "s" */
                                  "\x14\0\0\0"      /* 52: length 20 */
                                  "org.freedesktop.DBus\0" /* 56..76 */
                                  "\0\0\0"          /* 77: pad to 80 */
                                  "\3\1s\0"         /* 80: MEMBER */
                                  "\5\0\0\0"        /* 84 */
                                  "Hello\0"         /* 88..93 */
                                  "\0\0"            /* 94: pad to 96 */
                                  "\6\1s\0"         /* 96: DESTINATION */
                                  "\x14\0\0\0"      /* 100 */
                                  "org.freedesktop.DBus\0" /* 104..124 */
                                  "\0\0\0";         /* 125: the header ends padded to 128 */

static void
test_encode_hello (void)
{
  struct runcgo_dbus_call c
      = { "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", NULL };
  struct runcgo_dbus_buf out = { 0 };
  ok (runcgo_dbus_encode_call (&c, 1, NULL, &out, &err) == 0, "Hello encodes");
  ok (same_bytes ("Hello", &out, hello_bytes, sizeof (hello_bytes) - 1), "Hello is byte-exact (128 bytes)");
  runcgo_dbus_buf_free (&out);
}

/* A call with a body: GetUnit("a.scope") to systemd.  The SIGNATURE
 * field is a 'g' (byte length), and the body starts on a fresh 8-byte
 * boundary after the header. */
static const char getunit_bytes[] = "l\1\0\1"
                                    "\x0c\0\0\0"    /* body: u32 7 + "a.scope\0" = 12 */
                                    "\7\0\0\0"      /* serial 7 */
                                    "\x97\0\0\0"    /* fields: 151 bytes (16..167) */
                                    "\1\1o\0" "\x19\0\0\0" "/org/freedesktop/systemd1\0" /* 16..49 */
                                    "\0\0\0\0\0\0" /* 50: pad to 56 */
                                    "\2\1s\0" "\x20\0\0\0" "org.freedesktop.systemd1.Manager\0" /* 56..96 */
                                    "\0\0\0\0\0\0\0" /* 97: pad to 104 */
                                    "\3\1s\0" "\7\0\0\0" "GetUnit\0" /* 104..119 */
                                    "\6\1s\0" "\x18\0\0\0" "org.freedesktop.systemd1\0" /* 120..152 */
                                    "\0\0\0\0\0\0\0" /* 153: pad to 160 */
                                    "\x08\1g\0" "\1s\0" /* 160..166: SIGNATURE "s" */
                                    "\0"            /* 167: pad to 168 */
                                    "\7\0\0\0" "a.scope\0"; /* 168: the body */

static void
test_encode_with_body (void)
{
  struct runcgo_dbus_call c = { "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "GetUnit", "s" };
  struct runcgo_dbus_buf body = { 0 }, out = { 0 };
  runcgo_dbus_put_string (&body, "a.scope");
  ok (runcgo_dbus_encode_call (&c, 7, &body, &out, &err) == 0, "GetUnit encodes");
  ok (same_bytes ("GetUnit", &out, getunit_bytes, sizeof (getunit_bytes) - 1), "GetUnit is byte-exact");
  runcgo_dbus_buf_free (&out);
  /* a body that does not match the signature is refused, not sent */
  struct runcgo_dbus_call bad = c;
  bad.signature = "u";
  runcgo_dbus_put_string (&body, "extra");
  bool refused = runcgo_dbus_encode_call (&bad, 8, &body, &out, &err) < 0 && strstr (runcgo_error_text (err), "GetUnit");
  ok (refused, "a body that does not match its signature fails: %s", runcgo_error_text (err));
  runcgo_error_release (&err);
  bad.signature = "a(";
  ok (runcgo_dbus_encode_call (&bad, 8, &body, &out, &err) < 0, "an invalid signature fails");
  runcgo_error_release (&err);
  runcgo_dbus_buf_free (&body);
}

static void
test_alignment (void)
{
  struct runcgo_dbus_buf b = { 0 };
  runcgo_dbus_put_byte (&b, 7);
  runcgo_dbus_put_u64 (&b, 0x0102030405060708ULL); /* 7 bytes of zero padding first */
  runcgo_dbus_put_byte (&b, 1);
  runcgo_dbus_put_bool (&b, true); /* 3 bytes of padding, then 1 as a u32 */
  static const char want[] = "\7\0\0\0\0\0\0\0" "\x08\x07\x06\x05\x04\x03\x02\x01" "\1\0\0\0" "\1\0\0\0";
  ok (same_bytes ("alignment", &b, want, sizeof (want) - 1), "u64 on 8, bool on 4, zero padding");
  runcgo_dbus_buf_free (&b);
  /* an empty array of 8-aligned elements: the padding after its length is
   * there, and not counted */
  runcgo_dbus_put_byte (&b, 1);
  runcgo_dbus_array_end (&b, runcgo_dbus_array_begin (&b, '('));
  static const char empty[] = "\1\0\0\0" "\0\0\0\0";
  ok (same_bytes ("empty a(sv)", &b, empty, sizeof (empty) - 1), "an empty array of structs: length 0, padded to 8");
  runcgo_dbus_buf_free (&b);
}

#ifdef HAVE_SYSTEMD
/* The driver's StartTransientUnit body for a scope with one property of
 * each kind it sends. */
static const char start_body[] = "\x07\0\0\0" "a.scope\0"      /* 0: name */
                                 "\x07\0\0\0" "replace\0"      /* 12: mode */
                                 "\x69\0\0\0"                  /* 24: a(sv): 105 bytes, 32..136 */
                                 "\0\0\0\0"                    /* 28: pad to the first struct */
                                 "\x08\0\0\0" "Delegate\0"     /* 32: ("Delegate", */
                                 "\1b\0"                       /* 45: variant type "b" */
                                 "\1\0\0\0"                    /* 48: true) */
                                 "\0\0\0\0"                    /* 52: pad to 56 */
                                 "\x09\0\0\0" "MemoryMax\0"    /* 56 */
                                 "\1t\0"                       /* 70 */
                                 "\0\0\0\0\0\0\0"              /* 73: pad to 80 */
                                 "\0\0\0\x10\0\0\0\0"          /* 80: 256 MiB */
                                 "\x04\0\0\0" "PIDs\0"         /* 88 */
                                 "\2au\0"                      /* 97 */
                                 "\0\0\0"                      /* 101: pad to 104 */
                                 "\4\0\0\0" "\x2a\0\0\0"       /* 104: [42] */
                                 "\x0b\0\0\0" "AllowedCPUs\0"  /* 112 */
                                 "\2ay\0"                      /* 128 */
                                 "\1\0\0\0" "\x0f"             /* 132: [0x0f] */
                                 "\0\0\0"                      /* 137: pad to 140 */
                                 "\0\0\0\0";                   /* 140: a(sa(sv)) empty (elements would be at 144) */

/* Slice= (s) and Wants= (as) */
static const char slice_wants[] = "\x40\0\0\0" "\0\0\0\0"             /* a(sv): 64 bytes, 8..71 */
                                  "\5\0\0\0" "Slice\0" "\1s\0" "\0\0\0" /* 8 .. pad to 24 */
                                  "\7\0\0\0" "x.slice\0"              /* 24..35 */
                                  "\0\0\0\0"                          /* 36: pad to 40 */
                                  "\5\0\0\0" "Wants\0" "\2as\0" "\0\0"  /* 40 .. pad to 56 */
                                  "\x0c\0\0\0"                        /* 56: as, 12 bytes */
                                  "\7\0\0\0" "y.slice\0";             /* 60..71 */

static void
test_start_transient_unit_body (void)
{
  struct runcgo_sd_props p = { 0 };
  p.p = xzalloc (4 * sizeof (*p.p));
  p.n = 4;
  p.p[0] = (struct runcgo_sd_prop){ .name = "Delegate", .type = RUNCGO_SD_BOOL, .num = 1 };
  p.p[1] = (struct runcgo_sd_prop){ .name = "MemoryMax", .type = RUNCGO_SD_U64, .num = 256ULL << 20 };
  p.p[2] = (struct runcgo_sd_prop){ .name = "PIDs", .type = RUNCGO_SD_U32_ONE, .num = 42 };
  p.p[3] = (struct runcgo_sd_prop){ .name = "AllowedCPUs", .type = RUNCGO_SD_BYTES };
  p.p[3].bytes = xmalloc (1);
  p.p[3].bytes[0] = 0x0f;
  p.p[3].n_bytes = 1;
  struct runcgo_dbus_buf b = { 0 }, out = { 0 };
  runcgo_sd_start_body ("a.scope", &p, &b);
  ok (same_bytes ("StartTransientUnit body", &b, start_body, sizeof (start_body) - 1),
      "StartTransientUnit(ssa(sv)a(sa(sv))) body is byte-exact");
  struct runcgo_dbus_call c = { "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "StartTransientUnit", "ssa(sv)a(sa(sv))" };
  ok (runcgo_dbus_encode_call (&c, 3, &b, &out, &err) == 0, "and it matches its signature");
  /* a string and a string-array property: the other two kinds */
  struct runcgo_sd_props q = { 0 };
  q.p = xzalloc (2 * sizeof (*q.p));
  q.n = 2;
  q.p[0] = (struct runcgo_sd_prop){ .name = "Slice", .type = RUNCGO_SD_STRING, .str = xstrdup ("x.slice") };
  q.p[1] = (struct runcgo_sd_prop){ .name = "Wants", .type = RUNCGO_SD_STR_ONE, .str = xstrdup ("y.slice") };
  struct runcgo_dbus_buf qb = { 0 };
  runcgo_sd_put_props (&qb, &q);
  ok (same_bytes ("Slice/Wants", &qb, slice_wants, sizeof (slice_wants) - 1), "s and as properties are byte-exact");
  runcgo_sd_props_free (&p);
  runcgo_sd_props_free (&q);
  runcgo_dbus_buf_free (&b);
  runcgo_dbus_buf_free (&qb);
  runcgo_dbus_buf_free (&out);
}
#endif

/* ---------------------------------------------------------------- decoding */

/* systemd's answer to a StartTransientUnit of serial 3: the job's path. */
static const char return_le[] = "l\2\1\1" "\x25\0\0\0" "\x09\0\0\0" "\x1f\0\0\0"
                                "\5\1u\0" "\3\0\0\0"                    /* 16: REPLY_SERIAL 3 */
                                "\7\1s\0" "\6\0\0\0" ":1.234\0" "\0"    /* 24: SENDER, pad to 40 */
                                "\x08\1g\0" "\1o\0" "\0"                /* 40: SIGNATURE "o", pad to 48 */
                                "\x20\0\0\0" "/org/freedesktop/systemd1/job/42\0";

/* JobRemoved(u 42, o job, s "a.scope", s "done"), big-endian, serial 256. */
static const char signal_be[]
    = "B\4\1\1" "\0\0\0\x41" "\0\0\1\0" "\0\0\0\x7a"
      "\1\1o\0" "\0\0\0\x19" "/org/freedesktop/systemd1\0" "\0\0\0\0\0\0"                 /* 16..55 */
      "\2\1s\0" "\0\0\0\x20" "org.freedesktop.systemd1.Manager\0" "\0\0\0\0\0\0\0"        /* 56..103 */
      "\3\1s\0" "\0\0\0\x0a" "JobRemoved\0" "\0\0\0\0\0"                                  /* 104..127 */
      "\x08\1g\0" "\4uoss\0" "\0\0\0\0\0\0"                                               /* 128..143 */
      "\0\0\0\x2a" "\0\0\0\x20" "/org/freedesktop/systemd1/job/42\0" "\0\0\0"            /* body 0..43 */
      "\0\0\0\x07" "a.scope\0" "\0\0\0\x04" "done\0";                                    /* 44..64 */

/* The error systemd answers when the unit is there already (serial 7). */
static const char error_le[] = "l\3\1\1" "\x21\0\0\0" "\x0a\0\0\0" "\x3f\0\0\0"
                               "\5\1u\0" "\7\0\0\0"                                          /* 16 */
                               "\4\1s\0" "\x23\0\0\0" "org.freedesktop.systemd1.UnitExists\0" "\0\0\0\0" /* 24 */
                               "\x08\1g\0" "\1s\0" "\0"                                      /* 72 */
                               "\x1c\0\0\0" "Unit a.scope already exists.\0";                /* 80 */

static bool
decodes (const char *bytes, size_t n, struct runcgo_dbus_msg *m)
{
  runcgo_error_release (&err);
  if (runcgo_dbus_decode ((const unsigned char *)bytes, n, m, &err) == 0)
    return true;
  diag ("%s", runcgo_error_text (err));
  return false;
}

static void
test_decode_valid (void)
{
  struct runcgo_dbus_msg m;
  const char *s = NULL, *path = NULL, *unit = NULL, *result = NULL;
  uint32_t id = 0;
  ok (decodes (hello_bytes, sizeof (hello_bytes) - 1, &m) && m.type == RUNCGO_DBUS_METHOD_CALL && m.serial == 1
          && strcmp (m.member, "Hello") == 0 && strcmp (m.path, "/org/freedesktop/DBus") == 0 && *m.signature == '\0',
      "our own Hello decodes");
  ok (decodes (return_le, sizeof (return_le) - 1, &m) && m.type == RUNCGO_DBUS_METHOD_RETURN && m.reply_serial == 3
          && m.serial == 9 && strcmp (m.sender, ":1.234") == 0 && runcgo_dbus_read (&m, "o", &s) == 0
          && strcmp (s, "/org/freedesktop/systemd1/job/42") == 0,
      "a method return: reply serial, sender, the job path");
  ok (runcgo_dbus_read (&m, "s", &s) < 0 && runcgo_dbus_read (&m, "oo", &s, &s) < 0,
      "reading it as another signature fails");
  ok (decodes (signal_be, sizeof (signal_be) - 1, &m) && m.big_endian && m.type == RUNCGO_DBUS_SIGNAL
          && m.serial == 256 && strcmp (m.member, "JobRemoved") == 0
          && runcgo_dbus_read (&m, "uoss", &id, &path, &unit, &result) == 0 && id == 42
          && strcmp (path, "/org/freedesktop/systemd1/job/42") == 0 && strcmp (unit, "a.scope") == 0
          && strcmp (result, "done") == 0,
      "a big-endian JobRemoved signal: (42, job/42, a.scope, done)");
  ok (decodes (error_le, sizeof (error_le) - 1, &m) && m.type == RUNCGO_DBUS_ERROR && m.reply_serial == 7
          && strcmp (m.error_name, "org.freedesktop.systemd1.UnitExists") == 0 && runcgo_dbus_read (&m, "s", &s) == 0
          && strcmp (s, "Unit a.scope already exists.") == 0,
      "an error: name and message");
}

/* A copy of a valid message with one byte changed must fail to decode. */
static bool
mutant_fails (const char *bytes, size_t n, size_t at, unsigned char v)
{
  unsigned char *c = xmalloc (n);
  memcpy (c, bytes, n);
  c[at] = v;
  struct runcgo_dbus_msg m;
  runcgo_error_release (&err);
  int r = runcgo_dbus_decode (c, n, &m, &err);
  bool good = r < 0 && err && strstr (runcgo_error_text (err), "D-Bus") != NULL;
  free (c);
  return good;
}

static void
test_decode_malformed (void)
{
  struct runcgo_dbus_msg m;
  const char *all[] = { hello_bytes, return_le, signal_be, error_le };
  size_t lens[] = { sizeof (hello_bytes) - 1, sizeof (return_le) - 1, sizeof (signal_be) - 1, sizeof (error_le) - 1 };
  bool every = true;
  for (size_t k = 0; k < ARRAY_SIZE (all); k++)
    for (size_t n = 0; n < lens[k]; n++)
      if (runcgo_dbus_decode ((const unsigned char *)all[k], n, &m, &err) == 0)
        every = false, diag ("message %zu decodes truncated to %zu bytes", k, n);
      else
        runcgo_error_release (&err);
  ok (every, "every truncation of every message is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 0, 'x'), "an unknown byte order is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 3, 2), "protocol version 2 is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 1, 0), "message type 0 is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 8, 0), "serial 0 is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 4, 0x26), "a body length past the end is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 39, 1), "non-zero padding in the header is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 38, 'x'), "a string without its NUL is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 18, 's'), "REPLY_SERIAL with the wrong type is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 16, 9), "a non-zero UNIX_FDS (fds never negotiated) is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 20, 0), "reply serial 0 is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 45, '('), "an invalid body signature is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 45, 'u'), "a body longer than its signature is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 69, '/'), "an invalid object path (//) is refused");
  ok (mutant_fails (return_le, sizeof (return_le) - 1, 48, 0x30), "a string length past the body is refused");
  ok (mutant_fails (error_le, sizeof (error_le) - 1, 24, 2), "an error without ERROR_NAME is refused");
  ok (mutant_fails (signal_be, sizeof (signal_be) - 1, 104, 2), "a signal without MEMBER is refused");
  /* a large length in the fixed header is refused before anything is read */
  unsigned char big[16] = { 'l', 2, 0, 1, 0xff, 0xff, 0xff, 0x7f, 1, 0, 0, 0, 0, 0, 0, 0 };
  size_t total = 0;
  runcgo_error_release (&err);
  bool refused = runcgo_dbus_frame_size (big, sizeof (big), &total, &err) < 0 && err->status == EMSGSIZE;
  ok (refused, "a 2 GiB body is refused from the fixed header: %s", runcgo_error_text (err));
  runcgo_error_release (&err);
}

/* A body of signature SIG and the bytes W wrote, in a method return. */
static int
decode_body (const char *sig, const struct runcgo_dbus_buf *body)
{
  struct runcgo_dbus_buf msg = { 0 };
  /* built like return_le: REPLY_SERIAL 1 and SIGNATURE, nothing else */
  runcgo_dbus_put_byte (&msg, 'l');
  runcgo_dbus_put_byte (&msg, RUNCGO_DBUS_METHOD_RETURN);
  runcgo_dbus_put_byte (&msg, 0);
  runcgo_dbus_put_byte (&msg, 1);
  runcgo_dbus_put_u32 (&msg, (uint32_t)body->len);
  runcgo_dbus_put_u32 (&msg, 5);
  struct runcgo_dbus_array a = runcgo_dbus_array_begin (&msg, '(');
  runcgo_dbus_put_struct (&msg);
  runcgo_dbus_put_byte (&msg, 5);
  runcgo_dbus_put_signature (&msg, "u");
  runcgo_dbus_put_u32 (&msg, 1);
  /* a header field of a later specification (code 200): skipped */
  runcgo_dbus_put_struct (&msg);
  runcgo_dbus_put_byte (&msg, 200);
  runcgo_dbus_put_signature (&msg, "ay");
  struct runcgo_dbus_array u = runcgo_dbus_array_begin (&msg, 'y');
  runcgo_dbus_put_byte (&msg, 7);
  runcgo_dbus_array_end (&msg, u);
  runcgo_dbus_put_struct (&msg);
  runcgo_dbus_put_byte (&msg, 8);
  runcgo_dbus_put_signature (&msg, "g");
  runcgo_dbus_put_signature (&msg, sig);
  runcgo_dbus_array_end (&msg, a);
  runcgo_dbus_put_struct (&msg);
  for (size_t i = 0; i < body->len; i++)
    runcgo_dbus_put_byte (&msg, body->data[i]);
  struct runcgo_dbus_msg m;
  runcgo_error_release (&err);
  int r = runcgo_dbus_decode (msg.data, msg.len, &m, &err);
  runcgo_dbus_buf_free (&msg);
  return r;
}

static void
test_nesting_and_arrays (void)
{
  struct runcgo_dbus_buf b = { 0 };
  for (int i = 0; i < 10; i++)
    runcgo_dbus_put_signature (&b, "v");
  runcgo_dbus_put_signature (&b, "y");
  runcgo_dbus_put_byte (&b, 1);
  ok (decode_body ("v", &b) == 0, "ten nested variants decode");
  runcgo_dbus_buf_free (&b);
  for (int i = 0; i < 70; i++)
    runcgo_dbus_put_signature (&b, "v");
  runcgo_dbus_put_signature (&b, "y");
  runcgo_dbus_put_byte (&b, 1);
  ok (decode_body ("v", &b) < 0, "seventy nested variants are refused (depth > 64)");
  runcgo_dbus_buf_free (&b);
  char deep[40];
  memset (deep, 'a', 33);
  strcpy (deep + 33, "y");
  ok (!runcgo_dbus_signature_valid (deep) && runcgo_dbus_signature_valid (deep + 1),
      "33 nested arrays: an invalid signature; 32 are fine");
  ok (runcgo_dbus_signature_valid ("a{sv}(ua(sv))") && !runcgo_dbus_signature_valid ("a{vs}")
          && !runcgo_dbus_signature_valid ("{sv}") && !runcgo_dbus_signature_valid ("()")
          && !runcgo_dbus_signature_valid ("a") && !runcgo_dbus_signature_valid ("(s"),
      "signatures: dict keys are basic, no bare dict entry, no empty struct, no dangling array");
  /* an array of u64 whose length is not a multiple of 8 */
  struct runcgo_dbus_array a = runcgo_dbus_array_begin (&b, 't');
  runcgo_dbus_put_u64 (&b, 1);
  runcgo_dbus_array_end (&b, a);
  ok (decode_body ("at", &b) == 0, "an array of one u64 decodes");
  b.data[0] = 12;
  ok (decode_body ("at", &b) < 0, "an array length past the body is refused");
  b.data[0] = 0;
  ok (decode_body ("at", &b) < 0, "an empty array followed by stray bytes is refused");
  runcgo_dbus_buf_free (&b);
  runcgo_dbus_put_u32 (&b, 2);
  ok (decode_body ("b", &b) < 0, "a boolean of 2 is refused");
  runcgo_dbus_buf_free (&b);
  runcgo_dbus_put_string (&b, "x");
  ok (decode_body ("s", &b) == 0, "a header field of unknown code is skipped");
  runcgo_dbus_buf_free (&b);
  /* PropertiesChanged(s, a{sv}, as) as systemd sends it, with a struct in a variant */
  runcgo_dbus_put_string (&b, "org.freedesktop.systemd1.Unit");
  a = runcgo_dbus_array_begin (&b, '{');
  runcgo_dbus_put_struct (&b);
  runcgo_dbus_put_string (&b, "ActiveState");
  runcgo_dbus_put_signature (&b, "s");
  runcgo_dbus_put_string (&b, "active");
  runcgo_dbus_put_struct (&b);
  runcgo_dbus_put_string (&b, "Job");
  runcgo_dbus_put_signature (&b, "(uo)");
  runcgo_dbus_put_struct (&b);
  runcgo_dbus_put_u32 (&b, 0);
  runcgo_dbus_put_string (&b, "/");
  runcgo_dbus_array_end (&b, a);
  struct runcgo_dbus_array as = runcgo_dbus_array_begin (&b, 's');
  runcgo_dbus_put_string (&b, "Conditions");
  runcgo_dbus_array_end (&b, as);
  ok (decode_body ("sa{sv}as", &b) == 0, "a{sv} with a struct in a variant, then as (PropertiesChanged)");
  runcgo_dbus_buf_free (&b);
}

static void
test_read_variants (void)
{
  struct runcgo_dbus_buf b = { 0 }, msg = { 0 };
  runcgo_dbus_put_signature (&b, "s");
  runcgo_dbus_put_string (&b, "/system.slice");
  struct runcgo_dbus_call c = { NULL, "/a", NULL, "Get", "v" };
  struct runcgo_dbus_msg m;
  const char *s = NULL;
  uint32_t u = 0;
  ok (runcgo_dbus_encode_call (&c, 1, &b, &msg, &err) == 0 && runcgo_dbus_decode (msg.data, msg.len, &m, &err) == 0
          && runcgo_dbus_read (&m, "vs", &s) == 0 && strcmp (s, "/system.slice") == 0,
      "a variant holding a string reads as \"vs\"");
  ok (runcgo_dbus_read (&m, "vu", &u) < 0, "but not as \"vu\"");
  runcgo_dbus_buf_free (&b);
  runcgo_dbus_buf_free (&msg);
}

/* ---------------------------------------------------------------- addresses and auth */

static bool
address_is (const char *address, const char *path, bool abstract)
{
  char *p = NULL;
  bool abs = !abstract;
  runcgo_error_release (&err);
  bool good = runcgo_dbus_address_parse (address, &p, &abs, &err) == 0 && strcmp (p, path) == 0 && abs == abstract;
  if (!good)
    diag ("%s: %s", address, p ? p : runcgo_error_text (err));
  free (p);
  return good;
}

static void
test_addresses (void)
{
  char *p = NULL;
  bool abs;
  ok (address_is ("unix:path=/run/dbus/system_bus_socket", "/run/dbus/system_bus_socket", false), "unix:path=");
  ok (address_is ("unix:abstract=/tmp/dbus-x,guid=0123", "/tmp/dbus-x", true), "unix:abstract= with a guid");
  ok (address_is ("tcp:host=h,port=1;unix:guid=1,path=/a%20b", "/a b", false), "the first unix entry, %%XX escapes");
  bool refused = runcgo_dbus_address_parse ("unix:runtime=yes", &p, &abs, &err) < 0 && err->status == EAFNOSUPPORT;
  ok (refused, "an address without path= or abstract= fails: %s", runcgo_error_text (err));
  runcgo_error_release (&err);
  ok (runcgo_dbus_address_parse ("unix:path=/a%2", &p, &abs, &err) < 0, "a cut escape fails");
  runcgo_error_release (&err);
  ok (runcgo_dbus_address_parse ("unix:path=/a%00b", &p, &abs, &err) < 0, "an escaped NUL fails");
  runcgo_error_release (&err);
  ok (runcgo_dbus_auth_reply ("OK 0123456789abcdef0123456789abcdef", &err) == 0, "OK <guid> is accepted");
  refused = runcgo_dbus_auth_reply ("REJECTED DBUS_COOKIE_SHA1", &err) < 0 && err->status == EACCES
            && strstr (runcgo_error_text (err), "DBUS_COOKIE_SHA1");
  ok (refused, "REJECTED names the mechanisms: %s", runcgo_error_text (err));
  runcgo_error_release (&err);
  ok (runcgo_dbus_auth_reply ("OK 0123", &err) < 0, "OK with a short guid is refused");
  runcgo_error_release (&err);
}

/* ---------------------------------------------------------------- a scripted server */

/* Read until BUF holds at least N bytes. */
static bool
read_at_least (int fd, unsigned char *buf, size_t *have, size_t n)
{
  while (*have < n)
    {
      ssize_t r = read (fd, buf + *have, 8192 - *have);
      if (r <= 0)
        return false;
      *have += (size_t)r;
    }
  return true;
}

/* The server's side: auth + Hello, then one call answered with a signal
 * and an error, then a call never answered.  Exits 0 when all came as
 * the specification says. */
static int
serve (int fd)
{
  static const char ok_line[] = "OK 0123456789abcdef0123456789abcdef\r\n";
  unsigned char buf[8192];
  size_t have = 0, n, auth;
  char want[64];
  snprintf (want, sizeof (want), "AUTH EXTERNAL ");
  for (const char *u = xasprintf ("%u", (unsigned)geteuid ()); *u; u++)
    snprintf (want + strlen (want), 3, "%02x", (unsigned char)*u);
  strcat (want, "\r\nBEGIN\r\n");
  auth = 1 + strlen (want);
  if (!read_at_least (fd, buf, &have, auth + 16) || buf[0] != 0 || memcmp (buf + 1, want, auth - 1) != 0)
    return 1;
  /* Hello, then the Hello reply: unique name ":1.1" */
  if (runcgo_dbus_frame_size (buf + auth, have - auth, &n, &err) < 0 || !read_at_least (fd, buf, &have, auth + n))
    return 2;
  static const char hello_reply[] = "l\2\1\1" "\x09\0\0\0" "\1\0\0\0" "\x0f\0\0\0"
                                    "\5\1u\0" "\1\0\0\0" "\x08\1g\0" "\1s\0" "\0"
                                    "\4\0\0\0" ":1.1\0";
  if (write (fd, ok_line, sizeof (ok_line) - 1) < 0 || write (fd, hello_reply, sizeof (hello_reply) - 1) < 0)
    return 3;
  size_t start = auth + n;
  /* the call: answer with JobRemoved first, then UnitExists for its serial */
  if (!read_at_least (fd, buf, &have, start + 16) || runcgo_dbus_frame_size (buf + start, 16, &n, &err) < 0
      || !read_at_least (fd, buf, &have, start + n))
    return 4;
  struct runcgo_dbus_msg m;
  if (runcgo_dbus_decode (buf + start, n, &m, &err) < 0 || strcmp (m.member, "StartTransientUnit") != 0)
    return 5;
  char e[sizeof (error_le)];
  memcpy (e, error_le, sizeof (e));
  memcpy (e + 20, &m.serial, 4); /* REPLY_SERIAL (little-endian host) */
  if (write (fd, signal_be, sizeof (signal_be) - 1) < 0 || write (fd, e, sizeof (e) - 1) < 0)
    return 6;
  /* the next call gets no answer: the client must time out */
  while (read (fd, buf, sizeof (buf)) > 0)
    ;
  return 0;
}

static void
count_signal (const struct runcgo_dbus_msg *m, void *data)
{
  if (strcmp (m->member, "JobRemoved") == 0)
    ++*(int *)data;
}

static void
test_conversation (void)
{
  char dir[] = "/tmp/test_dbus.XXXXXX";
  if (mkdtemp (dir) == NULL)
    return (void)ok (0, "mkdtemp");
  cleanup_free char *path = xasprintf ("%s/bus", dir), *address = xasprintf ("unix:path=%s,guid=x", path);
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf (sa.sun_path, sizeof (sa.sun_path), "%s", path);
  int l = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0 || bind (l, (struct sockaddr *)&sa, sizeof (sa)) < 0 || listen (l, 1) < 0)
    return (void)ok (0, "listen on %s", path);
  pid_t pid = fork ();
  if (pid == 0)
    {
      int c = accept (l, NULL, NULL);
      _exit (c < 0 ? 99 : serve (c));
    }
  close (l);
  struct runcgo_dbus *bus = NULL;
  ok (runcgo_dbus_open (address, &bus, &err) == 0, "connect to %s", path);
  ok (bus && runcgo_dbus_start (bus, true, 5000000, &err) == 0, "EXTERNAL auth, BEGIN and Hello in one go: %s",
      err ? runcgo_error_text (err) : "ok");
  int signals = 0;
  struct runcgo_dbus_reply reply;
  struct runcgo_dbus_buf body = { 0 };
  runcgo_dbus_put_string (&body, "a.scope");
  struct runcgo_dbus_call c = { "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                "org.freedesktop.systemd1.Manager", "StartTransientUnit", "s" };
  if (bus)
    {
      runcgo_dbus_on_signal (bus, count_signal, &signals);
      runcgo_error_release (&err);
      int r = runcgo_dbus_call (bus, &c, &body, 5000000, &reply, &err);
      bool named = r < 0 && err->status == EEXIST && reply.error_name
                   && strcmp (reply.error_name, "org.freedesktop.systemd1.UnitExists") == 0
                   && strcmp (runcgo_error_text (err), "org.freedesktop.systemd1.UnitExists: Unit a.scope already exists.")
                          == 0;
      ok (named, "an error answer fails with its name and message: %s", runcgo_error_text (err));
      ok (signals == 1, "the signal that came before the answer went to the handler");
      runcgo_dbus_reply_free (&reply);
      runcgo_error_release (&err);
      r = runcgo_dbus_call (bus, &c, &body, 200000, &reply, &err);
      bool timed_out = r < 0 && err->status == ETIMEDOUT;
      ok (timed_out, "no answer: the call times out: %s", runcgo_error_text (err));
      runcgo_error_release (&err);
      runcgo_dbus_reply_free (&reply);
      runcgo_dbus_close (bus);
    }
  int st = -1;
  waitpid (pid, &st, 0);
  ok (WIFEXITED (st) && WEXITSTATUS (st) == 0, "the server saw what the specification says (status %d)", st);
  runcgo_dbus_buf_free (&body);
  unlink (path);
  rmdir (dir);
}

int
main (void)
{
  test_encode_hello ();
  test_encode_with_body ();
  test_alignment ();
#ifdef HAVE_SYSTEMD
  test_start_transient_unit_body ();
#endif
  test_decode_valid ();
  test_decode_malformed ();
  test_nesting_and_arrays ();
  test_read_variants ();
  test_addresses ();
  test_conversation ();
  runcgo_error_release (&err);
  return done_testing ();
}
