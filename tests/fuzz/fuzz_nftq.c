/*
 * The kernel's answers to the quarantine's nftables requests (nftq.c).
 * The first byte says which; the rest is one datagram as recv() leaves
 * it:
 *   0  a set dump (nftq_dump_parse), whose elements then go where the
 *      daemon sends them: quar_reconcile and quar_adopt against a
 *      quarantine that holds two blocks (nlmsg_drops_quar), nftq_in_ranges
 *      as for the allow sets;
 *   1  the acknowledgements of a batch of eight elements (nftq_acks),
 *      its sequence numbers from the next four bytes;
 *   2  a batch read back (nftq_batch_parse, the unit tests' view).
 * Properties: the counts stay within what was given, an element marked
 * refused has a positive errno, a dump's element has an address's key.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "nlmsg.h"

#define T0	1795000000000ULL

static void
dump(const uint8_t *data, size_t size)
{
	struct nftq_elem	*v = NULL;
	struct quar		*q;
	struct addr		 a;
	size_t			 n = 0, max = 0;
	void			*buf = fuzz_copy(data, size);

	if (nftq_dump_parse(buf, size, &v, &n, &max) == -1 && n == 0) {
		free(buf);
		free(v);
		return;
	}
	fuzz_assert(n <= max);
	/* the daemon's uses: against the blocks it holds, at start-up */
	if ((q = nlmsg_drops_quar(T0)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	fuzz_assert(quar_reconcile(q, v, n, T0 + 1000, NULL, NULL) <= n + 2);
	quar_report_json(fuzz_null(), q, T0 + 1000);
	quar_free(q);
	if ((q = nlmsg_drops_quar(T0)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	quar_adopt(q, v, n, T0);
	fuzz_assert(q->n <= n + 2);
	quar_report_text(fuzz_null(), q, T0);
	quar_free(q);
	/* and as an allow set's ranges */
	addr_from_v4(&a, 0x0a000042);
	(void)nftq_in_ranges(v, n, &a);
	free(v);
	free(buf);
}

static void
acks(const uint8_t *data, size_t size)
{
	struct nftq_elem	 v[8];
	uint32_t		 base;
	size_t			 i;
	int			 m;
	void			*buf;

	if (size < 4)
		return;
	memcpy(&base, data, 4);
	memset(v, 0, sizeof(v));
	for (i = 0; i < 8; i++) {
		addr_from_v4(&v[i].addr, 0x0a000001 + (uint32_t)i);
		v[i].op = i % 3 == 0 ? NFTQ_REFRESH : i % 3 == 1 ? NFTQ_ADD :
		    NFTQ_DEL;
		v[i].timeout_ms = 3600000;
	}
	buf = fuzz_copy(data + 4, size - 4);
	m = nftq_acks(buf, size - 4, base, v, 8);
	fuzz_assert(m >= -1 && m <= 16);
	for (i = 0; i < 8; i++)
		fuzz_assert(v[i].err >= 0);
	free(buf);
}

static void
batch(const uint8_t *data, size_t size)
{
	struct nftq_elem	 v[64];
	ssize_t			 n;
	void			*buf = fuzz_copy(data, size);

	n = nftq_batch_parse(buf, size, v, 64);
	fuzz_assert(n >= -1 && n <= 64);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		dump(data + 1, size - 1);
		break;
	case 1:
		acks(data + 1, size - 1);
		break;
	default:
		batch(data + 1, size - 1);
		break;
	}
	return 0;
}
