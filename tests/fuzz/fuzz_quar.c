/*
 * The quarantine file (quar.c, record.c): quar_load on the input, as at
 * start; then what the daemon does next with what it loaded: ended
 * blocks expire, the rest are pushed to a kernel that takes them, the
 * reports list them, the file is saved and must load back as saved.  The
 * input's first byte chooses raw bytes or lines checksummed by the
 * harness (fuzz_record_file).
 */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz.h"

#define T0	1795000000000ULL

static int
push(void *arg, struct nftq_elem *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		fuzz_assert(v[i].op != NFTQ_ADD || v[i].timeout_ms > 0);
	return 0;
}

static struct quar *
load(const struct quar_conf *qc, const char *path)
{
	struct quar	*q;

	if ((q = quar_new(qc)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	q->be.push = push;
	(void)quar_load(q, path, T0, fuzz_null());
	return q;
}

static char *
save(struct quar *q, const char *path, size_t *ret_len)
{
	char	err[512];

	return fuzz_saved(quar_save(q, path, err, sizeof(err)), err, path,
	    ret_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct conf	*conf;
	static char		 path[128];
	struct quar		*q, *q2;
	char			*s1, *s2;
	size_t			 l1, l2;
	int			 fd;

	if (conf == NULL) {
		conf = fuzz_conf();
		conf->quar.enabled = true;
		snprintf(path, sizeof(path), "%s/quarantine", fuzz_dir());
	}
	if ((fd = fuzz_record_file(data, size)) == -1)
		return 0;
	q = load(&conf->quar, fuzz_fd_path(fd));
	close(fd);

	/* what was loaded saves, and loads back as itself */
	s1 = save(q, path, &l1);
	q2 = load(&conf->quar, path);
	s2 = save(q2, path, &l2);
	fuzz_same_saves("quarantine", s1, l1, s2, l2);
	quar_free(q2);

	/* the start-up: what ended is dropped, the rest pushed, reported */
	(void)quar_tick(q, T0);
	(void)quar_repush(q, T0);
	quar_report_json(fuzz_null(), q, T0);
	quar_report_text(fuzz_null(), q, T0);
	(void)quar_tick(q, T0 + 86400000ULL);
	quar_free(q);
	return 0;
}
