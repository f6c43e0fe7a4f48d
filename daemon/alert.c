/*
 * Alerts out: one JSON line each (DESIGN section 3), and a one-line
 * message for syslog.
 */
#include <inttypes.h>
#include <stdio.h>

#include "detect.h"

/* The alert's host as written: its label, or its address. */
void
alert_host(const struct alert *a, char *buf, size_t len)
{
	if (a->label[0] != '\0')
		snprintf(buf, len, "%s", a->label);
	else
		addr_fmt(&a->host, buf, len);
}

/* A summary holds no quote or backslash: it is made by the detectors. */
void
alert_json(FILE *fp, const struct alert *a)
{
	char	host[sizeof(a->label)];

	alert_host(a, host, sizeof(host));
	fprintf(fp, "{\"ts\": %.3f, \"host\": \"%s\", \"detector\": \"%s\", "
	    "\"severity\": \"%s\", \"action\": \"%s\", \"summary\": \"%s\", "
	    "\"evidence\": %s", a->ts_ms / 1000.0, host, a->detector,
	    alert_severity_name(a->severity), alert_action_name(a->action), a->summary,
	    a->evidence[0] ? a->evidence : "{}");
	/* the safety policy's answer, when a detector asked for a block */
	if (a->quarantine[0])
		fprintf(fp, ", \"quarantine\": \"%s\"", a->quarantine);
	fputs("}\n", fp);
}

void
alert_line(const struct alert *a, char *buf, size_t len)
{
	snprintf(buf, len, "alert %s %s: %s%s%s", a->detector,
	    alert_severity_name(a->severity), a->summary,
	    a->quarantine[0] ? "; quarantine " : "", a->quarantine);
}

/*
 * alert_json() as the detectors' sink in a replay; arg is the FILE.  A
 * replay blocks nobody: an alert that asks for a quarantine says so.
 */
void
alert_hook(void *arg, const struct alert *a)
{
	struct alert	b;

	if (a->action == ACT_LOG) {
		alert_json(arg, a);
		return;
	}
	b = *a;
	b.action = ACT_DRYRUN;
	snprintf(b.quarantine, sizeof(b.quarantine), "replay: nothing is "
	    "blocked");
	alert_json(arg, &b);
}

const char *
alert_severity_name(int s)
{
	static const char *const names[] = { "info", "warning", "critical" };

	return s >= 0 && s <= SEV_CRITICAL ? names[s] : "info";
}

const char *
alert_action_name(int a)
{
	static const char *const names[] = { "log", "quarantine", "dry-run" };

	return a >= 0 && a <= ACT_DRYRUN ? names[a] : "log";
}
