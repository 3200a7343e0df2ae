// SPDX-License-Identifier: GPL-2.0
//
// Runs on: the build host (unit tests, every variant). mxrt-contention's user-space side
// (user/contention/report.cpp): kernel symbols, lock names and kinds, the aggregation of the BPF
// maps' records, histograms, the messages for a kernel that lacks something, and the JSON.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "contention/report.hpp"

using namespace contention;

namespace {

// kernel text and data, and a module's, as /proc/kallsyms shows them to root
const char *const kKallsyms =
	"ffffffff81000000 T _stext\n"
	"ffffffff81100000 T rt_mutex_lock\n"
	"ffffffff81100100 t rt_mutex_slowlock\n"
	"ffffffff81100400 t rtlock_slowlock_locked\n"
	"ffffffff81100800 T rt_spin_lock\n"
	"ffffffff81200000 T i2c_transfer\n"
	"ffffffff81200200 T regmap_read\n"
	"ffffffff82000000 D tasklist_lock\n"
	"ffffffff82000040 d pcpu_lock\n"
	"ffffffff82000100 b some_bss_lock\n"
	"ffffffff82000200 r some_rodata\n"
	"ffffffffa0000000 t mx_irq_thread\t[mxrt_max30102]\n"
	"ffffffffa0000400 t mx_lock_until\t[mxrt_max30102]\n"
	"ffffffffa0010000 d mx_dbg_root\t[mxrt_max30102]\n"
	"0000000000000000 A fixed_percpu_data\n" // what a user without privilege sees: skipped
	"garbage line\n";

Symbols Syms() {
	Symbols s;
	s.Parse(kKallsyms);
	return s;
}

LockRecord Lock(std::uint64_t lock, std::uint32_t flags, std::uint32_t tid, std::int32_t stack, std::uint64_t count,
		std::uint64_t total, std::uint64_t max, const char *comm) {
	LockRecord r{};
	r.key.lock = lock;
	r.key.flags = flags;
	r.key.tid = tid;
	r.key.tgid = tid;
	r.key.stack_id = stack;
	r.val.count = count;
	r.val.total_ns = total;
	r.val.max_ns = max;
	// put the waits in the bucket of the max (enough for the tests)
	if (max)
		r.val.hist[63 - __builtin_clzll(max)] = count;
	std::strncpy(r.val.comm, comm, sizeof(r.val.comm));
	return r;
}

} // namespace

TEST(ContentionSymbols, ParsesKernelAndModuleSymbolsAndSkipsHiddenOnes) {
	Symbols s = Syms();
	EXPECT_EQ(s.size(), 14u);
	std::uint64_t off = 0;
	const Symbol *f = s.Find(0xffffffffa0000410ull, &off);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(f->name, "mx_lock_until");
	EXPECT_EQ(f->module, "mxrt_max30102");
	EXPECT_EQ(off, 0x10u);
	EXPECT_EQ(s.Format(0xffffffffa0000410ull), "mx_lock_until+0x10 [mxrt_max30102]");
	EXPECT_EQ(s.Format(0xffffffff81200008ull), "i2c_transfer+0x8");
	EXPECT_EQ(s.Find(0x1000), nullptr);
	EXPECT_EQ(s.Format(0x1000), "0x1000");
	// past the last symbol by more than an object: not that symbol's
	EXPECT_EQ(s.Format(0xffffffffa0100000ull), "0xffffffffa0100000");
}

// KSYM_NAME_LEN is 512: a name of 300 characters (a Rust symbol) was cut at 255, and its
// [module] lost with the rest of the line
TEST(ContentionSymbols, LongNamesAndTheirModuleAreKeptWhole) {
	const std::string longname(300, 'r');
	Symbols s;
	s.Parse("ffffffffa0000000 t " + longname + "\t[rust_mod]\nffffffffa0001000 T after\t[rust_mod]\n");
	ASSERT_EQ(s.size(), 2u);
	const Symbol *f = s.Find(0xffffffffa0000004ull);
	ASSERT_NE(f, nullptr);
	EXPECT_EQ(f->name, longname);
	EXPECT_EQ(f->module, "rust_mod");
}

TEST(ContentionSymbols, NamesOnlyDataSymbolsAsStaticLocks) {
	Symbols s = Syms();
	EXPECT_EQ(s.DataName(0xffffffff82000000ull).value_or(""), "tasklist_lock");
	EXPECT_EQ(s.DataName(0xffffffff82000008ull).value_or(""), "tasklist_lock+0x8");
	EXPECT_EQ(s.DataName(0xffffffff82000040ull).value_or(""), "pcpu_lock");
	EXPECT_EQ(s.DataName(0xffffffff82000100ull).value_or(""), "some_bss_lock");
	EXPECT_EQ(s.DataName(0xffffffffa0010000ull).value_or(""), "mx_dbg_root [mxrt_max30102]");
	EXPECT_FALSE(s.DataName(0xffffffff81100000ull)); // text
	EXPECT_FALSE(s.DataName(0xffffffff82000200ull)); // read-only data is no lock
	EXPECT_FALSE(s.DataName(0xffff888001234567ull)); // the heap: below every symbol
	EXPECT_FALSE(s.DataName(0xffffffffa0010000ull + Symbols::kMaxObject)); // too far in
}

TEST(ContentionNames, DriverFileGivesNamesAndSkipsBadLines) {
	LockNames n;
	int got = n.ParseLocksFile("ffff888004a26040 max30102-0.lock\n"
				   "ffff888004a26c48 max30102-0.test_sem\n"
				   "ffff888004b70058 i2c-0.bus_lock\n"
				   "zzzz not-an-address\n"
				   "0 zero\n"
				   "ffff888004a26040\n"
				   "ffff888004a26041 two words here\n");
	EXPECT_EQ(got, 3);
	Symbols s = Syms();
	NameSource src;
	EXPECT_EQ(n.Name(0xffff888004a26040ull, s, {}, &src), "max30102-0.lock");
	EXPECT_EQ(src, NameSource::kDriver);
	EXPECT_EQ(n.Lookup("i2c-0.bus_lock").value_or(0), 0xffff888004b70058ull);
	EXPECT_FALSE(n.Lookup("max30102-1.lock"));
}

TEST(ContentionNames, BetterSourceWinsWhicheverComesFirst) {
	LockNames a, b;
	a.AddAdapter(0x1000, 3, "mxrt max30102 simulator");
	a.ParseLocksFile("1000 i2c-3.bus_lock.driver\n");
	b.ParseLocksFile("1000 i2c-3.bus_lock.driver\n");
	b.AddAdapter(0x1000, 3, "mxrt max30102 simulator");
	Symbols s;
	EXPECT_EQ(a.Name(0x1000, s, {}), "i2c-3.bus_lock.driver");
	EXPECT_EQ(b.Name(0x1000, s, {}), "i2c-3.bus_lock.driver");
	EXPECT_EQ(a.adapter_names().at(3), "mxrt max30102 simulator");
}

TEST(ContentionNames, UnknownLockIsNamedByTheWaitersCallerOutsideTheLockingCode) {
	Symbols s = Syms();
	LockNames n;
	// rt_spin_lock <- rtlock_slowlock_locked <- ... <- mx_irq_thread: the caller is the driver
	std::vector<std::uint64_t> frames = {0xffffffff81100410ull, 0xffffffff81100810ull, 0xffffffffa0000020ull,
					     0xffffffff81200210ull};
	NameSource src;
	EXPECT_EQ(n.Name(0xffff888000001000ull, s, frames, &src),
		  "0xffff888000001000 (mx_irq_thread+0x20 [mxrt_max30102])");
	EXPECT_EQ(src, NameSource::kCaller);
	EXPECT_EQ(n.Name(0xffff888000001000ull, s, {}, &src), "0xffff888000001000");
	EXPECT_EQ(src, NameSource::kNone);
	// a static lock by its symbol before any caller
	EXPECT_EQ(n.Name(0xffffffff82000040ull, s, frames, &src), "pcpu_lock");
	EXPECT_EQ(src, NameSource::kSymbol);
	EXPECT_EQ(Caller(s, {0xffffffff81100010ull}), "");
}

TEST(ContentionKinds, FromTheTracepointFlagsRefinedByTheStack) {
	EXPECT_EQ(LockKind(MXRT_LCB_F_SPIN, {}), "spinlock");
	EXPECT_EQ(LockKind(MXRT_LCB_F_SPIN | MXRT_LCB_F_READ, {}), "rwlock:read");
	EXPECT_EQ(LockKind(MXRT_LCB_F_SPIN | MXRT_LCB_F_WRITE, {}), "rwlock:write");
	EXPECT_EQ(LockKind(MXRT_LCB_F_MUTEX, {}), "mutex");
	EXPECT_EQ(LockKind(MXRT_LCB_F_MUTEX | MXRT_LCB_F_SPIN, {}), "mutex (spinning)");
	EXPECT_EQ(LockKind(MXRT_LCB_F_READ, {}), "rwsem:read");
	EXPECT_EQ(LockKind(MXRT_LCB_F_WRITE, {}), "rwsem:write");
	EXPECT_EQ(LockKind(MXRT_LCB_F_PERCPU | MXRT_LCB_F_WRITE, {}), "percpu-rwsem:write");
	EXPECT_EQ(LockKind(0, {}), "semaphore");
	// PREEMPT_RT: one flag for every sleeping lock; the stack tells which
	// without a stack (--no-stacks, a stack lost, no symbols) the flag alone cannot tell a
	// spinlock_t from an rt_mutex or a mutex: said, not guessed (every one was "rt_mutex")
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {}), "rt_mutex/spinlock_t");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {"", ""}), "rt_mutex/spinlock_t");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT | MXRT_LCB_F_READ, {}), "rwbase_rt:read");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {"rt_mutex_slowlock", "rt_mutex_lock", "mx_irq_thread"}), "rt_mutex");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {"rtlock_slowlock_locked", "rt_spin_lock", "foo"}), "spinlock_t (rtlock)");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {"rt_mutex_slowlock", "mutex_lock", "foo"}), "mutex (rt)");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT, {"rt_mutex_slowlock", "i2c_adapter_lock_bus", "i2c_transfer"}), "rt_mutex");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT | MXRT_LCB_F_READ, {"rwbase_read_lock", "rt_read_lock"}), "rwlock_t (rt):read");
	EXPECT_EQ(LockKind(MXRT_LCB_F_RT | MXRT_LCB_F_WRITE, {"rwbase_write_lock", "down_write"}), "rwbase_rt:write");
}

TEST(ContentionHist, PercentilesAreBucketBoundsNeverAboveTheMax) {
	Hist h;
	EXPECT_EQ(h.Percentile(500, 0), 0u);
	__u64 b[MXRT_CON_HIST_BUCKETS] = {};
	b[10] = 98; // [1024, 2047]
	b[20] = 2;  // [1048576, 2097151]
	h.Add(b);
	h.Add(b);
	EXPECT_EQ(h.Count(), 200u);
	EXPECT_EQ(h.Percentile(500, 1500000), 2047u);
	EXPECT_EQ(h.Percentile(980, 1500000), 2047u);
	EXPECT_EQ(h.Percentile(990, 1500000), 1500000u); // the bucket's bound is above the max seen
	EXPECT_EQ(Hist::Low(0), 0u);
	EXPECT_EQ(Hist::High(0, 1500000), 1u);
	EXPECT_EQ(Hist::Low(10), 1024u);
	EXPECT_EQ(Hist::High(10, 1500000), 2047u);
}

// The programs put every wait of 2^31 ns or more in the last bucket: 10 s is not [2^31, 2^32).
TEST(ContentionHist, LastBucketIsOpenEnded) {
	const std::uint64_t ten_s = 10000000000ull;
	Hist h;
	__u64 b[MXRT_CON_HIST_BUCKETS] = {};
	b[MXRT_CON_HIST_BUCKETS - 1] = 3;
	h.Add(b);
	EXPECT_EQ(Hist::Low(Hist::kLast), 1ull << 31);
	EXPECT_EQ(Hist::High(Hist::kLast, ten_s), ten_s);
	EXPECT_EQ(h.Percentile(500, ten_s), ten_s);
	EXPECT_EQ(h.Percentile(990, ten_s), ten_s);

	Report r;
	LockSummary l;
	l.lock = 0xffff888004a26040ull;
	l.name = "max30102-0.lock";
	l.kind = "rt_mutex";
	l.count = 3;
	l.total_ns = 3 * ten_s;
	l.max_ns = ten_s;
	l.hist = h;
	r.locks.push_back(l);
	const std::string j = RenderJson(r);
	EXPECT_NE(j.find("\"p50_ns\":10000000000,\"p99_ns\":10000000000"), std::string::npos) << j;
	EXPECT_NE(j.find("{\"lo_ns\":2147483648,\"hi_ns\":10000000000,\"count\":3}"), std::string::npos) << j;
	EXPECT_EQ(j.find("4294967295"), std::string::npos) << j;
	const std::string t = RenderHistograms(r, 10);
	EXPECT_NE(t.find("2147483648 -> 10000000000"), std::string::npos) << t;
}

TEST(ContentionAggregate, MergesTasksAndStacksPerLockLongestFirst) {
	Symbols s = Syms();
	LockNames n;
	n.ParseLocksFile("ffff888004a26040 max30102-0.lock\nffff888004b70058 i2c-0.bus_lock\n");
	StackTable st = {
		{1, {0xffffffff81100110ull, 0xffffffff81100010ull, 0xffffffffa0000020ull}}, // rt_mutex_lock <- irq thread
		{2, {0xffffffff81100110ull, 0xffffffff81100010ull, 0xffffffffa0000420ull}}, // <- mx_lock_until
		{3, {0xffffffff81100410ull, 0xffffffff81100810ull, 0xffffffff81200210ull}}, // an rtlock
	};
	std::vector<LockRecord> recs = {
		Lock(0xffff888004a26040ull, MXRT_LCB_F_RT, 100, 1, 10, 10000000, 3000000, "irq/24-0-0057"),
		Lock(0xffff888004a26040ull, MXRT_LCB_F_RT, 200, 2, 2, 40000000, 30000000, "sh"),
		Lock(0xffff888004a26040ull, MXRT_LCB_F_RT, 100, 2, 1, 1000, 1000, "irq/24-0-0057"),
		Lock(0xffff888004b70058ull, MXRT_LCB_F_RT, 300, 1, 5, 500000, 200000, "i2cget"),
		Lock(0xffff888000001000ull, MXRT_LCB_F_RT, 400, 3, 1, 100000, 100000, "kworker/0:1"),
		Lock(0xffff888000002000ull, MXRT_LCB_F_SPIN, 400, -14, 0, 0, 0, "empty"), // no waits: left out
	};
	auto out = AggregateLocks(recs, st, s, n, 1);
	ASSERT_EQ(out.size(), 3u);
	const LockSummary &d = out[0];
	EXPECT_EQ(d.name, "max30102-0.lock");
	EXPECT_EQ(d.kind, "rt_mutex");
	EXPECT_EQ(d.count, 13u);
	EXPECT_EQ(d.total_ns, 50001000u);
	EXPECT_EQ(d.max_ns, 30000000u);
	EXPECT_EQ(d.hist.Count(), 13u);
	ASSERT_EQ(d.tasks.size(), 2u);
	EXPECT_EQ(d.tasks[0].comm, "sh");          // 40 ms in total
	EXPECT_EQ(d.tasks[1].comm, "irq/24-0-0057");
	EXPECT_EQ(d.tasks[1].count, 11u);
	ASSERT_EQ(d.stacks.size(), 1u); // top 1
	EXPECT_EQ(d.stacks[0].stack_id, 2);
	EXPECT_EQ(d.stacks[0].count, 3u);
	EXPECT_EQ(d.stacks[0].frames.back(), "mx_lock_until+0x20 [mxrt_max30102]");
	EXPECT_EQ(out[1].name, "i2c-0.bus_lock");
	EXPECT_EQ(out[2].name, "0xffff888000001000 (regmap_read+0x10)");
	EXPECT_EQ(out[2].kind, "spinlock_t (rtlock)");
	EXPECT_EQ(out[2].source, NameSource::kCaller);

	LockFilter f;
	f.name = "i2c-0.bus_lock";
	auto one = AggregateLocks(recs, st, s, n, 3, f);
	ASSERT_EQ(one.size(), 1u);
	EXPECT_EQ(one[0].count, 5u);
}

TEST(ContentionAggregate, TheSpinlockInsideASleepingLockIsARowOfItsOwn) {
	Symbols s;
	LockNames n;
	n.ParseLocksFile("1000 max30102-0.lock\n2000 max30102-0.test_sem\n");
	std::vector<LockRecord> recs = {
		Lock(0x1000, MXRT_LCB_F_RT, 1, -14, 4, 4000, 2000, "a"),
		Lock(0x1000, MXRT_LCB_F_SPIN, 1, -14, 9, 900, 200, "a"), // the rt_mutex's wait_lock
		Lock(0x2000, 0, 2, -14, 1, 100, 100, "b"),                // the semaphore
		Lock(0x2000, MXRT_LCB_F_SPIN, 2, -14, 1, 50, 50, "b"),     // its raw spinlock
		// a mutex's spin and sleep phases: one lock, one row
		Lock(0x3000, MXRT_LCB_F_MUTEX | MXRT_LCB_F_SPIN, 3, -14, 1, 10, 10, "c"),
		Lock(0x3000, MXRT_LCB_F_MUTEX, 3, -14, 2, 20, 10, "c"),
	};
	auto out = AggregateLocks(recs, {}, s, n, 3);
	std::set<std::string> rows;
	for (const auto &l : out)
		rows.insert(l.name + "|" + l.kind + "|" + std::to_string(l.count));
	// no stacks here: the rt_mutex's kind is not told from the flag alone
	EXPECT_EQ(rows, (std::set<std::string>{"max30102-0.lock|rt_mutex/spinlock_t|4", "max30102-0.lock (inner spinlock)|spinlock|9",
						"max30102-0.test_sem|semaphore|1",
						"max30102-0.test_sem (inner spinlock)|spinlock|1", "0x3000|mutex|3"}));

	// -l takes a name as the table shows it: the inner spinlock's row alone (it was compared before
	// the suffix was added: no row), or the lock with its inner spinlock (one lock, one address,
	// as -l with the address shows it)
	auto rows_of = [&](const char *name) {
		LockFilter f;
		f.name = name;
		std::set<std::string> r;
		for (const auto &l : AggregateLocks(recs, {}, s, n, 3, f))
			r.insert(l.name + "|" + std::to_string(l.count));
		return r;
	};
	EXPECT_EQ(rows_of("max30102-0.lock (inner spinlock)"), (std::set<std::string>{"max30102-0.lock (inner spinlock)|9"}));
	EXPECT_EQ(rows_of("max30102-0.lock"),
		  (std::set<std::string>{"max30102-0.lock|4", "max30102-0.lock (inner spinlock)|9"}));
	EXPECT_EQ(rows_of("max30102-0.test_sem (inner spinlock)"),
		  (std::set<std::string>{"max30102-0.test_sem (inner spinlock)|1"}));
	EXPECT_TRUE(rows_of("0x3000 (inner spinlock)").empty()); // a mutex has no inner spinlock row
}

TEST(ContentionAggregate, I2cPerAdapterAndAddressWithErrnosAndTasks) {
	LockNames n;
	n.AddAdapter(0xabc, 0, "mxrt-max30102-sim");
	auto rec = [](std::uint32_t ad, std::uint16_t addr, std::uint32_t tid, const char *comm, std::uint64_t xfers,
		      std::uint64_t errors, std::uint64_t waits, std::uint64_t wait_ns) {
		I2cRecord r{};
		r.key.adapter = ad;
		r.key.addr = addr;
		r.key.tid = tid;
		r.key.tgid = tid;
		r.val.xfers = xfers;
		r.val.msgs = 2 * xfers;
		r.val.bytes = 7 * xfers;
		r.val.errors = errors;
		r.val.total_ns = 1000 * xfers;
		r.val.max_ns = 5000;
		r.val.hist[9] = xfers;
		r.val.bus_waits = waits;
		r.val.bus_wait_ns = wait_ns;
		r.val.bus_wait_max_ns = wait_ns;
		r.val.wait_hist[12] = waits;
		std::strncpy(r.val.comm, comm, sizeof(r.val.comm));
		return r;
	};
	std::vector<I2cRecord> recs = {rec(0, 0x57, 10, "irq/24-0-0057", 1000, 5, 3, 30000),
				       rec(0, 0x57, 20, "i2cget", 30, 0, 2, 90000), rec(1, 0x50, 30, "eeprom", 4, 1, 0, 0)};
	std::vector<I2cErrRecord> errs = {{{0, 0x57, 0, ENXIO, 0}, 3}, {{0, 0x57, 0, ETIMEDOUT, 0}, 2}, {{1, 0x50, 0, 0, 0}, 1}};
	auto out = AggregateI2c(recs, errs, n);
	ASSERT_EQ(out.size(), 2u);
	const I2cSummary &a = out[0];
	EXPECT_EQ(a.adapter, 0u);
	EXPECT_EQ(a.addr, 0x57);
	EXPECT_EQ(a.adapter_name, "mxrt-max30102-sim");
	EXPECT_EQ(a.xfers, 1030u);
	EXPECT_EQ(a.msgs, 2060u);
	EXPECT_EQ(a.bytes, 7210u);
	EXPECT_EQ(a.errors, 5u);
	EXPECT_EQ(a.bus_waits, 5u);
	EXPECT_EQ(a.bus_wait_ns, 120000u);
	EXPECT_EQ(a.bus_wait_max_ns, 90000u);
	EXPECT_EQ(a.hist.Count(), 1030u);
	EXPECT_EQ(a.wait_hist.Count(), 5u);
	EXPECT_EQ(a.errnos.at(ENXIO), 3u);
	EXPECT_EQ(a.errnos.at(ETIMEDOUT), 2u);
	ASSERT_EQ(a.tasks.size(), 2u);
	EXPECT_EQ(a.tasks[0].comm, "irq/24-0-0057");
	EXPECT_EQ(a.tasks[1].comm, "i2cget");
	EXPECT_EQ(a.tasks[1].bus_wait_ns, 90000u);
	EXPECT_EQ(out[1].adapter_name, "");
	EXPECT_EQ(out[1].errnos.at(0), 1u);
	EXPECT_EQ(ErrnoName(0), "short");
	EXPECT_EQ(ErrnoName(ENXIO), "ENXIO");
	EXPECT_EQ(ErrnoName(ETIMEDOUT), "ETIMEDOUT");
	EXPECT_EQ(ErrnoName(4095), "E4095");
}

TEST(ContentionKernel, SaysWhatIsMissing) {
	auto all = [](const std::string &) { return true; };
	auto no_locks = [](const std::string &t) { return t.rfind("contention_", 0) != 0; };
	auto no_i2c = [](const std::string &t) { return t.rfind("contention_", 0) == 0; };
	EXPECT_EQ(KernelProblem(true, Trace::kBoth, all), "");
	EXPECT_NE(KernelProblem(false, Trace::kBoth, all).find("no BTF"), std::string::npos);
	EXPECT_NE(KernelProblem(false, Trace::kI2c, all).find("CONFIG_DEBUG_INFO_BTF"), std::string::npos);
	EXPECT_NE(KernelProblem(true, Trace::kBoth, no_locks).find("lock:contention_begin"), std::string::npos);
	EXPECT_NE(KernelProblem(true, Trace::kBoth, no_locks).find("5.19"), std::string::npos);
	EXPECT_EQ(KernelProblem(true, Trace::kI2c, no_locks), "");
	EXPECT_NE(KernelProblem(true, Trace::kBoth, no_i2c).find("i2c:i2c_write is missing"), std::string::npos);
	EXPECT_EQ(KernelProblem(true, Trace::kLocks, no_i2c), "");
	auto no_smbus = [](const std::string &t) { return t != "smbus_result"; };
	EXPECT_NE(KernelProblem(true, Trace::kI2c, no_smbus).find("smbus:smbus_result"), std::string::npos);
	EXPECT_NE(LoadProblem(-EPERM, false).find("not permitted"), std::string::npos);
	EXPECT_NE(LoadProblem(-EACCES, true).find("not permitted"), std::string::npos);
	EXPECT_NE(LoadProblem(-EINVAL, false).find("cannot load"), std::string::npos);
	EXPECT_NE(LoadProblem(-ENOENT, true).find("cannot attach"), std::string::npos);
}

TEST(ContentionOutput, JsonEscapesAndCarriesEverything) {
	// the strings' escaping itself (UTF-8 included) is tested with the shared lib (cli_lib_test.cpp)
	EXPECT_EQ(JsonString("a\"b\\c\nd\x01\xff"), "\"a\\\"b\\\\c\\u000ad\\u0001\\ufffd\"");
	Report r;
	r.duration_s = 1.5;
	LockSummary l;
	l.lock = 0xffff888004a26040ull;
	l.name = "max30102-0.lock";
	l.kind = "rt_mutex";
	l.source = NameSource::kDriver;
	l.count = 2;
	l.total_ns = 3000;
	l.max_ns = 2000;
	l.hist.bucket[10] = 2;
	l.tasks.push_back({7, 7, "sh\"x", 2, 3000, 2000});
	l.stacks.push_back({1, {"rt_mutex_lock+0x10", "mx_irq_thread+0x20 [mxrt_max30102]"}, 2, 3000, 2000});
	r.locks.push_back(l);
	I2cSummary s;
	s.adapter = 0;
	s.addr = 0x57;
	s.xfers = 10;
	s.errors = 1;
	s.errnos[ENXIO] = 1;
	r.i2c.push_back(s);
	r.counters[MXRT_CON_EVENTS] = 42;
	r.progs.push_back({"mxrt_contention_end", 21, 4200});
	std::string j = RenderJson(r);
	EXPECT_EQ(j.rfind("{\"duration_s\":1.500,\"locks\":[{\"lock\":\"0xffff888004a26040\",\"name\":\"max30102-0.lock\","
			  "\"name_source\":\"driver\",\"kind\":\"rt_mutex\",\"count\":2,\"total_ns\":3000,\"max_ns\":2000,"
			  "\"p50_ns\":2000,\"p99_ns\":2000,\"hist\":[{\"lo_ns\":1024,\"hi_ns\":2047,\"count\":2}],",
			  0),
		  0u)
		<< j;
	EXPECT_NE(j.find("\"comm\":\"sh\\\"x\""), std::string::npos);
	EXPECT_NE(j.find("\"frames\":[\"rt_mutex_lock+0x10\",\"mx_irq_thread+0x20 [mxrt_max30102]\"]"), std::string::npos);
	EXPECT_NE(j.find("\"addr\":\"0x57\",\"xfers\":10,"), std::string::npos);
	EXPECT_NE(j.find("\"errno\":{\"ENXIO\":1}"), std::string::npos);
	EXPECT_NE(j.find("\"lock_events\":42"), std::string::npos);
	EXPECT_NE(j.find("\"programs\":[{\"name\":\"mxrt_contention_end\",\"run_cnt\":21,\"run_time_ns\":4200}]}\n"),
		  std::string::npos);
	// balanced brackets and quotes: a JSON reader gets one object
	int depth = 0;
	bool in_str = false;
	for (std::size_t i = 0; i < j.size(); i++) {
		char c = j[i];
		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']') {
			EXPECT_GE(--depth, 0);
		}
	}
	EXPECT_EQ(depth, 0);
	EXPECT_FALSE(in_str);
	// the table and histograms name the same things
	std::string t = RenderTable(r, 10);
	EXPECT_NE(t.find("max30102-0.lock"), std::string::npos);
	EXPECT_NE(t.find("ENXIO=1"), std::string::npos);
	std::string h = RenderHistograms(r, 10);
	EXPECT_NE(h.find("1024 -> 2047"), std::string::npos);
	EXPECT_NE(h.find("mx_irq_thread+0x20 [mxrt_max30102]"), std::string::npos);
	EXPECT_EQ(FormatNs(999), "999ns");
	EXPECT_EQ(FormatNs(1500), "1.5us");
	EXPECT_EQ(FormatNs(2500000), "2.50ms");
	EXPECT_EQ(FormatNs(3000000000ull), "3.00s");
}

// With --no-locks no bus wait is measured (a bus wait is the lock programs' to see): the figures are
// "-" and null, never 0, which read as "the bus was never contended" (a review saw a 292 ms bus wait
// reported as 0 by a --no-locks run beside one that measured it).
TEST(ContentionOutput, BusWaitsNotMeasuredAreNotShownAsZero) {
	Report r;
	I2cSummary s;
	s.adapter = 0;
	s.addr = 0x57;
	s.adapter_name = "sim";
	s.xfers = 625;
	s.tasks.push_back({});
	s.tasks[0].tid = 9;
	s.tasks[0].comm = "i2cget";
	s.tasks[0].xfers = 625;
	r.i2c.push_back(s);
	const std::string measured = RenderJson(r);
	EXPECT_NE(measured.find("\"bus_waits\":0,\"bus_wait_ns\":0,\"bus_wait_max_ns\":0,\"wait_hist\":["), std::string::npos)
		<< measured;
	r.bus_waits_traced = false;
	const std::string j = RenderJson(r);
	EXPECT_NE(j.find("\"bus_waits\":null,\"bus_wait_ns\":null,\"bus_wait_max_ns\":null,\"wait_hist\":null,"),
		  std::string::npos)
		<< j;
	EXPECT_NE(j.find("\"tid\":9,"), std::string::npos);
	EXPECT_EQ(j.find("\"bus_waits\":0"), std::string::npos) << j;
	const std::string t = RenderTable(r, 10);
	EXPECT_NE(t.find("       -          -  "), std::string::npos) << t;
	EXPECT_NE(t.find("not measured with --no-locks"), std::string::npos) << t;
	const std::string h = RenderHistograms(r, 10);
	EXPECT_NE(h.find("bus waits not measured (--no-locks)"), std::string::npos) << h;
	EXPECT_EQ(h.find("0 bus waits"), std::string::npos) << h;
}

// A task names itself (prctl(PR_SET_NAME)): its comm must not reach the terminal of whoever runs the
// tool as escape sequences (a title change, a cleared screen, worse on some terminals).
TEST(ContentionOutput, TextShowsNoControlCharacters) {
	Report r;
	LockSummary l;
	l.lock = 0xffff888004a26040ull;
	l.name = "max30102-0.lock";
	l.kind = "rt_mutex";
	l.count = 1;
	l.total_ns = l.max_ns = 2000;
	l.hist.bucket[10] = 1;
	l.tasks.push_back({7, 7, "\x1b]0;owned\x07", 1, 2000, 2000});
	r.locks.push_back(l);
	I2cSummary s;
	s.xfers = 1;
	I2cTask t;
	t.tid = 8;
	t.comm = "\x1b[2J";
	t.xfers = 1;
	s.tasks.push_back(t);
	r.i2c.push_back(s);
	const std::string text = RenderTable(r, 10) + RenderHistograms(r, 10);
	EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
	EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
	EXPECT_NE(text.find("?]0;owned?/7"), std::string::npos) << text;
	EXPECT_NE(text.find("task ?[2J tid 8"), std::string::npos) << text;
	// the JSON keeps the bytes, escaped
	EXPECT_NE(RenderJson(r).find("\"comm\":\"\\u001b]0;owned\\u0007\""), std::string::npos);
}

namespace {
SlowWait Slow(std::uint64_t lock, std::uint32_t flags, const char *name, std::uint64_t wait_ns, std::uint32_t tid) {
	SlowWait w{};
	w.ev.lock = lock;
	w.ev.flags = flags;
	w.ev.wait_ns = wait_ns;
	w.ev.tid = tid;
	std::strncpy(w.ev.comm, "irq/24-0-0057", sizeof(w.ev.comm));
	w.name = name;
	w.kind = LockKind(flags, {"rt_mutex_slowlock", "rt_mutex_lock", "mx_irq_thread"});
	w.frames = {"rt_mutex_slowlock+0x10", "mx_irq_thread+0x20 [mxrt_max30102]"};
	return w;
}
} // namespace

// -l NAME: the slow waits obey it as the table does (every ring-buffer event was printed and kept,
// whatever lock it was for: 71 slow waits with -l max30102-0.lock, 13 of them on that lock)
TEST(ContentionSlowWaits, TheNameFilterPicksThemAsItPicksTheTableRows) {
	LockFilter all;
	EXPECT_TRUE(all.Matches(Slow(0x1000, MXRT_LCB_F_RT, "i2c-0.bus_lock", 1, 1)));
	LockFilter dev;
	dev.name = "max30102-0.lock";
	EXPECT_TRUE(dev.Matches(Slow(0x1000, MXRT_LCB_F_RT, "max30102-0.lock", 1, 1)));
	EXPECT_FALSE(dev.Matches(Slow(0x2000, MXRT_LCB_F_RT, "i2c-0.bus_lock", 1, 1)));
	EXPECT_FALSE(dev.Matches(Slow(0x3000, MXRT_LCB_F_RT, "0x3000 (prepare_to_wait_event+0x24)", 1, 1)));
	// the lock's inner raw spinlock (its wait_lock) is picked with it, and alone by its row's name
	EXPECT_TRUE(dev.Matches(Slow(0x1000, MXRT_LCB_F_SPIN, "max30102-0.lock", 1, 1)));
	LockFilter inner;
	inner.name = "max30102-0.lock (inner spinlock)";
	EXPECT_TRUE(inner.Matches(Slow(0x1000, MXRT_LCB_F_SPIN, "max30102-0.lock", 1, 1)));
	EXPECT_FALSE(inner.Matches(Slow(0x1000, MXRT_LCB_F_RT, "max30102-0.lock", 1, 1)));
}

// The text report keeps the slow waits: the live table's refreshes cleared the lines printed as
// the waits ended, and the final report had none of them. The last ones are kept (the total counts
// every one), and shown with their stacks at the end, on one line each in a live refresh.
TEST(ContentionSlowWaits, TheLastOnesAreKeptAndShownWithHowManyMore) {
	Report r;
	EXPECT_EQ(RenderSlowWaits(r, 10, Frames::kYes), "slow waits: none\n");
	for (std::uint32_t i = 1; i <= 5; i++)
		KeepSlowWait(r, Slow(0x1000, MXRT_LCB_F_RT, "max30102-0.lock", i * 1000000, i), 3);
	EXPECT_EQ(r.slow_total, 5u);
	ASSERT_EQ(r.slow.size(), 3u);
	EXPECT_EQ(r.slow.front().ev.tid, 3u); // the last 3, oldest first
	EXPECT_EQ(r.slow.back().ev.tid, 5u);
	std::string t = RenderSlowWaits(r, 10, Frames::kYes);
	EXPECT_EQ(t.rfind("slow waits: 5 (the last 3 below)\n"
			  "slow wait: max30102-0.lock (rt_mutex) 3.00ms by irq/24-0-0057 tid 3\n"
			  "    rt_mutex_slowlock+0x10\n"
			  "    mx_irq_thread+0x20 [mxrt_max30102]\n"
			  "slow wait: max30102-0.lock (rt_mutex) 4.00ms by irq/24-0-0057 tid 4\n",
			  0),
		  0u)
		<< t;
	EXPECT_NE(t.find("tid 5\n"), std::string::npos) << t;
	// a live refresh: the last 2, one line each
	t = RenderSlowWaits(r, 2, Frames::kNo);
	EXPECT_EQ(t, "slow waits: 5 (the last 2 below)\n"
		     "slow wait: max30102-0.lock (rt_mutex) 4.00ms by irq/24-0-0057 tid 4\n"
		     "slow wait: max30102-0.lock (rt_mutex) 5.00ms by irq/24-0-0057 tid 5\n")
		<< t;
	// the JSON has the same ones, and the total
	const std::string j = RenderJson(r);
	EXPECT_NE(j.find("\"slow_waits\":{\"total\":5,\"events\":[{"), std::string::npos) << j;
	EXPECT_EQ(j.find("\"tid\":1,"), std::string::npos) << j;
	EXPECT_NE(j.find("\"tid\":5,"), std::string::npos) << j;
	// a name from the kernel is shown as text, like a comm
	SlowWait odd = Slow(0x1000, MXRT_LCB_F_RT, "\x1b[2Jx", 1, 1);
	EXPECT_EQ(RenderSlowWait(odd, Frames::kNo).find('\x1b'), std::string::npos);
}

// --prog-stats: the programs' run count and time in the text output too (only the JSON had them)
TEST(ContentionOutput, TextShowsTheProgramsStatistics) {
	Report r;
	EXPECT_EQ(RenderTable(r, 10).find("PROGRAM"), std::string::npos); // none asked for: no section
	r.progs.push_back({"mxrt_contention_end", 21, 4200});
	r.progs.push_back({"mxrt_i2c_result", 0, 0});
	const std::string t = RenderTable(r, 10);
	EXPECT_NE(t.find("PROGRAM"), std::string::npos) << t;
	EXPECT_NE(t.find("mxrt_contention_end                   21      4.2us      200ns"), std::string::npos) << t;
	EXPECT_NE(t.find("mxrt_i2c_result                        0        0ns        0ns"), std::string::npos) << t;
}

// -s: 0 is off, and any threshold above 0 is one (1e-7 ms truncated to 0 ns, which was off)
// Every stack began with the tracer's own frames (3 on x86_64, 5 on arm64, the program's twice
// there): they are dropped from the start only; the waiter's frames stay, an unknown one too.
TEST(ContentionStacks, TheTracersOwnFramesAreDropped) {
	Symbols s;
	s.Parse("ffffffff81000000 T bpf_trace_run2\n"
		"ffffffff81000100 T __bpf_trace_contention_end\n"
		"ffffffff81000200 T __traceiter_contention_end\n"
		"ffffffff81100000 T rt_mutex_lock\n"
		"ffffffff81200000 T bpf_map_lookup\n"
		"ffffffffc0000000 t bpf_prog_a86b02da479fd075_mxrt_contention_end\t[bpf]\n"
		"ffffffffc1000000 t mx_set_field\t[mxrt_max30102]\n");
	const std::vector<std::uint64_t> arm64 = {0xffffffffc000065b, 0xffffffffc000065b, 0xffffffff81000010,
						  0xffffffff81000110, 0xffffffff81000210, 0xffffffff81100010,
						  0xffffffff81200010, 0xffffffffc100005a};
	EXPECT_EQ(WithoutTracerFrames(s, arm64),
		  (std::vector<std::uint64_t>{0xffffffff81100010, 0xffffffff81200010, 0xffffffffc100005a}))
		<< "a bpf_ function further down (the waiter's own) stays";
	EXPECT_EQ(WithoutTracerFrames(s, {0x10, 0xffffffff81000010}), (std::vector<std::uint64_t>{0x10, 0xffffffff81000010}))
		<< "an address no symbol holds ends the trimming";
	EXPECT_TRUE(WithoutTracerFrames(s, {0xffffffff81000010}).empty());
	EXPECT_TRUE(WithoutTracerFrames(s, {}).empty());
}

TEST(ContentionOptions, SlowThresholdAboveZeroIsNeverOff) {
	EXPECT_EQ(SlowNs(0), 0u);
	EXPECT_EQ(SlowNs(1e-7), 1u);
	EXPECT_EQ(SlowNs(1e-300), 1u);
	EXPECT_EQ(SlowNs(10), 10000000u);
	EXPECT_EQ(SlowNs(1e12), 1000000000000000000u);
}

// -m: 0 is off, and any minimum above 0 is one, as with -s (-m 0.0001 truncated to 0 ns: every wait
// counted, the filter silently off)
TEST(ContentionOptions, MinWaitAboveZeroIsNeverOff) {
	EXPECT_EQ(MinWaitNs(0), 0u);
	EXPECT_EQ(MinWaitNs(0.0001), 1u);
	EXPECT_EQ(MinWaitNs(1e-300), 1u);
	EXPECT_EQ(MinWaitNs(100), 100000u);
	EXPECT_EQ(MinWaitNs(1e15), 1000000000000000000u);
}
