/*
 * ctl_parse: the control socket's check of a request's bytes and fields,
 * before any command sees it.  A table of requests, each with the fields
 * it must split into or the reason it must be refused with.
 */
#include <stdlib.h>
#include <string.h>

#include "live.h"
#include "testutil.h"

struct ccase {
	const char	*name;
	const char	*req;		/* NULL: made by the test (len bytes) */
	size_t		 len;		/* 0: strlen(req) */
	const char	*fields;	/* joined by "|", or NULL: refused */
	const char	*err;		/* with fields NULL: in the reason */
};

static const struct ccase cases[] = {
	{ "a command", "text status", 0, "text|status", NULL },
	{ "json and options", "json hosts --sort flows --limit 5", 0,
	    "json|hosts|--sort|flows|--limit|5", NULL },
	{ "sixteen fields", "text a b c d e f g h i j k l m n o", 0,
	    "text|a|b|c|d|e|f|g|h|i|j|k|l|m|n|o", NULL },
	{ "seventeen fields", "text a b c d e f g h i j k l m n o p", 0, NULL,
	    "more than 16 fields" },
	{ "a format alone", "json", 0, NULL,
	    "a request is a format (text or json) and a command" },
	{ "another format", "xml status", 0, NULL,
	    "unknown format \"xml\": text or json" },
	{ "a leading space", " text status", 0, NULL,
	    "empty field at byte 1" },
	{ "two spaces", "text  status", 0, NULL, "empty field at byte 6" },
	{ "a trailing space", "text status ", 0, NULL,
	    "empty field at byte 13" },
	{ "a tab", "text\tstatus", 0, NULL,
	    "byte 5 of the request is not printable ASCII (0x09)" },
	{ "a NUL", "text\0status", 11, NULL,
	    "byte 5 of the request is not printable ASCII (0x00)" },
	{ "DEL", "text status\x7f", 0, NULL,
	    "byte 12 of the request is not printable ASCII (0x7f)" },
	{ "UTF-8", "text host caf\xc3\xa9", 0, NULL,
	    "byte 14 of the request is not printable ASCII (0xc3)" },
	{ "empty", "", 0, NULL, "request length 0: must be 1 to 4096" },
	{ "the longest", NULL, CTL_REQ_MAX, "", NULL },
	{ "one byte too long", NULL, CTL_REQ_MAX + 1, NULL,
	    "request length 4097: must be 1 to 4096" },
};

START_TEST(test_ctl_table)
{
	const struct ccase	*c = &cases[_i];
	uint8_t			 req[CTL_REQ_MAX + 2];
	char			 buf[CTL_REQ_MAX + 1], err[160] = "";
	char			 got[CTL_REQ_MAX + 64] = "", *field[CTL_FIELDS];
	size_t			 len = c->len ? c->len : strlen(c->req);
	int			 n = -1, i, r;

	if (c->req != NULL)
		memcpy(req, c->req, len);
	else {
		/* "text status" and a last field of 'x' up to len */
		memset(req, 'x', len);
		memcpy(req, "text status ", 12);
	}
	r = ctl_parse(req, len, buf, field, &n, err, sizeof(err));
	if (c->req == NULL && c->fields != NULL) {
		ck_assert_msg(r == 0, "%s: refused: %s", c->name, err);
		ck_assert_int_eq(n, 3);
		ck_assert_uint_eq(strlen(field[2]), len - 12);
		return;
	}
	if (c->fields == NULL) {
		ck_assert_msg(r == -1, "%s: accepted", c->name);
		ck_assert_msg(strstr(err, c->err) != NULL, "%s: \"%s\", not "
		    "\"%s\"", c->name, err, c->err);
		return;
	}
	ck_assert_msg(r == 0, "%s: refused: %s", c->name, err);
	for (i = 0; i < n; i++) {
		strcat(got, i ? "|" : "");
		strcat(got, field[i]);
	}
	ck_assert_msg(strcmp(got, c->fields) == 0, "%s: \"%s\", not \"%s\"",
	    c->name, got, c->fields);
}
END_TEST

int
main(void)
{
	/* START_TEST makes pointer variables: no static table */
	const struct t_tcase tcases[] = {
		{ "ctl", NULL, NULL, {
		    NULL },
		    { { test_ctl_table, T_N(cases) } } },
	};

	return t_main("ctl", tcases, T_N(tcases));
}
