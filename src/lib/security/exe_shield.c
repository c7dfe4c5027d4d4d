/* exe_shield.c -- CVE-2019-5736 without re-executing the runtime.
 *
 * A container process that can open /proc/PID/exe of a runtime process in its
 * pid namespace holds the runtime's binary and, once that process is gone,
 * reopens it for writing.  Non-dumpable stops that, unless the attacker has
 * CAP_SYS_PTRACE in the user namespace of our mm: a container without a user
 * namespace can be granted exactly that.  runc and crun re-exec a sealed copy
 * of themselves on every start; instead, the process about to enter such a
 * container points its exe at an empty sealed memfd (PR_SET_MM_EXE_FILE).
 * The kernel allows that only once no mapping of the old executable is left:
 * text and read-only segments are mapped again, at the same addresses, from a
 * read-only detached bind mount of the same inode (no copy, the page cache is
 * shared); what the process wrote (data, relro) is copied to anonymous
 * memory.  Children inherit the result, so the shield is raised once, in the
 * runtime process, before it clones anything into the container. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/prctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#include "core/mount_api.h"
#include "core/util.h"
#include "security/security.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define MAX_SEGMENTS 32
#define MAPS_MAX (1 << 20)

static const char shield_step[] = "protect the runtime binary from the container (CVE-2019-5736)";

struct segment
{
  uintptr_t start, end;
  int prot;
  off_t offset;
};

/* The main program's PT_GNU_RELRO range: read-only now, but written by the
 * dynamic linker, so its pages differ from the file. */
struct relro
{
  uintptr_t start, end;
};

static int
find_relro (struct dl_phdr_info *info, size_t size, void *data)
{
  struct relro *r = data;
  (void) size;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_GNU_RELRO)
      {
        r->start = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
        r->end = r->start + info->dlpi_phdr[i].p_memsz;
      }
  return 1; /* the first object is the main program */
}

static int
parse_prot (const char *perms)
{
  return (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) | (perms[2] == 'x' ? PROT_EXEC : 0);
}

/* One line of /proc/self/maps: "start-end perms offset maj:min inode  path".
 * Parsed by hand: sscanf costs 5,000 instructions a line and pulls the
 * scanf machinery's pages into every start. */
struct maps_line
{
  unsigned long start, end, offset, ino;
  dev_t dev;
  const char *perms, *path;
};

static bool
parse_maps_line (char *p, struct maps_line *m)
{
  unsigned long maj, min;
  m->start = strtoul (p, &p, 16);
  if (*p++ != '-')
    return false;
  m->end = strtoul (p, &p, 16);
  if (*p++ != ' ' || strlen (p) < 5 || p[4] != ' ')
    return false;
  m->perms = p;
  m->offset = strtoul (p + 5, &p, 16);
  if (*p++ != ' ')
    return false;
  maj = strtoul (p, &p, 16);
  if (*p++ != ':')
    return false;
  min = strtoul (p, &p, 16);
  if (*p++ != ' ')
    return false;
  m->ino = strtoul (p, &p, 10);
  m->path = p + strspn (p, " ");
  m->dev = makedev (maj, min);
  return true;
}

/* The mappings of our executable, read before any of them changes.  Matched
 * by device and inode, or by path where a stacking filesystem shows the
 * inode below it. */
static int
exe_segments (const struct stat *exe, const char *exe_path, struct segment *segs, size_t *n, runcgo_error_t *err)
{
  cleanup_free char *maps = NULL;
  if (runcgo_read_file_at (AT_FDCWD, "/proc/self/maps", MAPS_MAX, &maps, NULL, err) < 0)
    return -1;
  *n = 0;
  for (char *line = maps, *next; line && *line; line = next)
    {
      next = strchr (line, '\n');
      if (next)
        *next++ = '\0';
      struct maps_line m;
      if (!parse_maps_line (line, &m))
        continue;
      bool same_inode = m.ino == exe->st_ino && m.dev == exe->st_dev;
      if (!same_inode && strcmp (m.path, exe_path) != 0)
        continue;
      if (*n == MAX_SEGMENTS)
        return runcgo_fail (err, E2BIG, "%s: more than %d mappings of %s", shield_step, MAX_SEGMENTS, exe_path);
      segs[(*n)++] = (struct segment){ m.start, m.end, parse_prot (m.perms), (off_t) m.offset };
    }
  return 0;
}

/* Our binary again, on a read-only bind mount of its own that is in no
 * mount namespace: a path to the inode that nothing can open for writing.
 * -1 where the new mount API or CAP_SYS_ADMIN is missing (then everything is
 * copied). */
static int
open_readonly_clone (void)
{
  cleanup_close int tree = (int) syscall (SYS_open_tree, AT_FDCWD, "/proc/self/exe", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (tree < 0)
    return -1;
  struct fs_mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV };
  if (syscall (SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof (attr)) < 0)
    return -1;
  char path[64];
  snprintf (path, sizeof (path), "/proc/self/fd/%d", tree);
  return open (path, O_RDONLY | O_CLOEXEC);
}

/* A whole segment is copied, the redzones AddressSanitizer keeps between
 * globals included: an ASan build lets the kernel copy (process_vm_readv
 * checks only the local buffer), or every shield would be a report. */
static int
copy_segment (void *dst, const void *src, size_t len)
{
#if RUNCGO_ASAN
  for (size_t done = 0; done < len;)
    {
      struct iovec local = { (char *) dst + done, len - done }, remote = { (char *) src + done, len - done };
      ssize_t n = process_vm_readv (getpid (), &local, 1, &remote, 1, 0);
      if (n <= 0)
        return n == 0 ? (errno = EIO, -1) : -1;
      done += (size_t) n;
    }
#else
  memcpy (dst, src, len);
#endif
  return 0;
}

static int
remap_copy (const struct segment *s, runcgo_error_t *err)
{
  size_t len = s->end - s->start;
  void *at = (void *) s->start;
  if (s->prot == PROT_NONE)
    {
      if (mmap (at, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0) == MAP_FAILED)
        return runcgo_fail (err, errno, "%s: map a guard gap", shield_step);
      return 0;
    }
  if (!(s->prot & PROT_READ) && mprotect (at, len, s->prot | PROT_READ) < 0)
    return runcgo_fail (err, errno, "%s: make a segment readable", shield_step);
  void *copy = mmap (NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (copy == MAP_FAILED)
    return runcgo_fail (err, errno, "%s: allocate %zu bytes", shield_step, len);
  /* mremap replaces the old mapping atomically: this very code may be in it */
  if (copy_segment (copy, at, len) < 0 || mprotect (copy, len, s->prot) < 0
      || mremap (copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, at) == MAP_FAILED)
    {
      int e = errno;
      munmap (copy, len);
      return runcgo_fail (err, e, "%s: move a segment to anonymous memory", shield_step);
    }
  return 0;
}

static int
remap_segment (const struct segment *s, const struct relro *relro, int ro_fd, runcgo_error_t *err)
{
  bool written = (s->prot & PROT_WRITE) || (s->start < relro->end && relro->start < s->end);
  if (written || ro_fd < 0 || s->prot == PROT_NONE)
    return remap_copy (s, err);
  /* same inode, same offset: identical bytes, even for the code running now */
  if (mmap ((void *) s->start, s->end - s->start, s->prot, MAP_PRIVATE | MAP_FIXED, ro_fd, s->offset) == MAP_FAILED)
    return runcgo_fail (err, errno, "%s: map a segment from the read-only copy", shield_step);
  return 0;
}

/* PR_SET_MM_MAP rewrites every field of the mm's layout: pass the current
 * ones back (/proc/self/stat fields 26-28 and 45-51, and the brk) with the
 * new exe.  Unlike PR_SET_MM_EXE_FILE it needs CAP_SYS_ADMIN (or
 * CAP_CHECKPOINT_RESTORE) instead of CAP_SYS_RESOURCE, which hosts and
 * sandboxes often withhold from root. */
static int
set_mm_exe (int fd)
{
  char buf[1024];
  int sfd = open ("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (sfd < 0)
    return -1;
  ssize_t n = read (sfd, buf, sizeof (buf) - 1);
  close (sfd);
  buf[n > 0 ? n : 0] = '\0';
  char *p = strrchr (buf, ')'); /* the comm may contain spaces and ')' */
  if (p == NULL)
    return errno = EIO, -1;
  unsigned long long v[52] = { 0 };
  int field = 2; /* p is at the end of field 2 (comm) */
  for (char *tok = strtok (p + 1, " "); tok && field < 51; tok = strtok (NULL, " "))
    v[++field] = strtoull (tok, NULL, 10);
  if (field < 51)
    return errno = EIO, -1;
  struct prctl_mm_map map = {
    .start_code = v[26], .end_code = v[27], .start_stack = v[28], .start_data = v[45], .end_data = v[46],
    .start_brk = v[47], .brk = (uint64_t) syscall (SYS_brk, 0), .arg_start = v[48], .arg_end = v[49],
    .env_start = v[50], .env_end = v[51], .exe_fd = (uint32_t) fd,
  };
  if (prctl (PR_SET_MM, PR_SET_MM_MAP, &map, sizeof (map), 0) == 0)
    return 0;
  return prctl (PR_SET_MM, PR_SET_MM_EXE_FILE, fd, 0, 0);
}

/* An empty, sealed, executable memfd as /proc/self/exe.  The kernel denies
 * writers to a new exe file, so the fd handed over must be read-only.  Where
 * memfds cannot be executable (vm.memfd_noexec=2), the read-only clone is the
 * exe instead. */
static int
set_exe (int ro_fd, runcgo_error_t *err)
{
  cleanup_close int exe = -1;
  int mfd = memfd_create ("runcgo", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create ("runcgo", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd >= 0)
    {
      char path[64];
      snprintf (path, sizeof (path), "/proc/self/fd/%d", mfd);
      if (fcntl (mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0)
        exe = open (path, O_RDONLY | O_CLOEXEC);
      close (mfd);
    }
  int fd = exe >= 0 ? exe : ro_fd;
  if (fd < 0)
    return runcgo_fail (err, errno, "%s: no sealed or read-only file to stand in for the binary", shield_step);
  if (set_mm_exe (fd) < 0)
    return runcgo_fail_hint (err, errno,
                             errno == EPERM ? "a container without a user namespace needs a runtime with "
                                              "CAP_SYS_ADMIN or CAP_SYS_RESOURCE; or add a user namespace to the config"
                                            : NULL,
                             "%s: replace /proc/self/exe", shield_step);
  return 0;
}

int
runcgo_exe_shield (runcgo_error_t *err)
{
  static bool raised;
  if (raised)
    return 0;
  char exe_path[PATH_MAX];
  ssize_t n = readlink ("/proc/self/exe", exe_path, sizeof (exe_path) - 1);
  struct stat st;
  if (n < 0 || stat ("/proc/self/exe", &st) < 0)
    return runcgo_fail (err, errno, "%s: read /proc/self/exe", shield_step);
  exe_path[n] = '\0';
  struct segment segs[MAX_SEGMENTS];
  size_t n_segs;
  if (exe_segments (&st, exe_path, segs, &n_segs, err) < 0)
    return -1;
  struct relro relro = { 0, 0 };
  dl_iterate_phdr (find_relro, &relro);
  cleanup_close int ro_fd = open_readonly_clone ();
  for (size_t i = 0; i < n_segs; i++)
    if (remap_segment (&segs[i], &relro, ro_fd, err) < 0)
      return -1;
  if (set_exe (ro_fd, err) < 0)
    return -1;
  raised = true;
  return 0;
}

/* ---------------------------------------------------------------- when */
/* Only a process in the init's pid namespace can reach /proc/<init>/exe, and
 * only with CAP_SYS_PTRACE over the init's mm, whose user namespace is the
 * runtime's: never from a container with a user namespace.  In a `run` that
 * gives the container a new pid namespace, nothing of the container is in it
 * before the init's exec: `exec` waits for that exec (runcgo_exe_wait_init_exec,
 * for a state with unshielded_exe) and no createContainer or startContainer
 * hook (container code, run in the container's namespaces) is configured.  A
 * `create` waits for `start` in that namespace, where `exec` may join. */
bool
runcgo_exe_shield_needed (const struct runcgo_spec *spec, bool run_mode)
{
  if (runcgo_spec_namespace (spec, RUNCGO_NS_USER))
    return false;
  const struct runcgo_namespace *pid = runcgo_spec_namespace (spec, RUNCGO_NS_PID);
  if (!run_mode || pid == NULL || pid->path != NULL)
    return true;
  return spec->hooks.n[RUNCGO_HOOK_CREATE_CONTAINER] > 0 || spec->hooks.n[RUNCGO_HOOK_START_CONTAINER] > 0;
}

char *
runcgo_exe_identity (pid_t pid)
{
  char path[64];
  if (pid > 0)
    snprintf (path, sizeof (path), "/proc/%d/exe", (int) pid);
  else
    snprintf (path, sizeof (path), "/proc/self/exe");
  struct stat st;
  if (stat (path, &st) < 0)
    return NULL;
  return xasprintf ("%llu:%llu", (unsigned long long) st.st_dev, (unsigned long long) st.st_ino);
}

#define INIT_EXEC_WAIT_MS 10000

int
runcgo_exe_wait_init_exec (pid_t pid, const char *identity, runcgo_error_t *err)
{
  const struct timespec ms = { 0, 1000000 };
  for (int i = 0; i < INIT_EXEC_WAIT_MS; i++)
    {
      cleanup_free char *now = runcgo_exe_identity (pid);
      /* gone: the caller's liveness check reports it */
      if (now == NULL || strcmp (now, identity) != 0)
        return 0;
      nanosleep (&ms, NULL);
    }
  return runcgo_fail_hint (err, ETIMEDOUT, "retry once the container has started",
                           "the container's init has not started the container process after %d s",
                           INIT_EXEC_WAIT_MS / 1000);
}
