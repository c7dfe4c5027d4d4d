/* sha256.h -- SHA-256 (FIPS 180-4), incremental, for content-addressed caches.
 *
 * Used where two different inputs must never map to the same cache entry
 * (the seccomp BPF cache): a weak or truncated hash would let one config load
 * another config's filter. */
#ifndef RUNCGO_SHA256_H
#define RUNCGO_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define RUNCGO_SHA256_LEN 32

struct runcgo_sha256
{
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes pending in block */
};

void runcgo_sha256_init (struct runcgo_sha256 *s);
void runcgo_sha256_update (struct runcgo_sha256 *s, const void *data, size_t len);
void runcgo_sha256_final (struct runcgo_sha256 *s, uint8_t out[RUNCGO_SHA256_LEN]);
/* One-shot helper. */
void runcgo_sha256 (const void *data, size_t len, uint8_t out[RUNCGO_SHA256_LEN]);
/* Lower-case hex of a digest into hex[65] (NUL-terminated). */
void runcgo_sha256_hex (const uint8_t digest[RUNCGO_SHA256_LEN], char hex[2 * RUNCGO_SHA256_LEN + 1]);

#endif
