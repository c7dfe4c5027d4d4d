/* runcgo/seccomp_notify_plugin.h -- the interface of seccomp notify plugins,
 * the shared libraries named by the annotation run.oci.seccomp.plugins.
 *
 * The interface is crun's (libcrun's seccomp_notify_plugin.h) at the binary
 * level: the same symbol names, argument lists, configuration layout and
 * answer codes, so that a plugin built for crun loads in runcgo unchanged
 * and one built against this header loads in crun.  The struct keeps the
 * tag crun's plugins use, so their sources compile against this file too.
 *
 * How runcgo uses a plugin (helpers/runcgo-seccomp-plugins, one process per
 * seccomp listener of a container, started by create/run/exec):
 *   1. dlopen(PATH, RTLD_NOW) in the order of the annotation.
 *   2. run_oci_seccomp_notify_version() (crun's examples export the same
 *      function as run_oci_seccomp_notify_plugin_version; either is asked,
 *      both are optional, as in crun): anything but 1 refuses the plugin.
 *   3. run_oci_seccomp_notify_handle_request must be exported.
 *   4. run_oci_seccomp_notify_start(&opaque, &conf, sizeof conf), optional:
 *      non-zero refuses the plugin.  CONF and its strings stay valid until
 *      stop returns.
 *   A refused plugin fails `create` (or `exec`) with the file's name.
 *   5. For every notification, each plugin in turn until one takes it:
 *      handle_request(opaque, sizes, req, resp, seccomp_fd, &handled) with
 *      RESP zeroed and HANDLED 0.  When none takes it the syscall fails with
 *      ENOTSUP.  A non-zero return, or an unknown HANDLED, fails the syscall
 *      with EIO (crun gives up serving instead).
 *   6. run_oci_seccomp_notify_stop(opaque), optional, once every process that
 *      uses the filter has exited, or at `delete`.
 * Calls come from one thread, one at a time. */
#ifndef RUNCGO_SECCOMP_NOTIFY_PLUGIN_H
#define RUNCGO_SECCOMP_NOTIFY_PLUGIN_H

#include <stddef.h>
#include <linux/seccomp.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The one version of this interface. */
#define RUN_OCI_SECCOMP_NOTIFY_PLUGIN_VERSION 1

/* What start receives.  Four pointers, in this order: the layout is the
 * interface (plugins check that the size argument equals sizeof). */
struct libcrun_load_seccomp_notify_conf_s
{
  const char *runtime_root_path; /* the container's state directory (ROOT/ID) */
  const char *name;              /* the container's id */
  const char *bundle_path;       /* its bundle directory */
  const char *oci_config_path;   /* the config file it was created from */
};

/* Values of *handled. */
/* Not mine: ask the next plugin. */
#define RUN_OCI_SECCOMP_NOTIFY_HANDLE_NOT_HANDLED 0
/* RESP is filled in (val, error, flags): send it. */
#define RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE 1
/* The plugin answers itself, now or later, with SECCOMP_IOCTL_NOTIF_SEND on
 * SECCOMP_FD (valid until stop): nothing is sent for it. */
#define RUN_OCI_SECCOMP_NOTIFY_HANDLE_DELAYED_RESPONSE 2
/* Send RESP with SECCOMP_USER_NOTIF_FLAG_CONTINUE: the kernel runs the
 * syscall as asked (val and error must be 0). */
#define RUN_OCI_SECCOMP_NOTIFY_HANDLE_SEND_RESPONSE_AND_CONTINUE 3

#ifndef SECCOMP_NOTIFY_SKIP_TYPEDEF
typedef int (*run_oci_seccomp_notify_plugin_version_cb) (void);
typedef int (*run_oci_seccomp_notify_start_cb) (void **opaque, struct libcrun_load_seccomp_notify_conf_s *conf,
                                                size_t size_configuration);
typedef int (*run_oci_seccomp_notify_handle_request_cb) (void *opaque, struct seccomp_notif_sizes *sizes,
                                                         struct seccomp_notif *sreq,
                                                         struct seccomp_notif_resp *sresp, int seccomp_fd,
                                                         int *handled);
typedef int (*run_oci_seccomp_notify_stop_cb) (void *opaque);
#endif

/* What a plugin exports (only handle_request is required). */
int run_oci_seccomp_notify_version (void);
int run_oci_seccomp_notify_start (void **opaque, struct libcrun_load_seccomp_notify_conf_s *conf,
                                  size_t size_configuration);
int run_oci_seccomp_notify_handle_request (void *opaque, struct seccomp_notif_sizes *sizes,
                                           struct seccomp_notif *sreq, struct seccomp_notif_resp *sresp,
                                           int seccomp_fd, int *handled);
int run_oci_seccomp_notify_stop (void *opaque);

#ifdef __cplusplus
}
#endif

#endif
