/* sync.c -- encode/decode/send/receive of the parent<->init messages. */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/util.h"
#include "sync.h"

struct wire_header
{
  uint32_t type;
  int32_t value;
  uint32_t len;
};

static const char *const type_names[] = {
  [RUNCGO_SYNC_PARENT_READY] = "PARENT_READY", [RUNCGO_SYNC_NEED_MAPS] = "NEED_MAPS",
  [RUNCGO_SYNC_MAPS_DONE] = "MAPS_DONE",       [RUNCGO_SYNC_INIT_PID] = "INIT_PID",
  [RUNCGO_SYNC_HOOKS] = "HOOKS",               [RUNCGO_SYNC_HOOKS_DONE] = "HOOKS_DONE",
  [RUNCGO_SYNC_NEED_MOUNT_FDS] = "NEED_MOUNT_FDS",
  [RUNCGO_SYNC_READY] = "READY",               [RUNCGO_SYNC_CREATED] = "CREATED",
  [RUNCGO_SYNC_START] = "START",               [RUNCGO_SYNC_ERROR] = "ERROR",
};

const char *
runcgo_sync_type_name (uint32_t type)
{
  if (type == 0 || type > RUNCGO_SYNC_MAX_TYPE)
    return "unknown";
  return type_names[type];
}

int
runcgo_sync_send (int fd, enum runcgo_sync_type type, int32_t value, const char *payload)
{
  char buf[sizeof (struct wire_header) + RUNCGO_SYNC_MAX_PAYLOAD];
  size_t len = payload ? strnlen (payload, RUNCGO_SYNC_MAX_PAYLOAD) : 0;
  struct wire_header h = { .type = type, .value = value, .len = (uint32_t) len };
  memcpy (buf, &h, sizeof (h));
  if (len)
    memcpy (buf + sizeof (h), payload, len);
  ssize_t n;
  do
    n = send (fd, buf, sizeof (h) + len, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return n == (ssize_t) (sizeof (h) + len) ? 0 : -1;
}

int
runcgo_sync_decode (const void *buf, size_t n, struct runcgo_sync_msg *msg, runcgo_error_t *err)
{
  struct wire_header h;
  if (n < sizeof (h))
    return runcgo_fail (err, EPROTO, "sync: short message (%zu bytes)", n);
  memcpy (&h, buf, sizeof (h));
  if (h.type == 0 || h.type > RUNCGO_SYNC_MAX_TYPE)
    return runcgo_fail (err, EPROTO, "sync: unknown message type %u", h.type);
  if (h.len > RUNCGO_SYNC_MAX_PAYLOAD || h.len != n - sizeof (h))
    return runcgo_fail (err, EPROTO, "sync: %s: bad payload length %u", runcgo_sync_type_name (h.type), h.len);
  msg->type = h.type;
  msg->value = h.value;
  msg->len = h.len;
  memcpy (msg->payload, (const char *) buf + sizeof (h), h.len);
  msg->payload[h.len] = '\0';
  return 0;
}

int
runcgo_sync_recv (int fd, struct runcgo_sync_msg *msg, runcgo_error_t *err)
{
  char buf[sizeof (struct wire_header) + RUNCGO_SYNC_MAX_PAYLOAD + 1];
  ssize_t n;
  do
    n = recv (fd, buf, sizeof (buf), 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return runcgo_fail (err, errno, "sync: receive from the container init");
  if (n == 0)
    return runcgo_fail (err, 0, "the container init exited unexpectedly");
  return runcgo_sync_decode (buf, (size_t) n, msg, err);
}

int
runcgo_sync_expect (int fd, enum runcgo_sync_type type, struct runcgo_sync_msg *msg, runcgo_error_t *err)
{
  if (runcgo_sync_recv (fd, msg, err) < 0)
    return -1;
  if (msg->type == RUNCGO_SYNC_ERROR)
    {
      /* An empty text (or one starting with NUL) would print as a bare
       * "runcgo: " (found by fuzz/fuzz_sync.c, corpus input
       * fuzz/corpus/sync/error-empty): say at least what failed. */
      if (msg->payload[0] == '\0')
        return runcgo_fail (err, msg->value > 0 ? msg->value : 0, "the container init failed without a message");
      /* the text already carries strerror: keep the errno without appending it twice */
      runcgo_fail (err, 0, "%s", msg->payload);
      (*err)->status = msg->value;
      return -1;
    }
  if (msg->type != (uint32_t) type)
    return runcgo_fail (err, EPROTO, "sync: expected %s, got %s", runcgo_sync_type_name (type),
                        runcgo_sync_type_name (msg->type));
  return 0;
}

void
runcgo_sync_send_error (int fd, runcgo_error_t err)
{
  runcgo_sync_send (fd, RUNCGO_SYNC_ERROR, err ? err->status : 0, runcgo_error_text (err));
}

int
runcgo_sync_fork_sibling (int fd, const char *what, runcgo_error_t *err)
{
  pid_t pid = (pid_t) syscall (SYS_clone, (unsigned long) CLONE_PARENT, NULL, NULL, NULL, 0);
  if (pid < 0)
    return runcgo_fail (err, errno, "fork the %s into its pid namespace", what);
  if (pid > 0)
    {
      runcgo_sync_send (fd, RUNCGO_SYNC_INIT_PID, pid, NULL);
      _exit (0);
    }
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  struct runcgo_sync_msg msg;
  return runcgo_sync_expect (fd, RUNCGO_SYNC_PARENT_READY, &msg, err);
}

int
runcgo_sync_adopt_sibling (pid_t *pid, int *pidfd, pid_t sibling, const char *what, runcgo_error_t *err)
{
  waitpid (*pid, NULL, 0);
  close (*pidfd);
  *pid = sibling;
  *pidfd = (int) syscall (SYS_pidfd_open, sibling, 0);
  if (*pidfd < 0)
    return runcgo_fail (err, errno, "pidfd_open of the %s %d", what, (int) sibling);
  return 0;
}
