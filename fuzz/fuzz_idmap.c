/* fuzz_idmap.c -- the idmapped-mount answer on the sync channel (step 2n of
 * spawn/sync.h): fs/idmap_mounts.c runcgo_idmap_mounts_recv, the init's side.
 * Input: [n_mounts] then records [nfds][len][len bytes], each sent as one
 * SEQPACKET datagram carrying nfds (0-3) fds.  Checks that no received fd is
 * lost: after runcgo_idmap_fds_close (success) or the failure, the set of
 * open fds is what it was before. */
#include "config.h"

#include "fs/fs.h"
#include "fuzz.h"

static void
check_result (int *by_index, size_t n_mounts)
{
  for (size_t i = 0; i < n_mounts; i++)
    {
      if (by_index[i] >= 0 && fcntl (by_index[i], F_GETFD) < 0)
        abort ();
      for (size_t j = 0; j < i; j++)
        if (by_index[i] >= 0 && by_index[i] == by_index[j])
          abort ();
    }
  runcgo_idmap_fds_close (by_index, n_mounts);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  int sv[2];
  uint64_t before = fuzz_open_fds ();
  if (size < 1 || socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    return 0;
  size_t n_mounts = data[0] % 8, off = 1;
  bool sent = true;
  for (int rec = 0; sent && off + 2 <= size && rec < 8; rec++)
    {
      size_t len = data[off + 1];
      int nfds = data[off] % 4;
      off += 2;
      if (len > size - off)
        len = size - off;
      sent = fuzz_send_with_fds (sv[1], data + off, len, nfds);
      off += len;
    }
  shutdown (sv[1], SHUT_WR);
  runcgo_error_t err = NULL;
  int *by_index = NULL;
  int r = runcgo_idmap_mounts_recv (sv[0], n_mounts, &by_index, &err);
  fuzz_check_error (r, &err);
  if (r == 0)
    check_result (by_index, n_mounts);
  /* datagrams left unread still hold their fds: drop them with the socket */
  close (sv[0]);
  close (sv[1]);
  if (fuzz_open_fds () != before)
    {
      fprintf (stderr, "fuzz: an idmapped-mount answer lost a received fd\n");
      abort ();
    }
  return 0;
}
