/*
 * testutil.h: what the Check suites and the benchmarks share: files in and
 * out, checksummed records, events as the inputs make them, an alert sink,
 * and the suite runner.  Built into libtestutil.a beside libephemd.a.
 */
#ifndef EPHEMD_TESTUTIL_H
#define EPHEMD_TESTUTIL_H

#include <check.h>
#include <stdio.h>

#include "detect.h"

#define T_NAT		0xcb007101u	/* 203.0.113.1, the masquerade */

/* files */
char	*t_slurp(const char *, size_t *);
void	 t_spew(const char *, const char *, size_t);
void	 t_spew_str(const char *, const char *);
size_t	 t_line_at(const char *, int);
int	 t_line_of(const char *, const char *);
void	 t_put_record(FILE *, const char *);
void	 t_mkdtemp(char *, size_t, const char *);
void	 t_rmtree(const char *);

/*
 * An IPv4 event from src:sport to dst:dport, source-NATed to T_NAT with
 * the port kept.  TCP gets the state conntrack reports: SYN_SENT on NEW;
 * on DESTROY TIME_WAIT when EVF_ASSURED is in flags, else CLOSE.
 */
struct flow_event t_ev(uint8_t, uint8_t, uint32_t, uint16_t, uint32_t,
	    uint16_t, uint16_t, uint64_t);

/* alerts a sink received: the first T_ALERTS kept, all counted */
#define T_ALERTS	256
struct t_alerts {
	struct alert	v[T_ALERTS];
	int		n;
};

void	 t_alert_sink(void *, const struct alert *);

/*
 * A suite as a table: its test cases, each with its fixture, its tests
 * (up to a NULL) and its loop tests (a test run n times with _i from 0).
 */
#define T_TESTS		32
#define T_LOOPS		2
#define T_N(a)		(sizeof(a) / sizeof((a)[0]))

struct t_tcase {
	const char	*name;
	void		(*setup)(void);
	void		(*teardown)(void);
	const TTest	*tests[T_TESTS];
	struct {
		const TTest	*test;
		int		 n;
	}		 loops[T_LOOPS];
};

/* run a suite; the exit status for main() */
int	 t_main(const char *, const struct t_tcase *, size_t);
int	 t_run(Suite *);

#endif /* EPHEMD_TESTUTIL_H */
