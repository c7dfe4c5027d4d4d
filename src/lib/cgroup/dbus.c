/* dbus.c -- a small D-Bus client written from the D-Bus specification
 * (marshalling, the message format, SASL EXTERNAL, the unix transport), for
 * the systemd cgroup driver.  It does what systemd.c needs and no more:
 * method calls out, replies, errors and signals in.  Everything received is
 * validated in full before any field is used: it comes from another
 * process, and a decoder that trusts lengths is how clients get owned. */
#include "config.h"

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/dbus.h"
#include "core/util.h"

#define MAX_ARRAY_DEPTH 32
#define MAX_STRUCT_DEPTH 32
#define MAX_TOTAL_DEPTH 64 /* containers and variants together */
#define FIXED_HEADER 16

enum header_field
{
  F_PATH = 1,
  F_INTERFACE = 2,
  F_MEMBER = 3,
  F_ERROR_NAME = 4,
  F_REPLY_SERIAL = 5,
  F_DESTINATION = 6,
  F_SENDER = 7,
  F_SIGNATURE = 8,
  F_UNIX_FDS = 9,
};

/* ================================================================ signatures */

static bool
is_basic (char c)
{
  return c && strchr ("ybnqiuxtdhsog", c) != NULL;
}

static size_t
type_align (char c)
{
  switch (c)
    {
    case 'n':
    case 'q':
      return 2;
    case 'b':
    case 'i':
    case 'u':
    case 'h':
    case 's':
    case 'o':
    case 'a':
      return 4;
    case 'x':
    case 't':
    case 'd':
    case '(':
    case '{':
      return 8;
    default: /* y g v */
      return 1;
    }
}

/* One complete type at *S; moves *S past it. */
static bool
sig_complete (const char **s, int arrays, int structs)
{
  char c = *(*s)++;
  if (is_basic (c) || c == 'v')
    return true;
  if (c == 'a')
    {
      if (++arrays > MAX_ARRAY_DEPTH)
        return false;
      if (**s != '{')
        return sig_complete (s, arrays, structs);
      /* a dict entry: only as an array's element, a basic key, one value */
      (*s)++;
      if (++structs > MAX_STRUCT_DEPTH || !is_basic (*(*s)++) || !sig_complete (s, arrays, structs))
        return false;
      return *(*s)++ == '}';
    }
  if (c != '(' || ++structs > MAX_STRUCT_DEPTH || **s == ')')
    return false;
  while (**s != ')')
    if (**s == '\0' || !sig_complete (s, arrays, structs))
      return false;
  (*s)++;
  return true;
}

bool
runcgo_dbus_signature_valid (const char *sig)
{
  if (sig == NULL || strlen (sig) > 255)
    return false;
  while (*sig)
    if (!sig_complete (&sig, 0, 0))
      return false;
  return true;
}

static bool
signature_single (const char *sig)
{
  return runcgo_dbus_signature_valid (sig) && *sig && sig_complete (&sig, 0, 0) && *sig == '\0';
}

bool
runcgo_dbus_object_path_valid (const char *p)
{
  /* "/" or "/elem/elem", elements of [A-Za-z0-9_], none empty */
  if (p == NULL || p[0] != '/')
    return false;
  if (p[1] == '\0')
    return true;
  for (const char *e = p + 1;; e++)
    {
      size_t n = strspn (e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
      if (n == 0)
        return false;
      e += n;
      if (*e == '\0')
        return true;
      if (*e != '/')
        return false;
    }
}

/* ================================================================ writing */

void
runcgo_dbus_buf_free (struct runcgo_dbus_buf *b)
{
  free (b->data);
  memset (b, 0, sizeof (*b));
}

static unsigned char *
buf_grow (struct runcgo_dbus_buf *b, size_t n)
{
  if (b->len + n > b->cap)
    {
      b->cap = b->cap * 2 > b->len + n ? b->cap * 2 : b->len + n + 64;
      b->data = xrealloc (b->data, b->cap);
    }
  unsigned char *p = b->data + b->len;
  b->len += n;
  return p;
}

static void
buf_align (struct runcgo_dbus_buf *b, size_t a)
{
  size_t pad = (a - b->len % a) % a;
  if (pad > 0) /* an empty buffer has no data pointer yet */
    memset (buf_grow (b, pad), 0, pad); /* padding is always zero */
}

void
runcgo_dbus_put_byte (struct runcgo_dbus_buf *b, uint8_t v)
{
  *buf_grow (b, 1) = v;
}

void
runcgo_dbus_put_u32 (struct runcgo_dbus_buf *b, uint32_t v)
{
  buf_align (b, 4);
  uint32_t le = htole32 (v);
  memcpy (buf_grow (b, 4), &le, 4);
}

void
runcgo_dbus_put_bool (struct runcgo_dbus_buf *b, bool v)
{
  runcgo_dbus_put_u32 (b, v ? 1 : 0);
}

void
runcgo_dbus_put_u64 (struct runcgo_dbus_buf *b, uint64_t v)
{
  buf_align (b, 8);
  uint64_t le = htole64 (v);
  memcpy (buf_grow (b, 8), &le, 8);
}

void
runcgo_dbus_put_string (struct runcgo_dbus_buf *b, const char *s)
{
  size_t n = strlen (s);
  runcgo_dbus_put_u32 (b, (uint32_t)n);
  memcpy (buf_grow (b, n + 1), s, n + 1);
}

void
runcgo_dbus_put_signature (struct runcgo_dbus_buf *b, const char *sig)
{
  size_t n = strlen (sig);
  runcgo_dbus_put_byte (b, (uint8_t)n);
  memcpy (buf_grow (b, n + 1), sig, n + 1);
}

void
runcgo_dbus_put_struct (struct runcgo_dbus_buf *b)
{
  buf_align (b, 8);
}

struct runcgo_dbus_array
runcgo_dbus_array_begin (struct runcgo_dbus_buf *b, char elem)
{
  struct runcgo_dbus_array a;
  runcgo_dbus_put_u32 (b, 0);
  a.length_at = b->len - 4;
  /* the padding to the first element is there even when the array is
   * empty, and does not count in the length */
  buf_align (b, type_align (elem));
  a.first = b->len;
  return a;
}

void
runcgo_dbus_array_end (struct runcgo_dbus_buf *b, struct runcgo_dbus_array a)
{
  uint32_t le = htole32 ((uint32_t)(b->len - a.first));
  memcpy (b->data + a.length_at, &le, 4);
}

/* ================================================================ reading */

/* A cursor over a whole message: alignment is relative to its start. */
struct rd
{
  const unsigned char *p;
  size_t len, pos;
  bool be;
};

static bool
rd_align (struct rd *r, size_t a)
{
  size_t to = r->pos + (a - r->pos % a) % a;
  if (to > r->len)
    return false;
  for (; r->pos < to; r->pos++)
    if (r->p[r->pos] != 0) /* non-zero padding: invalid */
      return false;
  return true;
}

static bool
rd_fixed (struct rd *r, size_t size, uint64_t *v)
{
  if (!rd_align (r, size) || r->len - r->pos < size)
    return false;
  const unsigned char *q = r->p + r->pos;
  uint64_t x = 0;
  for (size_t i = 0; i < size; i++)
    x |= (uint64_t)q[r->be ? size - 1 - i : i] << (8 * i);
  r->pos += size;
  *v = x;
  return true;
}

static bool
rd_u32 (struct rd *r, uint32_t *v)
{
  uint64_t x;
  if (!rd_fixed (r, 4, &x))
    return false;
  *v = (uint32_t)x;
  return true;
}

/* 's', 'o' (u32 length) or 'g' (byte length): N bytes and a NUL, none inside. */
static bool
rd_string (struct rd *r, char type, const char **out)
{
  uint64_t n;
  if (!rd_fixed (r, type == 'g' ? 1 : 4, &n) || n >= r->len - r->pos)
    return false;
  const char *s = (const char *)r->p + r->pos;
  if (s[n] != '\0' || memchr (s, '\0', n) != NULL)
    return false;
  r->pos += n + 1;
  if ((type == 'o' && !runcgo_dbus_object_path_valid (s)) || (type == 'g' && !runcgo_dbus_signature_valid (s)))
    return false;
  *out = s;
  return true;
}

static bool walk (struct rd *r, const char **sig, int depth);

static bool
walk_array (struct rd *r, const char **sig, int depth)
{
  uint32_t n;
  /* the element's type ends where the array's does ("a{sv}" included) */
  const char *elem = *sig, *after = *sig - 1;
  if (!rd_u32 (r, &n) || n > RUNCGO_DBUS_MAX_MESSAGE || !rd_align (r, type_align (*elem)))
    return false;
  if (!sig_complete (&after, 0, 0) || n > r->len - r->pos)
    return false;
  size_t end = r->pos + n;
  while (r->pos < end)
    {
      const char *e = elem;
      if (!walk (r, &e, depth + 1) || r->pos > end)
        return false;
    }
  *sig = after;
  return true;
}

/* Validate one value of the complete type at *SIG (already a valid
 * signature) and move past both. */
static bool
walk (struct rd *r, const char **sig, int depth)
{
  uint64_t v;
  const char *s;
  if (depth > MAX_TOTAL_DEPTH)
    return false;
  char c = *(*sig)++;
  switch (c)
    {
    case 'y':
      return rd_fixed (r, 1, &v);
    case 'b':
      return rd_fixed (r, 4, &v) && v <= 1;
    case 'n':
    case 'q':
      return rd_fixed (r, 2, &v);
    case 'i':
    case 'u':
    case 'h':
      return rd_fixed (r, 4, &v);
    case 'x':
    case 't':
    case 'd':
      return rd_fixed (r, 8, &v);
    case 's':
    case 'o':
    case 'g':
      return rd_string (r, c, &s);
    case 'v':
      if (!rd_string (r, 'g', &s) || !signature_single (s))
        return false;
      return walk (r, &s, depth + 1);
    case 'a':
      return walk_array (r, sig, depth);
    case '(':
    case '{':
      if (!rd_align (r, 8))
        return false;
      while (**sig != ')' && **sig != '}')
        if (!walk (r, sig, depth + 1))
          return false;
      (*sig)++;
      return true;
    }
  return false;
}

/* A whole body of signature SIG from R's position to its end. */
static bool
walk_body (struct rd *r, const char *sig)
{
  while (*sig)
    if (!walk (r, &sig, 0))
      return false;
  return r->pos == r->len;
}

int
runcgo_dbus_frame_size (const unsigned char *d, size_t len, size_t *total, runcgo_error_t *err)
{
  if (len < FIXED_HEADER || (d[0] != 'l' && d[0] != 'B') || d[3] != 1)
    return runcgo_fail (err, EPROTO, "D-Bus: not a D-Bus message (byte order '%c', protocol version %u)",
                        len ? d[0] : '?', len > 3 ? d[3] : 0);
  struct rd r = { .p = d, .len = FIXED_HEADER, .pos = 4, .be = d[0] == 'B' };
  uint32_t body = 0, fields = 0, serial = 0;
  (void)(rd_u32 (&r, &body) && rd_u32 (&r, &serial) && rd_u32 (&r, &fields));
  uint64_t n = FIXED_HEADER + (uint64_t)fields;
  n += (8 - n % 8) % 8;
  n += body;
  if (n > RUNCGO_DBUS_MAX_MESSAGE)
    return runcgo_fail (err, EMSGSIZE, "D-Bus: a message of %llu bytes (more than the %u this client takes)",
                        (unsigned long long)n, RUNCGO_DBUS_MAX_MESSAGE);
  *total = (size_t)n;
  return 0;
}

/* One header field (yv): the known ones must have their type. */
static bool
header_field (struct rd *r, struct runcgo_dbus_msg *m)
{
  uint64_t code;
  const char *sig;
  if (!rd_align (r, 8) || !rd_fixed (r, 1, &code) || !rd_string (r, 'g', &sig) || !signature_single (sig))
    return false;
  static const char types[] = { [F_PATH] = 'o',      [F_INTERFACE] = 's',    [F_MEMBER] = 's',
                                [F_ERROR_NAME] = 's', [F_REPLY_SERIAL] = 'u', [F_DESTINATION] = 's',
                                [F_SENDER] = 's',     [F_SIGNATURE] = 'g',    [F_UNIX_FDS] = 'u' };
  if (code == 0 || code >= sizeof (types))
    return walk (r, &sig, 1); /* unknown: skipped, as the specification says */
  if (sig[0] != types[code] || sig[1] != '\0')
    return false;
  const char **str[] = { [F_PATH] = &m->path,           [F_INTERFACE] = &m->interface, [F_MEMBER] = &m->member,
                         [F_ERROR_NAME] = &m->error_name, [F_DESTINATION] = &m->destination,
                         [F_SENDER] = &m->sender,         [F_SIGNATURE] = &m->signature };
  if (code == F_REPLY_SERIAL || code == F_UNIX_FDS)
    {
      uint32_t v;
      if (!rd_u32 (r, &v))
        return false;
      if (code == F_UNIX_FDS)
        return v == 0; /* never negotiated: a message that carries fds is not for us */
      m->reply_serial = v;
      return v != 0;
    }
  return rd_string (r, types[code], str[code]);
}

static const char *
missing_field (const struct runcgo_dbus_msg *m)
{
  switch (m->type)
    {
    case RUNCGO_DBUS_METHOD_CALL:
      return !m->path ? "PATH" : !m->member ? "MEMBER" : NULL;
    case RUNCGO_DBUS_METHOD_RETURN:
      return !m->reply_serial ? "REPLY_SERIAL" : NULL;
    case RUNCGO_DBUS_ERROR:
      return !m->reply_serial ? "REPLY_SERIAL" : !m->error_name ? "ERROR_NAME" : NULL;
    case RUNCGO_DBUS_SIGNAL:
      return !m->path ? "PATH" : !m->interface ? "INTERFACE" : !m->member ? "MEMBER" : NULL;
    }
  return NULL; /* a type from a later specification: the caller ignores it */
}

static int
decode_fail (runcgo_error_t *err, const char *what)
{
  return runcgo_fail (err, EPROTO, "D-Bus: invalid message from the bus: %s", what);
}

int
runcgo_dbus_decode (const unsigned char *data, size_t len, struct runcgo_dbus_msg *m, runcgo_error_t *err)
{
  size_t total;
  memset (m, 0, sizeof (*m));
  if (runcgo_dbus_frame_size (data, len, &total, err) < 0)
    return -1;
  if (total != len)
    return decode_fail (err, "its length does not match its header");
  struct rd r = { .p = data, .len = len, .pos = 4, .be = data[0] == 'B' };
  uint32_t body_len = 0, fields = 0;
  (void)(rd_u32 (&r, &body_len) && rd_u32 (&r, &m->serial) && rd_u32 (&r, &fields));
  m->type = data[1];
  m->flags = data[2];
  m->big_endian = r.be;
  if (m->type == 0 || m->serial == 0)
    return decode_fail (err, "type or serial 0");
  /* the header fields: an array of (yv) ending at 16 + its length */
  r.len = FIXED_HEADER + fields;
  while (r.pos < r.len)
    if (!header_field (&r, m))
      return decode_fail (err, "a malformed header field");
  r.len = len;
  if (!rd_align (&r, 8) || r.pos != len - body_len)
    return decode_fail (err, "bad padding after the header");
  const char *miss = missing_field (m);
  if (miss)
    return runcgo_fail (err, EPROTO, "D-Bus: invalid message from the bus: no %s header field", miss);
  if (m->signature == NULL)
    m->signature = "";
  m->data = data;
  m->len = len;
  m->body_offset = r.pos;
  if (!walk_body (&r, m->signature))
    return decode_fail (err, "its body does not match its signature");
  return 0;
}

/* One basic value of type C at R into the pointer AP holds. */
static bool
read_basic (struct rd *r, char c, va_list *ap)
{
  uint64_t v;
  switch (c)
    {
    case 'y':
      if (!rd_fixed (r, 1, &v))
        return false;
      *va_arg (*ap, uint8_t *) = (uint8_t)v;
      return true;
    case 'b':
      if (!rd_fixed (r, 4, &v))
        return false;
      *va_arg (*ap, bool *) = v != 0;
      return true;
    case 'u':
      return rd_u32 (r, va_arg (*ap, uint32_t *));
    case 't':
      if (!rd_fixed (r, 8, &v))
        return false;
      *va_arg (*ap, uint64_t *) = v;
      return true;
    case 's':
    case 'o':
    case 'g':
      return rd_string (r, c, va_arg (*ap, const char **));
    }
  return false;
}

int
runcgo_dbus_read (const struct runcgo_dbus_msg *m, const char *sig, ...)
{
  struct rd r = { .p = m->data, .len = m->len, .pos = m->body_offset, .be = m->big_endian };
  const char *have = m->signature;
  const char *inner;
  va_list ap;
  bool good = true;
  va_start (ap, sig);
  for (const char *s = sig; good && *s; s++, have++)
    {
      char c = *s;
      if (*have != c)
        good = false;
      else if (c == 'v') /* "vX": a variant that holds X */
        good = rd_string (&r, 'g', &inner) && inner[0] == s[1] && inner[1] == '\0' && read_basic (&r, *++s, &ap);
      else
        good = read_basic (&r, c, &ap);
    }
  va_end (ap);
  return good ? 0 : -1;
}

/* ================================================================ encoding a call */

static void
put_field (struct runcgo_dbus_buf *b, enum header_field code, char type, const char *value)
{
  const char sig[2] = { type, '\0' };
  runcgo_dbus_put_struct (b);
  runcgo_dbus_put_byte (b, (uint8_t)code);
  runcgo_dbus_put_signature (b, sig);
  if (type == 'g')
    runcgo_dbus_put_signature (b, value);
  else
    runcgo_dbus_put_string (b, value);
}

int
runcgo_dbus_encode_call (const struct runcgo_dbus_call *c, uint32_t serial, const struct runcgo_dbus_buf *body,
                         struct runcgo_dbus_buf *out, runcgo_error_t *err)
{
  const char *sig = c->signature ? c->signature : "";
  size_t blen = body ? body->len : 0;
  struct rd r = { .p = body ? body->data : NULL, .len = blen };
  if (!runcgo_dbus_object_path_valid (c->path) || !c->member || !runcgo_dbus_signature_valid (sig)
      || !walk_body (&r, sig) || blen > RUNCGO_DBUS_MAX_MESSAGE / 2)
    return runcgo_fail (err, EINVAL, "D-Bus: %s.%s: the call does not match its signature \"%s\"",
                        c->interface ? c->interface : "", c->member ? c->member : "?", sig);
  memset (out, 0, sizeof (*out));
  runcgo_dbus_put_byte (out, 'l'); /* little-endian */
  runcgo_dbus_put_byte (out, RUNCGO_DBUS_METHOD_CALL);
  runcgo_dbus_put_byte (out, 0); /* flags: a reply is expected */
  runcgo_dbus_put_byte (out, 1); /* protocol version */
  runcgo_dbus_put_u32 (out, (uint32_t)blen);
  runcgo_dbus_put_u32 (out, serial);
  struct runcgo_dbus_array a = runcgo_dbus_array_begin (out, '(');
  put_field (out, F_PATH, 'o', c->path);
  if (c->interface)
    put_field (out, F_INTERFACE, 's', c->interface);
  put_field (out, F_MEMBER, 's', c->member);
  if (c->destination)
    put_field (out, F_DESTINATION, 's', c->destination);
  if (*sig)
    put_field (out, F_SIGNATURE, 'g', sig);
  runcgo_dbus_array_end (out, a);
  buf_align (out, 8); /* the body starts on an 8-byte boundary */
  if (blen)
    memcpy (buf_grow (out, blen), body->data, blen);
  return 0;
}

/* ================================================================ addresses and auth */

static int
hex_digit (char c)
{
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* An address value: bytes as they are, or %XX. */
static int
unescape (const char *s, size_t n, char **out)
{
  cleanup_free char *v = xmalloc (n + 1);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      if (s[i] != '%')
        {
          v[k++] = s[i];
          continue;
        }
      int hi = i + 2 < n ? hex_digit (s[i + 1]) : -1, lo = hi >= 0 ? hex_digit (s[i + 2]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0)) /* a bad escape, or an escaped NUL */
        return -1;
      v[k++] = (char)(hi << 4 | lo);
      i += 2;
    }
  v[k] = '\0';
  if (k == 0)
    return -1;
  *out = steal_ptr (&v);
  return 0;
}

/* One "unix:key=value,key=value" entry: its path= or abstract=. */
static int
address_entry (const char *e, size_t n, char **path, bool *abstract)
{
  if (n < 5 || strncmp (e, "unix:", 5) != 0)
    return -1;
  for (const char *kv = e + 5, *end = e + n; kv < end;)
    {
      size_t len = strcspn (kv, ",");
      len = kv + len > end ? (size_t)(end - kv) : len;
      bool is_path = len > 5 && strncmp (kv, "path=", 5) == 0;
      bool is_abstract = len > 9 && strncmp (kv, "abstract=", 9) == 0;
      if (is_path || is_abstract)
        {
          size_t skip = is_path ? 5 : 9;
          *abstract = is_abstract;
          return unescape (kv + skip, len - skip, path);
        }
      kv += len + 1;
    }
  return -1;
}

int
runcgo_dbus_address_parse (const char *address, char **path, bool *abstract, runcgo_error_t *err)
{
  for (const char *e = address; e && *e;)
    {
      size_t n = strcspn (e, ";");
      if (address_entry (e, n, path, abstract) == 0)
        return 0;
      e += n + (e[n] == ';');
    }
  return runcgo_fail (err, EAFNOSUPPORT,
                      "D-Bus address \"%s\": no unix:path= or unix:abstract= in it (the transports this client has)",
                      address ? address : "");
}

int
runcgo_dbus_auth_reply (const char *line, runcgo_error_t *err)
{
  /* "OK <server guid, 32 hex digits>" */
  if (strncmp (line, "OK ", 3) == 0 && strspn (line + 3, "0123456789abcdefABCDEF") == 32 && line[35] == '\0')
    return 0;
  if (strncmp (line, "REJECTED", 8) == 0)
    return runcgo_fail (err, EACCES, "D-Bus: the bus refused EXTERNAL authentication as uid %u (it offers: %.100s)",
                        (unsigned)geteuid (), line[8] ? line + 9 : "nothing");
  return runcgo_fail (err, EPROTO, "D-Bus: unexpected answer to AUTH: \"%.100s\"", line);
}

/* ================================================================ the connection */

struct runcgo_dbus
{
  int fd;
  bool is_bus;
  uint32_t serial;
  unsigned char *in; /* what was read and not consumed yet */
  size_t in_len, in_cap;
  runcgo_dbus_signal_fn on_signal;
  void *on_signal_data;
};

uint64_t
runcgo_dbus_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* poll for EVENTS until DEADLINE: 0 ready, -ETIMEDOUT, -errno */
static int
wait_fd (int fd, short events, uint64_t deadline)
{
  for (;;)
    {
      uint64_t now = runcgo_dbus_now ();
      if (now >= deadline)
        return -ETIMEDOUT;
      uint64_t ms = (deadline - now + 999) / 1000;
      struct pollfd p = { .fd = fd, .events = events };
      int r = poll (&p, 1, ms > 60000 ? 60000 : (int)ms);
      if (r > 0)
        return 0;
      if (r < 0 && errno != EINTR)
        return -errno;
    }
}

static int
send_all (struct runcgo_dbus *bus, const void *data, size_t len, uint64_t deadline, runcgo_error_t *err)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t n = send (bus->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0)
        {
          p += n;
          len -= (size_t)n;
          continue;
        }
      int e = n < 0 ? errno : EPIPE, r = 0;
      if (e != EAGAIN && e != EINTR)
        return runcgo_fail (err, e, "D-Bus: send to the bus");
      if (e == EAGAIN && (r = wait_fd (bus->fd, POLLOUT, deadline)) < 0)
        return runcgo_fail (err, -r, "D-Bus: send to the bus");
    }
  return 0;
}

/* Read more into bus->in (at least one byte) before DEADLINE. */
static int
fill (struct runcgo_dbus *bus, size_t want, uint64_t deadline, runcgo_error_t *err)
{
  if (bus->in_cap < want)
    {
      bus->in_cap = want < 4096 ? 4096 : want;
      bus->in = xrealloc (bus->in, bus->in_cap);
    }
  for (;;)
    {
      ssize_t n = recv (bus->fd, bus->in + bus->in_len, bus->in_cap - bus->in_len, MSG_DONTWAIT);
      if (n > 0)
        {
          bus->in_len += (size_t)n;
          return 0;
        }
      if (n == 0)
        return runcgo_fail (err, ECONNRESET, "D-Bus: the bus closed the connection");
      int r = errno == EAGAIN ? wait_fd (bus->fd, POLLIN, deadline) : errno == EINTR ? 0 : -errno;
      if (r == -ETIMEDOUT)
        return runcgo_fail (err, ETIMEDOUT, "D-Bus: no answer from the bus in time");
      if (r < 0)
        return runcgo_fail (err, -r, "D-Bus: receive from the bus");
    }
}

static void
consume (struct runcgo_dbus *bus, size_t n)
{
  memmove (bus->in, bus->in + n, bus->in_len - n);
  bus->in_len -= n;
}

/* The next whole message, left at the start of bus->in; *LEN its size. */
static int
next_message (struct runcgo_dbus *bus, uint64_t deadline, size_t *len, runcgo_error_t *err)
{
  while (bus->in_len < FIXED_HEADER)
    if (fill (bus, FIXED_HEADER, deadline, err) < 0)
      return -1;
  if (runcgo_dbus_frame_size (bus->in, bus->in_len, len, err) < 0)
    return -1;
  while (bus->in_len < *len)
    if (fill (bus, *len, deadline, err) < 0)
      return -1;
  return 0;
}

/* "OK <guid>\r\n": the line stays out of the message stream after it. */
static int
read_auth_line (struct runcgo_dbus *bus, uint64_t deadline, runcgo_error_t *err)
{
  for (;;)
    {
      unsigned char *eol = bus->in_len ? memchr (bus->in, '\n', bus->in_len) : NULL;
      if (eol)
        {
          size_t n = (size_t)(eol - bus->in) + 1;
          if (n < 2 || eol[-1] != '\r')
            return runcgo_fail (err, EPROTO, "D-Bus: an authentication line without \\r\\n");
          cleanup_free char *line = xstrndup ((const char *)bus->in, n - 2);
          consume (bus, n);
          return runcgo_dbus_auth_reply (line, err);
        }
      if (bus->in_len >= 512)
        return runcgo_fail (err, EPROTO, "D-Bus: an authentication line longer than 512 bytes");
      if (fill (bus, 512, deadline, err) < 0)
        return -1;
    }
}

void
runcgo_dbus_reply_free (struct runcgo_dbus_reply *r)
{
  free (r->bytes);
  free (r->error_name);
  free (r->error_message);
  memset (r, 0, sizeof (*r));
}

/* The errno a D-Bus error name means, for the caller's messages and tests. */
static int
error_errno (const char *name)
{
  static const struct
  {
    const char *suffix;
    int e;
  } map[] = { { ".AccessDenied", EACCES }, { ".NoSuchUnit", ENOENT },    { ".UnitExists", EEXIST },
              { ".ServiceUnknown", ENOENT }, { ".NoReply", ETIMEDOUT }, { ".Timeout", ETIMEDOUT },
              { ".InvalidArgs", EINVAL },   { ".UnknownMethod", ENOSYS }, { ".UnknownObject", ENOENT } };
  size_t n = strlen (name);
  for (size_t i = 0; i < ARRAY_SIZE (map); i++)
    {
      size_t sl = strlen (map[i].suffix);
      if (n > sl && strcmp (name + n - sl, map[i].suffix) == 0)
        return map[i].e;
    }
  return EIO;
}

/* The message at the start of bus->in (LEN bytes) is the answer to SERIAL:
 * keep a copy in REPLY; an error answer fails. */
static int
take_reply (struct runcgo_dbus *bus, size_t len, struct runcgo_dbus_reply *reply, runcgo_error_t *err)
{
  reply->bytes = xmalloc (len);
  memcpy (reply->bytes, bus->in, len);
  consume (bus, len);
  if (runcgo_dbus_decode (reply->bytes, len, &reply->msg, err) < 0)
    return -1;
  if (reply->msg.type != RUNCGO_DBUS_ERROR)
    return 0;
  const char *text = NULL;
  reply->error_name = xstrdup (reply->msg.error_name);
  reply->error_message = xstrdup (runcgo_dbus_read (&reply->msg, "s", &text) == 0 ? text : "");
  /* the D-Bus name says more than strerror() would: no errno text */
  runcgo_fail (err, 0, "%s: %s", reply->error_name, reply->error_message);
  (*err)->status = error_errno (reply->error_name);
  return -1;
}

/* Read messages until the answer to SERIAL (0: until *DONE); signals go
 * to the handler, everything else is dropped. */
static int
pump (struct runcgo_dbus *bus, uint32_t serial, const bool *done, uint64_t deadline, struct runcgo_dbus_reply *reply,
      runcgo_error_t *err)
{
  while (serial || !*done)
    {
      size_t len;
      struct runcgo_dbus_msg m;
      if (next_message (bus, deadline, &len, err) < 0 || runcgo_dbus_decode (bus->in, len, &m, err) < 0)
        return -1;
      bool answer = (m.type == RUNCGO_DBUS_METHOD_RETURN || m.type == RUNCGO_DBUS_ERROR) && m.reply_serial == serial;
      if (serial && answer)
        return take_reply (bus, len, reply, err);
      if (m.type == RUNCGO_DBUS_SIGNAL && bus->on_signal)
        bus->on_signal (&m, bus->on_signal_data);
      consume (bus, len);
    }
  return 0;
}

static int
send_call (struct runcgo_dbus *bus, const struct runcgo_dbus_call *c, const struct runcgo_dbus_buf *body,
           uint64_t deadline, uint32_t *serial, runcgo_error_t *err)
{
  struct runcgo_dbus_buf msg = { 0 };
  *serial = ++bus->serial;
  int r = runcgo_dbus_encode_call (c, *serial, body, &msg, err);
  if (r == 0)
    r = send_all (bus, msg.data, msg.len, deadline, err);
  runcgo_dbus_buf_free (&msg);
  return r;
}

int
runcgo_dbus_call (struct runcgo_dbus *bus, const struct runcgo_dbus_call *c, const struct runcgo_dbus_buf *body,
                  uint64_t timeout_usec, struct runcgo_dbus_reply *reply, runcgo_error_t *err)
{
  uint64_t deadline = runcgo_dbus_now () + timeout_usec;
  uint32_t serial;
  memset (reply, 0, sizeof (*reply));
  if (send_call (bus, c, body, deadline, &serial, err) < 0)
    return -1;
  return pump (bus, serial, NULL, deadline, reply, err);
}

int
runcgo_dbus_wait (struct runcgo_dbus *bus, uint64_t deadline, const bool *done, runcgo_error_t *err)
{
  return pump (bus, 0, done, deadline, NULL, err);
}

void
runcgo_dbus_on_signal (struct runcgo_dbus *bus, runcgo_dbus_signal_fn fn, void *data)
{
  bus->on_signal = fn;
  bus->on_signal_data = data;
}

bool
runcgo_dbus_is_bus (const struct runcgo_dbus *bus)
{
  return bus->is_bus;
}

void
runcgo_dbus_close (struct runcgo_dbus *bus)
{
  if (bus == NULL)
    return;
  if (bus->fd >= 0)
    close (bus->fd);
  free (bus->in);
  free (bus);
}

static int
open_socket (const char *address, int *out, runcgo_error_t *err)
{
  cleanup_free char *path = NULL;
  bool abstract = false;
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (runcgo_dbus_address_parse (address, &path, &abstract, err) < 0)
    return -1;
  size_t n = strlen (path);
  if (n + (abstract ? 1 : 0) >= sizeof (sa.sun_path))
    return runcgo_fail (err, ENAMETOOLONG, "D-Bus: socket path %s: too long", path);
  memcpy (sa.sun_path + (abstract ? 1 : 0), path, n);
  /* non-blocking: a listener with a full backlog fails at once (EAGAIN)
   * instead of holding us past any deadline */
  cleanup_close int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return runcgo_fail (err, errno, "D-Bus: socket");
  /* a path with its NUL; an abstract name after its leading NUL */
  socklen_t sl = (socklen_t)(offsetof (struct sockaddr_un, sun_path) + n + 1);
  if (connect (fd, (struct sockaddr *)&sa, sl) < 0)
    return runcgo_fail (err, errno, "D-Bus: connect to %s%s", abstract ? "@" : "", path);
  *out = steal_fd (&fd);
  return 0;
}

/* SASL EXTERNAL with the euid (in hex-encoded decimal), BEGIN and, on a
 * bus, Hello all in one write: the specification lets a client send them
 * before the server's OK, which saves two round trips. */
static int
authenticate (struct runcgo_dbus *bus, bool hello, uint64_t deadline, runcgo_error_t *err)
{
  static const struct runcgo_dbus_call hello_call
      = { "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", NULL };
  char uid[16], line[64] = "";
  struct runcgo_dbus_buf out = { 0 }, msg = { 0 };
  snprintf (uid, sizeof (uid), "%u", (unsigned)geteuid ());
  runcgo_dbus_put_byte (&out, 0); /* the credentials byte */
  for (size_t i = 0; uid[i]; i++)
    snprintf (line + 2 * i, 3, "%02x", (unsigned char)uid[i]);
  char *text = xasprintf ("AUTH EXTERNAL %s\r\nBEGIN\r\n", line);
  memcpy (buf_grow (&out, strlen (text)), text, strlen (text));
  free (text);
  int r = 0;
  if (hello)
    {
      bus->serial = 1;
      r = runcgo_dbus_encode_call (&hello_call, 1, NULL, &msg, err);
      if (r == 0)
        memcpy (buf_grow (&out, msg.len), msg.data, msg.len);
    }
  if (r == 0)
    r = send_all (bus, out.data, out.len, deadline, err);
  runcgo_dbus_buf_free (&out);
  runcgo_dbus_buf_free (&msg);
  if (r < 0 || read_auth_line (bus, deadline, err) < 0)
    return -1;
  if (!hello)
    return 0;
  struct runcgo_dbus_reply reply = { 0 };
  const char *name = NULL;
  r = pump (bus, 1, NULL, deadline, &reply, err);
  if (r == 0 && runcgo_dbus_read (&reply.msg, "s", &name) < 0)
    r = runcgo_fail (err, EPROTO, "D-Bus: Hello: the answer has no unique name");
  runcgo_dbus_reply_free (&reply);
  return r;
}

int
runcgo_dbus_open (const char *address, struct runcgo_dbus **out, runcgo_error_t *err)
{
  struct runcgo_dbus *bus = xzalloc (sizeof (*bus));
  bus->fd = -1;
  if (open_socket (address, &bus->fd, err) < 0)
    {
      runcgo_dbus_close (bus);
      return -1;
    }
  *out = bus;
  return 0;
}

int
runcgo_dbus_start (struct runcgo_dbus *bus, bool hello, uint64_t timeout_usec, runcgo_error_t *err)
{
  bus->is_bus = hello;
  return authenticate (bus, hello, runcgo_dbus_now () + timeout_usec, err);
}
