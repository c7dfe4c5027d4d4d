/* ptrace_attach [-s STOPFILE] [-g GRACE] [-d DEADLINE] -r REPORT: a container
 * process that tries to ptrace the runtime while the runtime is inside the
 * container's namespaces (CVE-2016-9962: a dumpable `runc exec` could be
 * attached from the container and its host file descriptors used).
 *
 * It runs inside a test container (statically linked) and loops over every
 * process it can see.  Processes whose executable is the container's own
 * (busybox, this program) are left alone; every other one (its executable is
 * foreign, or unreadable: a non-dumpable process) gets PTRACE_SEIZE and an
 * open of /proc/PID/mem.  An attach that succeeds is undone at once; it counts
 * only when it caught a foreign image outside execve (see attack ()).
 * It stops GRACE seconds (default 0.5) after STOPFILE appears or after
 * DEADLINE seconds (default 60) and writes REPORT: NAME=VALUE counters (scans,
 * targets, attach_denied, attached, attached_in_exec, mem_opened) and the
 * first events.  */
#ifdef HAVE_CONFIG_H
#include "config.h" /* absent when a test script builds this file on the fly */
#endif

#include "attack.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

static long targets, attach_denied, attached, attached_in_exec, mem_opened;
static int seen_pid[ATTACK_MAX_PIDS];

/* 1 when PID runs busybox or this program, 0 otherwise (or unreadable).  */
static int
runs_container_binary (int pid)
{
  char path[64];
  struct stat st;

  snprintf (path, sizeof path, "/proc/%d/exe", pid);
  return stat (path, &st) == 0 && attack_is_container_binary (&st);
}

static void
attack (int pid)
{
  char path[64], comm[32];
  int fd;

  if (runs_container_binary (pid))
    return;
  if (pid < ATTACK_MAX_PIDS && !seen_pid[pid])
    {
      seen_pid[pid] = 1;
      targets++;
    }
  attack_comm_of (pid, comm, sizeof comm);
  /* Attaches that reach a process in the middle of its execve(2) prove
     nothing: past the point of no return the kernel has made it dumpable for
     the new image.  PTRACE_O_TRACEEXEC makes such an exec the first stop;
     only a first stop that is not an exec, in a process that still runs a
     foreign image, shows that the runtime itself could be traced (a
     dumpable runtime would be caught that way on almost every try: it spends
     far more time in user space than inside execve).  */
  if (ptrace (PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC) == 0)
    {
      int status = 0, in_exec = 0, foreign_image = 0;
      if (ptrace (PTRACE_INTERRUPT, pid, 0, 0) == 0 && waitpid (pid, &status, __WALL) == pid)
        {
          in_exec = status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8));
          foreign_image = WIFSTOPPED (status) && !runs_container_binary (pid);
          ptrace (PTRACE_DETACH, pid, 0, 0);
        }
      if (in_exec)
        {
          if (attached_in_exec++ < 3)
            attack_event ("attached to %d (%s) during its execve (allowed)", pid, comm);
        }
      else if (foreign_image)
        {
          attached++;
          attack_event ("ATTACHED to %d (%s) running a foreign image", pid, comm);
        }
    }
  else if (errno == EPERM || errno == EACCES)
    {
      if (attach_denied++ < 5)
        attack_event ("denied: ptrace %d (%s): %s", pid, comm, strerror (errno));
    }
  snprintf (path, sizeof path, "/proc/%d/mem", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0)
    {
      /* an exec between the check above and the open gives a legitimate
         container process: not counted */
      if (!runs_container_binary (pid))
        {
          mem_opened++;
          attack_event ("OPENED %s (%s)", path, comm);
        }
      close (fd);
    }
}

static const struct attack_counter counters[] = {
  { "targets", &targets },   { "attach_denied", &attach_denied }, { "attached", &attached },
  { "attached_in_exec", &attached_in_exec }, { "mem_opened", &mem_opened },  { NULL, NULL },
};

static const struct attack_tool tool = {
  .name = "ptrace_attach",
  .usage = "[-s STOPFILE] [-g GRACE] [-d DEADLINE] -r REPORT",
  .extra_opts = "",
  .grace = 0.5,
  .attack = attack,
  .counters = counters,
};

int
main (int argc, char **argv)
{
  return attack_main (&tool, argc, argv);
}
