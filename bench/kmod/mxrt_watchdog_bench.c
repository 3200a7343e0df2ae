// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (loaded in the VMs by bench/run.sh; never on the build host).
 *
 * Benchmarks of mxrt_watchdog against a peer measured in the same module run:
 *
 * 1. Cost of a start+cancel pair vs hrtimer_start()+hrtimer_cancel() of an hrtimer armed 1 s ahead
 *    (what a driver would otherwise do to guard an operation). The goal line times the pair a
 *    driver on the sample path makes, mxrt_wd_start_at() with the time it holds anyway (its IRQ
 *    timestamp) + mxrt_wd_cancel(); "#" lines give mxrt_wd_start() (its own clock read) and an
 *    absolute hrtimer armed from the same held time. Batches of the sides alternate (A B C D A B
 *    ...) on one CPU with preemption off, and the median batch of each is compared, so drift and
 *    noise (TCG, other guests) hit all alike.
 * 2. Deadline-to-recovery delay: watchdogs with staggered deadlines, delay = recovery start minus
 *    deadline, against the floor of the same mechanism: bare hrtimers (hard IRQ) handing off to a
 *    SCHED_FIFO kthread worker, measured from each expiry time to its work function, armed as the
 *    watchdogs are (64 at once, the same timeouts, a few us apart). The peer used to arm one timer
 *    at a time, 1..3 ms ahead, and wait for it: its worker then woke an idle CPU every time, which
 *    under TCG costs about a millisecond, so it read 18 times the watchdogs' p50.
 *
 * Prints "bench: <name> = <value> <unit> (goal <op> <target>)" lines and "#" detail lines.
 */
#define pr_fmt(fmt) "mxrt_bench: " fmt

#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sort.h>

#include <watchdog/watchdog.h>

static unsigned int batches = 41;
module_param(batches, uint, 0444);
MODULE_PARM_DESC(batches, "alternating batches per side for the start/cancel comparison (3..1001)");
static unsigned int pairs = 2000;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "operation pairs per batch (1..1000000)");
static unsigned int delay_rounds = 8;
module_param(delay_rounds, uint, 0444);
MODULE_PARM_DESC(delay_rounds, "rounds of 64 staggered watchdogs for the delay distribution (1..4096)");

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 pct(u64 *v, unsigned int n, unsigned int p)
{
	return v[min(n - 1, (n * p) / 100)];
}

static void noop_recover(void *data, const struct mxrt_wd_expiry *e)
{
}

static enum hrtimer_restart noop_timer(struct hrtimer *t)
{
	return HRTIMER_NORESTART;
}

/*
 * Where a start+cancel pair's time goes: the parts it cannot avoid, timed alone in the same run
 * (a clock read for the deadline, an RCU read-side section on each call).
 */
static void bench_breakdown(void)
{
	u64 t0, clock_ns, rcu_ns, sink = 0;
	unsigned int i;

	preempt_disable();
	t0 = ktime_get_ns();
	for (i = 0; i < pairs; i++)
		sink += ktime_get_ns();
	clock_ns = ktime_get_ns() - t0;
	t0 = ktime_get_ns();
	for (i = 0; i < pairs; i++) {
		rcu_read_lock();
		rcu_read_unlock();
		rcu_read_lock();
		rcu_read_unlock();
	}
	rcu_ns = ktime_get_ns() - t0;
	preempt_enable();
	pr_info("# parts of a pair: clock read %llu ns, two RCU read sections %llu ns (%llu)\n",
		clock_ns / pairs, rcu_ns / pairs, sink & 1);
}

/* The sides of the start+cancel comparison, each timed in every batch, in this order. */
enum { SIDE_WD_AT, SIDE_WD, SIDE_HR_REL, SIDE_HR_ABS, SIDES };

static u64 median_of(u64 *v)
{
	sort(v, batches, sizeof(u64), cmp_u64, NULL);
	return v[batches / 2];
}

static void ratio_line(const char *what, u64 num, u64 den)
{
	pr_info("# %s = %llu.%03llu\n", what, num / den, (num * 1000 / den) % 1000);
}

static int bench_start_cancel(void)
{
	struct hrtimer t;
	u64 *ns[SIDES] = {}, t0, now, med[SIDES];
	mxrt_wd_t wd;
	unsigned int b, i, s;
	int ret = 0;

	for (s = 0; s < SIDES; s++)
		ns[s] = kcalloc(batches, sizeof(u64), GFP_KERNEL);
	wd = mxrt_wd_add(1000, noop_recover, NULL, "bench start/cancel");
	for (s = 0; s < SIDES; s++)
		if (!ns[s])
			ret = -ENOMEM;
	if (ret || wd < 0) {
		ret = wd < 0 ? wd : ret;
		goto out;
	}
	hrtimer_init_on_stack(&t, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	t.function = noop_timer;
	/* warm-up: caches, the first start's timer programming */
	for (i = 0; i < pairs; i++) {
		mxrt_wd_start(wd);
		mxrt_wd_cancel(wd);
		hrtimer_start(&t, ms_to_ktime(1000), HRTIMER_MODE_REL_HARD);
		hrtimer_cancel(&t);
	}
	for (b = 0; b < batches; b++) {
		preempt_disable();
		/*
		 * start_at: the time a driver holds anyway (its IRQ timestamp); here the clock read
		 * that starts the batch, one for all its pairs.
		 */
		t0 = now = ktime_get_ns();
		for (i = 0; i < pairs; i++) {
			mxrt_wd_start_at(wd, now);
			mxrt_wd_cancel(wd);
		}
		ns[SIDE_WD_AT][b] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		for (i = 0; i < pairs; i++) {
			mxrt_wd_start(wd);
			mxrt_wd_cancel(wd);
		}
		ns[SIDE_WD][b] = ktime_get_ns() - t0;
		t0 = ktime_get_ns();
		for (i = 0; i < pairs; i++) {
			hrtimer_start(&t, ms_to_ktime(1000), HRTIMER_MODE_REL_HARD);
			hrtimer_cancel(&t);
		}
		ns[SIDE_HR_REL][b] = ktime_get_ns() - t0;
		/* the hrtimer with the caller's time too: absolute, no clock read */
		t0 = now = ktime_get_ns();
		for (i = 0; i < pairs; i++) {
			hrtimer_start(&t, ns_to_ktime(now + NSEC_PER_SEC), HRTIMER_MODE_ABS_HARD);
			hrtimer_cancel(&t);
		}
		ns[SIDE_HR_ABS][b] = ktime_get_ns() - t0;
		preempt_enable();
		cond_resched();
	}
	hrtimer_cancel(&t);
	destroy_hrtimer_on_stack(&t);
	bench_breakdown();
	for (s = 0; s < SIDES; s++)
		med[s] = median_of(ns[s]);
	pr_info("# per pair: watchdog start_at+cancel %llu ns, start+cancel %llu ns; hrtimer relative %llu ns, absolute %llu ns (median of %u batches of %u)\n",
		med[SIDE_WD_AT] / pairs, med[SIDE_WD] / pairs, med[SIDE_HR_REL] / pairs,
		med[SIDE_HR_ABS] / pairs, batches, pairs);
	ratio_line("start+cancel (the clock read inside) vs hrtimer pair", med[SIDE_WD], med[SIDE_HR_REL]);
	ratio_line("start_at+cancel vs absolute hrtimer pair (no clock read either)", med[SIDE_WD_AT],
		   med[SIDE_HR_ABS]);
	pr_info("bench: watchdog_start_cancel_vs_hrtimer = %llu.%03llu ratio (goal <= 0.2)\n",
		med[SIDE_WD_AT] / med[SIDE_HR_REL], (med[SIDE_WD_AT] * 1000 / med[SIDE_HR_REL]) % 1000);
out:
	if (wd > 0)
		mxrt_wd_remove(wd);
	for (s = 0; s < SIDES; s++)
		kfree(ns[s]);
	return ret;
}

#define DELAY_WDS 64
struct delay_ctx {
	mxrt_wd_t wd[DELAY_WDS];
	u64 *samples;
	atomic_t n;
	unsigned int max;
};

static void delay_recover(void *data, const struct mxrt_wd_expiry *e)
{
	struct delay_ctx *c = data;
	int i = atomic_inc_return(&c->n) - 1;

	if (i < c->max)
		c->samples[i] = e->now_ns - e->deadline_ns;
	mxrt_wd_cancel(e->wd);
}

/*
 * The peer: hrtimers (hard IRQ) -> kthread_work on a SCHED_FIFO worker, like the watchdog's path,
 * one timer and work per watchdog of the other side.
 */
struct peer_timer {
	struct hrtimer timer;
	struct kthread_work work;
	struct peer_ctx *ctx;
	u64 expires;
};

struct peer_ctx {
	struct peer_timer t[DELAY_WDS];
	struct kthread_worker *worker;
	u64 *samples;
	atomic_t n;
	unsigned int max;
};

static enum hrtimer_restart peer_timer_fn(struct hrtimer *h)
{
	struct peer_timer *t = container_of(h, struct peer_timer, timer);

	kthread_queue_work(t->ctx->worker, &t->work);
	return HRTIMER_NORESTART;
}

static void peer_work(struct kthread_work *w)
{
	struct peer_timer *t = container_of(w, struct peer_timer, work);
	struct peer_ctx *p = t->ctx;
	int i = atomic_inc_return(&p->n) - 1;

	if (i < p->max)
		p->samples[i] = ktime_get_ns() - t->expires;
}

static void print_dist(const char *what, u64 *v, unsigned int n)
{
	sort(v, n, sizeof(u64), cmp_u64, NULL);
	pr_info("# %s: n=%u p50=%llu us p99=%llu us max=%llu us\n", what, n, pct(v, n, 50) / 1000,
		pct(v, n, 99) / 1000, v[n - 1] / 1000);
}

static int bench_delay(void)
{
	unsigned int total = delay_rounds * DELAY_WDS, r, i, n, pn;
	struct delay_ctx *c;
	struct peer_ctx *p;
	u64 ours99, peer99;
	int ret = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!c || !p) {
		ret = -ENOMEM;
		goto out;
	}
	c->samples = kcalloc(total, sizeof(u64), GFP_KERNEL);
	c->max = total;
	p->samples = kcalloc(total, sizeof(u64), GFP_KERNEL);
	p->max = total;
	if (!c->samples || !p->samples) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < DELAY_WDS; i++) {
		c->wd[i] = mxrt_wd_add(100 + (i * 37) % 100, delay_recover, c, "bench delay");
		if (c->wd[i] < 0) {
			ret = c->wd[i];
			goto remove;
		}
	}
	p->worker = kthread_create_worker(0, "mxrt_bench_peer");
	if (IS_ERR(p->worker)) {
		ret = PTR_ERR(p->worker);
		p->worker = NULL;
		goto remove;
	}
	sched_set_fifo(p->worker->task);	/* same policy and priority as the mxrt_wd thread */
	for (i = 0; i < DELAY_WDS; i++) {
		p->t[i].ctx = p;
		kthread_init_work(&p->t[i].work, peer_work);
		hrtimer_init(&p->t[i].timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
		p->t[i].timer.function = peer_timer_fn;
	}

	for (r = 0; r < delay_rounds; r++) {
		/* ours: 64 watchdogs, deadlines spread over 100 ms, started a few us apart */
		n = atomic_read(&c->n);
		for (i = 0; i < DELAY_WDS; i++) {
			mxrt_wd_start(c->wd[i]);
			udelay(3);
		}
		while (atomic_read(&c->n) < n + DELAY_WDS)
			msleep(10);
		/* the peer, armed the same way: 64 timers, the same timeouts, a few us apart */
		pn = atomic_read(&p->n);
		for (i = 0; i < DELAY_WDS; i++) {
			p->t[i].expires = ktime_get_ns() + (100 + (i * 37) % 100) * NSEC_PER_MSEC;
			hrtimer_start(&p->t[i].timer, ns_to_ktime(p->t[i].expires), HRTIMER_MODE_ABS_HARD);
			udelay(3);
		}
		while (atomic_read(&p->n) < pn + DELAY_WDS)
			msleep(10);
	}
	n = min_t(unsigned int, atomic_read(&c->n), total);
	pn = min_t(unsigned int, atomic_read(&p->n), total);
	print_dist("watchdog deadline-to-recovery delay", c->samples, n);
	print_dist("peer hrtimer->kthread_work delay", p->samples, pn);
	ours99 = pct(c->samples, n, 99);
	peer99 = max_t(u64, pct(p->samples, pn, 99), 1);
	pr_info("bench: watchdog_recovery_delay_p99_vs_hrtimer_kthread = %llu.%03llu ratio (goal <= 2)\n",
		ours99 / peer99, (ours99 * 1000 / peer99) % 1000);
remove:
	if (p->worker) {
		for (i = 0; i < DELAY_WDS; i++)
			hrtimer_cancel(&p->t[i].timer);
		kthread_destroy_worker(p->worker); /* flushes the works queued */
	}
	for (i = 0; i < DELAY_WDS; i++)
		if (c->wd[i] > 0)
			mxrt_wd_remove(c->wd[i]);
out:
	if (c)
		kfree(c->samples);
	if (p)
		kfree(p->samples);
	kfree(p);
	kfree(c);
	return ret;
}

static int __init bench_init(void)
{
	int ret;

	/* bounded: delay_rounds * 64 samples are allocated (a wrapped product was a NULL write) */
	if (batches < 3 || batches > 1001 || pairs < 1 || pairs > 1000000 || delay_rounds < 1 ||
	    delay_rounds > 4096) {
		pr_err("batches 3..1001, pairs 1..1000000, delay_rounds 1..4096; not %u, %u, %u\n",
		       batches, pairs, delay_rounds);
		return -EINVAL;
	}
	ret = bench_start_cancel();
	if (!ret)
		ret = bench_delay();
	if (ret)
		pr_err("failed: %d\n", ret);
	return ret;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("mxrt_watchdog benchmarks against hrtimer peers");
MODULE_LICENSE("GPL");
