/*
 * The live daemon's state, shared by daemon.c (its life) and control.c
 * (the commands ephemctl sends).  Not part of libephemd's interface.
 */
#ifndef EPHEMD_DAEMON_H
#define EPHEMD_DAEMON_H

#include "live.h"

#define ALERT_RING	256	/* recent alerts kept for ephemctl alerts */

struct daemon {
	struct conf	*conf;
	struct core	*core;
	struct loop	*loop;
	struct ct	*ct;
	struct rtnl	*rtnl;		/* the LAN side, neighbours */
	uint64_t	 rtnl_logged;	/* prefixes computed, last logged */
	int		 sigfd;
	struct timer	 reconcile;
	struct timer	 report;
	bool		 report_failing; /* the last report.file write */
	struct timer	 tick;		/* the detectors, each second */
	struct timer	 state;		/* state.file, every state.interval */
	bool		 state_failing;	/* the last save failed (logged) */
	FILE		*flow_log;
	bool		 flow_log_failing; /* its last flush failed */
	FILE		*alerts;	/* alerts.file, JSON lines */
	bool		 alerts_failing; /* the last alert not written */
	bool		 journal;	/* alerts as journal entries */
	struct devices	*devices;	/* MACs behind addresses (rtnl) */
	struct detect	*detect;
	struct quar	*quar;		/* always: the policy answers dry runs */
	struct nftq	*nftq;		/* quarantine.enabled: the kernel side */
	struct drops	*drops;		/* nflog.enabled */
	struct ctl	*ctl;		/* control.socket */
	uint64_t	 started_ms;	/* wall clock */
	struct timer	 qcheck;	/* the table, ends, quarantine.file */
	bool		 table_ok;	/* the last check found it whole */
	bool		 table_checking; /* in daemon_table_check() */
	uint64_t	 table_ident;	/* nftq_ident() of the last check */
	uint64_t	 qminute;	/* the last "still trying" pass */
	uint64_t	 qticks;	/* qcheck runs */
	bool		 quar_failing;	/* the last quarantine.file save */
	struct alert	*ring;		/* the last ALERT_RING alerts */
	uint64_t	 nring;		/* alerts ever put in the ring */
	struct metrics	*metrics;	/* metrics.file */
};

int	 daemon_reload(struct daemon *, FILE *);
int	 daemon_state_save(struct daemon *, bool, char *, size_t);
void	 daemon_quar_save(struct daemon *);
void	 daemon_stats_refresh(struct daemon *);
void	 daemon_report_out(struct daemon *, int, FILE *);
void	 daemon_metrics_src(struct daemon *, struct metrics_src *,
	    struct ct_stats *);

/* control.c: ephemctl's commands, the control socket's handler */
int	 control_command(void *, const struct ctl_peer *, int, char **, bool,
	    FILE *);

#endif
