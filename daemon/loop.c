/*
 * The event loop: one epoll set with a small registry of file descriptors
 * and a few timers multiplexed on one timerfd armed at the earliest
 * deadline.  Single thread; callbacks never block.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "live.h"
#include "log.h"

#define LOOP_FDS	96	/* netlink, signals, NFLOG, control clients */
#define LOOP_TIMERS	16

struct loop_fd {
	int		 fd;
	loop_fd_cb	 cb;
	void		*arg;
};

struct loop {
	int		 epfd;
	int		 tfd;
	bool		 stop;
	struct loop_fd	 fds[LOOP_FDS];
	struct timer	*timers[LOOP_TIMERS];
};

uint64_t
loop_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
loop_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t	clock_base;	/* the wall clock less the monotonic, at start */

/*
 * The pipeline's clock: the wall clock as it was at start, advanced by
 * the monotonic clock.  It never steps: when NTP, or an administrator,
 * steps the wall clock by an hour or a decade (a router without a
 * battery boots in 1970), events, lifetimes, rates and the detectors'
 * timers go on as if nothing happened.  What is shown to people is
 * turned back into wall time with loop_clock_to_wall.
 */
uint64_t
loop_clock_ms(void)
{
	if (clock_base == 0)
		clock_base = loop_wall_ms() - loop_now_ms();
	return loop_now_ms() + clock_base;
}

/* t on a clock that reads from now, on one that reads to (least: its floor) */
static uint64_t
clock_shift(uint64_t t, uint64_t from, uint64_t to, uint64_t least)
{
	if (to >= from)
		return time_add(t, to - from);
	return t > from - to ? t - (from - to) : least;
}

/* Wall-clock time t (the kernel's timestamps) on the pipeline's clock. */
uint64_t
loop_wall_to_clock(uint64_t t)
{
	return clock_shift(t, loop_wall_ms(), loop_clock_ms(), 1);
}

/* Pipeline time t as the wall clock says it now (after its steps). */
uint64_t
loop_clock_to_wall(uint64_t t)
{
	return clock_shift(t, loop_clock_ms(), loop_wall_ms(), 0);
}

static void
loop_timers_run(int fd, uint32_t events, void *arg)
{
	struct loop	*l = arg;
	struct timer	*t;
	uint64_t	 expirations, now;
	size_t		 i;

	if (read(fd, &expirations, sizeof(expirations)) == -1 &&
	    errno != EAGAIN)
		log_warn("timerfd read");
	now = loop_now_ms();
	for (i = 0; i < LOOP_TIMERS; i++) {
		t = l->timers[i];
		if (t == NULL || t->due_ms > now)
			continue;
		l->timers[i] = NULL;
		t->armed = false;
		t->cb(t->arg);
	}
	loop_timers_arm(l);
}

struct loop *
loop_new(void)
{
	struct loop	*l;
	size_t		 i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	for (i = 0; i < LOOP_FDS; i++)
		l->fds[i].fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->epfd == -1 || l->tfd == -1 ||
	    loop_add_fd(l, l->tfd, EPOLLIN, loop_timers_run, l) == -1) {
		loop_free(l);
		return NULL;
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->tfd != -1)
		close(l->tfd);
	if (l->epfd != -1)
		close(l->epfd);
	free(l);
}

int
loop_add_fd(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
    void *arg)
{
	struct epoll_event	 ev;
	struct loop_fd		*slot = NULL;
	size_t			 i;

	for (i = 0; i < LOOP_FDS && slot == NULL; i++)
		if (l->fds[i].fd == -1)
			slot = &l->fds[i];
	if (slot == NULL) {
		errno = ENFILE;
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = slot;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) == -1)
		return -1;
	slot->fd = fd;
	slot->cb = cb;
	slot->arg = arg;
	return 0;
}

/* Change what fd is watched for (0: nothing, for now). */
int
loop_mod_fd(struct loop *l, int fd, uint32_t events)
{
	struct epoll_event	ev;
	size_t			i;

	for (i = 0; i < LOOP_FDS; i++)
		if (l->fds[i].fd == fd) {
			memset(&ev, 0, sizeof(ev));
			ev.events = events;
			ev.data.ptr = &l->fds[i];
			return epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev);
		}
	errno = ENOENT;
	return -1;
}

void
loop_del_fd(struct loop *l, int fd)
{
	size_t	i;

	for (i = 0; i < LOOP_FDS; i++)
		if (l->fds[i].fd == fd) {
			epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
			l->fds[i].fd = -1;
		}
}

/* Arm the timerfd at the earliest deadline, or disarm it. */
void
loop_timers_arm(struct loop *l)
{
	struct itimerspec	its;
	uint64_t		due = UINT64_MAX, now, left;
	size_t			i;

	for (i = 0; i < LOOP_TIMERS; i++)
		if (l->timers[i] != NULL && l->timers[i]->due_ms < due)
			due = l->timers[i]->due_ms;
	memset(&its, 0, sizeof(its));
	if (due != UINT64_MAX) {
		/*
		 * The time left, not an absolute time: nothing of any clock's
		 * value reaches the kernel (a clock shim such as libfaketime,
		 * which the clock tests use, gets absolute timers wrong); 0
		 * would disarm, so at least 1 ns.
		 */
		now = loop_now_ms();
		left = due > now ? due - now : 0;
		its.it_value.tv_sec = left / 1000;
		its.it_value.tv_nsec = (left % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(l->tfd, 0, &its, NULL) == -1)
		log_warn("timerfd_settime");
}

/* Run cb(arg) once, after_ms from now.  Re-arming moves the deadline. */
void
timer_set(struct loop *l, struct timer *t, uint64_t after_ms)
{
	size_t	i, free_slot = LOOP_TIMERS;

	for (i = 0; i < LOOP_TIMERS; i++) {
		if (l->timers[i] == t)
			free_slot = i;
		else if (l->timers[i] == NULL && free_slot == LOOP_TIMERS)
			free_slot = i;
	}
	if (free_slot == LOOP_TIMERS)
		fatalx("timer table full: a broken invariant");
	t->due_ms = loop_now_ms() + after_ms;
	t->armed = true;
	l->timers[free_slot] = t;
	for (i = free_slot + 1; i < LOOP_TIMERS; i++)
		if (l->timers[i] == t)
			l->timers[i] = NULL;
	loop_timers_arm(l);
}

void
timer_stop(struct loop *l, struct timer *t)
{
	size_t	i;

	for (i = 0; i < LOOP_TIMERS; i++)
		if (l->timers[i] == t)
			l->timers[i] = NULL;
	t->armed = false;
	loop_timers_arm(l);
}

/* Dispatch events until loop_stop(); -1 on an epoll failure. */
int
loop_run(struct loop *l)
{
	struct epoll_event	 evs[LOOP_FDS];
	struct loop_fd		*f;
	int			 n, i;

	l->stop = false;
	while (!l->stop) {
		n = epoll_wait(l->epfd, evs, LOOP_FDS, -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_warn("epoll_wait");
			return -1;
		}
		for (i = 0; i < n && !l->stop; i++) {
			f = evs[i].data.ptr;
			if (f->fd != -1)
				f->cb(f->fd, evs[i].events, f->arg);
		}
	}
	return 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = true;
}
