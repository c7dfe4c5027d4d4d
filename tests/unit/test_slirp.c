/* test_slirp.c -- the slirp settings without starting anything: publish
 * specs, annotations and flags together, and every validation error (it
 * must name the annotation or flag).  Runs unprivileged. */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "core/util.h"
#include "net/slirp.h"
#include "spec/spec.h"
#include "tap.h"

static void
test_publish_specs (void)
{
  struct runcgo_slirp_publish p;
  const char *why = NULL;
  ok (runcgo_slirp_parse_publish ("127.0.0.1:8080:80", &p, &why) == 0 && !p.udp && p.host_port == 8080
          && p.ctr_port == 80 && p.host_addr.s_addr == htonl (0x7f000001),
      "127.0.0.1:8080:80 is tcp from 127.0.0.1");
  ok (runcgo_slirp_parse_publish ("5353:53/udp", &p, &why) == 0 && p.udp && p.host_port == 5353 && p.ctr_port == 53
          && p.host_addr.s_addr == 0,
      "5353:53/udp is udp from every address");
  ok (runcgo_slirp_parse_publish ("8080:80/tcp", &p, &why) == 0 && !p.udp, "/tcp is accepted");
  static const char *const bad[] = { "8080", "8080:0", "0:80", "65536:80", "a:80", "8080:80/sctp", "1.2.3:8080:80",
                                     "[::1]:8080:80", "::1:8080:80", "8080:", ":80", "8080:80/", "" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      why = NULL;
      ok (runcgo_slirp_parse_publish (bad[i], &p, &why) < 0 && why != NULL, "\"%s\" is refused (%s)", bad[i],
          why ? why : "-");
    }
}

static struct runcgo_spec *
spec_with (const char *annotations)
{
  cleanup_free char *json = xasprintf ("{\"ociVersion\": \"1.3.0\", \"root\": {\"path\": \"rootfs\"}, "
                                       "\"annotations\": {%s}}",
                                       annotations);
  struct runcgo_spec *spec = NULL;
  runcgo_error_t err = NULL;
  if (runcgo_spec_parse (json, strlen (json), &spec, &err) < 0)
    diag ("parse: %s", runcgo_error_text (err));
  runcgo_error_release (&err);
  return spec;
}

/* parse; on error *msg gets its text */
static int
parse (const char *annotations, const char *net, const char *const *publish, size_t n,
       struct runcgo_slirp_config *cfg, char **msg)
{
  struct runcgo_spec *spec = spec_with (annotations);
  runcgo_error_t err = NULL;
  int r = runcgo_slirp_config_parse (spec, net, publish, n, cfg, &err);
  *msg = r < 0 ? xstrdup (runcgo_error_text (err)) : NULL;
  runcgo_error_release (&err);
  runcgo_spec_free (spec);
  return r;
}

static void
expect_error (const char *annotations, const char *net, const char *const *publish, size_t n, const char *needle)
{
  struct runcgo_slirp_config cfg;
  cleanup_free char *msg = NULL;
  int r = parse (annotations, net, publish, n, &cfg, &msg);
  ok (r < 0 && msg && strstr (msg, needle), "error names %s: %s", needle, msg ? msg : "(no error)");
  runcgo_slirp_config_release (&cfg);
}

static void
test_annotations_and_flags (void)
{
  struct runcgo_slirp_config cfg;
  cleanup_free char *msg = NULL;
  ok (parse ("", NULL, NULL, 0, &cfg, &msg) == 0 && !cfg.enabled, "no annotation: disabled");
  runcgo_slirp_config_release (&cfg);
  int r = parse ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.publish\": \"127.0.0.1:8080:80, 53:53/udp\","
                 "\"run.oci.runcgo.slirp.mtu\": \"1500\", \"run.oci.runcgo.slirp.cidr\": \"10.9.0.0/16\","
                 "\"run.oci.runcgo.slirp.allow-host-loopback\": \"true\"",
                 NULL, NULL, 0, &cfg, &msg);
  ok (r == 0 && cfg.enabled && cfg.n_publish == 2 && cfg.mtu == 1500 && cfg.prefix == 16
          && cfg.net.s_addr == htonl (0x0a090000) && cfg.allow_host_loopback && cfg.publish[1].udp,
      "every annotation is read");
  runcgo_slirp_config_release (&cfg);
  const char *flags[] = { "9090:90", "9091:91/udp" };
  r = parse ("\"run.oci.runcgo.publish\": \"8080:80\"", "slirp", flags, 2, &cfg, &msg);
  ok (r == 0 && cfg.enabled && cfg.n_publish == 3 && cfg.mtu == 65520 && cfg.prefix == 24 && !cfg.allow_host_loopback,
      "--net slirp enables it, --publish adds to the annotation, defaults otherwise");
  runcgo_slirp_config_release (&cfg);
  ok (parse ("\"run.oci.runcgo.network\": \"slirp\"", "none", NULL, 0, &cfg, &msg) == 0 && !cfg.enabled,
      "--net none overrides the annotation");
  runcgo_slirp_config_release (&cfg);
}

static void
test_errors (void)
{
  const char *dup[] = { "8080:81" }, *bad[] = { "80" };
  expect_error ("\"run.oci.runcgo.network\": \"vde\"", NULL, NULL, 0, "annotation run.oci.runcgo.network");
  expect_error ("", "pasta", NULL, 0, "--net");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.publish\": \"x\"", NULL, NULL, 0,
                "annotation run.oci.runcgo.publish: invalid publish spec \"x\"");
  expect_error ("", "slirp", bad, 1, "--publish: invalid publish spec \"80\"");
  expect_error ("\"run.oci.runcgo.publish\": \"8080:80\"", NULL, NULL, 0, "has no slirp network");
  expect_error ("", NULL, dup, 1, "--publish needs a slirp network");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.publish\": \"8080:80\"", NULL, dup, 1,
                "host port 8080/tcp is published twice");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.publish\": \"127.0.0.1:53:53/udp,53:54/udp\"",
                NULL, NULL, 0, "host port 53/udp is published twice");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.slirp.cidr\": \"10.0.2.0\"", NULL, NULL, 0,
                "annotation run.oci.runcgo.slirp.cidr: invalid CIDR");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.slirp.cidr\": \"10.0.2.0/28\"", NULL, NULL, 0,
                "annotation run.oci.runcgo.slirp.cidr: invalid CIDR");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.slirp.cidr\": \"10.0.2.7/24\"", NULL, NULL, 0,
                "has host bits set");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.slirp.mtu\": \"70000\"", NULL, NULL, 0,
                "annotation run.oci.runcgo.slirp.mtu: invalid MTU");
  expect_error ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.slirp.allow-host-loopback\": \"yes\"", NULL,
                NULL, 0, "annotation run.oci.runcgo.slirp.allow-host-loopback");
  /* two forwards of one port on different addresses are fine */
  struct runcgo_slirp_config cfg;
  cleanup_free char *msg = NULL;
  ok (parse ("\"run.oci.runcgo.network\": \"slirp\", \"run.oci.runcgo.publish\": \"127.0.0.1:80:80,127.0.0.2:80:80,"
             "80:80/udp\"",
             NULL, NULL, 0, &cfg, &msg)
          == 0,
      "one host port on two addresses, and as tcp and udp, is no duplicate");
  runcgo_slirp_config_release (&cfg);
}

int
main (void)
{
  test_publish_specs ();
  test_annotations_and_flags ();
  test_errors ();
  return done_testing ();
}
