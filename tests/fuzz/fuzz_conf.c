/*
 * The configuration file (conf.c, libconfig): conf_load on the input,
 * which must end in a configuration or in errors of the form
 * "FILE:LINE: message" (or "FILE: message"), never in a crash.  A file
 * that loads is printed back (ephemd -n -v) and the print must load
 * again and print the same: the effective configuration is a
 * configuration.
 *
 * Inputs with "@include" are skipped: libconfig would open the file
 * they name, and what a root-owned file includes is the administrator's
 * choice, not outside bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Every line of the messages names the file and says something. */
static void
check_errors(const char *path, const char *text, size_t len)
{
	const char	*p = text, *end = text + len, *nl;
	size_t		 plen = strlen(path);

	fuzz_assert(len > 0);
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end;
		fuzz_assert((size_t)(nl - p) > plen + 2);
		fuzz_assert(memcmp(p, path, plen) == 0 && p[plen] == ':');
	}
}

static void
print(const struct conf *c, char **ret_text, size_t *ret_len)
{
	FILE	*fp;

	*ret_text = NULL;
	if ((fp = open_memstream(ret_text, ret_len)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	conf_print(fp, c);
	fclose(fp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*c = NULL, *c2 = NULL;
	char		*errs = NULL, *p1, *p2, path[64];
	size_t		 elen = 0, l1, l2;
	FILE		*fp;
	int		 fd, fd2, r;

	if (memmem(data, size, "@include", 8) != NULL)
		return 0;
	fd = fuzz_memfd(data, size);
	snprintf(path, sizeof(path), "%s", fuzz_fd_path(fd));
	if ((fp = open_memstream(&errs, &elen)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	r = conf_load(path, &c, fp);
	fclose(fp);
	close(fd);
	if (r == -1) {
		check_errors(path, errs, elen);
		free(errs);
		return 0;
	}
	fuzz_assert(r == 0 && c != NULL && elen == 0);
	free(errs);

	/* the effective configuration reads back as itself */
	print(c, &p1, &l1);
	fd2 = fuzz_memfd((const uint8_t *)p1, l1);
	if ((fp = open_memstream(&errs, &elen)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	r = conf_load(fuzz_fd_path(fd2), &c2, fp);
	fclose(fp);
	close(fd2);
	if (r != 0) {
		fprintf(stderr, "the effective configuration:\n%s\ndoes not "
		    "load:\n%s", p1, errs);
		fuzz_fail(__FILE__, __LINE__, "conf_print loads back");
	}
	free(errs);
	/* the first line names the file read */
	print(c2, &p2, &l2);
	fuzz_assert(strcmp(strchr(p1, '\n'), strchr(p2, '\n')) == 0);
	free(p1);
	free(p2);
	conf_free(c);
	conf_free(c2);
	return 0;
}
