/*
 * Alerts in the systemd journal with fields of their own, so that
 * "journalctl EPHEMD_DETECTOR=scan" and log shippers need no parsing of
 * the text (sd_journal_send(3), libsystemd: the journal's native
 * protocol, maintained with it).  Used when systemd started the daemon
 * (it sets INVOCATION_ID) and the journal takes the entry; otherwise the
 * alert is a log line as before.  libsystemd is included here only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include <systemd/sd-journal.h>

#include "live.h"

/* Whether alerts go to the journal: the daemon runs as a systemd unit. */
bool
journal_wanted(void)
{
	return getenv("INVOCATION_ID") != NULL;
}

static int
journal_priority(int severity)
{
	switch (severity) {
	case SEV_CRITICAL:
		return LOG_CRIT;
	case SEV_WARNING:
		return LOG_WARNING;
	default:
		return LOG_INFO;
	}
}

/*
 * One alert as one journal entry: MESSAGE is its log line, the rest its
 * parts.  0, or -1 when the journal did not take it (the caller logs the
 * line instead).
 */
int
journal_alert(const struct alert *a, const char *line, const char *host)
{
	char	ts[32];

	snprintf(ts, sizeof(ts), "%.3f", a->ts_ms / 1000.0);
	return sd_journal_send("MESSAGE=%s", line,
	    "PRIORITY=%d", journal_priority(a->severity),
	    "SYSLOG_IDENTIFIER=ephemd",
	    "EPHEMD_DETECTOR=%s", a->detector,
	    "EPHEMD_HOST=%s", host,
	    "EPHEMD_SEVERITY=%s", alert_severity_name(a->severity),
	    "EPHEMD_ACTION=%s", alert_action_name(a->action),
	    "EPHEMD_SUMMARY=%s", a->summary,
	    "EPHEMD_EVIDENCE=%s", a->evidence[0] ? a->evidence : "{}",
	    "EPHEMD_QUARANTINE=%s", a->quarantine,
	    "EPHEMD_TS=%s", ts,
	    NULL) < 0 ? -1 : 0;
}
