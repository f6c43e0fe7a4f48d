/*
 * Helpers for the fuzz harnesses (fuzz.h).  Failures to set up are not
 * the input's fault: they abort with a message, as an assertion does.
 */
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

int
fuzz_memfd(const uint8_t *data, size_t size)
{
	size_t	off = 0;
	ssize_t	w;
	int	fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	while (off < size) {
		if ((w = write(fd, data + off, size - off)) <= 0)
			fuzz_fail(__FILE__, __LINE__, strerror(errno));
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) == -1)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	return fd;
}

const char *
fuzz_fd_path(int fd)
{
	static char	path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return path;
}

void *
fuzz_copy(const uint8_t *data, size_t size)
{
	void	*p;

	/* malloc(0) may give NULL: one byte, never read */
	if ((p = malloc(size ? size : 1)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	if (size > 0)
		memcpy(p, data, size);
	return p;
}

FILE *
fuzz_null(void)
{
	static FILE	*null;

	if (null == NULL && (null = fopen("/dev/null", "we")) == NULL)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	return null;
}

struct conf *
fuzz_conf(void)
{
	struct conf	*c;

	if ((c = conf_new()) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	c->core.max_flows = 1024;
	c->core.max_hosts = 16;
	c->core.max_services = 16;
	c->detect.learning_s = 0;
	c->detect.learn_flows = 20;
	return c;
}

int
fuzz_record_file(const uint8_t *data, size_t size)
{
	const char	*p, *end, *nl;
	char		*text = NULL;
	size_t		 len = 0;
	FILE		*fp;
	int		 fd;
	bool		 first = true;

	if (size < 1)
		return -1;
	if (!(data[0] & 1))
		return fuzz_memfd(data + 1, size - 1);
	if ((fp = open_memstream(&text, &len)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (; p < end; p = nl + 1, first = false) {
		if ((nl = memchr(p, '\n', end - p)) == NULL) {
			/* a last line without its newline stays so */
			fwrite(p, 1, end - p, fp);
			break;
		}
		fwrite(p, 1, nl - p, fp);
		if (!first)
			fprintf(fp, " ~%08x", record_crc(p, nl - p));
		fputc('\n', fp);
	}
	fclose(fp);
	fd = fuzz_memfd((const uint8_t *)text, len);
	free(text);
	return fd;
}

static char	fuzz_tmp[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
fuzz_dir_remove(void)
{
	nftw(fuzz_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *
fuzz_dir(void)
{
	if (fuzz_tmp[0] != '\0')
		return fuzz_tmp;
	/* files are written with fsync: memory, not a disk, when it can */
	snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s/ephemd-fuzz.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(fuzz_tmp) == NULL)
		fuzz_fail(__FILE__, __LINE__, strerror(errno));
	atexit(fuzz_dir_remove);
	return fuzz_tmp;
}

char *
fuzz_slurp(const char *path, size_t *ret_len)
{
	char	*text = NULL;
	size_t	 len = 0, r;
	char	 buf[8192];
	FILE	*fp, *in;

	if ((in = fopen(path, "re")) == NULL)
		return NULL;
	if ((fp = open_memstream(&text, &len)) == NULL)
		fuzz_fail(__FILE__, __LINE__, "out of memory");
	while ((r = fread(buf, 1, sizeof(buf), in)) > 0)
		fwrite(buf, 1, r, fp);
	fclose(in);
	fclose(fp);
	*ret_len = len;
	return text;
}

char *
fuzz_saved(int rc, const char *err, const char *path, size_t *ret_len)
{
	char	*text;

	if (rc == -1)
		fuzz_fail(__FILE__, __LINE__, err);
	if ((text = fuzz_slurp(path, ret_len)) == NULL)
		fuzz_fail(__FILE__, __LINE__, path);
	return text;
}

void
fuzz_same_saves(const char *what, char *s1, size_t l1, char *s2, size_t l2)
{
	char	prop[128];

	if (l1 != l2 || memcmp(s1, s2, l1) != 0) {
		fprintf(stderr, "saved:\n%.*s\nloaded and saved again:\n%.*s",
		    (int)l1, s1, (int)l2, s2);
		snprintf(prop, sizeof(prop), "%s loads back as saved", what);
		fuzz_fail(__FILE__, __LINE__, prop);
	}
	free(s1);
	free(s2);
}
