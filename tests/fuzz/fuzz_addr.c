/*
 * Addresses and networks (addr.c), as the capture, the configuration,
 * the files and the control socket give them: addr_parse, net_parse and
 * addr_parse64 on the input, addr_scan_v4 on it as the replay reader
 * scans a field.  What parses prints back (addr_fmt, addr_fmt64) as text
 * that parses to the same address, and a network holds its own address.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static void
round_trip(const struct addr *a)
{
	char		s[ADDR_STRLEN];
	struct addr	b;

	addr_fmt(a, s, sizeof(s));
	fuzz_assert(addr_parse(s, strlen(s), &b) == 0);
	fuzz_assert(addr_cmp(a, &b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*s = (const char *)data, *end;
	struct addr	 a;
	struct net	 n;
	char		*str;
	bool		 net64;

	/* the exact bytes: a parser must not read past them */
	str = fuzz_copy(data, size);
	if (addr_parse(str, size, &a) == 0)
		round_trip(&a);
	if (addr_scan_v4(str, str + size, &a, &end) == 0) {
		fuzz_assert(addr_is_v4(&a) && end > str && end <= str + size);
		round_trip(&a);
	}
	free(str);

	/* net_parse takes a string */
	if ((str = malloc(size + 1)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	memcpy(str, s, size);
	str[size] = '\0';
	if (net_parse(str, &n) == 0) {
		fuzz_assert(n.plen <= 128);
		fuzz_assert(!addr_is_v4(&n.addr) || n.plen >= 96);
		fuzz_assert(net_contains(&n, &n.addr));
		round_trip(&n.addr);
	}
	if (addr_parse64(str, &a, &net64) == 0) {
		char		t[ADDR_STRLEN + 3];
		struct addr	b;
		bool		b64;

		fuzz_assert(!net64 || !addr_is_v4(&a));
		addr_fmt64(&a, net64, t, sizeof(t));
		fuzz_assert(addr_parse64(t, &b, &b64) == 0);
		fuzz_assert(addr_cmp(&a, &b) == 0 && b64 == net64);
	}
	free(str);

	/* sixteen bytes are an address: it prints and parses back */
	if (size >= 16) {
		memcpy(a.b, data, 16);
		round_trip(&a);
	}
	return 0;
}
