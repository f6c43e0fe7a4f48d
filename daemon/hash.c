/*
 * Hashing for the tables.  Whatever a client chooses (its addresses, its
 * ports, whom it contacts) is hashed with a key drawn at start, so that no
 * one can build inputs that collide: the flow table and the host index
 * use SipHash-2-4 (libsodium's crypto_shorthash, the only file that
 * includes libsodium).  The tables keep their records in arrays in the
 * order they came, so nothing a report shows depends on the key.
 *
 * Sketches (distinct counts, Bloom filters, count sketches) use a fast
 * multiply-mix under four seeds: fixed, so that a replay gives the same
 * estimates every time; the live daemon draws them at start
 * (hash_randomize), so that no client can aim at its sketches either.
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "ephemd.h"
#include "log.h"

static unsigned char	hash_key[crypto_shorthash_KEYBYTES];
static int		hash_ready;
static uint64_t		hash_seed[4] = {	/* wyhash's secret */
	0xa0761d6478bd642fULL, 0xe7037ed1a0b428dbULL,
	0x8ebc6af09c88c6e3ULL, 0x589965cc75374cc3ULL,
};

/* Draw the table key: once, before the first table is made. */
void
hash_init(void)
{
	if (hash_ready)
		return;
	if (sodium_init() < 0)
		fatalx("libsodium cannot start (no random source?)");
	randombytes_buf(hash_key, sizeof(hash_key));
	hash_ready = 1;
}

/* Random seeds for the sketches (the live daemon, before any event). */
void
hash_randomize(void)
{
	hash_init();
	randombytes_buf(hash_seed, sizeof(hash_seed));
	hash_seed[0] |= 1;
	hash_seed[1] |= 1;
}

/* SipHash-2-4 of n bytes under the secret key. */
uint64_t
hash_sip(const void *p, size_t n)
{
	unsigned char	out[crypto_shorthash_BYTES];
	uint64_t	h;

	if (!hash_ready)
		hash_init();
	crypto_shorthash(out, p, n, hash_key);
	memcpy(&h, out, sizeof(h));
	return h;
}

/* A fast 64-bit mixer (splitmix64 finaliser); a bijection, not keyed. */
uint64_t
hash_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/*
 * Multiply two words into 128 bits and fold the halves (as wyhash does):
 * one multiplication mixes 128 bits of input.
 */
uint64_t
hash_mum(uint64_t a, uint64_t b)
{
	unsigned __int128	r = (unsigned __int128)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/*
 * A word and an address, mixed fast under the seeds: for sketches and
 * small indexes, where a collision costs a little accuracy, not time.
 * A factor of the product can only be 0 for inputs that depend on the
 * seeds, which no one sees.
 */
uint64_t
hash_fast(const struct addr *a, uint64_t x)
{
	uint64_t	hi, lo;

	memcpy(&hi, a->b, 8);
	memcpy(&lo, a->b + 8, 8);
	return hash_mix64(hash_mum(hi ^ hash_seed[0], lo ^ hash_seed[1]) ^
	    hash_mum(x ^ hash_seed[2], hash_seed[3]));
}
