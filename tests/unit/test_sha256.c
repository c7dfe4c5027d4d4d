/* test_sha256.c -- SHA-256 against the FIPS 180-4 examples (NIST CSRC
 * "SHA256.pdf": one block, two blocks, the 896-bit message, a million 'a'),
 * the empty message, and incremental updates split at every offset. */
#include "config.h"

#include <string.h>

#include "core/sha256.h"
#include "core/util.h"
#include "tap.h"

static const struct
{
  const char *msg;
  size_t repeat;
  const char *hex;
} vectors[] = {
  { "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  { "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
    1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
  { "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

static void
test_vectors (void)
{
  for (size_t i = 0; i < ARRAY_SIZE (vectors); i++)
    {
      struct runcgo_sha256 s;
      uint8_t d[RUNCGO_SHA256_LEN];
      char hex[65];
      runcgo_sha256_init (&s);
      for (size_t r = 0; r < vectors[i].repeat; r++)
        runcgo_sha256_update (&s, vectors[i].msg, strlen (vectors[i].msg));
      runcgo_sha256_final (&s, d);
      runcgo_sha256_hex (d, hex);
      ok (strcmp (hex, vectors[i].hex) == 0, "FIPS 180-4 vector %zu (%zu x %zu bytes): %s", i, vectors[i].repeat,
          strlen (vectors[i].msg), hex);
    }
}

/* 55, 56 and 64 bytes are the padding edges (length fits / spills / exact). */
static void
test_split_updates (void)
{
  char msg[200];
  for (size_t i = 0; i < sizeof (msg); i++)
    msg[i] = (char)(i * 7 + 3);
  static const size_t lens[] = { 55, 56, 63, 64, 65, 119, 128, 200 };
  for (size_t l = 0; l < ARRAY_SIZE (lens); l++)
    {
      uint8_t one[RUNCGO_SHA256_LEN];
      runcgo_sha256 (msg, lens[l], one);
      int same = 1;
      for (size_t cut = 0; cut <= lens[l]; cut++)
        {
          struct runcgo_sha256 s;
          uint8_t two[RUNCGO_SHA256_LEN];
          runcgo_sha256_init (&s);
          runcgo_sha256_update (&s, msg, cut);
          runcgo_sha256_update (&s, msg + cut, lens[l] - cut);
          runcgo_sha256_final (&s, two);
          same &= memcmp (one, two, sizeof (one)) == 0;
        }
      ok (same, "%zu bytes: every two-part split hashes like the whole", lens[l]);
    }
  uint8_t a[RUNCGO_SHA256_LEN], b[RUNCGO_SHA256_LEN];
  runcgo_sha256 (msg, 64, a);
  msg[63] ^= 1;
  runcgo_sha256 (msg, 64, b);
  ok (memcmp (a, b, sizeof (a)) != 0, "one flipped bit changes the digest");
}

int
main (void)
{
  test_vectors ();
  test_split_updates ();
  return done_testing ();
}
