/* sync.h -- the typed parent<->init channel (a SOCK_SEQPACKET socketpair).
 *
 * Every message is a fixed header (type, value, payload length) plus an
 * optional text payload; SEQPACKET keeps message boundaries, so one recv is
 * one message.  Who sends what, when (a line per step, in order):
 *
 *   step  sender  message          value            payload      when
 *   1     parent  PARENT_READY     0                -            maps written (fast path), cgroup joined
 *   1a    child   NEED_MAPS        0                -            slow path: after unshare(CLONE_NEWUSER)
 *   1b    parent  MAPS_DONE        0                -            maps written for the child
 *   1c    child   INIT_PID         pid              -            slow path: joined a pid ns, the init is PID
 *                                                                   (exec: the process in the pid ns is PID)
 *   1d    parent  PARENT_READY     0                -            the new init may speak (it waits for this)
 *   2     child   HOOKS            0                -            mounts done; only when the config has hooks
 *   2a    parent  HOOKS_DONE       host pid of init -            prestart + createRuntime ran
 *   2m    child   NEED_MOUNT_FDS   0                -            before the config mounts; only with idmapped binds
 *   2n    parent  (fs/idmap_mounts.c datagrams: mount indexes + SCM_RIGHTS of detached idmapped mounts)
 *   3     child   READY            0                -            about to wait for start (exec fifo / START)
 *   3a    parent  CREATED          0                -            `create` only: state.json names the init
 *   4     parent  START            0                -            `run` only: go (no exec fifo)
 *   any   child   ERROR            errno            message      the child exits right after
 *
 * The parent reads until READY or ERROR; an EOF before READY means the child
 * died, which is an error too.  The init dies with the runtime until READY
 * (PR_SET_PDEATHSIG); after READY, an EOF before CREATED or START means the
 * runtime died before any state named the init, and the init exits. */
#ifndef RUNCGO_SYNC_H
#define RUNCGO_SYNC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/error.h"

enum runcgo_sync_type
{
  RUNCGO_SYNC_PARENT_READY = 1,
  RUNCGO_SYNC_NEED_MAPS,
  RUNCGO_SYNC_MAPS_DONE,
  RUNCGO_SYNC_INIT_PID,
  RUNCGO_SYNC_HOOKS,
  RUNCGO_SYNC_HOOKS_DONE,
  RUNCGO_SYNC_NEED_MOUNT_FDS,
  RUNCGO_SYNC_READY,
  RUNCGO_SYNC_START,
  RUNCGO_SYNC_ERROR,
  /* added last: the numbers of the others stay those of the fuzz corpus */
  RUNCGO_SYNC_CREATED,
  RUNCGO_SYNC_MAX_TYPE = RUNCGO_SYNC_CREATED
};

#define RUNCGO_SYNC_MAX_PAYLOAD 4000

struct runcgo_sync_msg
{
  uint32_t type;
  int32_t value;
  uint32_t len; /* payload bytes, excluding the NUL added on decode */
  char payload[RUNCGO_SYNC_MAX_PAYLOAD + 1];
};

const char *runcgo_sync_type_name (uint32_t type);
int runcgo_sync_send (int fd, enum runcgo_sync_type type, int32_t value, const char *payload);
/* Pure decoder (fuzzed): a received datagram -> message; rejects short,
 * oversized, inconsistent or unknown messages. */
int runcgo_sync_decode (const void *buf, size_t n, struct runcgo_sync_msg *msg, runcgo_error_t *err);
int runcgo_sync_recv (int fd, struct runcgo_sync_msg *msg, runcgo_error_t *err);
/* Receive one message and require `type`; an ERROR message becomes *err with
 * the child's errno and text. */
int runcgo_sync_expect (int fd, enum runcgo_sync_type type, struct runcgo_sync_msg *msg, runcgo_error_t *err);
/* Child side: report err over the channel (truncating the text). */
void runcgo_sync_send_error (int fd, runcgo_error_t err);

/* Joining or creating a pid namespace moves only children.  Child side:
 * fork the process that stays (a sibling, CLONE_PARENT, so the runtime can
 * wait for it), report it with INIT_PID and exit; in the sibling, return 0
 * once the runtime answered PARENT_READY (before that it must stay silent:
 * its messages could overtake INIT_PID on the shared channel). */
int runcgo_sync_fork_sibling (int fd, const char *what, runcgo_error_t *err);
/* Runtime side of INIT_PID: reap the intermediate (*pid), take the sibling
 * as pid and pidfd (our child, so its pid cannot be reused before we reap
 * it); the caller then sends PARENT_READY. */
int runcgo_sync_adopt_sibling (pid_t *pid, int *pidfd, pid_t sibling, const char *what, runcgo_error_t *err);

#endif
