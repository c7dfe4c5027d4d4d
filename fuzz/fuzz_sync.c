/* fuzz_sync.c -- the parent<->init sync channel (spawn/sync.c): the pure
 * decoder, then the same bytes as one SEQPACKET datagram through
 * runcgo_sync_expect(), the parent's receive path. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "spawn/sync.h"

static void
check_decoded (const struct runcgo_sync_msg *m)
{
  if (m->len > RUNCGO_SYNC_MAX_PAYLOAD || m->payload[m->len] != '\0'
      || strcmp (runcgo_sync_type_name (m->type), "unknown") == 0)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  runcgo_error_t err = NULL;
  struct runcgo_sync_msg m;
  int r = runcgo_sync_decode (data, size, &m, &err);
  fuzz_check_error (r, &err);
  if (r == 0)
    check_decoded (&m);

  int sv[2];
  if (size > 65536 || socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return 0;
  if (send (sv[1], data, size, MSG_NOSIGNAL) == (ssize_t) size)
    {
      r = runcgo_sync_expect (sv[0], RUNCGO_SYNC_READY, &m, &err);
      fuzz_check_error (r, &err);
      if (r == 0 && m.type != RUNCGO_SYNC_READY)
        abort ();
    }
  close (sv[0]);
  close (sv[1]);
  return 0;
}
