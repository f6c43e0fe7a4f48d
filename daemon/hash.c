/*
 * Hashing for the tables (flows, hosts, services): fast mixers of words.
 */
#include <stdint.h>

#include "ephemd.h"

/* A fast 64-bit mixer (splitmix64 finaliser). */
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
