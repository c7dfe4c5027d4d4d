/* free.c -- release a runcgo_spec / runcgo_process and everything they own.
 *
 * The loader frees half-built specs through these functions, so every helper
 * accepts zeroed members (NULL pointers, zero counts) and NULL itself. */
#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"
#include "spec/spec.h"

static void
kv_free (struct runcgo_kv *kv, size_t n)
{
  for (size_t i = 0; kv && i < n; i++)
    {
      free (kv[i].key);
      free (kv[i].value);
    }
  free (kv);
}

static void
caps_free (struct runcgo_caps *c)
{
  if (c == NULL)
    return;
  runcgo_strv_free (c->bounding);
  runcgo_strv_free (c->effective);
  runcgo_strv_free (c->inheritable);
  runcgo_strv_free (c->permitted);
  runcgo_strv_free (c->ambient);
  free (c);
}

void
runcgo_process_free (struct runcgo_process *p)
{
  if (p == NULL)
    return;
  free (p->user.additional_gids);
  free (p->user.username);
  runcgo_strv_free (p->args);
  free (p->command_line);
  runcgo_strv_free (p->env);
  free (p->cwd);
  caps_free (p->capabilities);
  for (size_t i = 0; p->rlimits && i < p->n_rlimits; i++)
    free (p->rlimits[i].type);
  free (p->rlimits);
  free (p->apparmor_profile);
  free (p->selinux_label);
  if (p->scheduler)
    {
      free (p->scheduler->policy);
      runcgo_strv_free (p->scheduler->flags);
      free (p->scheduler);
    }
  if (p->io_priority)
    {
      free (p->io_priority->klass);
      free (p->io_priority);
    }
  free (p->exec_cpu_affinity_initial);
  free (p->exec_cpu_affinity_final);
  free (p);
}

static void
mounts_free (struct runcgo_mount *m, size_t n)
{
  for (size_t i = 0; m && i < n; i++)
    {
      free (m[i].destination);
      free (m[i].type);
      free (m[i].source);
      runcgo_strv_free (m[i].options);
      free (m[i].uid_mappings);
      free (m[i].gid_mappings);
    }
  free (m);
}

static void
hooks_free (struct runcgo_hooks *h)
{
  for (int k = 0; k < RUNCGO_HOOK_KINDS; k++)
    {
      for (size_t i = 0; h->list[k] && i < h->n[k]; i++)
        {
          free (h->list[k][i].path);
          runcgo_strv_free (h->list[k][i].args);
          runcgo_strv_free (h->list[k][i].env);
        }
      free (h->list[k]);
    }
  /* hooks' output files (run.oci.hooks.stdout/stderr), when opened */
  if (h->out_fd > 0)
    close (h->out_fd);
  if (h->err_fd > 0)
    close (h->err_fd);
  h->out_fd = h->err_fd = 0;
}

static void
seccomp_free (struct runcgo_seccomp *s)
{
  if (s == NULL)
    return;
  free (s->default_action);
  runcgo_strv_free (s->architectures);
  runcgo_strv_free (s->flags);
  free (s->listener_path);
  free (s->listener_metadata);
  free (s->plugins);
  for (size_t i = 0; s->syscalls && i < s->n_syscalls; i++)
    {
      runcgo_strv_free (s->syscalls[i].names);
      free (s->syscalls[i].action);
      for (size_t j = 0; s->syscalls[i].args && j < s->syscalls[i].n_args; j++)
        free (s->syscalls[i].args[j].op);
      free (s->syscalls[i].args);
    }
  free (s->syscalls);
  free (s);
}

static void
block_io_free (struct runcgo_block_io *b)
{
  if (b == NULL)
    return;
  free (b->weight_device);
  for (int i = 0; i < 4; i++)
    free (b->throttle[i]);
  free (b);
}

void
runcgo_resources_free (struct runcgo_resources *r)
{
  if (r == NULL)
    return;
  for (size_t i = 0; r->devices && i < r->n_devices; i++)
    {
      free (r->devices[i].type);
      free (r->devices[i].access);
    }
  free (r->devices);
  free (r->memory);
  if (r->cpu)
    {
      free (r->cpu->cpus);
      free (r->cpu->mems);
      free (r->cpu);
    }
  block_io_free (r->block_io);
  for (size_t i = 0; r->hugepage_limits && i < r->n_hugepage_limits; i++)
    free (r->hugepage_limits[i].page_size);
  free (r->hugepage_limits);
  for (size_t i = 0; r->net_priorities && i < r->n_net_priorities; i++)
    free (r->net_priorities[i].name);
  free (r->net_priorities);
  for (size_t i = 0; r->rdma && i < r->n_rdma; i++)
    free (r->rdma[i].device);
  free (r->rdma);
  kv_free (r->unified, r->n_unified);
  free (r);
}

static void
linux_misc_free (struct runcgo_linux *l)
{
  if (l->intel_rdt)
    {
      free (l->intel_rdt->clos_id);
      runcgo_strv_free (l->intel_rdt->schemata);
      free (l->intel_rdt->l3_cache_schema);
      free (l->intel_rdt->mem_bw_schema);
      free (l->intel_rdt);
    }
  if (l->memory_policy)
    {
      free (l->memory_policy->mode);
      free (l->memory_policy->nodes);
      runcgo_strv_free (l->memory_policy->flags);
      free (l->memory_policy);
    }
  if (l->personality)
    {
      free (l->personality->domain);
      runcgo_strv_free (l->personality->flags);
      free (l->personality);
    }
}

static void
linux_free (struct runcgo_linux *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; l->namespaces && i < l->n_namespaces; i++)
    free (l->namespaces[i].path);
  free (l->namespaces);
  free (l->uid_mappings);
  free (l->gid_mappings);
  for (size_t i = 0; l->devices && i < l->n_devices; i++)
    free (l->devices[i].path);
  free (l->devices);
  for (size_t i = 0; l->net_devices && i < l->n_net_devices; i++)
    {
      free (l->net_devices[i].host_name);
      free (l->net_devices[i].name);
    }
  free (l->net_devices);
  free (l->cgroups_path);
  runcgo_resources_free (l->resources);
  free (l->rootfs_propagation);
  seccomp_free (l->seccomp);
  kv_free (l->sysctl, l->n_sysctl);
  runcgo_strv_free (l->masked_paths);
  runcgo_strv_free (l->readonly_paths);
  free (l->mount_label);
  linux_misc_free (l);
  free (l);
}

void
runcgo_spec_free (struct runcgo_spec *spec)
{
  if (spec == NULL)
    return;
  free (spec->oci_version);
  free (spec->root_path);
  runcgo_process_free (spec->process);
  free (spec->hostname);
  free (spec->domainname);
  mounts_free (spec->mounts, spec->n_mounts);
  hooks_free (&spec->hooks);
  kv_free (spec->annotations, spec->n_annotations);
  linux_free (spec->linux_);
  free (spec);
}
