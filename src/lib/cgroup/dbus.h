/* dbus.h -- the small D-Bus client of the systemd cgroup driver (dbus.c),
 * written from the D-Bus specification: unix-socket transport, SASL
 * EXTERNAL, Hello, method calls, replies, errors and signals.  It replaces a
 * dlopen() of libsystemd, which a static runcgo cannot do.
 *
 * The marshalling half is pure (tests/unit/test_dbus.c checks it byte for
 * byte; fuzz/fuzz_dbus.c feeds the decoder); the connection half does the
 * I/O with one deadline per call.  Only what systemd.c needs is here: we
 * send method calls in little-endian, and read any valid message of either
 * byte order, rejecting everything the specification calls invalid. */
#ifndef RUNCGO_CGROUP_DBUS_H
#define RUNCGO_CGROUP_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Far below the specification's 128 MiB: systemd's replies to us are a few
 * hundred bytes; anything this large is refused, not buffered. */
#define RUNCGO_DBUS_MAX_MESSAGE (1U << 20)

/* ---------------------------------------------------------------- writing */

/* A growing buffer; alignment is relative to its start, which is the start
 * of a message or of a body (the header is padded to 8 before the body). */
struct runcgo_dbus_buf
{
  unsigned char *data;
  size_t len, cap;
};
void runcgo_dbus_buf_free (struct runcgo_dbus_buf *b);
void runcgo_dbus_put_byte (struct runcgo_dbus_buf *b, uint8_t v);
void runcgo_dbus_put_bool (struct runcgo_dbus_buf *b, bool v);
void runcgo_dbus_put_u32 (struct runcgo_dbus_buf *b, uint32_t v);
void runcgo_dbus_put_u64 (struct runcgo_dbus_buf *b, uint64_t v);
/* 's' and 'o' (the caller passes valid object paths) */
void runcgo_dbus_put_string (struct runcgo_dbus_buf *b, const char *s);
/* 'g', also the type of a variant, which is followed by its value */
void runcgo_dbus_put_signature (struct runcgo_dbus_buf *b, const char *sig);
/* '(' and '{': pad to 8 */
void runcgo_dbus_put_struct (struct runcgo_dbus_buf *b);
/* An array of elements whose type starts with ELEM: begin writes the length
 * placeholder and the padding, end fills in the length. */
struct runcgo_dbus_array
{
  size_t length_at, first;
};
struct runcgo_dbus_array runcgo_dbus_array_begin (struct runcgo_dbus_buf *b, char elem);
void runcgo_dbus_array_end (struct runcgo_dbus_buf *b, struct runcgo_dbus_array a);

/* A method call; SIGNATURE describes BODY ("" or NULL: no body). */
struct runcgo_dbus_call
{
  const char *destination, *path, *interface, *member, *signature;
};
/* The whole message into OUT (header, padding, body).  The body is checked
 * against the signature: a mismatch is a bug in the caller, reported. */
int runcgo_dbus_encode_call (const struct runcgo_dbus_call *c, uint32_t serial, const struct runcgo_dbus_buf *body,
                             struct runcgo_dbus_buf *out, runcgo_error_t *err);

/* ---------------------------------------------------------------- reading */

enum runcgo_dbus_type
{
  RUNCGO_DBUS_METHOD_CALL = 1,
  RUNCGO_DBUS_METHOD_RETURN = 2,
  RUNCGO_DBUS_ERROR = 3,
  RUNCGO_DBUS_SIGNAL = 4,
};

/* A decoded message: the strings point into the bytes it was decoded from
 * (NULL when the header has no such field; signature "" when no body). */
struct runcgo_dbus_msg
{
  uint8_t type, flags;
  bool big_endian;
  uint32_t serial, reply_serial; /* reply_serial 0: none */
  const char *path, *interface, *member, *error_name, *destination, *sender, *signature;
  const unsigned char *data; /* the whole message */
  size_t body_offset, len;
};

/* The size of the message that starts with DATA (LEN >= 16 bytes), from its
 * fixed header; fails when it is not a D-Bus message or too large. */
int runcgo_dbus_frame_size (const unsigned char *data, size_t len, size_t *total, runcgo_error_t *err);
/* Decode and validate one whole message of exactly LEN bytes: header fields,
 * the fields each type requires, padding, and the body against its
 * signature (nesting depth, lengths, string terminators, object paths,
 * booleans).  Unknown header fields are skipped; unix fds are refused. */
int runcgo_dbus_decode (const unsigned char *data, size_t len, struct runcgo_dbus_msg *m, runcgo_error_t *err);
/* The leading arguments of a decoded body, like scanf: SIG is a prefix of
 * the body's signature made of 'y' 'b' 'u' 't' 's' 'o' 'g' (pointers to
 * uint8_t, bool, uint32_t, uint64_t, const char *), or "v" followed by one
 * of those basic types: a variant that must hold that type (e.g. "vs").
 * Fails (-1, no error set) when the body does not have that shape. */
int runcgo_dbus_read (const struct runcgo_dbus_msg *m, const char *sig, ...);

/* A signature: a sequence of complete types within the specification's
 * limits (255 bytes, 32 nested arrays, 32 nested structs). */
bool runcgo_dbus_signature_valid (const char *sig);
bool runcgo_dbus_object_path_valid (const char *path);

/* "unix:path=/run/dbus/system_bus_socket,guid=..." (or abstract=; several
 * separated by ';', the first usable one wins; %XX escapes) -> the socket
 * address: *path set, *abstract true for the abstract namespace. */
int runcgo_dbus_address_parse (const char *address, char **path, bool *abstract, runcgo_error_t *err);
/* The server's answer to AUTH: "OK <guid>\r\n" is 0; REJECTED and others fail. */
int runcgo_dbus_auth_reply (const char *line, runcgo_error_t *err);

/* ---------------------------------------------------------------- the connection */

struct runcgo_dbus;
typedef void (*runcgo_dbus_signal_fn) (const struct runcgo_dbus_msg *m, void *data);

/* Connect to the unix socket of ADDRESS; a failed connect(2) fails with
 * its errno, for the caller to name the bus. */
int runcgo_dbus_open (const char *address, struct runcgo_dbus **out, runcgo_error_t *err);
/* Authenticate as the effective uid and, on a bus (HELLO: a dbus-daemon,
 * not systemd's private peer-to-peer socket), say Hello; within
 * TIMEOUT_USEC. */
int runcgo_dbus_start (struct runcgo_dbus *bus, bool hello, uint64_t timeout_usec, runcgo_error_t *err);
void runcgo_dbus_close (struct runcgo_dbus *bus);
bool runcgo_dbus_is_bus (const struct runcgo_dbus *bus);
/* Signals that arrive while waiting go to FN (NULL: dropped). */
void runcgo_dbus_on_signal (struct runcgo_dbus *bus, runcgo_dbus_signal_fn fn, void *data);

/* A method's answer: the return message, or the error's name and text. */
struct runcgo_dbus_reply
{
  unsigned char *bytes;
  struct runcgo_dbus_msg msg;
  char *error_name, *error_message;
};
void runcgo_dbus_reply_free (struct runcgo_dbus_reply *r);

/* Call and wait up to TIMEOUT_USEC for the answer.  An error answer fails
 * with "NAME: message" (errno from the name where one fits) and leaves the
 * name and message in REPLY for the caller's special cases. */
int runcgo_dbus_call (struct runcgo_dbus *bus, const struct runcgo_dbus_call *c, const struct runcgo_dbus_buf *body,
                      uint64_t timeout_usec, struct runcgo_dbus_reply *reply, runcgo_error_t *err);
/* Read and dispatch what arrives until DEADLINE (CLOCK_MONOTONIC usec) or
 * until *DONE becomes true; a timeout fails with ETIMEDOUT. */
int runcgo_dbus_wait (struct runcgo_dbus *bus, uint64_t deadline, const bool *done, runcgo_error_t *err);
uint64_t runcgo_dbus_now (void);

#endif
