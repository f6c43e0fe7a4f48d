/*
 * Files of checksummed records: the writer of state.file and
 * quarantine.file, and their one reader.  A record is a line of text,
 * " ~" and the CRC-32 of the text in eight hex digits; the first line
 * names the file's kind and version, the last is "end COUNT".
 *
 * The reader hands out whole records only.  A line that is not one (no
 * newline at the end of the file, a NUL byte, too long, no checksum or a
 * wrong one, after the end line) is reported on the messages stream as
 * FILE:LINE and skipped, and so is a record its caller finds wrong
 * (record_bad); the first ten are shown, all are counted.  A file whose
 * end line is missing was cut short: what came before it is kept.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

#define RECORD_SHOWN	10	/* damaged lines reported one by one */

/* CRC-32 (IEEE 802.3) of a record's text. */
uint32_t
record_crc(const char *p, size_t n)
{
	static uint32_t	table[256];
	uint32_t	c = 0xffffffffu;
	size_t		i;
	int		k;

	if (table[1] == 0)
		for (i = 0; i < 256; i++) {
			c = (uint32_t)i;
			for (k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	for (c = 0xffffffffu, i = 0; i < n; i++)
		c = table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* A record: its text, then " ~" and its CRC. */
void
record_put(FILE *fp, const char *fmt, ...)
{
	char	line[RECORD_LINE - 10];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;		/* cannot happen: records are bounded */
	fprintf(fp, "%s ~%08x\n", line, record_crc(line, (size_t)n));
}

static void
record_damaged(struct record_reader *r, const char *why)
{
	r->damaged++;
	if (r->damaged <= RECORD_SHOWN)
		fprintf(r->msgs, "%s:%zu: %s; record skipped\n", r->path,
		    r->lineno, why);
}

/*
 * Open path and check its first line: "magic version", with or without a
 * checksum.  0, or -1 with the reason on msgs (nothing to read).
 */
int
record_open(struct record_reader *r, const char *path, const char *magic,
    int version, FILE *msgs)
{
	char		*tilde, *end;
	unsigned long	 crc;
	ssize_t		 n;
	size_t		 mlen = strlen(magic);
	long		 v;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->msgs = msgs;
	if ((r->fp = fopen(path, "re")) == NULL) {
		fprintf(msgs, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	r->lineno = 1;
	if ((n = getline(&r->line, &r->cap, r->fp)) <= 0 ||
	    r->line[n - 1] != '\n' || (size_t)n > RECORD_LINE)
		goto foreign;
	r->line[n - 1] = '\0';
	if ((tilde = strrchr(r->line, '~')) != NULL && tilde > r->line &&
	    tilde[-1] == ' ') {
		errno = 0;
		crc = strtoul(tilde + 1, &end, 16);
		if (errno != 0 || end != tilde + 9 || *end != '\0' ||
		    record_crc(r->line, (size_t)(tilde - 1 - r->line)) != crc)
			goto foreign;
		tilde[-1] = '\0';
	}
	if (strncmp(r->line, magic, mlen) != 0 || r->line[mlen] != ' ')
		goto foreign;
	errno = 0;
	v = strtol(r->line + mlen + 1, &end, 10);
	if (errno != 0 || end == r->line + mlen + 1 || *end != '\0')
		goto foreign;
	if (v != version) {
		fprintf(msgs, "%s:1: version %ld, this ephemd reads %d: not "
		    "loaded\n", path, v, version);
		goto fail;
	}
	return 0;
foreign:
	fprintf(msgs, "%s:1: not an %s file: not loaded\n", path, magic);
fail:
	fclose(r->fp);
	free(r->line);
	memset(r, 0, sizeof(*r));
	return -1;
}

/*
 * The next whole record's text (without its checksum), valid until the
 * next call; NULL at the end line or the end of the file.
 */
char *
record_read(struct record_reader *r)
{
	char		*line, *tilde, *end;
	unsigned long	 crc, count;
	ssize_t		 len;
	size_t		 n;

	for (;;) {
		errno = 0;
		if ((len = getline(&r->line, &r->cap, r->fp)) == -1) {
			if (ferror(r->fp))
				fprintf(r->msgs, "%s: %s\n", r->path,
				    strerror(errno ? errno : EIO));
			return NULL;
		}
		line = r->line;
		n = (size_t)len;
		r->lineno++;
		if (line[n - 1] != '\n') {
			record_damaged(r, "a line without its end (truncated)");
			return NULL;
		}
		line[--n] = '\0';
		if (strlen(line) != n) {
			record_damaged(r, "a NUL byte in the line");
			continue;
		}
		if (n > RECORD_LINE) {
			record_damaged(r, "a line too long");
			continue;
		}
		if ((tilde = strrchr(line, '~')) == NULL || tilde == line ||
		    tilde[-1] != ' ' || strlen(tilde + 1) != 8) {
			record_damaged(r, "no checksum");
			continue;
		}
		errno = 0;
		crc = strtoul(tilde + 1, &end, 16);
		if (errno != 0 || *end != '\0' ||
		    record_crc(line, (size_t)(tilde - 1 - line)) != crc) {
			record_damaged(r, "checksum mismatch");
			continue;
		}
		tilde[-1] = '\0';
		if (r->ended) {
			record_damaged(r, "a record after the end line");
			continue;
		}
		if (strncmp(line, "end ", 4) == 0) {
			errno = 0;
			count = strtoul(line + 4, &end, 10);
			if (errno != 0 || end == line + 4 || *end != '\0') {
				record_damaged(r, "end line: a bad count");
				continue;
			}
			if (count != r->records + r->damaged)
				fprintf(r->msgs, "%s:%zu: the end line counts "
				    "%lu records, %zu were read\n", r->path,
				    r->lineno, count, r->records + r->damaged);
			r->announced = count;
			r->ended = true;
			continue;	/* only damage may follow */
		}
		r->records++;
		return line;
	}
}

/* The record last read is wrong: reported at its line, not counted. */
void
record_bad(struct record_reader *r, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (r->records > 0)
		r->records--;
	record_damaged(r, why);
}

/*
 * Close the file; a missing end line is reported.  Returns the number of
 * problems found: damaged lines, and one for a file cut short.
 */
int
record_close(struct record_reader *r)
{
	int	problems;

	if (r->fp == NULL)
		return 0;
	if (!r->ended)
		fprintf(r->msgs, "%s:%zu: truncated: no end line; kept what "
		    "was read before it\n", r->path, r->lineno);
	if (r->damaged > RECORD_SHOWN)
		fprintf(r->msgs, "%s: %zu damaged lines in all, the first %d "
		    "shown\n", r->path, r->damaged, RECORD_SHOWN);
	problems = (int)r->damaged + !r->ended;
	fclose(r->fp);
	free(r->line);
	memset(r, 0, sizeof(*r));
	return problems;
}
