// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: kernel (the VM tests load it; never the build host's kernel).
 *
 * In-kernel tests of mxrt_watchdog.ko through its public API, as a driver would use it. All tests
 * run at module load and print KTAP-style lines ("ok N name" / "not ok N name" plus a
 * "# mxrt_watchdog_test: N passed, N failed" summary); loading fails with -EINVAL if any failed.
 *
 * Parameters:
 *   leak=1    leave one armed watchdog registered and load successfully, so that the VM test can
 *             check that unloading a user module with watchdogs still registered is safe.
 *   quick=1   skip the slow tests (used by the load/unload cycles).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <lib/platform/param.h>
#include <watchdog/watchdog.h>

/* the bools take exactly 0, 1, n, y, N or Y, or nothing (on): kernel/lib/platform/param.h */
static const struct kernel_param_ops test_bool_ops = MXRT_PARAM_STRICT_BOOL_OPS;
static bool leak;
module_param_cb(leak, &test_bool_ops, &leak, 0444);
MODULE_PARM_DESC(leak, "leave one armed watchdog registered at unload (tests owner clean-up)");
static bool quick;
module_param_cb(quick, &test_bool_ops, &quick, 0444);
MODULE_PARM_DESC(quick, "run only the fast tests");

#define MS (1000ull * 1000ull)
#define MAX_REC 8

struct rec {
	mxrt_wd_t wd;
	atomic_t calls;
	bool remove_self;
	int remove_ret;
	mxrt_wd_t kick_other;	/* kick this (armed) watchdog from the callback */
	int kick_ret;
	bool bad_context;	/* a callback ran in atomic context or outside the mxrt_wd thread */
	unsigned int sleep_after_ms;	/* after remove_self: say so (entered), sleep, then over */
	bool entered, over;
	u64 deadline[MAX_REC];
	u64 now[MAX_REC];
	u64 end[MAX_REC];	/* when the callback returned */
	u32 count[MAX_REC];
};

static void rec_fn(void *data, const struct mxrt_wd_expiry *e)
{
	struct rec *r = data;
	int n = atomic_read(&r->calls);

	if (in_atomic() || irqs_disabled() || in_interrupt() || strcmp(current->comm, "mxrt_wd"))
		r->bad_context = true;
	might_sleep();
	if (n < MAX_REC) {
		r->deadline[n] = e->deadline_ns;
		r->now[n] = e->now_ns;
		r->count[n] = e->count;
	}
	if (r->remove_self)
		r->remove_ret = mxrt_wd_remove(e->wd);
	if (r->sleep_after_ms) {
		WRITE_ONCE(r->entered, true);
		msleep(r->sleep_after_ms);
		WRITE_ONCE(r->over, true);
	}
	if (r->kick_other)
		r->kick_ret = mxrt_wd_kick(r->kick_other);
	if (n < MAX_REC)
		r->end[n] = ktime_get_ns();
	atomic_inc_return_release(&r->calls);
}

static bool failed;
static int test_no, test_pass, test_fail;

#define CHECK(cond)                                                                    \
	({                                                                             \
		bool _ok = (cond);                                                     \
		if (!_ok) {                                                            \
			pr_err("  check failed at line %d: %s\n", __LINE__, #cond);   \
			failed = true;                                                 \
		}                                                                      \
		_ok;                                                                   \
	})
#define CHECK_EQ(a, b)                                                                 \
	({                                                                             \
		long long _a = (a), _b = (b);                                          \
		bool _ok = _a == _b;                                                   \
		if (!_ok) {                                                            \
			pr_err("  check failed at line %d: %s == %s (%lld vs %lld)\n", \
			       __LINE__, #a, #b, _a, _b);                              \
			failed = true;                                                 \
		}                                                                      \
		_ok;                                                                   \
	})

/*
 * Call i followed call i - 1 on the deadline grid of interval @t: a whole number of intervals
 * later, and after the previous pass (no catch-up call). One interval, unless the previous pass or
 * its callback ended past the next grid point (the recovery thread ran late: in these tests only
 * when the emulated machine stood still), when the library skips the missed points; the library
 * reads its clock right after the callback returns, which @end records (10 ms allowed between).
 */
static bool grid_step_ok(const struct rec *r, int i, u64 t)
{
	u64 d = r->deadline[i], prev = r->deadline[i - 1];

	if (d <= prev || (d - prev) % t != 0 || d <= r->now[i - 1])
		return false;
	if (d - prev == t)
		return true;
	pr_info("  call %d came %llu intervals after the last: that pass ran %llu ms late, its callback ended %llu ms late\n",
		i, (d - prev) / t, (r->now[i - 1] - prev) / MS, (r->end[i - 1] - prev) / MS);
	return d - t <= r->end[i - 1] + 10 * MS;
}

/*
 * Whether the machine stood still: a sleep that was to end @want ms after @t0 ended at least
 * @late ms later than that. A test whose premise is "this happens before that deadline" tries
 * again then (and says so): TCG guests on a busy host stand still for tens of ms.
 */
static bool stood_still(u64 t0, unsigned int want, unsigned int late)
{
	u64 took = ktime_get_ns() - t0;

	if (took < (u64)(want + late) * MS)
		return false;
	pr_info("  a %u ms step took %llu ms: the machine stood still; trying again\n", want, took / MS);
	return true;
}

/* Waits up to @ms for r->calls >= n. */
static bool wait_calls(struct rec *r, int n, unsigned int ms)
{
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	while (atomic_read_acquire(&r->calls) < n) {
		if (time_after(jiffies, end))
			return false;
		msleep(5);
	}
	return true;
}

static void test_bad_arguments(void)
{
	struct rec r = {};
	mxrt_wd_t wd;

	CHECK_EQ(mxrt_wd_add(0, rec_fn, &r, "zero"), -EINVAL);
	CHECK_EQ(mxrt_wd_add(MXRT_WD_MAX_TIMEOUT_MS + 1, rec_fn, &r, "too long"), -EINVAL);
	CHECK_EQ(mxrt_wd_add(100, NULL, &r, "no fn"), -EINVAL);
	CHECK_EQ(mxrt_wd_start(0), -EINVAL);
	CHECK_EQ(mxrt_wd_start(-5), -EINVAL);
	CHECK_EQ(mxrt_wd_cancel(-EINVAL), -EINVAL);
	CHECK_EQ(mxrt_wd_kick(0), -EINVAL);
	CHECK_EQ(mxrt_wd_remove(0), -EINVAL);
	CHECK_EQ(mxrt_wd_start(0x7fffffffffffffffll), -EINVAL);
	CHECK_EQ(mxrt_wd_start(0xfffff), -ENOENT); /* index never allocated */
	CHECK_EQ(mxrt_wd_start_at(0, ktime_get_ns()), -EINVAL);
	CHECK_EQ(mxrt_wd_kick_at(-3, ktime_get_ns()), -EINVAL);
	CHECK_EQ(mxrt_wd_set_timeout(0, 100), -EINVAL);
	wd = mxrt_wd_add(MXRT_WD_MIN_TIMEOUT_MS, rec_fn, &r, "minimum");
	if (CHECK(wd > 0))
		CHECK_EQ(mxrt_wd_remove(wd), 0);
}

/*
 * start_at/kick_at: due at the caller's time + timeout, however old that time; a time that is no
 * clock reading is refused and arms nothing.
 */
static void test_start_at(void)
{
	struct rec r = {};
	u64 t0, t1;

	r.wd = mxrt_wd_add(100, rec_fn, &r, "start_at");
	if (!CHECK(r.wd > 0))
		return;
	t0 = ktime_get_ns();
	msleep(30);
	CHECK_EQ(mxrt_wd_start_at(r.wd, t0), 1);
	CHECK(wait_calls(&r, 1, 3000));
	/* deadlines are even (bit 0 is the library's expired flag): at most 1 ns later */
	CHECK(r.deadline[0] >= t0 + 100 * MS && r.deadline[0] <= t0 + 100 * MS + 1);
	t1 = ktime_get_ns();
	CHECK_EQ(mxrt_wd_kick_at(r.wd, t1 - 60 * MS), 0); /* expired -> due 40 ms from now */
	CHECK(wait_calls(&r, 2, 3000));
	CHECK(r.deadline[1] >= t1 + 40 * MS && r.deadline[1] <= t1 + 40 * MS + 1);
	CHECK_EQ(r.count[1], 1);
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	CHECK_EQ(mxrt_wd_start_at(r.wd, U64_MAX), -EINVAL);
	CHECK_EQ(mxrt_wd_kick_at(r.wd, (1ull << 62) + 1), -EINVAL);
	CHECK_EQ(mxrt_wd_cancel(r.wd), 0);
	CHECK(!r.bad_context);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
	CHECK_EQ(mxrt_wd_start_at(r.wd, ktime_get_ns()), -ENOENT);
	CHECK_EQ(mxrt_wd_kick_at(r.wd, ktime_get_ns()), -ENOENT);
}

/* set_timeout: the next start and every repeat use it; out-of-range values change nothing. */
static void test_set_timeout(void)
{
	struct rec r = {};
	u64 t0, t1;

	r.wd = mxrt_wd_add(5000, rec_fn, &r, "set_timeout");
	if (!CHECK(r.wd > 0))
		return;
	CHECK_EQ(mxrt_wd_set_timeout(r.wd, 50), 0);
	CHECK_EQ(mxrt_wd_set_timeout(r.wd, 0), -EINVAL);
	CHECK_EQ(mxrt_wd_set_timeout(r.wd, MXRT_WD_MAX_TIMEOUT_MS + 1), -EINVAL);
	t0 = ktime_get_ns();
	CHECK_EQ(mxrt_wd_start(r.wd), 1);
	t1 = ktime_get_ns();
	CHECK(wait_calls(&r, 2, 3000));
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	CHECK(r.deadline[0] >= t0 + 50 * MS && r.deadline[0] <= t1 + 50 * MS + 1);
	CHECK(grid_step_ok(&r, 1, 50 * MS));
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
	CHECK_EQ(mxrt_wd_set_timeout(r.wd, 100), -ENOENT);
}

/* The shortest timeout really fires every millisecond (on the grid), in the recovery thread. */
static void test_one_millisecond(void)
{
	struct rec r = {};
	int i;

	r.wd = mxrt_wd_add(1, rec_fn, &r, "1 ms");
	if (!CHECK(r.wd > 0))
		return;
	CHECK_EQ(mxrt_wd_start(r.wd), 1);
	CHECK(wait_calls(&r, 4, 3000));
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	CHECK(!r.bad_context);
	for (i = 1; i < 4; i++) /* a repeat the thread missed is skipped: a multiple of 1 ms */
		CHECK(r.deadline[i] > r.deadline[i - 1] && (r.deadline[i] - r.deadline[i - 1]) % MS == 0);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
}

static void test_stale_handles(void)
{
	struct rec r = {};
	mxrt_wd_t a, b;

	a = mxrt_wd_add(200, rec_fn, &r, "stale a");
	if (!CHECK(a > 0))
		return;
	CHECK_EQ(mxrt_wd_remove(a), 0);
	CHECK_EQ(mxrt_wd_start(a), -ENOENT);
	CHECK_EQ(mxrt_wd_cancel(a), -ENOENT);
	CHECK_EQ(mxrt_wd_kick(a), -ENOENT);
	CHECK_EQ(mxrt_wd_remove(a), -ENOENT);
	/*
	 * The old handle stays refused after another add. That add cannot take a's slot here (a
	 * removed slot waits for an RCU grace period first); a handle of a reused slot is refused by
	 * its generation, which the Google Test StaleHandlesAreRefusedAfterRemoveAndReuse checks.
	 */
	b = mxrt_wd_add(200, rec_fn, &r, "stale b");
	if (!CHECK(b > 0))
		return;
	CHECK(b != a);
	CHECK_EQ(mxrt_wd_start(a), -ENOENT);
	CHECK_EQ(mxrt_wd_cancel(b), 0);
	CHECK_EQ(mxrt_wd_remove(b), 0);
}

/* Start-once, recovery context, repeat once per interval on the deadline grid, silence after cancel. */
static void test_start_once_and_repeat(void)
{
	struct rec r = {};
	u64 t0, t1;
	int i, n;

	r.wd = mxrt_wd_add(100, rec_fn, &r, "repeat");
	if (!CHECK(r.wd > 0))
		return;
	t0 = ktime_get_ns();
	CHECK_EQ(mxrt_wd_start(r.wd), 1);
	t1 = ktime_get_ns();
	msleep(40);
	CHECK_EQ(mxrt_wd_start(r.wd), 0); /* start-once: does not move the deadline */
	CHECK(wait_calls(&r, 3, 3000));
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	n = atomic_read_acquire(&r.calls);
	msleep(350);
	CHECK_EQ(atomic_read(&r.calls), n); /* never after cancel */
	CHECK(!r.bad_context);
	CHECK(r.deadline[0] >= t0 + 100 * MS && r.deadline[0] <= t1 + 100 * MS + 1);
	for (i = 0; i < min(n, MAX_REC); i++) {
		CHECK(r.now[i] >= r.deadline[i]);
		CHECK_EQ(r.count[i], i + 1);
		if (i > 0)
			CHECK(grid_step_ok(&r, i, 100 * MS));
	}
	CHECK_EQ(mxrt_wd_cancel(r.wd), 0);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
}

/*
 * A fresh watchdog in @r (@timeout_ms, @name), armed by @arm (mxrt_wd_start or mxrt_wd_kick of an
 * idle one: 1), then @sleep_ms asleep: the caller's next step must come before the deadline. If the
 * sleep overran by 70 ms (the machine stood still), the watchdog is removed and all of it is tried
 * again, twice at most. False if the watchdog could not be added.
 */
static bool armed_then_slept(struct rec *r, unsigned int timeout_ms, const char *name,
			     int (*arm)(mxrt_wd_t), unsigned int sleep_ms)
{
	int try;
	u64 t0;

	for (try = 0;; try++) {
		memset(r, 0, sizeof(*r));
		r->wd = mxrt_wd_add(timeout_ms, rec_fn, r, name);
		if (!CHECK(r->wd > 0))
			return false;
		t0 = ktime_get_ns();
		CHECK_EQ(arm(r->wd), 1);
		msleep(sleep_ms);
		if (try == 2 || !stood_still(t0, sleep_ms, 70))
			return true;
		CHECK_EQ(mxrt_wd_remove(r->wd), 0); /* waits for a recovery that ran meanwhile */
	}
}

static void test_cancel_before_deadline(void)
{
	struct rec r;

	/* the cancel must come before the 100 ms deadline */
	if (!armed_then_slept(&r, 100, "cancelled", mxrt_wd_start, 20))
		return;
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	msleep(300);
	CHECK_EQ(atomic_read(&r.calls), 0);
	/* ... and it can be armed again afterwards. */
	CHECK_EQ(mxrt_wd_start(r.wd), 1);
	CHECK(wait_calls(&r, 1, 3000));
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
}

static void test_kick(void)
{
	struct rec r;
	u64 tk;

	/* kicked idle -> armed; the second kick must come before the 200 ms deadline */
	if (!armed_then_slept(&r, 200, "kicked", mxrt_wd_kick, 120))
		return;
	tk = ktime_get_ns();
	CHECK_EQ(mxrt_wd_kick(r.wd), 0);	/* armed -> fresh deadline */
	CHECK(wait_calls(&r, 1, 3000));
	CHECK(r.deadline[0] >= tk + 200 * MS);
	CHECK_EQ(mxrt_wd_cancel(r.wd), 1);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
}

/*
 * A kick of an armed watchdog during an expiry pass (here: from another watchdog's recovery, while
 * the pass has not yet rescanned the table) re-arms the timer, and still says "was armed" (0).
 */
static void test_kick_armed_during_pass(void)
{
	struct rec a = { .kick_ret = -1 }, b = {};

	a.wd = mxrt_wd_add(100, rec_fn, &a, "kicks b");
	b.wd = mxrt_wd_add(5000, rec_fn, &b, "kicked in a pass");
	if (!CHECK(a.wd > 0) || !CHECK(b.wd > 0))
		goto out;
	a.kick_other = b.wd;
	CHECK_EQ(mxrt_wd_start(b.wd), 1);
	CHECK_EQ(mxrt_wd_start(a.wd), 1);
	CHECK(wait_calls(&a, 1, 3000));
	CHECK_EQ(mxrt_wd_cancel(a.wd), 1);
	CHECK_EQ(a.kick_ret, 0);
	CHECK_EQ(mxrt_wd_cancel(b.wd), 1);
	CHECK_EQ(atomic_read(&b.calls), 0);
out:
	if (a.wd > 0)
		mxrt_wd_remove(a.wd);
	if (b.wd > 0)
		mxrt_wd_remove(b.wd);
}

static void test_remove_from_own_recovery(void)
{
	struct rec r = { .remove_self = true, .remove_ret = 1 };
	mxrt_wd_t wd;

	wd = r.wd = mxrt_wd_add(100, rec_fn, &r, "self-remove");
	if (!CHECK(r.wd > 0))
		return;
	CHECK_EQ(mxrt_wd_start(wd), 1);
	CHECK(wait_calls(&r, 1, 3000));
	msleep(300);
	CHECK_EQ(atomic_read(&r.calls), 1);
	CHECK_EQ(r.remove_ret, 0);
	CHECK_EQ(mxrt_wd_start(wd), -ENOENT);
}

/*
 * A recovery that removed its own watchdog and runs on (sleeps): the driver's remove() of the
 * handle gets -ENOENT, but only once the recovery is over, so that the driver may free what it
 * uses. It used to return at once (a use-after-free under KASAN, an Oops once the module went).
 */
static void test_remove_waits_for_self_removed_recovery(void)
{
	struct rec r = { .remove_self = true, .remove_ret = 1, .sleep_after_ms = 200 };
	mxrt_wd_t wd;
	int i, ret;
	bool over;

	wd = r.wd = mxrt_wd_add(10, rec_fn, &r, "self-remove-sleep");
	if (!CHECK(wd > 0))
		return;
	CHECK_EQ(mxrt_wd_start(wd), 1);
	for (i = 0; i < 3000 && !READ_ONCE(r.entered); i++)
		msleep(1);
	CHECK(READ_ONCE(r.entered));
	ret = mxrt_wd_remove(wd);
	over = READ_ONCE(r.over);
	CHECK_EQ(ret, -ENOENT);
	CHECK(over);
	CHECK_EQ(r.remove_ret, 0);
	if (!over)
		msleep(400); /* r is on this stack: the recovery must end before it goes */
}

/* start/cancel from hard-IRQ context: an hrtimer in HRTIMER_MODE_REL_HARD (hard IRQ on PREEMPT_RT). */
enum irq_call_op { IRQ_START, IRQ_CANCEL, IRQ_START_AT };

struct irq_ctx {
	struct hrtimer timer;
	mxrt_wd_t wd;
	enum irq_call_op op;
	int ret;
	bool was_hardirq;
	struct completion done;
};

static enum hrtimer_restart irq_ctx_fn(struct hrtimer *t)
{
	struct irq_ctx *c = container_of(t, struct irq_ctx, timer);

	c->was_hardirq = in_hardirq();
	switch (c->op) {
	case IRQ_START:
		c->ret = mxrt_wd_start(c->wd);
		break;
	case IRQ_CANCEL:
		c->ret = mxrt_wd_cancel(c->wd);
		break;
	case IRQ_START_AT:
		c->ret = mxrt_wd_start_at(c->wd, ktime_get_ns());
		break;
	}
	complete(&c->done);
	return HRTIMER_NORESTART;
}

static int irq_call(struct irq_ctx *c, enum irq_call_op op)
{
	c->op = op;
	reinit_completion(&c->done);
	hrtimer_start(&c->timer, ms_to_ktime(1), HRTIMER_MODE_REL_HARD);
	wait_for_completion(&c->done);
	return c->ret;
}

static void test_hardirq_context(void)
{
	struct rec r = {};
	struct irq_ctx c = {};

	r.wd = mxrt_wd_add(100, rec_fn, &r, "irq");
	if (!CHECK(r.wd > 0))
		return;
	init_completion(&c.done);
	hrtimer_init_on_stack(&c.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	c.timer.function = irq_ctx_fn;
	c.wd = r.wd;

	/* Started in hard IRQ and cancelled in hard IRQ before the deadline: no recovery. */
	CHECK_EQ(irq_call(&c, IRQ_START), 1);
	CHECK(c.was_hardirq);
	CHECK_EQ(irq_call(&c, IRQ_CANCEL), 1);
	CHECK_EQ(irq_call(&c, IRQ_START_AT), 1);
	CHECK_EQ(irq_call(&c, IRQ_CANCEL), 1);
	msleep(250);
	CHECK_EQ(atomic_read(&r.calls), 0);
	/* Started in hard IRQ and left: recovery runs in the sleepable thread. */
	CHECK_EQ(irq_call(&c, IRQ_START_AT), 1);
	CHECK(wait_calls(&r, 1, 3000));
	CHECK(!r.bad_context);
	CHECK_EQ(irq_call(&c, IRQ_CANCEL), 1);
	hrtimer_cancel(&c.timer);
	destroy_hrtimer_on_stack(&c.timer); /* on the stack: debugobjects must be told */
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
}

/* Every CPU hammers start/cancel on one shared and one private watchdog. */
struct hammer {
	struct task_struct *task;
	mxrt_wd_t shared, own;
	long started, cancelled, own_started, own_cancelled, errors;
	struct completion done;
};

static atomic_t hammer_stop;

static int hammer_fn(void *data)
{
	struct hammer *h = data;
	int ret;

	while (!atomic_read(&hammer_stop)) {
		ret = mxrt_wd_start(h->shared);
		h->started += ret == 1;
		h->errors += ret < 0;
		ret = mxrt_wd_cancel(h->shared);
		h->cancelled += ret == 1;
		h->errors += ret < 0;
		ret = mxrt_wd_start(h->own);
		h->own_started += ret == 1;
		h->errors += ret != 1;
		ret = mxrt_wd_cancel(h->own);
		h->own_cancelled += ret == 1;
		h->errors += ret != 1;
		cond_resched();
	}
	complete(&h->done);
	return 0;
}

static void test_concurrent_start_cancel(void)
{
	struct rec shared = {};
	struct rec *own;
	struct hammer *h;
	int cpu, n = num_online_cpus(), i = 0, final;
	long started = 0, cancelled = 0;

	own = kcalloc(n, sizeof(*own), GFP_KERNEL);
	h = kcalloc(n, sizeof(*h), GFP_KERNEL);
	if (!CHECK(own && h))
		goto out;
	shared.wd = mxrt_wd_add(1000, rec_fn, &shared, "hammer shared");
	if (!CHECK(shared.wd > 0))
		goto out;
	atomic_set(&hammer_stop, 0);
	for_each_online_cpu(cpu) {
		own[i].wd = mxrt_wd_add(1000, rec_fn, &own[i], "hammer own");
		h[i].shared = shared.wd;
		h[i].own = own[i].wd;
		init_completion(&h[i].done);
		h[i].task = kthread_create(hammer_fn, &h[i], "wd_hammer/%d", cpu);
		if (!CHECK(!IS_ERR(h[i].task)))
			break;
		kthread_bind(h[i].task, cpu);
		wake_up_process(h[i].task);
		i++;
	}
	msleep(500);
	atomic_set(&hammer_stop, 1);
	while (i-- > 0) {
		wait_for_completion(&h[i].done);
		started += h[i].started;
		cancelled += h[i].cancelled;
		CHECK_EQ(h[i].errors, 0);
		CHECK(h[i].own_started > 0);
		/* A private watchdog: every start armed it and every cancel disarmed it. */
		CHECK_EQ(h[i].own_started, h[i].own_cancelled);
		CHECK_EQ(mxrt_wd_remove(own[i].wd), 0);
	}
	/* Shared: arming and disarming strictly alternate, whatever the interleaving. */
	final = mxrt_wd_cancel(shared.wd);
	CHECK_EQ(started, cancelled + final);
	pr_info("  hammer: %d CPUs, %ld arming starts on the shared watchdog\n", n, started);
	CHECK_EQ(mxrt_wd_remove(shared.wd), 0);
out:
	kfree(h);
	kfree(own);
}

/* remove() while other CPUs keep using the handle: afterwards they all get -ENOENT, no recovery runs. */
struct user_ctx {
	mxrt_wd_t wd;
	atomic_t enoent;
	struct completion done;
};

static int remove_race_fn(void *data)
{
	struct user_ctx *u = data;

	while (!atomic_read(&hammer_stop)) {
		if (mxrt_wd_start(u->wd) == -ENOENT && mxrt_wd_cancel(u->wd) == -ENOENT)
			atomic_inc(&u->enoent);
		cond_resched();
	}
	complete(&u->done);
	return 0;
}

static void test_remove_while_in_use(void)
{
	struct rec r = {};
	struct user_ctx u = {};
	struct task_struct *t;
	int calls;

	r.wd = mxrt_wd_add(100, rec_fn, &r, "remove race");
	if (!CHECK(r.wd > 0))
		return;
	u.wd = r.wd;
	init_completion(&u.done);
	atomic_set(&hammer_stop, 0);
	t = kthread_run(remove_race_fn, &u, "wd_remove_race");
	if (!CHECK(!IS_ERR(t)))
		return;
	msleep(50);
	CHECK_EQ(mxrt_wd_remove(r.wd), 0);
	calls = atomic_read(&r.calls);
	msleep(300);
	atomic_set(&hammer_stop, 1);
	wait_for_completion(&u.done);
	CHECK(atomic_read(&u.enoent) > 0);
	CHECK_EQ(atomic_read(&r.calls), calls);
}

/* 10,000 armed watchdogs with distinct timeouts: each fires once, in order, never early. */
#define MANY 10000
struct many_rec {
	u64 start_ns, started_ns; /* the clock just before and just after mxrt_wd_start() */
	u64 deadline_ns;
	u64 now_ns;
	atomic_t calls;
};

static atomic_t many_calls;

static void many_fn(void *data, const struct mxrt_wd_expiry *e)
{
	struct many_rec *m = data;

	if (atomic_inc_return(&m->calls) == 1) {
		m->deadline_ns = e->deadline_ns;
		m->now_ns = e->now_ns;
	}
	atomic_inc(&many_calls);
}

static void test_ten_thousand(void)
{
	struct many_rec *m;
	mxrt_wd_t *wd;
	unsigned long end;
	u64 max_delay = 0;
	int i, early = 0, wrong_deadline = 0, multiple = 0;

	m = vcalloc(MANY, sizeof(*m));
	wd = vcalloc(MANY, sizeof(*wd));
	if (!CHECK(m && wd))
		goto out;
	atomic_set(&many_calls, 0);
	for (i = 0; i < MANY; i++) {
		/* timeouts 100 .. 1099 ms, ten watchdogs per millisecond */
		wd[i] = mxrt_wd_add(100 + i / 10, many_fn, &m[i], "many");
		if (!CHECK(wd[i] > 0))
			goto remove;
	}
	for (i = 0; i < MANY; i++) {
		m[i].start_ns = ktime_get_ns();
		CHECK_EQ(mxrt_wd_start(wd[i]), 1);
		m[i].started_ns = ktime_get_ns();
	}
	end = jiffies + msecs_to_jiffies(20000);
	while (atomic_read(&many_calls) < MANY && time_before(jiffies, end))
		msleep(20);
	for (i = 0; i < MANY; i++)
		mxrt_wd_cancel(wd[i]);
	CHECK_EQ(atomic_read(&many_calls) >= MANY, 1);
	for (i = 0; i < MANY; i++) {
		u64 timeout = (100 + i / 10) * MS;

		if (atomic_read(&m[i].calls) < 1)
			continue;
		early += m[i].now_ns < m[i].deadline_ns;
		/* start() reads the clock between our two reads: the deadline is that + timeout (a
		 * fixed window after the first read failed under TCG when the host preempted the vCPU) */
		wrong_deadline += m[i].deadline_ns < m[i].start_ns + timeout ||
				  m[i].deadline_ns > m[i].started_ns + timeout;
		/* a repeat is legitimate only after a full extra timeout */
		multiple += atomic_read(&m[i].calls) > 1 && m[i].deadline_ns + timeout > ktime_get_ns();
		max_delay = max(max_delay, m[i].now_ns - m[i].deadline_ns);
	}
	CHECK_EQ(early, 0);
	CHECK_EQ(wrong_deadline, 0);
	CHECK_EQ(multiple, 0);
	pr_info("  10000 watchdogs: %d recoveries, max deadline-to-recovery delay %llu us\n",
		atomic_read(&many_calls), max_delay / 1000);
remove:
	for (i = 0; i < MANY; i++)
		if (wd[i] > 0)
			CHECK_EQ(mxrt_wd_remove(wd[i]), 0);
out:
	vfree(wd);
	vfree(m);
}

struct test {
	const char *name;
	void (*fn)(void);
	bool slow;
};

static const struct test tests[] = {
	{ "bad_arguments", test_bad_arguments },
	{ "stale_handles", test_stale_handles },
	{ "start_once_and_repeat", test_start_once_and_repeat },
	{ "cancel_before_deadline", test_cancel_before_deadline },
	{ "kick", test_kick },
	{ "start_at", test_start_at },
	{ "set_timeout", test_set_timeout },
	{ "one_millisecond", test_one_millisecond },
	{ "kick-armed-during-pass", test_kick_armed_during_pass },
	{ "remove_from_own_recovery", test_remove_from_own_recovery },
	{ "remove_waits_for_self_removed_recovery", test_remove_waits_for_self_removed_recovery },
	{ "hardirq_context", test_hardirq_context },
	{ "concurrent_start_cancel", test_concurrent_start_cancel, true },
	{ "remove_while_in_use", test_remove_while_in_use, true },
	{ "ten_thousand", test_ten_thousand, true },
};

static struct rec leaked;

static int __init wd_test_init(void)
{
	int i;

	pr_info("KTAP version 1\n");
	pr_info("1..%zu\n", ARRAY_SIZE(tests));
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		test_no++;
		if (quick && tests[i].slow) {
			pr_info("ok %d %s # SKIP quick=1\n", test_no, tests[i].name);
			continue;
		}
		failed = false;
		tests[i].fn();
		if (failed)
			test_fail++;
		else
			test_pass++;
		pr_info("%s %d %s\n", failed ? "not ok" : "ok", test_no, tests[i].name);
	}
	pr_info("# mxrt_watchdog_test: %d passed, %d failed\n", test_pass, test_fail);
	if (test_fail)
		return -EINVAL;
	if (leak) {
		leaked.wd = mxrt_wd_add(100, rec_fn, &leaked, "leaked on purpose");
		if (leaked.wd < 0)
			return leaked.wd;
		mxrt_wd_start(leaked.wd);
	}
	return 0;
}

/*
 * With leak=1: the watchdog (100 ms, repeating) is still registered while this exit() runs; the
 * library keeps it working until the module notifier removes it after exit() returns (a driver
 * may need that: ours recovers a bus stuck in its final shutdown). 300 ms here see about three
 * calls; a module that frees what its recovery uses must remove its watchdogs first.
 */
static void __exit wd_test_exit(void)
{
	int before;

	if (!leak)
		return;
	before = atomic_read(&leaked.calls);
	msleep(300);
	pr_info("recoveries while unloading: %d\n", atomic_read(&leaked.calls) - before);
}

module_init(wd_test_init);
module_exit(wd_test_exit);
MODULE_DESCRIPTION("In-kernel tests of mxrt_watchdog");
MODULE_LICENSE("GPL");
