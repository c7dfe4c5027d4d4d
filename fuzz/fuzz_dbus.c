/* fuzz_dbus.c -- what the systemd cgroup driver reads from a bus
 * (cgroup/dbus.c): the frame size from the fixed header, the full decoder,
 * then the reads systemd.c makes of a valid message ("o" job path, "vs"
 * property, "uoss" JobRemoved, "s" error text, "s" unique name), and the
 * SASL answer line.  Every field the decoder hands out must lie inside the
 * input and be NUL-terminated there. */
#include "config.h"

#include "cgroup/dbus.h"
#include "fuzz.h"

static void
check_inside (const char *s, const uint8_t *data, size_t size)
{
  if (s == NULL)
    return;
  const uint8_t *p = (const uint8_t *)s;
  if (p < data || p >= data + size || memchr (p, '\0', (size_t)(data + size - p)) == NULL)
    abort ();
}

static void
check_decoded (const struct runcgo_dbus_msg *m, const uint8_t *data, size_t size)
{
  const char *fields[] = { m->path, m->interface, m->member, m->error_name, m->destination, m->sender };
  for (size_t i = 0; i < sizeof (fields) / sizeof (fields[0]); i++)
    check_inside (fields[i], data, size);
  if (*m->signature)
    check_inside (m->signature, data, size);
  if (m->body_offset > size || m->body_offset % 8 != 0 || m->serial == 0)
    abort ();
  const char *a = NULL, *b = NULL, *c = NULL;
  uint32_t u = 0;
  if (runcgo_dbus_read (m, "o", &a) == 0)
    check_inside (a, data, size);
  if (runcgo_dbus_read (m, "vs", &a) == 0)
    check_inside (a, data, size);
  if (runcgo_dbus_read (m, "s", &a) == 0)
    check_inside (a, data, size);
  if (runcgo_dbus_read (m, "uoss", &u, &a, &b, &c) == 0)
    {
      check_inside (a, data, size);
      check_inside (b, data, size);
      check_inside (c, data, size);
      if (!runcgo_dbus_object_path_valid (a))
        abort ();
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  size_t total = 0;
  int r = runcgo_dbus_frame_size (data, size, &total, &err);
  fuzz_check_error (r, &err);
  if (r == 0 && total > RUNCGO_DBUS_MAX_MESSAGE)
    abort ();

  struct runcgo_dbus_msg m;
  r = runcgo_dbus_decode (data, size, &m, &err);
  fuzz_check_error (r, &err);
  if (r == 0)
    check_decoded (&m, data, size);

  /* the same bytes as the server's answer to AUTH, up to a NUL */
  char *line = strndup ((const char *)data, size < 512 ? size : 512);
  if (line)
    {
      r = runcgo_dbus_auth_reply (line, &err);
      fuzz_check_error (r, &err);
      free (line);
    }
  return 0;
}
