/* util.h -- small shared helpers: cleanup attributes, ownership transfer,
 * allocation that aborts on OOM, whole-file I/O.  Everything the rest of the
 * runtime uses in almost every file lives here so it is written once. */
#ifndef RUNCGO_UTIL_H
#define RUNCGO_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))

void runcgo_freep(void *p);
void runcgo_closep(int *fd);
void runcgo_fclosep(void *f);
void runcgo_strv_freep(void *p);

#define cleanup_free __attribute__((cleanup(runcgo_freep)))
#define cleanup_close __attribute__((cleanup(runcgo_closep)))
#define cleanup_file __attribute__((cleanup(runcgo_fclosep)))
#define cleanup_strv __attribute__((cleanup(runcgo_strv_freep)))

/* Ownership moves only through these two: the cleanup attribute of the
 * source then sees NULL / -1 and does nothing. */
#define steal_ptr(pp)                                                                                                  \
  ({                                                                                                                   \
    __typeof__(*(pp)) steal_tmp_ = *(pp);                                                                              \
    *(pp) = NULL;                                                                                                      \
    steal_tmp_;                                                                                                        \
  })
static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

void *xmalloc (size_t n);
void *xzalloc (size_t n);
void *xrealloc (void *p, size_t n);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__((format(printf, 1, 2)));

size_t runcgo_strv_len (char *const *v);
void runcgo_strv_free (char **v);
/* The process runs under valgrind (which cannot run CLONE_VM children). */
bool runcgo_under_valgrind (void);
char **runcgo_strv_dup (char *const *v);
/* A field of /proc/PID/mountinfo (N bytes) with its \ooo escapes of space,
 * tab, newline and backslash undone. */
char *runcgo_mountinfo_unescape (const char *s, size_t n);
/* One sendmsg of DATA with FD in SCM_RIGHTS (no SIGPIPE, EINTR retried);
 * returns what sendmsg returns. */
ssize_t runcgo_send_fd (int sock, int fd, const void *data, size_t len);
bool runcgo_strv_contains (char *const *v, const char *s);

/* Read a whole file (at most max bytes; 0 = 1 MiB) relative to dirfd.  The
 * result is NUL-terminated; *len (if given) excludes the NUL. */
int runcgo_read_file_at (int dirfd, const char *path, size_t max, char **out, size_t *len, runcgo_error_t *err);
/* Write data to an existing file (O_WRONLY|O_TRUNC unless append). */
int runcgo_write_file_at (int dirfd, const char *path, const void *data, size_t len, runcgo_error_t *err);
/* Write a file atomically: temp file in the same dir, fsync-free, rename. */
int runcgo_write_file_atomic (int dirfd, const char *name, const void *data, size_t len, mode_t mode,
                              runcgo_error_t *err);
ssize_t runcgo_write_all (int fd, const void *buf, size_t len);
ssize_t runcgo_read_all (int fd, void *buf, size_t len);

/* mkdir -p relative to dirfd (no symlink protection: host paths only). */
int runcgo_mkdir_p (const char *path, mode_t mode, runcgo_error_t *err);

/* Parse a decimal integer; the whole string must be consumed. */
int runcgo_parse_u64 (const char *s, uint64_t *out);
int runcgo_parse_i64 (const char *s, int64_t *out);

/* State letter and start time (fields 3 and 22 of /proc/PID/stat); -1 if gone. */
int runcgo_proc_stat (pid_t pid, char *state, uint64_t *start_time);
/* Start time of a process, 0 if gone. */
uint64_t runcgo_proc_start_time (pid_t pid);

/* Does this process run in a user namespace other than the initial one
 * (root there is not root of the host: e.g. under rootless Podman)? */
bool runcgo_in_user_namespace (void);

/* Numbers in /proc and cgroup files without sscanf, whose code (vfscanf,
 * strto*f, the gconv of mbrtowc) is 100 KiB of a static runcgo's text.
 * scan: the unsigned decimal at *P after blanks, *P moved past it; false
 * when there is none or it overflows.  dev: exactly "MAJOR:MINOR". */
bool runcgo_scan_u64 (const char **p, uint64_t *v);
bool runcgo_parse_dev (const char *s, unsigned *major, unsigned *minor);

/* TS as RFC 3339 UTC with nanoseconds ("2026-11-22T13:50:00.123456789Z")
 * into BUF (>= 40 bytes).  Not gmtime_r + strftime: glibc's gmtime_r runs
 * tzset (reads /etc/localtime) and both pull sscanf and the tz code into a
 * static runcgo. */
void runcgo_rfc3339 (const struct timespec *ts, char *buf, size_t len);

/* The user name of UID: the first /etc/passwd line with that uid, as NSS's
 * "files" source answers.  Not NSS itself (a static binary cannot load its
 * modules), so a user known only to LDAP/sssd is not found, as in crun;
 * callers fall back to the number.  NULL when none. */
char *runcgo_passwd_name (uid_t uid);
/* The same lookup in the text of a passwd file (pure, for tests). */
char *runcgo_passwd_name_in (const char *text, uid_t uid);
/* Mount id of an open fd: statx(STATX_MNT_ID), else its fdinfo, read in the
 * directory PROC_SELF_DIR() returns (an fd of /proc/self; NULL = the path
 * /proc/self), asked only when statx cannot tell. */
int runcgo_fd_mount_id (int fd, int (*proc_self_dir) (void), uint64_t *id);

/* Close every fd >= from except those listed (close_range with fallback). */
int runcgo_close_fds_from (int from);
int runcgo_set_cloexec_from (int from);
/* Close every fd >= from except the n listed (-1 entries are ignored). */
int runcgo_close_fds_except (int from, const int *keep, size_t n);

/* Path of our helper program NAME (runcgo-slirp, runcgo-wasm): $ENV_VAR,
 * the installed one, or the build tree's beside this runtime.  Ask before
 * the exe shield replaces /proc/self/exe. */
char *runcgo_helper_path (const char *name, const char *env_var);

/* RUNCGO_ASAN is 1 in an AddressSanitizer build (make check-asan; gcc
 * defines __SANITIZE_ADDRESS__, clang has __has_feature). */
#if defined(__SANITIZE_ADDRESS__)
#define RUNCGO_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNCGO_ASAN 1
#endif
#endif
#ifndef RUNCGO_ASAN
#define RUNCGO_ASAN 0
#else
#include <sanitizer/common_interface_defs.h>
#endif

/* A process cloned onto a stack the runtime mapped itself (the rootless
 * init, spawn/early.c) tells AddressSanitizer where that stack is: ASan
 * still takes the runtime's main stack for its own, and at the first call
 * of a noreturn function it warns that the stack is 500 GB deep and skips
 * unpoisoning it.  A no-op without ASan. */
static inline void
runcgo_asan_set_stack (void *bottom, size_t size)
{
#if RUNCGO_ASAN
  void *fake_stack = NULL;
  __sanitizer_start_switch_fiber (&fake_stack, bottom, size);
  __sanitizer_finish_switch_fiber (fake_stack, NULL, NULL);
#else
  (void) bottom;
  (void) size;
#endif
}

#endif
