/*
 * Alerts out: one JSON line each (DESIGN section 3), and a one-line
 * message for syslog.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ephemd.h"

/* A summary holds no quote or backslash: it is made by the detectors. */
void
alert_json(FILE *fp, const struct alert *a)
{
	char	host[ADDR_STRLEN];

	addr_fmt(&a->host, host, sizeof(host));
	fprintf(fp, "{\"ts\": %.3f, \"host\": \"%s\", \"detector\": \"%s\", "
	    "\"severity\": \"%s\", \"action\": \"%s\", \"summary\": \"%s\", "
	    "\"evidence\": %s}\n", a->ts_ms / 1000.0, host, a->detector,
	    severity_name(a->severity), action_name(a->action), a->summary,
	    a->evidence[0] ? a->evidence : "{}");
}

void
alert_line(const struct alert *a, char *buf, size_t len)
{
	snprintf(buf, len, "alert %s %s: %s", a->detector,
	    severity_name(a->severity), a->summary);
}

/* alert_json() as the detectors' sink; arg is the FILE. */
void
alert_hook(void *arg, const struct alert *a)
{
	alert_json(arg, a);
}
