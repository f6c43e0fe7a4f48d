/*
 * Files replaced whole: quarantine.file, report.file and metrics.file are
 * written beside their place and renamed over it, so a reader (or a crash)
 * sees the old file or the new one, never half of one.  What a crash
 * leaves beside them is removed at the next start.
 */
#include <dirent.h>
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
 * beside it (path.tmp.XXXXXX, made anew: never an old file or a link
 * someone left there), which gets mode and is renamed over path.  With
 * durable, the file is fsync'd before the rename and the directory after
 * it.  An error leaves the old file and no temporary one; a crash the old
 * file and a temporary one for file_clean().  For quarantine.file,
 * report.file and metrics.file (state.file keeps its documented
 * state.tmp).  0, or -1 with the reason in err.
 */
int
file_replace(const char *path, mode_t mode, bool durable,
    void (*fn)(FILE *, void *), void *arg, char *err, size_t len)
{
	char	 tmp[4096], dir[4096];
	FILE	*fp;
	int	 fd, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >=
	    sizeof(tmp)) {
		snprintf(err, len, "%s: name too long", path);
		return -1;
	}
	/* mkostemp opens with O_CREAT | O_EXCL */
	if ((fd = mkostemp(tmp, O_CLOEXEC | O_NOFOLLOW)) == -1) {
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

/*
 * Remove what writes a crash interrupted left beside path: path.tmp
 * (state.file's) and path.tmp.XXXXXX (file_replace's), regular files
 * only.  For the start, before any write.  Returns how many it removed,
 * or -1 when the directory cannot be read (errno set).
 */
int
file_clean(const char *path)
{
	static const char	 alnum[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	char			 dir[4096], name[4096];
	const char		*base, *s;
	struct dirent		*de;
	struct stat		 st;
	DIR			*dp;
	size_t			 blen;
	int			 n = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(name, sizeof(name), "%s", path);
	base = basename(name);
	blen = strlen(base);
	if ((dp = opendir(dirname(dir))) == NULL)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (strncmp(de->d_name, base, blen) != 0 ||
		    strncmp(de->d_name + blen, ".tmp", 4) != 0)
			continue;
		s = de->d_name + blen + 4;
		if (*s != '\0' && (*s != '.' || strlen(s + 1) != 6 ||
		    strspn(s + 1, alnum) != 6))
			continue;
		if (fstatat(dirfd(dp), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (unlinkat(dirfd(dp), de->d_name, 0) == 0)
			n++;
	}
	closedir(dp);
	return n;
}
