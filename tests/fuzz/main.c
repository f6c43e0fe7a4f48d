/*
 * A harness without libFuzzer: each argument is a file, given to the
 * harness whole, or a directory, whose files are given one by one.  So
 * make check replays the corpora and any crash a fuzzer found, under
 * the compiler and sanitizers of the build at hand.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static size_t	runs;

static int
run_file(const char *path)
{
	uint8_t	*buf = NULL;
	size_t	 len = 0, cap = 0;
	size_t	 r;
	FILE	*fp;

	if ((fp = fopen(path, "rbe")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			if ((buf = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "%s: out of memory\n", path);
				fclose(fp);
				return -1;
			}
		}
		if ((r = fread(buf + len, 1, cap - len, fp)) == 0)
			break;
		len += r;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: read error\n", path);
		fclose(fp);
		free(buf);
		return -1;
	}
	fclose(fp);
	/* the harness gets a buffer of the input's size, as from libFuzzer */
	buf = realloc(buf, len ? len : 1);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	runs++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's files in name order, so that a run is repeatable. */
static int
run_dir(const char *dir)
{
	struct dirent	 *de;
	char		**v = NULL, path[4096];
	size_t		  n = 0, i;
	DIR		 *d;
	int		  rv = 0;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "%s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((v = reallocarray(v, n + 1, sizeof(*v))) == NULL ||
		    (v[n] = strdup(de->d_name)) == NULL) {
			fprintf(stderr, "%s: out of memory\n", dir);
			exit(1);
		}
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, v[i]);
		if (run_file(path) == -1)
			rv = -1;
		free(v[i]);
	}
	free(v);
	return rv;
}

int
main(int argc, char **argv)
{
	struct stat	st;
	int		i, rv = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == -1) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rv = 1;
		} else if (S_ISDIR(st.st_mode) ? run_dir(argv[i]) == -1 :
		    run_file(argv[i]) == -1)
			rv = 1;
	}
	printf("%s: %zu inputs run\n", argv[0], runs);
	return rv;
}
