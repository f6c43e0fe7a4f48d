/*
 * record.c: the one reader and writer of checksummed record files
 * (state.file, quarantine.file).  A table of files, each with the records
 * a reader must hand out, the FILE:LINE messages it must write and the
 * number of problems it must count; then the CRC against its published
 * check value and a round trip through record_put.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/*
 * A file of the table: lines separated by "\n"; a line ending in " ~?"
 * gets its right checksum, " ~x" a wrong one.  "\\0" stands for a NUL.
 */
struct rcase {
	const char	*name;
	const char	*file;		/* NULL: no file at all */
	int		 open;		/* record_open's result */
	const char	*records;	/* the records read, joined by "|" */
	const char	*msgs[3];	/* messages, ":LINE: text", in order */
	int		 problems;	/* record_close's result */
	const char	*bad;		/* record_bad on records starting so */
};

static const struct rcase cases[] = {
	{ "whole", "t-file 1\na 1 ~?\nb 2 ~?\nend 2 ~?\n", 0, "a 1|b 2",
	    { NULL }, 0, NULL },
	{ "header with checksum", "t-file 1 ~?\na ~?\nend 1 ~?\n", 0, "a",
	    { NULL }, 0, NULL },
	{ "no records", "t-file 1\nend 0 ~?\n", 0, "", { NULL }, 0, NULL },
	{ "another kind", "s-file 1\na ~?\nend 1 ~?\n", -1, "",
	    { ":1: not an t-file file: not loaded" }, 0, NULL },
	{ "another version", "t-file 2\na ~?\nend 1 ~?\n", -1, "",
	    { ":1: version 2, this ephemd reads 1: not loaded" }, 0, NULL },
	{ "a header with a bad checksum", "t-file 1 ~x\nend 0 ~?\n", -1, "",
	    { ":1: not an t-file file" }, 0, NULL },
	{ "a header without its end", "t-file 1", -1, "",
	    { ":1: not an t-file file" }, 0, NULL },
	{ "empty", "", -1, "", { ":1: not an t-file file" }, 0, NULL },
	{ "a record first", "a ~?\nend 1 ~?\n", -1, "",
	    { ":1: not an t-file file" }, 0, NULL },
	{ "missing", NULL, -1, "", { "No such file or directory" }, 0,
	    NULL },
	{ "cut inside a record", "t-file 1\na ~?\nb 12", 0, "a",
	    { ":3: a line without its end (truncated); record skipped",
	    ":3: truncated: no end line; kept what was read before it" }, 2,
	    NULL },
	{ "cut after a record", "t-file 1\na ~?\nb ~?\n", 0, "a|b",
	    { ":3: truncated: no end line" }, 1, NULL },
	{ "a NUL byte", "t-file 1\na\\0b ~?\nc ~?\nend 2 ~?\n", 0, "c",
	    { ":2: a NUL byte in the line; record skipped" }, 1, NULL },
	{ "no checksum", "t-file 1\na\nb ~1234\nc ~?\nend 3 ~?\n", 0, "c",
	    { ":2: no checksum; record skipped",
	    ":3: no checksum; record skipped" }, 2, NULL },
	{ "a wrong checksum", "t-file 1\na ~x\nb ~?\nend 2 ~?\n", 0, "b",
	    { ":2: checksum mismatch; record skipped" }, 1, NULL },
	{ "a record after the end", "t-file 1\na ~?\nend 1 ~?\nb ~?\n", 0, "a",
	    { ":4: a record after the end line; record skipped" }, 1, NULL },
	{ "a wrong count", "t-file 1\na ~?\nb ~x\nend 5 ~?\n", 0, "a",
	    { ":3: checksum mismatch",
	    ":4: the end line counts 5 records, 2 were read" }, 1, NULL },
	{ "a bad count", "t-file 1\na ~?\nend x ~?\n", 0, "a",
	    { ":3: end line: a bad count; record skipped",
	    ":3: truncated: no end line" }, 2, NULL },
	{ "a record its reader refuses", "t-file 1\nok 1 ~?\nno 2 ~?\n"
	    "ok 3 ~?\nend 3 ~?\n", 0, "ok 1|ok 3",
	    { ":3: refused no 2; record skipped" }, 1, "no" },
};

/* Write the case's file, with checksums where it asks for them. */
static void
write_case(const char *path, const char *file)
{
	char	*text, *line, *save, *tilde, *nul;
	size_t	 len = strlen(file);
	bool	 last_nl = len > 0 && file[len - 1] == '\n';
	FILE	*fp;
	int	 n = 0;

	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	ck_assert_ptr_nonnull(text = strdup(file));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save), n++) {
		char	 out[256];
		size_t	 o;

		snprintf(out, sizeof(out), "%s", line);
		if ((tilde = strstr(out, " ~?")) != NULL && tilde[3] == '\0')
			snprintf(tilde, sizeof(out) - (size_t)(tilde - out),
			    " ~%08x", record_crc(out, (size_t)(tilde - out)));
		else if ((tilde = strstr(out, " ~x")) != NULL &&
		    tilde[3] == '\0')
			snprintf(tilde, sizeof(out) - (size_t)(tilde - out),
			    " ~%08x", record_crc(out, (size_t)(tilde - out)) ^
			    1);
		o = strlen(out);
		if (n > 0)
			fputc('\n', fp);
		/* "\0" in the table: a real NUL byte, after the checksum */
		if ((nul = strstr(out, "\\0")) != NULL) {
			fwrite(out, 1, (size_t)(nul - out), fp);
			fputc('\0', fp);
			fwrite(nul + 2, 1, o - (size_t)(nul - out) - 2, fp);
		} else
			fwrite(out, 1, o, fp);
	}
	if (last_nl)
		fputc('\n', fp);
	free(text);
	ck_assert_int_eq(fclose(fp), 0);
}

START_TEST(test_record_table)
{
	const struct rcase	*c = &cases[_i];
	struct record_reader	 r;
	char			 dir[64], path[128], got[1024] = "", *rec;
	char			*msgs = NULL, *at;
	size_t			 mlen = 0, i;
	FILE			*mfp;
	int			 problems = 0;

	t_mkdtemp(dir, sizeof(dir), "check_record");
	snprintf(path, sizeof(path), "%s/file", dir);
	if (c->file != NULL)
		write_case(path, c->file);
	ck_assert_ptr_nonnull(mfp = open_memstream(&msgs, &mlen));
	ck_assert_msg(record_open(&r, path, "t-file", 1, mfp) == c->open,
	    "%s: record_open", c->name);
	if (c->open == 0) {
		while ((rec = record_read(&r)) != NULL) {
			if (c->bad != NULL && strncmp(rec, c->bad,
			    strlen(c->bad)) == 0) {
				record_bad(&r, "refused %s", rec);
				continue;
			}
			strcat(got, got[0] ? "|" : "");
			strncat(got, rec, sizeof(got) - strlen(got) - 1);
		}
		problems = record_close(&r);
	}
	fclose(mfp);
	ck_assert_msg(strcmp(got, c->records) == 0, "%s: read \"%s\", not "
	    "\"%s\"", c->name, got, c->records);
	ck_assert_msg(problems == c->problems, "%s: %d problems, not %d (%s)",
	    c->name, problems, c->problems, msgs);
	at = msgs;
	for (i = 0; i < 3 && c->msgs[i] != NULL; i++) {
		char *hit = strstr(at, c->msgs[i]);

		ck_assert_msg(hit != NULL, "%s: \"%s\" not in \"%s\"",
		    c->name, c->msgs[i], msgs);
		at = hit + strlen(c->msgs[i]);
	}
	if (c->msgs[0] == NULL)
		ck_assert_msg(mlen == 0, "%s: unexpected \"%s\"", c->name,
		    msgs);
	free(msgs);
	t_rmtree(dir);
}
END_TEST

/* The CRC-32 check value of "123456789" (IEEE 802.3). */
START_TEST(test_record_crc)
{
	ck_assert_uint_eq(record_crc("123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(record_crc("", 0), 0);
}
END_TEST

/*
 * Many damaged lines: ten are shown, all are counted; a line longer than
 * a record may be is damage too, and the reader goes on after it.
 */
START_TEST(test_record_many_damaged)
{
	struct record_reader	 r;
	char			 dir[64], path[128], *msgs = NULL, *rec;
	char			 big[RECORD_LINE + 64];
	size_t			 mlen = 0;
	FILE			*fp, *mfp;
	int			 i, n = 0;

	t_mkdtemp(dir, sizeof(dir), "check_record");
	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	fprintf(fp, "t-file 1\n");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	t_put_record(fp, big);
	for (i = 0; i < 11; i++)
		fprintf(fp, "junk %d\n", i);
	t_put_record(fp, "good");
	t_put_record(fp, "end 13");
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_ptr_nonnull(mfp = open_memstream(&msgs, &mlen));
	ck_assert_int_eq(record_open(&r, path, "t-file", 1, mfp), 0);
	while ((rec = record_read(&r)) != NULL) {
		ck_assert_str_eq(rec, "good");
		n++;
	}
	ck_assert_int_eq(record_close(&r), 12);
	fclose(mfp);
	ck_assert_int_eq(n, 1);
	ck_assert_msg(strstr(msgs, ":2: a line too long; record skipped") !=
	    NULL, "%s", msgs);
	ck_assert_msg(strstr(msgs, ":12: no checksum") == NULL, "%s", msgs);
	ck_assert_msg(strstr(msgs, "12 damaged lines in all, the first 10 "
	    "shown") != NULL, "%s", msgs);
	free(msgs);
	t_rmtree(dir);
}
END_TEST

/* What record_put writes, record_read gives back, text for text. */
START_TEST(test_record_round_trip)
{
	struct record_reader	 r;
	char			 dir[64], path[128], *msgs = NULL, *rec;
	size_t			 mlen = 0;
	FILE			*fp, *mfp;

	t_mkdtemp(dir, sizeof(dir), "check_record");
	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_ptr_nonnull(fp = fopen(path, "w"));
	record_put(fp, "t-file %d", 1);
	record_put(fp, "host %s %u ~ tilde inside", "10.0.0.1", 7u);
	record_put(fp, "end %d", 1);
	ck_assert_int_eq(fclose(fp), 0);
	ck_assert_ptr_nonnull(mfp = open_memstream(&msgs, &mlen));
	ck_assert_int_eq(record_open(&r, path, "t-file", 1, mfp), 0);
	ck_assert_ptr_nonnull(rec = record_read(&r));
	ck_assert_str_eq(rec, "host 10.0.0.1 7 ~ tilde inside");
	ck_assert_ptr_null(record_read(&r));
	ck_assert_int_eq(record_close(&r), 0);
	fclose(mfp);
	ck_assert_uint_eq(mlen, 0);
	free(msgs);
	t_rmtree(dir);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "record", NULL, NULL, {
		    test_record_crc, test_record_many_damaged,
		    test_record_round_trip, NULL },
		    { { test_record_table, T_N(cases) } } },
	};

	return t_main("record", tcases, T_N(tcases));
}
