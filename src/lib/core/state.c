/* state.c -- container state directory, state.json codec, live status. */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "state.h"
#include "util.h"

static const char *const status_names[] = { "creating", "created", "running", "paused", "stopped" };

const char *
runcgo_status_name (enum runcgo_status s)
{
  return status_names[s];
}

int
runcgo_state_dir_create (int root_fd, const char *id, runcgo_error_t *err)
{
  if (mkdirat (root_fd, id, 0700) < 0)
    {
      if (errno == EEXIST)
        return runcgo_fail (err, 0, "container \"%s\" already exists", id);
      return runcgo_fail (err, errno, "create state directory for container \"%s\"", id);
    }
  int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return runcgo_fail (err, errno, "open state directory of container \"%s\"", id);
  return fd;
}

int
runcgo_state_dir_open (int root_fd, const char *id, runcgo_error_t *err)
{
  int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
    return runcgo_fail (err, 0, "container \"%s\" does not exist", id);
  if (fd < 0)
    return runcgo_fail (err, errno, "open state directory of container \"%s\"", id);
  return fd;
}

int
runcgo_state_lock (int dir_fd, runcgo_error_t *err)
{
  while (flock (dir_fd, LOCK_EX) < 0)
    if (errno != EINTR)
      return runcgo_fail (err, errno, "lock container state directory");
  return 0;
}

static int
remove_tree_at (int dfd, runcgo_error_t *err)
{
  int fd2 = dup (dfd);
  if (fd2 < 0)
    return runcgo_fail (err, errno, "dup");
  DIR *d = fdopendir (fd2);
  if (d == NULL)
    {
      close (fd2);
      return runcgo_fail (err, errno, "read state directory");
    }
  struct dirent *de;
  int ret = 0;
  while ((de = readdir (d)))
    {
      if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0)
        continue;
      if (unlinkat (dfd, de->d_name, 0) == 0 || errno == ENOENT)
        continue;
      if (errno == EISDIR || errno == EPERM)
        {
          cleanup_close int sub = openat (dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (sub >= 0 && remove_tree_at (sub, err) == 0 && unlinkat (dfd, de->d_name, AT_REMOVEDIR) == 0)
            continue;
        }
      ret = runcgo_fail (err, errno, "remove `%s`", de->d_name);
      break;
    }
  closedir (d);
  return ret;
}

int
runcgo_state_dir_remove (int root_fd, const char *id, runcgo_error_t *err)
{
  cleanup_close int fd = openat (root_fd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT ? 0 : runcgo_fail (err, errno, "open state directory of container \"%s\"", id);
  if (remove_tree_at (fd, err) < 0)
    return runcgo_error_wrap (err, "remove state of container \"%s\"", id);
  if (unlinkat (root_fd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return runcgo_fail (err, errno, "remove state directory of container \"%s\"", id);
  return 0;
}

/* ---------------------------------------------------------------- codec */
static json_object *
strv_to_json (char **v)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; v && v[i]; i++)
    json_object_array_add (a, json_object_new_string (v[i]));
  return a;
}

static json_object *
annotations_to_json (const struct runcgo_kv *kv, size_t n)
{
  json_object *o = json_object_new_object ();
  for (size_t i = 0; i < n; i++)
    json_object_object_add (o, kv[i].key, json_object_new_string (kv[i].value));
  return o;
}

static json_object *
hooks_to_json (const struct runcgo_hook *h, size_t n)
{
  json_object *a = json_object_new_array ();
  for (size_t i = 0; i < n; i++)
    {
      json_object *o = json_object_new_object ();
      json_object_object_add (o, "path", json_object_new_string (h[i].path));
      if (h[i].args)
        json_object_object_add (o, "args", strv_to_json (h[i].args));
      if (h[i].env)
        json_object_object_add (o, "env", strv_to_json (h[i].env));
      if (h[i].timeout.set)
        json_object_object_add (o, "timeout", json_object_new_int64 (h[i].timeout.v));
      json_object_array_add (a, o);
    }
  return a;
}

/* RUNCGO_STATE_RECOVERY: "key=value" lines; cgroup_path last (to the end
 * of its line). */
static int
recovery_write (int dir_fd, const struct runcgo_container_state *st, runcgo_error_t *err)
{
  cleanup_free char *text
      = xasprintf ("pid=%d\nstart_time=%llu\ncreator=%d\ncreator_start_time=%llu\ncgroup_driver=%d\nnew_pidns=%d\n"
                   "cgroup_path=%s\n",
                   (int) st->pid, (unsigned long long) st->start_time, (int) st->creator,
                   (unsigned long long) st->creator_start_time, st->cgroup_driver, st->new_pidns ? 1 : 0,
                   st->cgroup_path ? st->cgroup_path : "");
  return runcgo_write_file_atomic (dir_fd, RUNCGO_STATE_RECOVERY, text, strlen (text), 0600, err);
}

static int
recovery_field (const char *text, const char *key, int64_t min, int64_t max, int64_t *out)
{
  cleanup_free char *pat = xasprintf ("\n%s=", key);
  cleanup_free char *buf = xasprintf ("\n%s", text);
  const char *p = strstr (buf, pat);
  if (p == NULL)
    return -1;
  cleanup_free char *v = xstrndup (p + strlen (pat), strcspn (p + strlen (pat), "\n"));
  if (runcgo_parse_i64 (v, out) < 0 || *out < min || *out > max)
    return -1;
  return 0;
}

int
runcgo_state_read_recovery (int dir_fd, const char *id, struct runcgo_container_state **out, runcgo_error_t *err)
{
  cleanup_free char *buf = NULL;
  if (runcgo_read_file_at (dir_fd, RUNCGO_STATE_RECOVERY, 1 << 16, &buf, NULL, err) < 0)
    return -1;
  int64_t pid, start, creator, cstart, driver, pidns;
  const char *cg = strstr (buf, "\ncgroup_path=");
  if (recovery_field (buf, "pid", 0, INT32_MAX, &pid) < 0 || recovery_field (buf, "start_time", 0, INT64_MAX, &start) < 0
      || recovery_field (buf, "creator", 0, INT32_MAX, &creator) < 0
      || recovery_field (buf, "creator_start_time", 0, INT64_MAX, &cstart) < 0
      || recovery_field (buf, "cgroup_driver", 0, 16, &driver) < 0 || recovery_field (buf, "new_pidns", 0, 1, &pidns) < 0
      || cg == NULL)
    return runcgo_fail (err, 0, "%s is corrupted too", RUNCGO_STATE_RECOVERY);
  cg += strlen ("\ncgroup_path=");
  struct runcgo_container_state *st = xzalloc (sizeof (*st));
  st->id = xstrdup (id);
  st->pid = (pid_t) pid;
  st->start_time = (uint64_t) start;
  st->creator = (pid_t) creator;
  st->creator_start_time = (uint64_t) cstart;
  st->cgroup_driver = (int) driver;
  st->new_pidns = pidns != 0;
  st->cgroup_path = xstrndup (cg, strcspn (cg, "\n"));
  st->bundle = xstrdup ("");
  st->rootfs = xstrdup ("");
  st->created = xstrdup ("");
  *out = st;
  return 0;
}

int
runcgo_state_write (int dir_fd, const struct runcgo_container_state *st, runcgo_error_t *err)
{
  /* the recovery record first: it is never older than state.json */
  if (recovery_write (dir_fd, st, err) < 0)
    return runcgo_error_wrap (err, "write state of container \"%s\"", st->id);
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "id", json_object_new_string (st->id));
  json_object_object_add (o, "pid", json_object_new_int64 (st->pid));
  json_object_object_add (o, "start_time", json_object_new_uint64 (st->start_time));
  if (st->pid == 0)
    {
      json_object_object_add (o, "creator", json_object_new_int64 (st->creator));
      json_object_object_add (o, "creator_start_time", json_object_new_uint64 (st->creator_start_time));
    }
  json_object_object_add (o, "bundle", json_object_new_string (st->bundle));
  if (st->config)
    json_object_object_add (o, "config", json_object_new_string (st->config));
  json_object_object_add (o, "rootfs", json_object_new_string (st->rootfs));
  json_object_object_add (o, "created", json_object_new_string (st->created));
  json_object_object_add (o, "owner", json_object_new_int64 (st->owner));
  json_object_object_add (o, "cgroup_path", json_object_new_string (st->cgroup_path ? st->cgroup_path : ""));
  json_object_object_add (o, "cgroup_driver", json_object_new_int (st->cgroup_driver));
  json_object_object_add (o, "rootless", json_object_new_boolean (st->rootless));
  json_object_object_add (o, "new_pidns", json_object_new_boolean (st->new_pidns));
  json_object_object_add (o, "detached", json_object_new_boolean (st->detached));
  if (st->notify_socket)
    json_object_object_add (o, "notify_socket", json_object_new_string (st->notify_socket));
  if (st->unshielded_exe)
    json_object_object_add (o, "unshielded_exe", json_object_new_string (st->unshielded_exe));
  if (st->no_process)
    json_object_object_add (o, "no_process", json_object_new_boolean (true));
  json_object_object_add (o, "annotations", annotations_to_json (st->annotations, st->n_annotations));
  json_object_object_add (o, "poststop", hooks_to_json (st->poststop, st->n_poststop));
  json_object_object_add (o, "poststart", hooks_to_json (st->poststart, st->n_poststart));
  if (st->intelrdt_dirs && st->intelrdt_dirs[0])
    json_object_object_add (o, "intelrdt_dirs", strv_to_json (st->intelrdt_dirs));
  size_t len = 0;
  const char *s = json_object_to_json_string_length (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  int r = runcgo_write_file_atomic (dir_fd, RUNCGO_STATE_FILE, s, len, 0600, err);
  json_object_put (o);
  return r < 0 ? runcgo_error_wrap (err, "write state of container \"%s\"", st->id) : 0;
}

static int
get_string (json_object *o, const char *key, bool required, char **out, runcgo_error_t *err)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, key, &v) || v == NULL)
    return required ? runcgo_fail (err, 0, "state.json: missing \"%s\"", key) : 0;
  if (!json_object_is_type (v, json_type_string))
    return runcgo_fail (err, 0, "state.json: \"%s\" is not a string", key);
  *out = xstrdup (json_object_get_string (v));
  return 0;
}

static int
get_int (json_object *o, const char *key, int64_t min, int64_t max, int64_t *out, runcgo_error_t *err)
{
  json_object *v = NULL;
  if (!json_object_object_get_ex (o, key, &v) || v == NULL)
    return 0;
  if (!json_object_is_type (v, json_type_int))
    return runcgo_fail (err, 0, "state.json: \"%s\" is not an integer", key);
  errno = 0;
  int64_t x = json_object_get_int64 (v);
  if (errno || x < min || x > max)
    return runcgo_fail (err, 0, "state.json: \"%s\" is out of range", key);
  *out = x;
  return 0;
}

static bool
get_bool (json_object *o, const char *key)
{
  json_object *v = NULL;
  return json_object_object_get_ex (o, key, &v) && json_object_is_type (v, json_type_boolean)
         && json_object_get_boolean (v);
}

static char **
json_to_strv (json_object *a)
{
  if (a == NULL || !json_object_is_type (a, json_type_array))
    return NULL;
  size_t n = json_object_array_length (a);
  char **v = xzalloc ((n + 1) * sizeof (char *));
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx (a, i);
      if (json_object_is_type (e, json_type_string))
        v[k++] = xstrdup (json_object_get_string (e));
    }
  return v;
}

static void
decode_annotations (json_object *o, struct runcgo_container_state *st)
{
  json_object *a = NULL;
  if (!json_object_object_get_ex (o, "annotations", &a) || !json_object_is_type (a, json_type_object))
    return;
  st->annotations = xzalloc ((size_t) json_object_object_length (a) * sizeof (struct runcgo_kv) + 1);
  json_object_object_foreach (a, k, v)
  {
    if (!json_object_is_type (v, json_type_string))
      continue;
    st->annotations[st->n_annotations].key = xstrdup (k);
    st->annotations[st->n_annotations++].value = xstrdup (json_object_get_string (v));
  }
}

/* KEY's array of hooks into *LIST, *N; false when the state has no KEY. */
static bool
decode_hooks (json_object *o, const char *key, struct runcgo_hook **list, size_t *n_out)
{
  json_object *a = NULL;
  if (!json_object_object_get_ex (o, key, &a) || !json_object_is_type (a, json_type_array))
    return false;
  size_t n = json_object_array_length (a);
  *list = xzalloc (n * sizeof (struct runcgo_hook) + 1);
  for (size_t i = 0; i < n; i++)
    {
      json_object *h = json_object_array_get_idx (a, i), *v = NULL;
      if (!json_object_is_type (h, json_type_object) || !json_object_object_get_ex (h, "path", &v)
          || !json_object_is_type (v, json_type_string))
        continue;
      struct runcgo_hook *dst = &(*list)[(*n_out)++];
      dst->path = xstrdup (json_object_get_string (v));
      if (json_object_object_get_ex (h, "args", &v))
        dst->args = json_to_strv (v);
      if (json_object_object_get_ex (h, "env", &v))
        dst->env = json_to_strv (v);
      if (json_object_object_get_ex (h, "timeout", &v) && json_object_is_type (v, json_type_int))
        {
          dst->timeout.set = true;
          dst->timeout.v = json_object_get_int64 (v);
        }
    }
  return true;
}

int
runcgo_state_decode (const char *json, size_t len, struct runcgo_container_state **out, runcgo_error_t *err)
{
  json_tokener *tok = json_tokener_new_ex (16);
  json_object *o = json_tokener_parse_ex (tok, json, (int) len);
  bool complete = json_tokener_get_error (tok) == json_tokener_success;
  json_tokener_free (tok);
  if (o == NULL || !complete || !json_object_is_type (o, json_type_object))
    {
      json_object_put (o);
      return runcgo_fail (err, 0, "state.json is corrupted (not a JSON object)");
    }
  struct runcgo_container_state *st = xzalloc (sizeof (*st));
  int64_t pid = 0, owner = 0, driver = 0, start = 0, creator = 0, cstart = 0;
  int r = 0;
  if (get_string (o, "id", true, &st->id, err) < 0 || get_string (o, "bundle", true, &st->bundle, err) < 0
      || get_string (o, "rootfs", false, &st->rootfs, err) < 0 || get_string (o, "created", false, &st->created, err) < 0
      || get_string (o, "cgroup_path", false, &st->cgroup_path, err) < 0
      || get_string (o, "notify_socket", false, &st->notify_socket, err) < 0
      || get_string (o, "unshielded_exe", false, &st->unshielded_exe, err) < 0
      || get_string (o, "config", false, &st->config, err) < 0
      || get_int (o, "pid", 0, INT32_MAX, &pid, err) < 0 || get_int (o, "owner", 0, UINT32_MAX, &owner, err) < 0
      || get_int (o, "cgroup_driver", 0, 16, &driver, err) < 0 || get_int (o, "start_time", 0, INT64_MAX, &start, err) < 0
      || get_int (o, "creator", 0, INT32_MAX, &creator, err) < 0
      || get_int (o, "creator_start_time", 0, INT64_MAX, &cstart, err) < 0)
    r = -1;
  st->pid = (pid_t) pid;
  st->owner = (uid_t) owner;
  st->cgroup_driver = (int) driver;
  st->start_time = (uint64_t) start;
  st->creator = (pid_t) creator;
  st->creator_start_time = (uint64_t) cstart;
  st->rootless = get_bool (o, "rootless");
  st->new_pidns = get_bool (o, "new_pidns");
  st->detached = get_bool (o, "detached");
  st->no_process = get_bool (o, "no_process");
  if (r == 0)
    {
      decode_annotations (o, st);
      decode_hooks (o, "poststop", &st->poststop, &st->n_poststop);
      st->has_poststart = decode_hooks (o, "poststart", &st->poststart, &st->n_poststart);
      json_object *dirs = NULL;
      if (json_object_object_get_ex (o, "intelrdt_dirs", &dirs))
        st->intelrdt_dirs = json_to_strv (dirs);
    }
  json_object_put (o);
  if (r < 0)
    {
      runcgo_state_free (st);
      return -1;
    }
  if (st->rootfs == NULL)
    st->rootfs = xstrdup ("");
  if (st->created == NULL)
    st->created = xstrdup ("");
  *out = st;
  return 0;
}

int
runcgo_state_load_spec (const struct runcgo_container_state *st, struct runcgo_spec **out, runcgo_error_t *err)
{
  return runcgo_spec_load_file (st->bundle, st->config, out, err);
}

int
runcgo_state_read (int dir_fd, struct runcgo_container_state **out, runcgo_error_t *err)
{
  cleanup_free char *buf = NULL;
  size_t len = 0;
  if (runcgo_read_file_at (dir_fd, RUNCGO_STATE_FILE, 1 << 20, &buf, &len, err) < 0)
    return -1;
  return runcgo_state_decode (buf, len, out, err);
}

static void
hooks_free (struct runcgo_hook *list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free (list[i].path);
      runcgo_strv_free (list[i].args);
      runcgo_strv_free (list[i].env);
    }
  free (list);
}

void
runcgo_state_free (struct runcgo_container_state *st)
{
  if (st == NULL)
    return;
  free (st->id);
  free (st->bundle);
  free (st->config);
  free (st->rootfs);
  free (st->created);
  free (st->cgroup_path);
  free (st->notify_socket);
  free (st->unshielded_exe);
  for (size_t i = 0; i < st->n_annotations; i++)
    {
      free (st->annotations[i].key);
      free (st->annotations[i].value);
    }
  free (st->annotations);
  hooks_free (st->poststop, st->n_poststop);
  hooks_free (st->poststart, st->n_poststart);
  runcgo_strv_free (st->intelrdt_dirs);
  free (st);
}

/* ---------------------------------------------------------------- status */
bool
runcgo_pid_is_alive (pid_t pid, uint64_t start_time)
{
  char state;
  uint64_t start;
  if (pid <= 0 || runcgo_proc_stat (pid, &state, &start) < 0)
    return false;
  return state != 'Z' && state != 'X' && state != 'x' && start == start_time;
}

enum runcgo_status
runcgo_state_status (int dir_fd, const struct runcgo_container_state *st)
{
  if (st->pid == 0)
    return runcgo_pid_is_alive (st->creator, st->creator_start_time) ? RUNCGO_STATUS_CREATING : RUNCGO_STATUS_STOPPED;
  if (!runcgo_pid_is_alive (st->pid, st->start_time))
    return RUNCGO_STATUS_STOPPED;
  if (faccessat (dir_fd, RUNCGO_EXEC_FIFO, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return RUNCGO_STATUS_CREATED;
  return RUNCGO_STATUS_RUNNING;
}

/* ---------------------------------------------------------------- output */
char *
runcgo_state_oci_json (const char *id, enum runcgo_status status, pid_t pid, const char *bundle,
                       const struct runcgo_kv *annotations, size_t n_annotations)
{
  json_object *o = json_object_new_object ();
  json_object_object_add (o, "ociVersion", json_object_new_string ("1.3.0"));
  json_object_object_add (o, "id", json_object_new_string (id));
  json_object_object_add (o, "status", json_object_new_string (runcgo_status_name (status)));
  if (status != RUNCGO_STATUS_STOPPED)
    json_object_object_add (o, "pid", json_object_new_int64 (pid));
  json_object_object_add (o, "bundle", json_object_new_string (bundle));
  if (n_annotations)
    json_object_object_add (o, "annotations", annotations_to_json (annotations, n_annotations));
  char *r = xstrdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return r;
}

char *
runcgo_state_format (const struct runcgo_container_state *st, enum runcgo_status status)
{
  json_object *o = json_object_new_object ();
  cleanup_free char *owner = runcgo_owner_name (st->owner);
  json_object_object_add (o, "ociVersion", json_object_new_string ("1.3.0"));
  json_object_object_add (o, "id", json_object_new_string (st->id));
  json_object_object_add (o, "pid", json_object_new_int64 (status == RUNCGO_STATUS_STOPPED ? 0 : st->pid));
  json_object_object_add (o, "status", json_object_new_string (runcgo_status_name (status)));
  json_object_object_add (o, "bundle", json_object_new_string (st->bundle));
  if (st->config)
    json_object_object_add (o, "config", json_object_new_string (st->config));
  json_object_object_add (o, "rootfs", json_object_new_string (st->rootfs));
  json_object_object_add (o, "created", json_object_new_string (st->created));
  json_object_object_add (o, "owner", json_object_new_string (owner));
  if (st->n_annotations)
    json_object_object_add (o, "annotations", annotations_to_json (st->annotations, st->n_annotations));
  char *r = xstrdup (json_object_to_json_string_ext (o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                          | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (o);
  return r;
}

char *
runcgo_now_rfc3339 (void)
{
  struct timespec ts;
  char buf[64];
  clock_gettime (CLOCK_REALTIME, &ts);
  runcgo_rfc3339 (&ts, buf, sizeof (buf));
  return xstrdup (buf);
}

char *
runcgo_owner_name (uid_t uid)
{
  if (uid == 0)
    return xstrdup ("root");
  char *name = runcgo_passwd_name (uid);
  return name ? name : xasprintf ("%u", (unsigned) uid);
}
