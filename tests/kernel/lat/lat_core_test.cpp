// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The scheduling-latency core (kernel/lat/lat_core.cpp) fed with hand-built
// sched_wakeup/sched_switch/hrtimer sequences: each metric's value, preemption, relief across
// non-timer sleeps, IRQ-thread run time, duplicate wakeups, SLO counting, histogram and permille,
// worst-case trace capture and overflow, reset, the text formats, and a concurrent reader (TSan).
#include <gtest/gtest.h>

#include <algorithm>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <lat/lat_core.h>

namespace {

constexpr int32_t kPid = 1234;
constexpr int32_t kHog = 4242;
constexpr uint64_t kNone = ~0ull;

mxrt_lat_event Ev(uint64_t ts, uint32_t type, uint32_t cpu, int32_t prev, const char *prev_comm, int32_t next,
		  const char *next_comm, uint32_t prev_state = 0) {
	mxrt_lat_event e{};
	e.ts_ns = ts;
	e.type = type;
	e.cpu = cpu;
	e.prev_pid = prev;
	e.next_pid = next;
	e.prev_prio = prev == kPid ? 49 : 120;
	e.next_prio = next == kPid ? 49 : 120;
	e.prev_state = prev_state;
	// e is zeroed: a comm of 15 characters or less keeps its NUL
	std::memcpy(e.prev_comm, prev_comm, std::min(std::strlen(prev_comm), sizeof(e.prev_comm) - 1));
	std::memcpy(e.next_comm, next_comm, std::min(std::strlen(next_comm), sizeof(e.next_comm) - 1));
	return e;
}

int32_t Prio(int32_t pid) { return pid == kPid ? 49 : 120; }

// A task record as the shim hands it over (the kernel's task_struct, reduced to what the core reads,
// in another order than the declaration's so the layout matters): a comm of MXRT_LAT_COMM_LEN
// bytes, NUL-padded (the core reads them all).
struct Rec {
	char pad[3];
	char comm[MXRT_LAT_COMM_LEN] = {};
	int32_t prio, pid;
	Rec(int32_t p, const char *c) : prio(Prio(p)), pid(p) {
		std::memcpy(comm, c, std::min(std::strlen(c), sizeof(comm) - 1));
	}
};

void SetLayout() {
	const mxrt_lat_task_layout l = {uint32_t(offsetof(Rec, pid)), uint32_t(offsetof(Rec, prio)),
					uint32_t(offsetof(Rec, comm))};
	mxrt_lat_set_task_layout(&l);
}

// Hands a switch on log->cpu to the core as the shim does.
void Switch(mxrt_lat_cpu_log *log, mxrt_lat_task *prev_t, mxrt_lat_task *next_t, uint64_t ts, int32_t prev_pid,
	    const char *prev_comm, int32_t next_pid, const char *next_comm, uint32_t voluntary) {
	const Rec prev(prev_pid, prev_comm), next(next_pid, next_comm);
	mxrt_lat_switch(log, prev_t, next_t, &prev, &next, ts, int(voluntary));
}

constexpr uint32_t kCpus = 4;

// A watched task "ctl" (pid 1234) with the CPU logs of a 4-CPU machine, and the events the shim
// would hand over for it.
class Task {
public:
	explicit Task(bool irq_thread = false, int capture = MXRT_LAT_CAPTURE_ALL)
		: t_(new mxrt_lat_task), logs_(new mxrt_lat_cpu_log[kCpus]) {
		SetLayout();
		mxrt_lat_cpu_logs_init(logs_.get(), kCpus);
		mxrt_lat_task_init(t_.get(), kPid, kPid - 1, irq_thread ? "irq/42-dev" : "ctl", irq_thread, capture);
		mxrt_lat_set_cpu_logs(t_.get(), logs_.get(), kCpus);
	}
	mxrt_lat_task *operator->() { return t_.get(); }
	mxrt_lat_task *get() { return t_.get(); }
	mxrt_lat_cpu_log *logs() { return logs_.get(); }
	uint64_t Waiters(uint32_t cpu) { return __atomic_load_n(&logs_[cpu].waiters, __ATOMIC_RELAXED); }

	void Wake(uint64_t ts, uint32_t cpu = 0) {
		const Rec waker(7, "waker"), ctl(kPid, "ctl");
		mxrt_lat_wakeup(get(), &waker, &ctl, cpu, ts);
	}
	// t switched in, replacing `from` (the hog by default, which was preempted).
	void In(uint64_t ts, uint32_t cpu = 0, int32_t from = kHog, const char *from_comm = "hog") {
		Switch(&logs_[cpu], nullptr, get(), ts, from, from_comm, kPid, "ctl", 0);
	}
	void Sleep(uint64_t ts, uint32_t cpu = 0) {
		Switch(&logs_[cpu], get(), nullptr, ts, kPid, "ctl", 0, "swapper/0", 1);
	}
	void Preempt(uint64_t ts, uint32_t cpu = 0, int32_t to = kHog, const char *to_comm = "hog") {
		Switch(&logs_[cpu], get(), nullptr, ts, kPid, "ctl", to, to_comm, 0);
	}
	// Another switch on a CPU (neither side tracked): into that CPU's log only.
	void Other(uint64_t ts, uint32_t cpu, int32_t prev, const char *pc, int32_t next, const char *nc,
		   uint32_t voluntary = 0) {
		Switch(&logs_[cpu], nullptr, nullptr, ts, prev, pc, next, nc, voluntary);
	}
	void Arm(uint64_t ts) { mxrt_lat_on_timer_arm(get(), ts); }

	mxrt_lat_stat Stat(mxrt_lat_metric m) {
		mxrt_lat_stat s;
		mxrt_lat_stat_read(get(), m, &s);
		return s;
	}
	mxrt_lat_trace Worst(mxrt_lat_metric m) {
		mxrt_lat_trace tr;
		EXPECT_EQ(mxrt_lat_trace_read(get(), m, &tr), 0);
		return tr;
	}
	// One cycle with the given wakeup latency and run time, starting at ts.
	void Cycle(uint64_t ts, uint64_t latency, uint64_t run = 10) {
		Wake(ts);
		In(ts + latency);
		Sleep(ts + latency + run);
	}

private:
	std::unique_ptr<mxrt_lat_task> t_;
	std::unique_ptr<mxrt_lat_cpu_log[]> logs_;
};

std::string Format(const mxrt_lat_trace &tr) {
	std::vector<char> buf(8192);
	mxrt_lat_format_trace(&tr, buf.data(), buf.size());
	return buf.data();
}

// Every metric of t has no value (statistics and worst trace), whatever its SLO.
void ExpectNoValues(Task &t) {
	for (int m = 0; m < MXRT_LAT_NMETRICS; m++) {
		const mxrt_lat_stat s = t.Stat(mxrt_lat_metric(m));
		EXPECT_EQ(s.count, 0u) << m;
		EXPECT_EQ(s.min_ns, kNone) << m;
		EXPECT_EQ(s.max_ns, 0u) << m;
		EXPECT_EQ(s.sum_ns, 0u) << m;
		EXPECT_EQ(s.violations, 0u) << m;
		for (uint64_t h : s.hist)
			EXPECT_EQ(h, 0u) << m;
		const mxrt_lat_trace w = t.Worst(mxrt_lat_metric(m));
		EXPECT_EQ(w.n, 0u) << m;
		EXPECT_EQ(w.dropped, 0u) << m;
		EXPECT_EQ(w.value_ns, 0u) << m;
	}
}

TEST(LatCore, InitStartsEmpty) {
	Task t;
	ExpectNoValues(t);
	EXPECT_STREQ(t->comm, "ctl");
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 0);
	EXPECT_STREQ(mxrt_lat_metric_name(MXRT_LAT_WAKEUP), "wakeup");
	EXPECT_STREQ(mxrt_lat_metric_name(MXRT_LAT_RESPONSE), "response");
	EXPECT_STREQ(mxrt_lat_metric_name(MXRT_LAT_RELIEF), "relief");
	EXPECT_STREQ(mxrt_lat_metric_name(MXRT_LAT_IRQTHREAD), "irqthread");
	EXPECT_STREQ(mxrt_lat_metric_name(MXRT_LAT_NMETRICS), "?");
	mxrt_lat_trace tr;
	EXPECT_EQ(mxrt_lat_trace_read(t.get(), MXRT_LAT_NMETRICS, &tr), -MXRT_EINVAL);
}

// A reused state (the shim reuses slots) starts as clean as a new one: init leaves only the events
// of the traces as they were, and nothing reads those beyond a trace's n.
TEST(LatCore, InitOfAUsedStateStartsEmpty) {
	Task t;
	std::memset(static_cast<void *>(t.get()), 0xa5, sizeof(mxrt_lat_task));
	mxrt_lat_task_init(t.get(), kPid, kPid - 1, "ctl", 0, MXRT_LAT_CAPTURE_ALL);
	mxrt_lat_set_cpu_logs(t.get(), t.logs(), kCpus);
	EXPECT_EQ(t->state, uint32_t(MXRT_LAT_ST_SLEEPING));
	EXPECT_EQ(t->wait_cpu, -1);
	EXPECT_EQ(t->waiter_cpu, -1);
	EXPECT_EQ(t->nwaits, 0u);
	ExpectNoValues(t);
	for (int m = 0; m < MXRT_LAT_NMETRICS; m++)
		EXPECT_EQ(t.Stat(mxrt_lat_metric(m)).slo_ns, 0u) << m;
	t.Wake(1000, 1);
	t.Other(1050, 1, 0, "swapper/1", kHog, "hog");
	t.In(1100, 1);
	t.Sleep(1200, 1);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	EXPECT_EQ(tr.n, 4u) << Format(tr);
	EXPECT_EQ(tr.dropped, 0u);
	EXPECT_EQ(Format(tr).find("\xa5"), std::string::npos);
	for (uint32_t c = 0; c < kCpus; c++)
		EXPECT_EQ(t.Waiters(c), 0u);
}

TEST(LatCore, WakeupAndResponseOfOneCycle) {
	Task t;
	t.Wake(1000, 2);
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 1);
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), 2);
	t.Other(1500, 2, 0, "swapper/2", kHog, "hog");
	t.In(3000, 2);
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 0);
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), -1);
	t.Sleep(10000, 2);
	const mxrt_lat_stat w = t.Stat(MXRT_LAT_WAKEUP), r = t.Stat(MXRT_LAT_RESPONSE);
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.min_ns, 2000u);
	EXPECT_EQ(w.max_ns, 2000u);
	EXPECT_EQ(w.sum_ns, 2000u);
	EXPECT_EQ(r.count, 1u);
	EXPECT_EQ(r.max_ns, 9000u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RELIEF).count, 0u) << "no timer arm: the relief period goes on";
	EXPECT_EQ(t.Stat(MXRT_LAT_IRQTHREAD).count, 0u) << "not an IRQ thread";
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 0);
}

TEST(LatCore, PreemptionDoesNotEndResponse) {
	Task t;
	t.Wake(0);
	t.In(100);
	t.Preempt(200);
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 1) << "preempted: runnable, waiting for the CPU";
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), 0);
	t.In(500);
	t.Sleep(1000);
	const mxrt_lat_stat w = t.Stat(MXRT_LAT_WAKEUP), r = t.Stat(MXRT_LAT_RESPONSE);
	EXPECT_EQ(w.count, 1u) << "only the switch-in after the wakeup counts";
	EXPECT_EQ(w.max_ns, 100u);
	EXPECT_EQ(r.count, 1u);
	EXPECT_EQ(r.max_ns, 1000u);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	ASSERT_EQ(tr.n, 5u); // wakeup, in, preempt, in, sleep
	EXPECT_EQ(tr.ev[2].prev_state, 0u);
	EXPECT_EQ(tr.ev[2].next_pid, kHog);
	EXPECT_EQ(tr.ev[4].prev_state, 1u);
}

TEST(LatCore, ReliefSpansNonTimerSleeps) {
	Task t;
	t.Wake(1000); // timer expiry ... the loop reads a device (non-timer sleep) ...
	t.In(1100);
	t.Sleep(2000);
	EXPECT_EQ(t.Stat(MXRT_LAT_RELIEF).count, 0u);
	t.Wake(3000); // ... the data is there, it computes and arms its next period
	t.In(3100);
	t.Arm(3500);
	t.Sleep(4000);
	mxrt_lat_stat s = t.Stat(MXRT_LAT_RELIEF);
	EXPECT_EQ(s.count, 1u);
	EXPECT_EQ(s.max_ns, 3000u) << "from the first wakeup to the timer sleep";
	mxrt_lat_trace tr = t.Worst(MXRT_LAT_RELIEF);
	EXPECT_EQ(tr.start_ns, 1000u);
	EXPECT_EQ(tr.end_ns, 4000u);
	// wake in sleep in timer sleep: the relief period keeps its first wake-up, not the later ones
	ASSERT_EQ(tr.n, 6u) << Format(tr);
	EXPECT_EQ(tr.ev[0].type, uint32_t(MXRT_LAT_EV_WAKEUP));
	EXPECT_EQ(tr.ev[0].ts_ns, 1000u);
	EXPECT_EQ(tr.ev[2].ts_ns, 2000u);
	EXPECT_EQ(tr.ev[2].prev_state, 1u) << "the read's sleep";
	EXPECT_EQ(tr.ev[4].type, uint32_t(MXRT_LAT_EV_TIMER_ARM));
	EXPECT_EQ(tr.ev[4].prev_pid, kPid);
	EXPECT_STREQ(tr.ev[4].prev_comm, "ctl");
	EXPECT_EQ(tr.ev[5].ts_ns, 4000u);

	t.Wake(10000); // the next period: the timer fired
	t.In(10100);
	t.Arm(10150);
	t.Preempt(10200); // preempted between arming and sleeping: the arm still counts
	t.In(10300);
	t.Sleep(11000);
	s = t.Stat(MXRT_LAT_RELIEF);
	EXPECT_EQ(s.count, 2u);
	EXPECT_EQ(s.min_ns, 1000u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).count, 3u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).max_ns, 1000u);
	EXPECT_EQ(t.Worst(MXRT_LAT_RELIEF).value_ns, 3000u) << "the worst stays";
}

TEST(LatCore, IrqThreadExcludesPreemptedTime) {
	Task t(/*irq_thread=*/true);
	t.Wake(0);
	t.In(100);      // runs 200
	t.Preempt(300); // preempted 700
	t.In(1000);     // runs 400
	t.Sleep(1400);
	mxrt_lat_stat s = t.Stat(MXRT_LAT_IRQTHREAD);
	EXPECT_EQ(s.count, 1u);
	EXPECT_EQ(s.max_ns, 600u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).max_ns, 1400u);
	t.Cycle(5000, 50, 30);
	s = t.Stat(MXRT_LAT_IRQTHREAD);
	EXPECT_EQ(s.count, 2u);
	EXPECT_EQ(s.min_ns, 30u);
	EXPECT_EQ(s.sum_ns, 630u);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_IRQTHREAD);
	EXPECT_EQ(tr.value_ns, 600u);
	EXPECT_EQ(tr.n, 5u);
}

TEST(LatCore, DuplicateWakeupsDoNotRestartTheCycle) {
	Task t;
	t.Wake(0);
	t.Wake(500); // woken again while waiting
	t.In(1000);
	t.Wake(1200); // ttwu of a running task
	t.Sleep(2000);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).max_ns, 1000u);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).max_ns, 2000u);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	ASSERT_EQ(tr.n, 5u);
	EXPECT_EQ(tr.ev[1].type, uint32_t(MXRT_LAT_EV_WAKEUP));
	EXPECT_EQ(tr.ev[3].type, uint32_t(MXRT_LAT_EV_WAKEUP));
}

TEST(LatCore, EventsOutsideACycleAreHarmless) {
	Task t;
	t.In(100); // switched in without a wakeup seen (the tracer attached late)
	t.Preempt(200);
	t.In(300);
	t.Arm(350);
	t.Sleep(400);
	for (int m = 0; m < MXRT_LAT_NMETRICS; m++)
		EXPECT_EQ(t.Stat(mxrt_lat_metric(m)).count, 0u) << m;
	t.Cycle(1000, 10);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RELIEF).count, 0u) << "the arm before the cycle belonged to no period";
}

TEST(LatCore, SloViolationsAreExact) {
	Task t;
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 1000);
	const uint64_t lat[] = {999, 1000, 1001, 5000, 0, 1000, 2000};
	uint64_t ts = 0;
	for (uint64_t l : lat) {
		t.Cycle(ts, l);
		ts += 100000;
	}
	const mxrt_lat_stat s = t.Stat(MXRT_LAT_WAKEUP);
	EXPECT_EQ(s.count, 7u);
	EXPECT_EQ(s.violations, 3u) << "1001, 5000 and 2000; 1000 is within the SLO";
	EXPECT_EQ(s.slo_ns, 1000u);
	EXPECT_EQ(s.min_ns, 0u) << "a zero latency is a real minimum";
	EXPECT_EQ(s.max_ns, 5000u);
	EXPECT_EQ(s.sum_ns, 999u + 1000 + 1001 + 5000 + 0 + 1000 + 2000);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).violations, 0u) << "no SLO on response";
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 0); // off: nothing more is counted
	t.Cycle(ts, 1u << 20);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).violations, 3u);
}

TEST(LatCore, HistogramBucketsAndPermille) {
	Task t;
	const uint64_t lat[] = {0, 1, 2, 3, 4, 1023, 1024, 2047, 1ull << 45};
	uint64_t ts = 0;
	for (uint64_t l : lat) {
		t.Cycle(ts, l);
		ts += (1ull << 46);
	}
	mxrt_lat_stat s = t.Stat(MXRT_LAT_WAKEUP);
	EXPECT_EQ(s.hist[0], 2u);
	EXPECT_EQ(s.hist[1], 2u);
	EXPECT_EQ(s.hist[2], 1u);
	EXPECT_EQ(s.hist[9], 1u);
	EXPECT_EQ(s.hist[10], 2u);
	EXPECT_EQ(s.hist[MXRT_LAT_HIST_BUCKETS - 1], 1u) << "2^45 ns lands in the last bucket";
	uint64_t total = 0;
	for (uint64_t h : s.hist)
		total += h;
	EXPECT_EQ(total, s.count);

	Task p;
	mxrt_lat_stat empty = p.Stat(MXRT_LAT_WAKEUP);
	EXPECT_EQ(mxrt_lat_stat_permille(&empty, 500), 0u);
	ts = 0;
	for (int i = 0; i < 100; i++, ts += 100000)
		p.Cycle(ts, 10); // bucket 3: [8, 16)
	p.Cycle(ts, 1000000); // bucket 19: [524288, 1048576)
	s = p.Stat(MXRT_LAT_WAKEUP);
	// estimates inside the bucket, within [min, max] (kernel/lib/hist/log2_hist.hpp)
	EXPECT_EQ(mxrt_lat_stat_permille(&s, 0), 10u) << "the minimum";
	EXPECT_EQ(mxrt_lat_stat_permille(&s, 500), 12u) << "rank 51 of the 100 values in [10, 15]";
	EXPECT_EQ(mxrt_lat_stat_permille(&s, 990), 15u) << "rank 100 of 101: the bucket's top";
	EXPECT_EQ(mxrt_lat_stat_permille(&s, 991), 1000000u) << "rank 101 of 101: the maximum";
	EXPECT_EQ(mxrt_lat_stat_permille(&s, 1000), 1000000u);
}

TEST(LatTrace, WorstCaseShowsTheHogAndIsReplacedOnlyByALargerValue) {
	Task t;
	t.Wake(1000, 2);
	t.Other(1100, 2, 0, "swapper/2", kHog, "hog");    // the hog takes CPU 2
	t.Other(1200, 3, 0, "swapper/3", 77, "elsewhere"); // another CPU: not ours
	t.In(5000, 2);                                     // hog preempted by us
	t.Sleep(5100, 2);
	mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
	EXPECT_EQ(tr.value_ns, 4000u);
	EXPECT_EQ(tr.start_ns, 1000u);
	EXPECT_EQ(tr.end_ns, 5000u);
	EXPECT_EQ(tr.dropped, 0u);
	ASSERT_EQ(tr.n, 3u);
	EXPECT_EQ(tr.ev[1].next_pid, kHog);
	EXPECT_STREQ(tr.ev[1].next_comm, "hog");
	EXPECT_EQ(tr.ev[2].prev_pid, kHog);
	EXPECT_EQ(tr.ev[2].next_pid, kPid);
	const std::string text = Format(tr);
	EXPECT_NE(text.find("hog/4242/120"), std::string::npos) << text;
	EXPECT_EQ(text.find("elsewhere"), std::string::npos) << text;

	// Smaller and equal values keep it.
	t.Wake(10000, 2);
	t.Other(10100, 2, 0, "swapper/2", 99, "small");
	t.In(13000, 2, 99, "small");
	t.Sleep(13100, 2);
	t.Wake(20000, 2);
	t.Other(20100, 2, 0, "swapper/2", 98, "equal");
	t.In(24000, 2, 98, "equal");
	t.Sleep(24100, 2);
	tr = t.Worst(MXRT_LAT_WAKEUP);
	EXPECT_EQ(tr.value_ns, 4000u);
	EXPECT_EQ(tr.ev[1].next_pid, kHog);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 3u);

	// A larger one replaces it.
	t.Wake(30000, 2);
	t.Other(30100, 2, 0, "swapper/2", 97, "bigger");
	t.In(40000, 2, 97, "bigger");
	t.Sleep(40100, 2);
	tr = t.Worst(MXRT_LAT_WAKEUP);
	EXPECT_EQ(tr.value_ns, 10000u);
	EXPECT_EQ(tr.start_ns, 30000u);
	ASSERT_EQ(tr.n, 3u);
	EXPECT_STREQ(tr.ev[1].next_comm, "bigger");
	EXPECT_EQ(Format(tr).find("hog"), std::string::npos);
}

TEST(LatTrace, CaptureOffRecordsNoTraceButStatistics) {
	Task t(false, MXRT_LAT_CAPTURE_OFF);
	t.Cycle(0, 500);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).n, 0u);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u);
	mxrt_lat_set_capture(t.get(), MXRT_LAT_CAPTURE_ALL);
	t.Cycle(10000, 100); // the first value since capture is on
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 100u);
}

// The default: worst-case traces only for metrics with an SLO (the ones that explain violations).
TEST(LatTrace, CaptureSloTracesOnlyMetricsWithAnSlo) {
	Task t(false, MXRT_LAT_CAPTURE_SLO);
	t.Cycle(0, 500);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).n, 0u);
	EXPECT_EQ(t.Worst(MXRT_LAT_RESPONSE).n, 0u);
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 1000);
	t.Cycle(10000, 100); // smaller than the first, but the first value traced
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 100u);
	EXPECT_EQ(t.Worst(MXRT_LAT_RESPONSE).n, 0u) << "no SLO on response";
	t.Cycle(20000, 300);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 300u);
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 0);
	t.Cycle(30000, 900);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 300u) << "the SLO is gone: the trace stays, not replaced";
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).max_ns, 900u);
	mxrt_lat_set_capture(t.get(), 7); // unknown modes count as all
	t.Cycle(40000, 50);
	EXPECT_EQ(t->capture, uint32_t(MXRT_LAT_CAPTURE_ALL));
	t.Cycle(50000, 1000);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 1000u);
	EXPECT_GT(t.Worst(MXRT_LAT_RESPONSE).n, 0u);
}

TEST(LatTrace, MigrationMovesTheWatchedCpu) {
	Task t;
	t.Wake(0, 1);
	mxrt_lat_on_migrate(t.get(), 2, 5);
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), 2);
	t.Other(10, 1, 0, "swapper/1", 50, "old-cpu");
	t.Other(20, 2, 0, "swapper/2", 51, "new-cpu");
	t.In(30, 2, 51, "new-cpu");
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
	ASSERT_EQ(tr.n, 3u);
	EXPECT_STREQ(tr.ev[1].next_comm, "new-cpu");
	mxrt_lat_on_migrate(t.get(), 3, 250); // running: nothing to move
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), -1);
}

TEST(LatTrace, OverflowKeepsTheWakeupTheNewestAndTheFinalEventAndCountsDropped) {
	Task t;
	t.Wake(1000, 1);
	for (int i = 0; i < 40; i++) // hogs taking turns on CPU 1
		t.Other(1100 + i, 1, 500 + i, "hog", 501 + i, "hog");
	t.In(9000, 1, 540, "hog");
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
	EXPECT_EQ(tr.value_ns, 8000u);
	ASSERT_EQ(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
	EXPECT_EQ(tr.dropped, 42u - MXRT_LAT_TRACE_EVENTS) << "the wake-up and 41 switches for 32 places";
	EXPECT_EQ(tr.ev[0].type, uint32_t(MXRT_LAT_EV_WAKEUP));
	EXPECT_EQ(tr.ev[1].prev_pid, 510) << "the oldest switches are dropped";
	EXPECT_EQ(tr.ev[30].prev_pid, 539);
	EXPECT_EQ(tr.ev[31].next_pid, kPid) << "the completing switch is the newest event";
	EXPECT_EQ(tr.ev[31].ts_ns, 9000u);
	const std::string text = Format(tr);
	EXPECT_NE(text.find("events=32 dropped=10"), std::string::npos) << text;
}

// A relief period of `reads` cycles without a timer, then one that arms it: the relief trace.
mxrt_lat_trace LongRelief(Task &t, int reads, uint64_t *end) {
	uint64_t ts = 1000;
	for (int i = 0; i < reads; i++, ts += 1000)
		t.Cycle(ts, 10, 100);
	t.Wake(ts);
	t.In(ts + 10);
	t.Arm(ts + 50);
	t.Sleep(ts + 100);
	*end = ts + 100;
	const mxrt_lat_stat s = t.Stat(MXRT_LAT_RELIEF);
	EXPECT_EQ(s.count, 1u);
	EXPECT_EQ(s.max_ns, ts + 100 - 1000);
	return t.Worst(MXRT_LAT_RELIEF);
}

TEST(LatTrace, ReliefTraceKeepsItsStartAndItsEnd) {
	Task t;
	uint64_t end;
	// 12 reads without a timer: its first wake-up, 13 switch-ins and 13 sleeps, and the arm
	const mxrt_lat_trace tr = LongRelief(t, 12, &end);
	ASSERT_EQ(tr.n, 28u) << Format(tr);
	EXPECT_EQ(tr.dropped, 0u);
	EXPECT_EQ(tr.ev[0].ts_ns, 1000u) << "the relief start";
	EXPECT_EQ(tr.ev[26].type, uint32_t(MXRT_LAT_EV_TIMER_ARM));
	EXPECT_EQ(tr.ev[27].ts_ns, end) << "the timer sleep";
	EXPECT_EQ(tr.ev[27].prev_state, 1u);
	for (uint32_t i = 1; i < tr.n; i++)
		EXPECT_LT(tr.ev[i - 1].ts_ns, tr.ev[i].ts_ns);
	// The per-cycle traces are not affected by the long relief period.
	const mxrt_lat_trace r = t.Worst(MXRT_LAT_RESPONSE);
	EXPECT_EQ(r.dropped, 0u);
	EXPECT_EQ(r.n, 3u);
}

TEST(LatTrace, LongReliefKeepsItsStartTheNewestAndTheEndAndCountsDropped) {
	Task t;
	uint64_t end;
	// 40 reads: more stretches than a task keeps (MXRT_LAT_WAITS), more switches than fit
	const mxrt_lat_trace tr = LongRelief(t, 40, &end);
	ASSERT_EQ(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
	EXPECT_GT(tr.dropped, 0u);
	EXPECT_EQ(tr.ev[0].ts_ns, 1000u) << "the relief start is kept";
	EXPECT_EQ(tr.ev[31].ts_ns, end) << "the timer sleep is kept";
	EXPECT_EQ(tr.ev[30].type, uint32_t(MXRT_LAT_EV_TIMER_ARM));
	EXPECT_EQ(tr.ev[1].ts_ns, end - 100 - 14 * 1000 + 10) << "then the newest switches, in order";
	for (uint32_t i = 1; i < tr.n; i++)
		EXPECT_LT(tr.ev[i - 1].ts_ns, tr.ev[i].ts_ns);
}

// A relief period with billions of wake-ups (a thread that armed a timer once, then waits on a
// futex forever) saturates its trace's dropped count at ~0u; putting the trace together adds the
// switches that did not fit, and that count must stay saturated, not wrap to a small number.
TEST(LatTrace, DroppedCountSaturatesInsteadOfWrapping) {
	Task t;
	uint64_t ts = 1000;
	for (int i = 0; i < 5; i++, ts += 1000)
		t.Cycle(ts, 10, 100);
	// Stands for the ~2^32 wake-ups that did not fit (the event path saturates it at ~0u).
	t->relief_cur.dropped = ~0u - 1;
	for (int i = 0; i < 35; i++, ts += 1000)
		t.Cycle(ts, 10, 100);
	t.Wake(ts);
	t.In(ts + 10);
	t.Arm(ts + 50);
	t.Sleep(ts + 100);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RELIEF);
	ASSERT_EQ(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
	EXPECT_EQ(tr.dropped, ~0u) << "wrapped";
}

// A cycle's own events past the trace's 32 are counted, each one: 40 timer arms in one cycle keep
// the wake-up and the first 31 arms; the other 9 arms are dropped, and so are the switch-in and
// the sleep (no room left beside the task's own events).
TEST(LatTrace, OwnEventsPastTheTraceAreCountedOneByOne) {
	Task t;
	t.Wake(1000);
	t.In(1010);
	for (uint64_t i = 0; i < 40; i++)
		t.Arm(1020 + i);
	t.Sleep(2000);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	ASSERT_EQ(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
	EXPECT_EQ(tr.ev[0].ts_ns, 1000u);
	EXPECT_EQ(tr.ev[31].ts_ns, 1020u + 30);
	EXPECT_EQ(tr.dropped, 9u + 2u);
}

TEST(LatCore, ResetZeroesStatisticsAndTracesButKeepsSlosAndIdentity) {
	Task t;
	mxrt_lat_set_slo(t.get(), MXRT_LAT_RESPONSE, 50);
	t.Cycle(0, 100);
	t.Wake(1000); // a cycle in flight is abandoned by the reset
	ASSERT_EQ(t.Stat(MXRT_LAT_RESPONSE).violations, 1u);
	mxrt_lat_reset(t.get());
	ExpectNoValues(t);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).slo_ns, 50u);
	EXPECT_EQ(t->pid, kPid);
	EXPECT_STREQ(t->comm, "ctl");
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 1) << "the scheduling state is kept";
	t.In(1200);
	t.Sleep(1300);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 0u) << "no value from the abandoned cycle";
	t.Cycle(2000, 70);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).max_ns, 70u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).violations, 1u);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 70u) << "a fresh first capture";

	// A requested reset waits for the writer's next event.
	mxrt_lat_request_reset(t.get());
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u);
	t.Cycle(3000, 5);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).max_ns, 5u);
	t.Cycle(4000, 6);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 2u) << "taken once";
}

// --- text --------------------------------------------------------------------------------------

std::vector<std::string> Lines(const std::string &s) {
	std::vector<std::string> out;
	std::istringstream in(s);
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

// Every length from 0 to past the full text: a NUL-terminated prefix of complete lines, nothing
// written past len.
template <typename F> void CheckTruncation(F format) {
	std::vector<char> full(16384);
	const size_t n = format(full.data(), full.size());
	ASSERT_EQ(n, std::strlen(full.data()));
	ASSERT_GT(n, 0u);
	ASSERT_EQ(full[n - 1], '\n');
	EXPECT_EQ(format(nullptr, 0), 0u);
	for (size_t len = 1; len <= n + 2; len++) {
		std::vector<char> buf(len + 16, '#');
		const size_t k = format(buf.data(), len);
		ASSERT_LT(k, len);
		ASSERT_EQ(buf[k], '\0');
		ASSERT_EQ(std::strlen(buf.data()), k);
		for (size_t i = len; i < buf.size(); i++)
			ASSERT_EQ(buf[i], '#') << "wrote past len " << len;
		ASSERT_EQ(std::memcmp(buf.data(), full.data(), k), 0);
		if (k > 0) {
			ASSERT_EQ(buf[k - 1], '\n') << "only complete lines, len " << len;
		}
		if (len > n) {
			ASSERT_EQ(k, n);
		}
	}
}

TEST(LatFormat, StatsLinesParse) {
	Task t;
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 150);
	t.Cycle(0, 100, 50);
	t.Cycle(1000, 200, 50);
	t.Cycle(2000, 0, 50);
	std::vector<char> buf(4096);
	const size_t n = mxrt_lat_format_stats(t.get(), buf.data(), buf.size());
	const std::string text(buf.data(), n);
	const auto lines = Lines(text);
	ASSERT_EQ(lines.size(), size_t(MXRT_LAT_NMETRICS)) << text;

	int pid, tgid;
	char comm[32], metric[32], slo[32], min[32], avg[32], p50[32], p99[32];
	unsigned long long count, max, viol;
	ASSERT_EQ(std::sscanf(lines[0].c_str(), "%d %d %31s %31s %llu %31s %llu %31s %31s %31s %31s %llu", &pid, &tgid,
			      comm, metric, &count, min, &max, avg, p50, p99, slo, &viol),
		  12)
		<< lines[0];
	EXPECT_EQ(pid, kPid);
	EXPECT_EQ(tgid, kPid - 1);
	EXPECT_STREQ(comm, "ctl");
	EXPECT_STREQ(metric, "wakeup");
	EXPECT_EQ(count, 3u);
	EXPECT_STREQ(min, "0");
	EXPECT_EQ(max, 200u);
	EXPECT_STREQ(avg, "100");
	EXPECT_STREQ(p50, "95");  // 100 is alone in [64, 127]: the middle of what is known
	EXPECT_STREQ(p99, "200"); // the maximum, not the bucket's top (255)
	EXPECT_STREQ(slo, "150");
	EXPECT_EQ(viol, 1u);
	EXPECT_EQ(lines[1].rfind("1234 1233 ctl response 3 50 250 150 ", 0), 0u) << lines[1];
	EXPECT_EQ(lines[2], "1234 1233 ctl relief 0 - 0 - - - - 0");
	EXPECT_EQ(lines[3], "1234 1233 ctl irqthread 0 - 0 - - - - 0");

	CheckTruncation([&](char *b, size_t l) { return mxrt_lat_format_stats(t.get(), b, l); });
}

TEST(LatFormat, CommsWithBlanksStayOneField) {
	auto t = std::make_unique<mxrt_lat_task>();
	mxrt_lat_task_init(t.get(), 5, 5, "my loop\tthread-long-name", 0, 1);
	EXPECT_STREQ(t->comm, "my loop\tthread-"); // 15 characters
	std::vector<char> buf(1024);
	mxrt_lat_format_stats(t.get(), buf.data(), buf.size());
	EXPECT_EQ(Lines(buf.data())[0], "5 5 my_loop_thread- wakeup 0 - 0 - - - - 0");
}

// A tracked task renamed itself (prctl, exec): tables and its timer events show the new name, and a
// reader racing renames sees one of the names, never a mix within an 8-byte half.
TEST(LatFormat, RenameReachesTablesAndTraces) {
	Task t;
	mxrt_lat_set_comm(t.get(), "renamed-control-loop");
	char comm[MXRT_LAT_COMM_LEN];
	mxrt_lat_comm(t.get(), comm);
	EXPECT_STREQ(comm, "renamed-control");
	std::vector<char> buf(1024);
	mxrt_lat_format_stats(t.get(), buf.data(), buf.size());
	EXPECT_EQ(Lines(buf.data())[0].rfind("1234 1233 renamed-control wakeup ", 0), 0u) << buf.data();
	t.Wake(100);
	t.In(200);
	t.Arm(300);
	t.Sleep(400);
	EXPECT_NE(Format(t.Worst(MXRT_LAT_RESPONSE)).find("timer renamed-control/1234/49"), std::string::npos);
	std::atomic<bool> stop{false};
	std::thread renamer([&] {
		for (int i = 0; !stop.load(); i++)
			mxrt_lat_set_comm(t.get(), i % 2 ? "aaaaaaaaaaaaaaa" : "bbbbbbbbbbbbbbb");
	});
	for (int i = 0; i < 20000; i++) {
		mxrt_lat_comm(t.get(), comm);
		const std::string c(comm, 8), d(comm + 8, 7);
		EXPECT_TRUE(c == "aaaaaaaa" || c == "bbbbbbbb" || c == "renamed-") << c;
		EXPECT_TRUE(d == "aaaaaaa" || d == "bbbbbbb" || d == "control") << d;
	}
	stop = true;
	renamer.join();
}

// The final report's line: every metric on one line, nothing more than fits.
TEST(LatFormat, SummaryIsOneLine) {
	Task t;
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 150);
	t.Cycle(0, 100, 50);
	t.Cycle(1000, 200, 50);
	std::vector<char> buf(1024);
	const size_t n = mxrt_lat_format_summary(t.get(), buf.data(), buf.size());
	const std::string want = "wakeup n=2 min=100 avg=150 p50=100 p99=200 max=200 slo=150 viol=1; "
				 "response n=2 min=150 avg=200 p50=150 p99=250 max=250; relief n=0";
	EXPECT_EQ(std::string(buf.data()), want);
	EXPECT_EQ(n, want.size());
	// A metric that does not fit is left out, with all that follows.
	const size_t first = want.find(';'), second = want.find(';', first + 1);
	const std::pair<size_t, size_t> cut[] = {{first + 1, first}, {want.size(), second}, {want.size() + 1, want.size()}};
	for (const auto &[len, keep] : cut) {
		const size_t k = mxrt_lat_format_summary(t.get(), buf.data(), len);
		EXPECT_EQ(std::string(buf.data()), want.substr(0, keep)) << len;
		EXPECT_EQ(k, keep);
	}
	EXPECT_EQ(mxrt_lat_format_summary(t.get(), buf.data(), first), 0u);
	EXPECT_STREQ(buf.data(), "");
	Task irq(/*irq_thread=*/true);
	mxrt_lat_format_summary(irq.get(), buf.data(), buf.size());
	EXPECT_STREQ(buf.data(), "wakeup n=0; response n=0; relief n=0; irqthread n=0");
}

TEST(LatFormat, HistListsNonEmptyBuckets) {
	Task t;
	for (uint64_t l : {0ull, 1ull, 5ull, 6ull, 1000ull, 1ull << 50})
		t.Cycle(l * 2 + 100, l);
	std::vector<char> buf(4096);
	mxrt_lat_format_hist(t.get(), MXRT_LAT_WAKEUP, buf.data(), buf.size());
	EXPECT_EQ(std::string(buf.data()), "0 2 2\n4 8 2\n512 1024 1\n549755813888 18446744073709551615 1\n");
	EXPECT_EQ(mxrt_lat_format_hist(t.get(), MXRT_LAT_RELIEF, buf.data(), buf.size()), 0u);
	EXPECT_STREQ(buf.data(), "");
	CheckTruncation([&](char *b, size_t l) { return mxrt_lat_format_hist(t.get(), MXRT_LAT_WAKEUP, b, l); });
}

TEST(LatFormat, TraceLines) {
	Task t;
	t.Wake(1000, 3);
	t.Other(1200, 3, 0, "swapper/3", kHog, "hog");
	t.In(4000, 3);
	t.Arm(4100);
	t.Preempt(4200, 3, 66, "ksoftirqd/3");
	t.In(4300, 3, 66, "ksoftirqd/3");
	t.Sleep(5000, 3);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	const auto lines = Lines(Format(tr));
	ASSERT_EQ(lines.size(), 8u);
	EXPECT_EQ(lines[0], "value_ns=4000 start_ns=1000 end_ns=5000 events=7 dropped=0");
	EXPECT_EQ(lines[1], "+0 3 wakeup waker/7/120 -> ctl/1234/49");
	EXPECT_EQ(lines[2], "+200 3 switch swapper/3/0/120 preempt -> hog/4242/120");
	EXPECT_EQ(lines[3], "+3000 3 switch hog/4242/120 preempt -> ctl/1234/49");
	EXPECT_EQ(lines[4], "+3100 3 timer ctl/1234/49");
	EXPECT_EQ(lines[5], "+3200 3 switch ctl/1234/49 preempt -> ksoftirqd/3/66/120");
	EXPECT_EQ(lines[7], "+4000 3 switch ctl/1234/49 sleep -> swapper/0/0/120");
	CheckTruncation([&](char *b, size_t l) { return mxrt_lat_format_trace(&tr, b, l); });

	// The longest line fits the documented ~150 bytes.
	mxrt_lat_trace big{};
	big.n = 1;
	big.start_ns = ~0ull;
	big.ev[0] = Ev(0, MXRT_LAT_EV_SWITCH, ~0u, INT32_MIN, "0123456789abcde", INT32_MIN, "0123456789abcde");
	big.ev[0].prev_prio = big.ev[0].next_prio = INT32_MIN;
	for (const auto &l : Lines(Format(big)))
		EXPECT_LE(l.size() + 1, 150u) << l;
}

// --- concurrency (meant for the TSan build) ----------------------------------------------------

TEST(LatRace, ReaderSeesConsistentSnapshotsWhileEventsRun) {
	Task t(/*irq_thread=*/true);
	std::atomic<bool> done{false};
	constexpr int kCycles = 20000;
	std::thread writer([&] {
		uint64_t ts = 1000;
		for (int i = 0; i < kCycles; i++) {
			const uint64_t lat = 1 + (i * 7919u) % 5000;
			t.Wake(ts, 1);
			for (int k = 0; k < i % 4; k++)
				t.Other(ts + 1 + k, 1, 0, "swapper/1", kHog + k, "hog");
			t.In(ts + lat, 1);
			if (i % 3 == 0) {
				t.Preempt(ts + lat + 10, 1);
				t.In(ts + lat + 20, 1);
			}
			if (i % 2 == 0)
				t.Arm(ts + lat + 25);
			t.Sleep(ts + lat + 30, 1);
			ts += 10000;
		}
		done.store(true, std::memory_order_release);
	});
	uint64_t last_count[MXRT_LAT_NMETRICS] = {}, last_worst[MXRT_LAT_NMETRICS] = {};
	int reads = 0, traces = 0, eagain = 0;
	std::vector<char> text(8192);
	auto reader = [&] {
		while (!done.load(std::memory_order_acquire) || reads < 100) {
			mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 1000 + reads % 3);
			for (int m = 0; m < MXRT_LAT_NMETRICS; m++) {
				mxrt_lat_stat s;
				mxrt_lat_stat_read(t.get(), mxrt_lat_metric(m), &s);
				ASSERT_GE(s.count, last_count[m]) << "count is monotonic";
				last_count[m] = s.count;
				uint64_t total = 0;
				for (uint64_t h : s.hist)
					total += h;
				ASSERT_GE(total, s.count);
				if (s.count > 0) {
					ASSERT_LE(s.min_ns, s.max_ns);
					ASSERT_GE(s.sum_ns, s.count * s.min_ns);
				}
				mxrt_lat_trace tr;
				const int rc = mxrt_lat_trace_read(t.get(), mxrt_lat_metric(m), &tr);
				ASSERT_TRUE(rc == 0 || rc == -MXRT_EAGAIN) << rc;
				if (rc != 0) {
					eagain++;
					continue;
				}
				traces++;
				ASSERT_LE(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
				if (tr.n == 0)
					continue;
				ASSERT_GE(tr.value_ns, last_worst[m]) << "the worst case only grows";
				last_worst[m] = tr.value_ns;
				ASSERT_EQ(tr.ev[0].type, uint32_t(MXRT_LAT_EV_WAKEUP));
				ASSERT_EQ(tr.ev[0].ts_ns, tr.start_ns) << "not torn";
				ASSERT_EQ(tr.ev[tr.n - 1].ts_ns, tr.end_ns) << "not torn";
				if (m != MXRT_LAT_IRQTHREAD) {
					ASSERT_EQ(tr.value_ns, tr.end_ns - tr.start_ns);
				}
			}
			mxrt_lat_format_stats(t.get(), text.data(), text.size());
			(void)mxrt_lat_waiting(t.get());
			reads++;
		}
	};
	reader();
	writer.join();
	ASSERT_FALSE(HasFatalFailure());
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, uint64_t(kCycles));
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).count, uint64_t(kCycles));
	EXPECT_EQ(t.Stat(MXRT_LAT_IRQTHREAD).count, uint64_t(kCycles));
	EXPECT_EQ(t.Stat(MXRT_LAT_RELIEF).count, uint64_t(kCycles / 2));
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, t.Stat(MXRT_LAT_WAKEUP).max_ns);
	std::printf("[          ] %d reads, %d trace copies, %d EAGAIN\n", reads, traces, eagain);
}

TEST(LatRace, RequestedResetsDuringReads) {
	Task t;
	std::atomic<bool> done{false};
	std::atomic<int> n{0};
	std::thread writer([&] {
		// 20000 cycles, and more until the reader has read 200 times: on a loaded machine
		// it may not be scheduled in the few ms the first 20000 take (30 s bound; then the
		// check below fails)
		const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
		uint64_t ts = 0;
		auto more = [&] {
			return n.load(std::memory_order_relaxed) < 200 && std::chrono::steady_clock::now() < give_up;
		};
		for (int i = 0; i < 20000 || more(); i++, ts += 1000)
			t.Cycle(ts, 1 + i % 500, 20);
		done.store(true, std::memory_order_release);
	});
	auto reader = [&] {
		while (!done.load(std::memory_order_acquire)) {
			if (n.fetch_add(1, std::memory_order_relaxed) % 50 == 0)
				mxrt_lat_request_reset(t.get());
			mxrt_lat_stat s;
			mxrt_lat_stat_read(t.get(), MXRT_LAT_WAKEUP, &s);
			if (s.count > 0) {
				ASSERT_LE(s.min_ns, s.max_ns);
			}
			mxrt_lat_trace tr;
			if (mxrt_lat_trace_read(t.get(), MXRT_LAT_WAKEUP, &tr) == 0 && tr.n > 0) {
				ASSERT_EQ(tr.value_ns, tr.end_ns - tr.start_ns);
			}
		}
	};
	reader();
	writer.join();
	EXPECT_GE(n.load(), 200) << "the reader read while the writer ran";
}

// A reader that overlaps a reset on every attempt (here: the writer stopped half-way through one,
// as a preempted thread or a stalled vCPU can be) gets the empty statistics the reset leaves, never
// the half-cleared fields (a count with min > max). CI's TSan build once saw exactly that torn copy
// in RequestedResetsDuringReads, when the writer thread was descheduled inside a reset.
TEST(LatRace, ReaderOfAResetCutShortGetsTheEmptyStatistics) {
	Task t;
	mxrt_lat_set_slo(t.get(), MXRT_LAT_WAKEUP, 1234);
	for (uint64_t i = 0; i < 10; i++)
		t.Cycle(1000 * (i + 1), 100 + i);
	ASSERT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 10u);
	// What ResetNow leaves half done: the count odd, max cleared, count and min not yet.
	const uint64_t max = t->stat[MXRT_LAT_WAKEUP].max_ns;
	t->stat_seq++;
	t->stat[MXRT_LAT_WAKEUP].max_ns = 0;
	const mxrt_lat_stat s = t.Stat(MXRT_LAT_WAKEUP);
	EXPECT_EQ(s.count, 0u);
	EXPECT_EQ(s.min_ns, ~0ull);
	EXPECT_EQ(s.max_ns, 0u);
	EXPECT_EQ(s.sum_ns, 0u);
	EXPECT_EQ(s.violations, 0u);
	for (uint64_t h : s.hist)
		EXPECT_EQ(h, 0u);
	EXPECT_EQ(s.slo_ns, 1234u) << "a reset keeps the SLO";
	std::vector<char> text(8192);
	mxrt_lat_format_stats(t.get(), text.data(), text.size());
	EXPECT_NE(std::string(text.data()).find(" wakeup 0 - "), std::string::npos) << text.data();
	// The writer finishes (here: the fields put back): the reader sees them again.
	t->stat[MXRT_LAT_WAKEUP].max_ns = max;
	t->stat_seq++;
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 10u);
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).max_ns, max);
}

// --- CPU logs: who kept the task waiting, read from the CPUs' own switch logs -----------------------

TEST(LatCpuLog, TraceDrawsTheWaitCpusSwitchesInTimeOrder) {
	Task t;
	t.Other(900, 1, 0, "swapper/1", 60, "before"); // before the wake-up: not in the trace
	t.Wake(1000, 1);
	t.Other(1100, 1, 60, "before", kHog, "hog");
	t.Other(1150, 0, 0, "swapper/0", 70, "elsewhere"); // another CPU: not in the trace
	t.Other(1200, 1, kHog, "hog", 61, "kworker");
	t.Other(1300, 1, 61, "kworker", kHog, "hog");
	t.In(5000, 1); // its own switch-in goes through the log too, once
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
	ASSERT_EQ(tr.n, 5u) << Format(tr);
	const uint64_t ts[] = {1000, 1100, 1200, 1300, 5000};
	for (int i = 0; i < 5; i++)
		EXPECT_EQ(tr.ev[i].ts_ns, ts[i]) << Format(tr);
	EXPECT_STREQ(tr.ev[1].next_comm, "hog");
	EXPECT_EQ(tr.ev[1].type, uint32_t(MXRT_LAT_EV_SWITCH));
	EXPECT_EQ(tr.dropped, 0u);
	// A shorter wait does not replace the worst trace.
	t.Sleep(6000, 1);
	t.Wake(7000, 1);
	t.Other(7100, 1, 0, "swapper/1", 99, "short");
	t.In(7200, 1);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 4000u);
}

TEST(LatCpuLog, MigrationSwitchesLogs) {
	Task t;
	t.Wake(1000, 1);
	t.Other(1500, 1, 0, "swapper/1", 60, "on-old");
	t.Other(1800, 2, 0, "swapper/2", 62, "new-before"); // before it came to CPU 2
	mxrt_lat_on_migrate(t.get(), 2, 2000);
	t.Other(2500, 1, 60, "on-old", 61, "old-after"); // after it left CPU 1
	t.Other(2600, 2, 62, "new-before", 63, "on-new");
	t.In(3000, 2, 63, "on-new");
	const std::string f = Format(t.Worst(MXRT_LAT_WAKEUP));
	EXPECT_NE(f.find("on-old"), std::string::npos) << f;
	EXPECT_NE(f.find("-> on-new"), std::string::npos) << f;
	EXPECT_EQ(f.find("old-after"), std::string::npos) << f;
	EXPECT_EQ(f.find("> new-before"), std::string::npos) << f;
}

TEST(LatCpuLog, LongWaitsKeepTheNewestSwitchesAndCountTheRest) {
	Task t;
	t.Wake(1000, 1);
	for (uint64_t i = 0; i < 100; i++) // more than the log holds
		t.Other(1001 + i, 1, 60 + int32_t(i % 2), "a", 61 - int32_t(i % 2), "b");
	t.In(2000, 1);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
	ASSERT_EQ(tr.n, uint32_t(MXRT_LAT_TRACE_EVENTS));
	EXPECT_EQ(tr.ev[0].ts_ns, 1000u);                          // the wake-up
	EXPECT_EQ(tr.ev[1].ts_ns, 1001u + 100 - 30);                // the newest 30 switches ...
	EXPECT_EQ(tr.ev[30].ts_ns, 1100u);
	EXPECT_EQ(tr.ev[31].ts_ns, 2000u);                          // ... and the switch-in
	EXPECT_EQ(tr.ev[31].next_pid, kPid);
	// exactly: the log's newest 63 entries are the switch-in and 62 of the wait's switches, 30 of
	// them kept, 32 not; and one more for the wait's older switches, which the log no longer
	// holds (a mutant without that one passed "> 0")
	EXPECT_EQ(tr.dropped, 33u);
	for (uint32_t i = 1; i < tr.n; i++)
		EXPECT_LT(tr.ev[i - 1].ts_ns, tr.ev[i].ts_ns);
}

// Timestamps from CPUs whose clocks disagree a little (sched_clock is per CPU): a switch-in
// stamped before its wake-up is a latency of 0, not 2^64 - 100 ns, which put 584 years into the
// maximum, the mean and the worst trace, and broke every SLO (a mutant without the clamp passed
// every test).
TEST(LatCore, AClockThatStepsBackGivesZeroNotAWrappedDifference) {
	Task t;
	t.Wake(1000);
	t.In(900);
	t.Sleep(950);
	const mxrt_lat_stat w = t.Stat(MXRT_LAT_WAKEUP), r = t.Stat(MXRT_LAT_RESPONSE);
	EXPECT_EQ(w.count, 1u);
	EXPECT_EQ(w.max_ns, 0u);
	EXPECT_EQ(w.sum_ns, 0u);
	EXPECT_EQ(r.max_ns, 0u);
	EXPECT_EQ(t.Worst(MXRT_LAT_WAKEUP).value_ns, 0u);
}

// The shim hands over every switch of a CPU while its log's waiters count is not 0: the count
// follows the tasks that are runnable there but not on the CPU.
TEST(LatCpuLog, WaitersCountWokenAndPreemptedTasks) {
	Task t;
	auto u = std::make_unique<mxrt_lat_task>();
	mxrt_lat_task_init(u.get(), kPid + 1, kPid - 1, "other", 0, MXRT_LAT_CAPTURE_ALL);
	mxrt_lat_set_cpu_logs(u.get(), t.logs(), kCpus);
	const Rec waker(7, "waker"), other(kPid + 1, "other");

	t.Wake(1000, 1);
	mxrt_lat_wakeup(u.get(), &waker, &other, 1, 1000);
	EXPECT_EQ(t.Waiters(1), 2u) << "two woken tasks wait on CPU 1";
	t.Wake(1050, 1); // a second wake-up of a waiting task changes nothing
	EXPECT_EQ(t.Waiters(1), 2u);
	t.In(1100, 1);
	EXPECT_EQ(t.Waiters(1), 1u);
	Switch(&t.logs()[1], t.get(), u.get(), 1200, kPid, "ctl", kPid + 1, "other", 0); // u preempts t
	EXPECT_EQ(t.Waiters(1), 1u) << "t preempted, u running";
	mxrt_lat_on_migrate(t.get(), 3, 1300);
	EXPECT_EQ(t.Waiters(1), 0u);
	EXPECT_EQ(t.Waiters(3), 1u) << "the count moves with a migration";
	mxrt_lat_detach(t.get());
	EXPECT_EQ(t.Waiters(3), 0u) << "a task detached while waiting leaves no count behind";
	EXPECT_EQ(mxrt_lat_waiting(t.get()), 0);
	Switch(&t.logs()[1], u.get(), nullptr, 1400, kPid + 1, "other", 0, "swapper/1", 1);
	for (uint32_t c = 0; c < kCpus; c++)
		EXPECT_EQ(t.Waiters(c), 0u) << c;
	EXPECT_EQ(t.logs()[1].head, 3u) << "every switch handed over was logged, once";
	// A task without logs counts nowhere.
	Task lone;
	mxrt_lat_set_cpu_logs(lone.get(), nullptr, 0);
	lone.Wake(2000, 1);
	EXPECT_EQ(mxrt_lat_waiting(lone.get()), 1);
	EXPECT_EQ(lone.Waiters(1), 0u);
	lone.In(2100, 1);
	EXPECT_EQ(lone.Worst(MXRT_LAT_WAKEUP).n, 1u) << "its trace has its wake-up only";
}

// A cycle that keeps no trace (capture for SLOs, none set) costs no log entry and no waiters
// count; an SLO set mid-cycle traces from the next cycle on, and a relief period only when all of
// its cycles were traced.
TEST(LatCpuLog, UntracedCyclesLeaveTheLogsAlone) {
	Task t(false, MXRT_LAT_CAPTURE_SLO);
	t.Wake(1000, 1);
	EXPECT_EQ(t.Waiters(1), 0u) << "no trace wanted: not a waiter";
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), 1) << "but it waits there";
	t.Other(1050, 1, kHog, "hog", 77, "other");
	t.In(1100, 1);
	t.Preempt(1200, 1);
	EXPECT_EQ(t.Waiters(1), 0u);
	mxrt_lat_on_migrate(t.get(), 2, 1250);
	EXPECT_EQ(mxrt_lat_wait_cpu(t.get()), 2);
	mxrt_lat_set_slo(t.get(), MXRT_LAT_RESPONSE, 1); // mid-cycle: from the next one on
	t.In(1300, 2);
	t.Arm(1350);
	t.Sleep(1400, 2);
	for (uint32_t c = 0; c < kCpus; c++) {
		EXPECT_EQ(t.logs()[c].head, 0u) << "cpu " << c << ": nothing logged";
		EXPECT_EQ(t.Waiters(c), 0u) << c;
	}
	EXPECT_EQ(t.Stat(MXRT_LAT_WAKEUP).count, 1u) << "statistics as always";
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).max_ns, 400u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RELIEF).count, 1u);
	EXPECT_EQ(t.Stat(MXRT_LAT_RESPONSE).violations, 1u);
	EXPECT_EQ(t.Worst(MXRT_LAT_RESPONSE).n, 0u) << "its cycle kept no trace";

	// The next cycle is traced: it counts as a waiter, its switches are logged, its trace names
	// the hog that ran while it waited.
	t.Wake(2000, 1);
	EXPECT_EQ(t.Waiters(1), 1u);
	t.Other(2050, 1, 77, "other", kHog, "hog", 1);
	t.In(2100, 1);
	EXPECT_EQ(t.Waiters(1), 0u);
	t.Sleep(2200, 1);
	EXPECT_EQ(t.logs()[1].head, 3u);
	const mxrt_lat_trace tr = t.Worst(MXRT_LAT_RESPONSE);
	EXPECT_EQ(tr.value_ns, 200u);
	EXPECT_NE(Format(tr).find("hog"), std::string::npos) << Format(tr);

	// A relief period with an untraced cycle in it publishes no trace (it would lack switches).
	Task r(false, MXRT_LAT_CAPTURE_SLO);
	mxrt_lat_set_slo(r.get(), MXRT_LAT_RELIEF, 1);
	r.Wake(0, 0);
	r.In(10, 0);
	r.Sleep(20, 0); // not a timer sleep: the relief period goes on
	mxrt_lat_set_slo(r.get(), MXRT_LAT_RELIEF, 0);
	r.Wake(30, 0);
	r.In(40, 0);
	mxrt_lat_set_slo(r.get(), MXRT_LAT_RELIEF, 1);
	r.Arm(45);
	r.Sleep(50, 0);
	EXPECT_EQ(r.Stat(MXRT_LAT_RELIEF).max_ns, 50u);
	EXPECT_EQ(r.Worst(MXRT_LAT_RELIEF).n, 0u) << "its second cycle kept no trace";
	r.Wake(100, 0);
	r.In(110, 0);
	r.Arm(115);
	r.Sleep(120, 0);
	const mxrt_lat_trace rt = r.Worst(MXRT_LAT_RELIEF);
	EXPECT_EQ(rt.value_ns, 20u) << "a wholly traced period is";
	EXPECT_EQ(rt.n, 4u) << Format(rt); // wake-up, switch in, timer arm, sleep
}

// A CPU keeps logging while another publishes traces from its log: no event is torn.
TEST(LatCpuLog, ReadersNeverSeeTornLogEntries) {
	Task t;
	std::atomic<bool> stop{false};
	std::atomic<uint64_t> clock{10};
	std::thread writer([&] {
		while (!stop.load()) {
			const uint64_t ts = clock.fetch_add(1);
			const int32_t id = int32_t(ts % 100000);
			t.Other(ts, 1, id, "w", id + 1, "x");
		}
	});
	uint64_t bad = 0, published = 0, writer_entries = 0;
	// The task's own switches go into a log of their own, numbered CPU 1: the writer thread is the
	// only writer of t's CPU 1 log (in the kernel, a CPU's switches are serialised by its runqueue
	// lock). Its traces still read t's logs.
	auto own = std::make_unique<mxrt_lat_cpu_log[]>(2);
	mxrt_lat_cpu_logs_init(own.get(), 2);
	for (int c = 0; c < 2000; c++) {
		const uint64_t w = clock.fetch_add(1);
		t.Wake(w, 1);
		while (clock.load() < w + 150) // a wait longer than the log: the trace reads back to its oldest entries
			clock.fetch_add(0);
		const uint64_t in = clock.fetch_add(1) + uint64_t(c) * 1000; // always a new maximum
		Switch(&own[1], nullptr, t.get(), in, 0, "swapper/1", kPid, "ctl", 0);
		const mxrt_lat_trace tr = t.Worst(MXRT_LAT_WAKEUP);
		published++;
		for (uint32_t i = 0; i < tr.n; i++) {
			if (tr.ev[i].prev_pid != kPid && tr.ev[i].prev_pid != 7 && tr.ev[i].prev_pid != 0) {
				writer_entries++; // an entry of the racing writer: checked whole
				if (tr.ev[i].prev_pid != int32_t(tr.ev[i].ts_ns % 100000) ||
				    tr.ev[i].next_pid != tr.ev[i].prev_pid + 1)
					bad++; // torn
			}
			if (i > 0 && tr.ev[i - 1].ts_ns >= tr.ev[i].ts_ns)
				bad++; // an entry overwritten by a newer one while the trace was read
		}
		Switch(&own[1], t.get(), nullptr, in + 1, kPid, "ctl", 0, "swapper/1", 1);
	}
	stop = true;
	writer.join();
	EXPECT_EQ(bad, 0u);
	EXPECT_EQ(published, 2000u);
	// The race was real: the traces did read entries the writer was producing meanwhile (without
	// them this test could not see a torn entry at all).
	EXPECT_GT(writer_entries, 1000u) << "traces held " << writer_entries << " of the writer's entries";
}

} // namespace
