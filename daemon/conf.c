/*
 * The configuration file, read with libconfig (the only file that includes
 * it).  conf_load() builds a fresh struct: defaults, then the file, then
 * validation, and reports every error as "file:line: message".  Every key
 * the parser accepts is in the schema below, which also prints the
 * effective configuration for -n -v; ephemd.conf(5) documents each one.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "live.h"

enum ktype {
	K_BOOL,
	K_UINT,		/* uint32_t */
	K_SIZE,		/* size_t, bytes, "64M" or an integer */
	K_DURATION,	/* uint32_t seconds, "90m" or an integer */
	K_STRING,	/* char *, NULL when unset */
	K_FORMAT,	/* int enum report_format: "json", "text", "html" */
	K_NETS,		/* struct netlist */
	K_FLOAT,	/* double; min and max in thousandths */
	K_ACTION,	/* int enum action from "log", "quarantine", "dry-run" */
	K_NAMES,	/* struct strlist of interface names, or "auto" */
	K_IDMODE,	/* int enum idmode from "mac", "address", "prefix64" */
};

static const struct key {
	const char	*name;		/* "group.member" or "member" */
	enum ktype	 type;
	size_t		 off;
	uint64_t	 min, max;
} keys[] = {
#define K(name, type, field, min, max) \
	{ name, type, offsetof(struct conf, field), min, max }
	K("internal_networks", K_NETS, core.internal, 0, 0),
	K("internal_interfaces", K_NAMES, internal_ifaces, 0, 0),
	K("user", K_STRING, user, 0, 0),
	K("netlink.rcvbuf", K_SIZE, rcvbuf, 1 << 16, 1 << 30),
	K("netlink.batch", K_UINT, batch, 1, 65536),
	K("netlink.kernel_filter", K_BOOL, kernel_filter, 0, 0),
	K("netlink.reconcile_interval", K_DURATION, reconcile_s, 10, 86400),
	K("report.file", K_STRING, report_file, 0, 0),
	K("report.format", K_FORMAT, report_format, 0, 0),
	K("report.interval", K_DURATION, report_interval_s, 0, 86400),
	K("report.flow_log", K_STRING, flow_log, 0, 0),
	K("learning_period", K_DURATION, detect.learning_s, 0, 365 * 86400),
	K("alerts.file", K_STRING, alerts_file, 0, 0),
	K("alerts.cooldown", K_DURATION, detect.cooldown_s, 0, 7 * 86400),
	K("state.file", K_STRING, state_file, 0, 0),
	K("state.interval", K_DURATION, state_interval_s, 10, 86400),
	K("long_lived.enabled", K_BOOL, detect.long_lived.enabled, 0, 0),
	K("long_lived.action", K_ACTION, detect.long_lived.action, 0, 0),
	K("long_lived.min_samples", K_UINT, detect.long_lived.min_samples,
	    1, 1000000),
	K("long_lived.factor", K_FLOAT, detect.long_lived.factor, 1000,
	    1000000),
	K("long_lived.min_age", K_DURATION, detect.long_lived.min_age_s,
	    60, 30 * 86400),
	K("long_lived.max_service_p99", K_DURATION,
	    detect.long_lived.max_p99_s, 1, 30 * 86400),
	K("long_lived.critical_age", K_DURATION,
	    detect.long_lived.critical_s, 60, 30 * 86400),
	K("long_lived.probe_age", K_DURATION, detect.long_lived.probe_age_s, 0,
	    86400),
	K("long_lived.probe_idle", K_DURATION, detect.long_lived.probe_idle_s,
	    1, 86400),
	K("baseline.min_flows", K_UINT, detect.learn_flows, 0, 1000000000),
	K("baseline.half_life", K_DURATION, detect.half_life_s, 0,
	    3650 * 86400),
	K("scan.enabled", K_BOOL, detect.scan.enabled, 0, 0),
	K("scan.action", K_ACTION, detect.scan.action, 0, 0),
	K("scan.window", K_DURATION, detect.scan.window_s, 1, 86400),
	K("scan.min_ports", K_UINT, detect.scan.min_ports, 2, 3000),
	K("scan.min_failures", K_UINT, detect.scan.min_failures, 1, 65535),
	K("scan.min_failed_share", K_FLOAT, detect.scan.min_failed_share, 0,
	    1000),
	K("scan.idle", K_DURATION, detect.scan.idle_s, 1, 86400),
	K("scan.theta0", K_FLOAT, detect.scan.theta0, 1, 999),
	K("scan.theta1", K_FLOAT, detect.scan.theta1, 1, 999),
	K("scan.p_detect", K_FLOAT, detect.scan.p_detect, 1, 999),
	K("scan.p_false", K_FLOAT, detect.scan.p_false, 1, 999),
	K("port_range.enabled", K_BOOL, detect.port_range.enabled, 0, 0),
	K("port_range.action", K_ACTION, detect.port_range.action, 0, 0),
	K("port_range.slack", K_UINT, detect.port_range.slack, 0, 65535),
	K("port_range.min_ports", K_UINT, detect.port_range.min_ports, 1,
	    1000000),
	K("port_range.window", K_DURATION, detect.port_range.window_s, 1,
	    86400),
	K("port_range.privileged", K_BOOL, detect.port_range.privileged, 0,
	    0),
	K("fixed_port.enabled", K_BOOL, detect.fixed_port.enabled, 0, 0),
	K("fixed_port.action", K_ACTION, detect.fixed_port.action, 0, 0),
	K("fixed_port.window", K_DURATION, detect.fixed_port.window_s, 1,
	    86400),
	K("fixed_port.min_destinations", K_UINT, detect.fixed_port.min_dsts,
	    2, 200),
	K("fixed_port.udp_min_destinations", K_UINT,
	    detect.fixed_port.udp_min_dsts, 2, 200),
	K("fixed_port.learn_destinations", K_UINT,
	    detect.fixed_port.learn_dsts, 1, 1000000),
	K("fixed_port.max_answered", K_FLOAT, detect.fixed_port.max_answered,
	    0, 1000),
	K("allocator_change.enabled", K_BOOL, detect.allocator_change.enabled,
	    0, 0),
	K("allocator_change.action", K_ACTION, detect.allocator_change.action,
	    0, 0),
	K("allocator_change.window", K_UINT, detect.allocator_change.window,
	    16, 65536),
	K("allocator_change.min_windows", K_UINT,
	    detect.allocator_change.min_windows, 1, 1000),
	K("allocator_change.odd_share", K_FLOAT,
	    detect.allocator_change.odd_share, 1, 1000),
	K("exhaustion.enabled", K_BOOL, detect.exhaustion.enabled, 0, 0),
	K("exhaustion.action", K_ACTION, detect.exhaustion.action, 0, 0),
	K("exhaustion.warning", K_FLOAT, detect.exhaustion.warning, 10, 1000),
	K("exhaustion.critical", K_FLOAT, detect.exhaustion.critical, 10,
	    1000),
	K("exhaustion.nat_range", K_UINT, detect.exhaustion.nat_range, 1,
	    65535),
	K("gateway.enabled", K_BOOL, detect.gateway.enabled, 0, 0),
	K("gateway.min_hosts", K_UINT, detect.gateway.min_hosts, 1, 1000000),
	K("gateway.failed_share", K_FLOAT, detect.gateway.failed_share, 100,
	    1000),
	K("gateway.dead_hosts", K_UINT, detect.gateway.dead_hosts, 1, 64),
	K("identity.enabled", K_BOOL, detect.identity.enabled, 0, 0),
	K("identity.silence", K_DURATION, detect.identity.silence_s, 0,
	    30 * 86400),
	K("identity.neighbours", K_BOOL, detect.identity.neighbours, 0, 0),
	K("identity.mode", K_IDMODE, detect.identity.mode, 0, 0),
	K("rate.enabled", K_BOOL, detect.rate.enabled, 0, 0),
	K("rate.action", K_ACTION, detect.rate.action, 0, 0),
	K("rate.z", K_FLOAT, detect.rate.z, 100, 1000000),
	K("rate.min_rate", K_UINT, detect.rate.min_rate, 1, 1000000000),
	K("rate.min_minutes", K_UINT, detect.rate.min_minutes, 1, 1000000),
	K("rate.busiest", K_FLOAT, detect.rate.busiest, 0, 100000),
	K("rate.min_fanout", K_UINT, detect.rate.min_fanout, 0, 3000),
	K("quarantine.enabled", K_BOOL, quar.enabled, 0, 0),
	K("quarantine.dry_run", K_BOOL, quar.dry_run, 0, 0),
	K("quarantine.timeout", K_DURATION, quar.timeout_s, 10, 365 * 86400),
	K("quarantine.escalation", K_FLOAT, quar.escalation, 1000, 100000),
	K("quarantine.max_timeout", K_DURATION, quar.max_timeout_s, 10,
	    365 * 86400),
	K("quarantine.forget", K_DURATION, quar.forget_s, 3600, 365 * 86400),
	K("quarantine.max_per_hour", K_UINT, quar.per_hour, 0, 1000000),
	K("quarantine.max_hosts", K_UINT, quar.max_hosts, 0, 1000000),
	K("quarantine.max_burst", K_UINT, quar.max_burst, 0, 1000000),
	K("quarantine.burst_window", K_DURATION, quar.burst_window_s, 60,
	    86400),
	K("quarantine.prefix64", K_BOOL, quar.prefix64, 0, 0),
	K("quarantine.allow", K_NETS, quar.allow, 0, 0),
	K("quarantine.ruleset", K_STRING, quar.ruleset, 0, 0),
	K("quarantine.file", K_STRING, quar.file, 0, 0),
	K("nflog.enabled", K_BOOL, quar.nflog, 0, 0),
	K("nflog.group", K_UINT, quar.nflog_group, 0, 65535),
	K("control.socket", K_STRING, ctl_socket, 0, 0),
	K("control.group", K_STRING, ctl_group, 0, 0),
	K("control.admin_group", K_STRING, ctl_admin_group, 0, 0),
	K("control.max_clients", K_UINT, ctl_clients, 1, 64),
	K("metrics.file", K_STRING, metrics_file, 0, 0),
	K("metrics.interval", K_DURATION, metrics_interval_s, 1, 3600),
	K("metrics.per_host", K_BOOL, metrics_per_host, 0, 0),
	K("limits.flows", K_SIZE, core.max_flows, 1024, FLOWTAB_MAX),
	K("limits.hosts", K_SIZE, core.max_hosts, 16, 1 << 22),
	K("limits.services", K_SIZE, core.max_services, 16, 1 << 20),
	K("limits.host_idle", K_DURATION, core.host_idle_s, 0, 365 * 86400),
	K("limits.service_idle", K_DURATION, core.svc_idle_s, 0, 365 * 86400),
	K("limits.hosts_per_prefix", K_UINT, core.per_prefix, 0, 1 << 22),
	K("timeouts.tcp_syn_sent", K_UINT, core.timeouts.tcp[CTS_SYN_SENT],
	    0, 432000),
	K("timeouts.tcp_syn_recv", K_UINT, core.timeouts.tcp[CTS_SYN_RECV],
	    0, 432000),
	K("timeouts.tcp_established", K_UINT,
	    core.timeouts.tcp[CTS_ESTABLISHED], 0, 4320000),
	K("timeouts.tcp_fin_wait", K_UINT, core.timeouts.tcp[CTS_FIN_WAIT],
	    0, 432000),
	K("timeouts.tcp_close_wait", K_UINT,
	    core.timeouts.tcp[CTS_CLOSE_WAIT], 0, 432000),
	K("timeouts.tcp_last_ack", K_UINT, core.timeouts.tcp[CTS_LAST_ACK],
	    0, 432000),
	K("timeouts.tcp_time_wait", K_UINT, core.timeouts.tcp[CTS_TIME_WAIT],
	    0, 432000),
	K("timeouts.tcp_close", K_UINT, core.timeouts.tcp[CTS_CLOSE],
	    0, 432000),
	K("timeouts.udp", K_UINT, core.timeouts.udp, 0, 432000),
	K("timeouts.udp_stream", K_UINT, core.timeouts.udp_stream, 0, 432000),
	K("timeouts.icmp", K_UINT, core.timeouts.icmp, 0, 432000),
	K("timeouts.generic", K_UINT, core.timeouts.generic, 0, 432000),
#undef K
};

#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

struct conf *
conf_new(void)
{
	struct conf	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	core_conf_default(&c->core);
	detect_conf_default(&c->detect);
	if (netlist_default_internal(&c->core.internal) == -1 ||
	    strlist_add(&c->internal_ifaces, "auto") == -1) {
		conf_free(c);
		return NULL;
	}
	c->rcvbuf = 64 << 20;
	c->batch = 256;
	c->kernel_filter = true;
	c->reconcile_s = 300;
	c->report_format = REPORT_JSON;
	c->state_interval_s = 600;
	c->quar.timeout_s = 3600;
	c->quar.escalation = 4;
	c->quar.max_timeout_s = 86400;
	c->quar.forget_s = 7 * 86400;
	c->quar.per_hour = 10;
	c->quar.max_hosts = 50;
	c->quar.max_burst = 3;
	c->quar.burst_window_s = 600;
	c->quar.nflog = true;
	c->quar.nflog_group = 4242;
	c->ctl_clients = 8;
	c->metrics_interval_s = 15;
	if ((c->state_file = strdup(STATE_FILE)) == NULL ||
	    (c->quar.file = strdup(QUAR_FILE)) == NULL ||
	    (c->ctl_socket = strdup(CTL_SOCKET)) == NULL) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_free(struct conf *c)
{
	if (c == NULL)
		return;
	core_conf_free(&c->core);
	strlist_clear(&c->internal_ifaces);
	free(c->path);
	free(c->user);
	free(c->report_file);
	free(c->flow_log);
	free(c->alerts_file);
	free(c->state_file);
	netlist_clear(&c->quar.allow);
	free(c->quar.ruleset);
	free(c->quar.file);
	free(c->ctl_socket);
	free(c->ctl_group);
	free(c->ctl_admin_group);
	free(c->metrics_file);
	free(c);
}

struct unit {
	const char		*suffix;
	unsigned long long	 mul;
};

static const struct unit duration_units[] = {
	{ "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
	{ NULL, 0 }
};

static const struct unit size_units[] = {
	{ "", 1 }, { "k", 1ULL << 10 }, { "K", 1ULL << 10 },
	{ "M", 1ULL << 20 }, { "G", 1ULL << 30 }, { NULL, 0 }
};

/* A decimal number and one of the units' suffixes, scaled. */
static int
unit_parse(const char *s, const struct unit *units, unsigned long long max,
    unsigned long long *ret)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (; units->suffix != NULL; units++) {
		if (strcmp(end, units->suffix) != 0)
			continue;
		if (v > max / units->mul)
			return -1;
		*ret = v * units->mul;
		return 0;
	}
	return -1;
}

/* "90", "90s", "15m", "24h", "7d": seconds. */
int
conf_duration_parse(const char *s, uint32_t *ret)
{
	unsigned long long	v;

	if (unit_parse(s, duration_units, UINT32_MAX, &v) == -1)
		return -1;
	*ret = v;
	return 0;
}

/* "65536", "64k", "64M", "1G": bytes. */
static int
size_parse(const char *s, unsigned long long *ret)
{
	return unit_parse(s, size_units, ULLONG_MAX, ret);
}

static const struct key *
key_find(const char *name)
{
	size_t	i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool
is_group(const char *name)
{
	size_t	i, n = strlen(name);

	for (i = 0; i < NKEYS; i++)
		if (strncmp(keys[i].name, name, n) == 0 &&
		    keys[i].name[n] == '.')
			return true;
	return false;
}

/* A number given as an integer or as a string with a unit. */
static int
setting_number(const config_setting_t *s, enum ktype type,
    unsigned long long *ret)
{
	const char	*str;
	uint32_t	 d;
	long long	 v;

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = config_setting_get_int64(s);
		if (v < 0)
			return -1;
		*ret = v;
		return 0;
	case CONFIG_TYPE_STRING:
		str = config_setting_get_string(s);
		if (type == K_DURATION) {
			if (conf_duration_parse(str, &d) == -1)
				return -1;
			*ret = d;
			return 0;
		}
		if (type == K_SIZE)
			return size_parse(str, ret);
		return -1;
	default:
		return -1;
	}
}

/*
 * The value types: how a setting of each type is applied to its field
 * and printed back (conf_print), and what to say when it has the wrong
 * type.  An apply function returns 0, -1 for the wrong type (the caller
 * says what is expected), or -2 when it wrote its own error.
 */
struct kctx {
	const struct key		*k;
	const config_setting_t		*s;
	const char			*file;
	int				 line;
	FILE				*errs;
};

static int
apply_bool(void *field, const struct kctx *x)
{
	if (config_setting_type(x->s) != CONFIG_TYPE_BOOL)
		return -1;
	*(bool *)field = config_setting_get_bool(x->s);
	return 0;
}

/* K_UINT, K_SIZE and K_DURATION: a number, within the key's range. */
static int
apply_number(void *field, const struct kctx *x)
{
	unsigned long long	v;

	if (setting_number(x->s, x->k->type, &v) == -1)
		return -1;
	if (v < x->k->min || v > x->k->max) {
		fprintf(x->errs, "%s:%d: %s must be between %llu and %llu\n",
		    x->file, x->line, x->k->name,
		    (unsigned long long)x->k->min,
		    (unsigned long long)x->k->max);
		return -2;
	}
	if (x->k->type == K_SIZE)
		*(size_t *)field = v;
	else
		*(uint32_t *)field = v;
	return 0;
}

static int
apply_string(void *field, const struct kctx *x)
{
	const char	*str;

	if ((str = config_setting_get_string(x->s)) == NULL)
		return -1;
	free(*(char **)field);
	*(char **)field = NULL;
	if (*str == '\0')
		return 0;	/* "" leaves it unset */
	/* copied out: libconfig frees its strings at destroy */
	if ((*(char **)field = strdup(str)) == NULL) {
		fprintf(x->errs, "%s:%d: out of memory\n", x->file, x->line);
		return -2;
	}
	return 0;
}

static int
apply_format(void *field, const struct kctx *x)
{
	const char	*str = config_setting_get_string(x->s);
	int		 f;

	if (str == NULL || (f = report_format_parse(str)) == -1)
		return -1;
	*(int *)field = f;
	return 0;
}

static int
apply_float(void *field, const struct kctx *x)
{
	double	d;

	if (config_setting_type(x->s) == CONFIG_TYPE_FLOAT)
		d = config_setting_get_float(x->s);
	else if (config_setting_type(x->s) == CONFIG_TYPE_INT ||
	    config_setting_type(x->s) == CONFIG_TYPE_INT64)
		d = config_setting_get_int64(x->s);
	else
		return -1;
	if (d < x->k->min / 1000.0 || d > x->k->max / 1000.0) {
		fprintf(x->errs, "%s:%d: %s must be between %g and %g\n",
		    x->file, x->line, x->k->name, x->k->min / 1000.0,
		    x->k->max / 1000.0);
		return -2;
	}
	*(double *)field = d;
	return 0;
}

static const char *const action_names[] = {
	[ACT_LOG] = "log", [ACT_QUARANTINE] = "quarantine",
	[ACT_DRYRUN] = "dry-run",
};

static int
apply_action(void *field, const struct kctx *x)
{
	const char	*str = config_setting_get_string(x->s);
	size_t		 i;

	for (i = 0; str != NULL && i < sizeof(action_names) /
	    sizeof(action_names[0]); i++)
		if (strcmp(str, action_names[i]) == 0) {
			*(int *)field = (int)i;
			return 0;
		}
	return -1;
}

static const char *const idmode_names[] = {
	[ID_MAC] = "mac", [ID_ADDRESS] = "address", [ID_PREFIX64] = "prefix64",
};

static int
apply_idmode(void *field, const struct kctx *x)
{
	const char	*str = config_setting_get_string(x->s);
	size_t		 i;

	for (i = 0; str != NULL && i < sizeof(idmode_names) /
	    sizeof(idmode_names[0]); i++)
		if (strcmp(str, idmode_names[i]) == 0) {
			*(int *)field = (int)i;
			return 0;
		}
	return -1;
}

static int
apply_nets(void *field, const struct kctx *x)
{
	struct netlist	 nets = { NULL, 0 };
	const char	*str;
	int		 i, n;

	if (!config_setting_is_array(x->s) && !config_setting_is_list(x->s))
		return -1;
	n = config_setting_length(x->s);
	for (i = 0; i < n; i++) {
		str = config_setting_get_string_elem(x->s, i);
		if (str == NULL || netlist_add_str(&nets, str) == -1) {
			fprintf(x->errs, "%s:%d: %s: element %d is not a "
			    "network (such as \"10.0.0.0/8\")\n", x->file,
			    x->line, x->k->name, i + 1);
			netlist_clear(&nets);
			return -2;
		}
	}
	netlist_clear(field);
	*(struct netlist *)field = nets;
	return 0;
}

void
strlist_clear(struct strlist *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
strlist_add(struct strlist *l, const char *s)
{
	char	**v;

	if ((v = reallocarray(l->v, l->n + 1, sizeof(*v))) == NULL)
		return -1;
	l->v = v;
	if ((v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

/* Interface names (shorter than IFNAMSIZ, no '/'), or "auto". */
static int
apply_names(void *field, const struct kctx *x)
{
	struct strlist	 names = { NULL, 0 };
	const char	*str;
	int		 i, n;

	if (!config_setting_is_array(x->s) && !config_setting_is_list(x->s))
		return -1;
	n = config_setting_length(x->s);
	for (i = 0; i < n; i++) {
		str = config_setting_get_string_elem(x->s, i);
		if (str == NULL || *str == '\0' || strlen(str) >= 16 ||
		    strchr(str, '/') != NULL || strchr(str, ' ') != NULL) {
			fprintf(x->errs, "%s:%d: %s: element %d is not an "
			    "interface name (such as \"eth1\") or \"auto\"\n",
			    x->file, x->line, x->k->name, i + 1);
			strlist_clear(&names);
			return -2;
		}
		if (strlist_add(&names, str) == -1) {
			fprintf(x->errs, "%s:%d: out of memory\n", x->file,
			    x->line);
			strlist_clear(&names);
			return -2;
		}
	}
	strlist_clear(field);
	*(struct strlist *)field = names;
	return 0;
}

static void
print_bool(FILE *fp, const void *field)
{
	fprintf(fp, "%s", *(const bool *)field ? "true" : "false");
}

static void
print_u32(FILE *fp, const void *field)
{
	fprintf(fp, "%u", *(const uint32_t *)field);
}

static void
print_size(FILE *fp, const void *field)
{
	fprintf(fp, "%zu", *(const size_t *)field);
}

/* A string as libconfig reads it back: quotes, backslashes, controls. */
static void
print_string(FILE *fp, const void *field)
{
	const char	*s = *(char *const *)field;

	fputc('"', fp);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(fp, "\\x%02x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static void
print_format(FILE *fp, const void *field)
{
	fprintf(fp, "\"%s\"", report_format_name(*(const int *)field));
}

static void
print_float(FILE *fp, const void *field)
{
	double	v = *(const double *)field;
	char	buf[64];
	int	prec;

	/* the shortest text that reads back as the same double */
	for (prec = 6; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);
	/* with a decimal point, so that libconfig reads a float back */
	fprintf(fp, "%s%s", buf, strpbrk(buf, ".e") == NULL ? ".0" : "");
}

static void
print_action(FILE *fp, const void *field)
{
	fprintf(fp, "\"%s\"", alert_action_name(*(const int *)field));
}

static void
print_idmode(FILE *fp, const void *field)
{
	fprintf(fp, "\"%s\"", idmode_names[*(const int *)field]);
}

static void
print_nets(FILE *fp, const void *field)
{
	const struct netlist	*l = field;
	char			 a[ADDR_STRLEN];
	size_t			 j;

	fprintf(fp, "[");
	for (j = 0; j < l->n; j++) {
		int plen = l->v[j].plen;

		addr_fmt(&l->v[j].addr, a, sizeof(a));
		if (addr_is_v4(&l->v[j].addr))
			plen -= 96;
		fprintf(fp, "%s\"%s/%d\"", j ? ", " : "", a, plen);
	}
	fprintf(fp, "]");
}

static void
print_names(FILE *fp, const void *field)
{
	const struct strlist	*l = field;
	size_t			 i;

	fprintf(fp, "[");
	for (i = 0; i < l->n; i++) {
		fputs(i ? ", " : "", fp);
		print_string(fp, &l->v[i]);
	}
	fprintf(fp, "]");
}

static const struct ktype_ops {
	const char	*hint;		/* what a setting must be */
	int		(*apply)(void *, const struct kctx *);
	void		(*print)(FILE *, const void *);
} ktypes[] = {
	[K_BOOL] = { "true or false", apply_bool, print_bool },
	[K_UINT] = { "a whole number", apply_number, print_u32 },
	[K_SIZE] = { "a size such as 65536 or \"64M\"", apply_number,
	    print_size },
	[K_DURATION] = { "a duration such as 300 or \"5m\"", apply_number,
	    print_u32 },
	[K_STRING] = { "a string", apply_string, print_string },
	[K_FORMAT] = { "\"json\", \"text\" or \"html\"", apply_format,
	    print_format },
	[K_NETS] = { "a list of networks such as [\"10.0.0.0/8\"]",
	    apply_nets, print_nets },
	[K_FLOAT] = { "a number", apply_float, print_float },
	[K_ACTION] = { "\"log\", \"quarantine\" or \"dry-run\"",
	    apply_action, print_action },
	[K_IDMODE] = { "\"mac\", \"address\" or \"prefix64\"",
	    apply_idmode, print_idmode },
	[K_NAMES] = { "a list of interface names such as [\"eth1\"], or "
	    "[\"auto\"]", apply_names, print_names },
};

/* Apply one setting; 0 or -1 with the error written to errs. */
static int
key_apply(struct conf *c, const struct key *k, const config_setting_t *s,
    const char *file, FILE *errs)
{
	const struct kctx	 x = { k, s, file, config_setting_source_line(s),
				    errs };

	switch (ktypes[k->type].apply((char *)c + k->off, &x)) {
	case 0:
		return 0;
	case -1:
		fprintf(errs, "%s:%d: %s must be %s\n", file, x.line, k->name,
		    ktypes[k->type].hint);
		return -1;
	default:
		return -1;
	}
}

/* Where each key was set, for the checks that involve several. */
struct where {
	const char	*path;
	int		 line[NKEYS];	/* 0: not in the file */
	char		 buf[4096 + 16];
};

/* "path:line" of the first of the keys the file set, or "path". */
static const char *
where(struct where *w, const char *a, const char *b)
{
	const struct key	*k;
	const char		*names[2] = { a, b };
	size_t			 i;

	for (i = 0; i < 2; i++)
		if (names[i] != NULL && (k = key_find(names[i])) != NULL &&
		    w->line[k - keys] > 0) {
			snprintf(w->buf, sizeof(w->buf), "%s:%d", w->path,
			    w->line[k - keys]);
			return w->buf;
		}
	return w->path;
}

/* Every setting in group (the root or one group), checked against keys. */
static int
walk(struct conf *c, const config_setting_t *group, const char *prefix,
    struct where *w, FILE *errs)
{
	const config_setting_t	*s;
	const struct key	*k;
	char			 name[128];
	int			 i, n = config_setting_length(group), rv = 0;

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(group, i);
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    *prefix ? "." : "", config_setting_name(s));
		if (config_setting_is_group(s) && *prefix == '\0' &&
		    is_group(name)) {
			if (walk(c, s, name, w, errs) == -1)
				rv = -1;
			continue;
		}
		if ((k = key_find(name)) == NULL) {
			fprintf(errs, "%s:%d: unknown %s %s\n", w->path,
			    config_setting_source_line(s),
			    config_setting_is_group(s) ? "group" : "key",
			    name);
			rv = -1;
			continue;
		}
		w->line[k - keys] = config_setting_source_line(s);
		if (key_apply(c, k, s, w->path, errs) == -1)
			rv = -1;
	}
	return rv;
}

/* Settings that only make sense together. */
static int
conf_check_detect(const struct detect_conf *d, struct where *w, FILE *errs)
{
	int	rv = 0;

	if (d->scan.theta1 >= d->scan.theta0) {
		fprintf(errs, "%s: scan.theta1 (%g, a scanner's chance of a "
		    "reply) must be below scan.theta0 (%g, a normal host's)\n",
		    where(w, "scan.theta1", "scan.theta0"), d->scan.theta1,
		    d->scan.theta0);
		rv = -1;
	}
	if (d->scan.p_false >= d->scan.p_detect) {
		fprintf(errs, "%s: scan.p_false (%g) must be below "
		    "scan.p_detect (%g)\n", where(w, "scan.p_false",
		    "scan.p_detect"), d->scan.p_false, d->scan.p_detect);
		rv = -1;
	}
	if (d->exhaustion.warning > d->exhaustion.critical) {
		fprintf(errs, "%s: exhaustion.warning (%g) must not be above "
		    "exhaustion.critical (%g)\n", where(w,
		    "exhaustion.warning", "exhaustion.critical"),
		    d->exhaustion.warning, d->exhaustion.critical);
		rv = -1;
	}
	return rv;
}

/* A detector that quarantines needs the quarantine switched on. */
static int
conf_check_quar(const struct conf *c, struct where *w, FILE *errs)
{
	const struct quar_conf	*q = &c->quar;
	size_t			 i;
	const struct {
		const char	*key;
		int		 action;
	} acts[] = {
		{ "long_lived.action", c->detect.long_lived.action },
		{ "scan.action", c->detect.scan.action },
		{ "port_range.action", c->detect.port_range.action },
		{ "fixed_port.action", c->detect.fixed_port.action },
		{ "allocator_change.action", c->detect.allocator_change.action },
		{ "exhaustion.action", c->detect.exhaustion.action },
		{ "rate.action", c->detect.rate.action },
	};
	int			 rv = 0;

	for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++)
		if (acts[i].action == ACT_QUARANTINE && !q->enabled &&
		    !q->dry_run) {
			fprintf(errs, "%s: %s is \"quarantine\" but "
			    "quarantine.enabled is false: set it to true (and "
			    "load nft/ephemd.nft), or use \"dry-run\"\n",
			    where(w, acts[i].key, NULL), acts[i].key);
			rv = -1;
		}
	if (q->timeout_s > q->max_timeout_s) {
		fprintf(errs, "%s: quarantine.timeout (%us) must not be above "
		    "quarantine.max_timeout (%us)\n", where(w,
		    "quarantine.timeout", "quarantine.max_timeout"),
		    q->timeout_s, q->max_timeout_s);
		rv = -1;
	}
	if (c->core.internal.n == 0 && c->internal_ifaces.n == 0) {
		fprintf(errs, "%s: internal_networks and internal_interfaces "
		    "are empty: no host would be measured\n", where(w,
		    "internal_networks", "internal_interfaces"));
		rv = -1;
	}
	for (i = 0; i < c->internal_ifaces.n && c->internal_ifaces.n > 1;
	    i++)
		if (strcmp(c->internal_ifaces.v[i], "auto") == 0) {
			fprintf(errs, "%s: internal_interfaces: \"auto\" "
			    "stands alone (it means every interface without a "
			    "default route)\n", where(w, "internal_interfaces",
			    NULL));
			rv = -1;
			break;
		}
	return rv;
}

/*
 * Read path into a new struct conf.  Errors go to errs, one per line as
 * "file:line: message"; on any error the result is -1 and nothing is
 * returned.
 */
int
conf_load(const char *path, struct conf **ret, FILE *errs)
{
	config_t	 cfg;
	struct conf	*c;
	struct where	*w;
	int		 rv = -1;

	if ((c = conf_new()) == NULL || (w = calloc(1, sizeof(*w))) == NULL) {
		fprintf(errs, "%s: out of memory\n", path);
		conf_free(c);
		return -1;
	}
	w->path = path;
	config_init(&cfg);
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			fprintf(errs, "%s: %s\n", path, strerror(errno));
		else
			fprintf(errs, "%s:%d: %s\n", path,
			    config_error_line(&cfg), config_error_text(&cfg));
		goto out;
	}
	if (walk(c, config_root_setting(&cfg), "", w, errs) == -1)
		goto out;
	/* internal_networks set alone replaces what the interfaces give */
	if (w->line[key_find("internal_networks") - keys] > 0 &&
	    w->line[key_find("internal_interfaces") - keys] == 0)
		strlist_clear(&c->internal_ifaces);
	/* the kernel's SYN_SENT2 shares SYN_SENT's timeout */
	c->core.timeouts.tcp[CTS_SYN_SENT2] = c->core.timeouts.tcp[CTS_SYN_SENT];
	/* identity.mode "prefix64": the core counts hosts by /64 */
	c->core.prefix64 = c->detect.identity.mode == ID_PREFIX64;
	/* both checks, so that every error is told at once */
	if ((conf_check_detect(&c->detect, w, errs) |
	    conf_check_quar(c, w, errs)) != 0)
		goto out;
	if ((c->path = strdup(path)) == NULL) {
		fprintf(errs, "%s: out of memory\n", path);
		goto out;
	}
	*ret = c;
	c = NULL;
	rv = 0;
out:
	config_destroy(&cfg);
	conf_free(c);
	free(w);
	return rv;
}

/* The effective configuration, defaults included, in the file's syntax. */
void
conf_print(FILE *fp, const struct conf *c)
{
	const struct key	*k;
	const void		*field;
	const char		*dot, *group = "";
	size_t			 i, glen = 0;

	fprintf(fp, "# effective configuration%s%s\n", c->path ? " of " : "",
	    c->path ? c->path : "");
	for (i = 0; i < NKEYS; i++) {
		k = &keys[i];
		field = (const char *)c + k->off;
		dot = strchr(k->name, '.');
		if (glen > 0 && (dot == NULL || (size_t)(dot - k->name) !=
		    glen || strncmp(k->name, group, glen) != 0)) {
			fprintf(fp, "};\n");
			glen = 0;
		}
		if (dot != NULL && glen == 0) {
			group = k->name;
			glen = dot - k->name;
			fprintf(fp, "%.*s: {\n", (int)glen, group);
		}
		fprintf(fp, "%s%s = ", glen ? "\t" : "", dot ? dot + 1 : k->name);
		ktypes[k->type].print(fp, field);
		fprintf(fp, ";\n");
	}
	if (glen > 0)
		fprintf(fp, "};\n");
}
