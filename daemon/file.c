/*
 * Files replaced whole: quarantine.file, report.file and metrics.file are
 * written beside their place and renamed over it, so a reader (or a crash)
 * sees the old file or the new one, never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "live.h"

/*
 * Replace path whole: fn writes the new content into a temporary file
 * beside it (path.XXXXXX), which gets mode and is renamed over path.
 * With durable, the file is fsync'd before the rename and the directory
 * after it.  An error, or a crash, leaves the old file and no temporary
 * one.  For quarantine.file, report.file and metrics.file (state.file
 * keeps its documented state.tmp).  0, or -1 with the reason in err.
 */
int
file_replace(const char *path, mode_t mode, bool durable,
    void (*fn)(FILE *, void *), void *arg, char *err, size_t len)
{
	char	 tmp[4096], dir[4096];
	FILE	*fp;
	int	 fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, len, "%s: name too long", path);
		return -1;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		snprintf(err, len, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		snprintf(err, len, "%s: %s", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	fn(fp, arg);
	if (fflush(fp) == EOF || ferror(fp) || (durable && fsync(fd) == -1) ||
	    fchmod(fd, mode) == -1) {
		snprintf(err, len, "%s: %s", tmp, strerror(errno));
		fclose(fp);
		unlink(tmp);
		return -1;
	}
	fclose(fp);
	if (rename(tmp, path) == -1) {
		snprintf(err, len, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	if (durable && (dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	return 0;
}
