// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-contention, and its unit tests on the build host). Everything the
// loader does with what the BPF programs (bpf/contention.bpf.c) collected, without libbpf: the
// kernel's symbols (/proc/kallsyms), the names of locks, the lock kinds, the aggregation of the
// per-task, per-stack map records into per-lock and per-adapter/address summaries, and the
// output (the live table, histograms, JSON). The loader reads the maps and hands the records here.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "../../bpf/contention.h" // the maps' records
#include "../lib/text.hpp"

namespace contention {

// ---- what the kernel must have ------------------------------------------------------------------
// The tracepoints each half needs (BTF-typed: the kernel's btf_trace_<name> typedefs).
enum class Trace { kLocks = 1, kI2c = 2, kBoth = 3 };
std::vector<std::string> NeededTracepoints(Trace what);
// The message for a kernel that cannot run what was asked (empty: nothing missing). @has_btf:
// /sys/kernel/btf/vmlinux is readable; @has_tracepoint: whether the kernel or a loaded module has
// that tracepoint.
template <typename HasTracepoint>
std::string KernelProblem(bool has_btf, Trace what, HasTracepoint has_tracepoint);
// The message for a failed load or attach (libbpf's negative errno).
std::string LoadProblem(int err, bool attaching);

// ---- kernel symbols ---------------------------------------------------------------------------
struct Symbol {
	std::uint64_t addr;
	char type; // nm's letter: t/T text, d/D/b/B/r/R data
	std::string name;
	std::string module; // empty for the kernel itself
};

class Symbols {
public:
	// Parses /proc/kallsyms text ("ADDR TYPE NAME [MODULE]" lines). Addresses shown as 0 (no
	// privilege to see them) are skipped: then nothing resolves.
	void Parse(const std::string &text);
	bool Load(const std::string &path = "/proc/kallsyms");
	std::size_t size() const { return syms_.size(); }
	// The symbol containing @addr (the last one at or below it), if any; @off its offset.
	const Symbol *Find(std::uint64_t addr, std::uint64_t *off = nullptr) const;
	// "func+0x1c [module]", or the address in hex.
	std::string Format(std::uint64_t addr) const;
	// A static lock's name: the data symbol (d/D/b/B) holding @addr, at most kMaxObject bytes in.
	std::optional<std::string> DataName(std::uint64_t addr) const;
	static constexpr std::uint64_t kMaxObject = 64 * 1024;

private:
	std::vector<Symbol> syms_; // sorted by address
};

// ---- lock names --------------------------------------------------------------------------------
// Where a name comes from, best first.
enum class NameSource { kDriver, kAdapter, kSymbol, kCaller, kNone };
const char *NameSourceName(NameSource s);

class LockNames {
public:
	// A driver's debugfs "locks" file (mxrt_max30102: "ADDRESS NAME" lines, address in hex).
	// Returns the number of names taken; bad lines are skipped.
	int ParseLocksFile(const std::string &text);
	void Add(std::uint64_t addr, const std::string &name, NameSource src);
	// An I2C adapter's bus lock (from the programs' adapters map): "i2c-N.bus_lock".
	void AddAdapter(std::uint64_t bus_lock, std::uint32_t nr, const std::string &adapter_name);
	// The name of the lock at @addr: a known name, else a static lock's symbol, else
	// "0xADDR (caller)" from the first waiter stack frame outside the locking code, else the hex.
	std::string Name(std::uint64_t addr, const Symbols &syms, const std::vector<std::uint64_t> &frames,
			 NameSource *src = nullptr) const;
	std::optional<std::uint64_t> Lookup(const std::string &name) const;
	const std::map<std::uint32_t, std::string> &adapter_names() const { return adapter_names_; }

private:
	std::map<std::uint64_t, std::pair<std::string, NameSource>> names_;
	std::map<std::uint32_t, std::string> adapter_names_;
};

// Whether a kernel function belongs to the locking code or the tracing around it (skipped when
// looking for the waiter's own caller).
bool IsLockingFunction(const std::string &name);
// @frames without the tracer's own at their start (the program, bpf_trace_run*, __bpf_trace_*,
// __traceiter_*: 3 of 12 frames on x86_64, 5 of 23 on arm64), which every stack began with. They
// still take part of the depth the programs read (MXRT_CON_STACK_DEPTH).
std::vector<std::uint64_t> WithoutTracerFrames(const Symbols &syms, std::vector<std::uint64_t> frames);
// The first frame outside the locking code, as "func+0xNN [module]" (empty if none).
std::string Caller(const Symbols &syms, const std::vector<std::uint64_t> &frames);

// ---- lock kinds ---------------------------------------------------------------------------------
// From the contention tracepoint's flags, refined by the waiter's stack where the flags alone do
// not say (on PREEMPT_RT every sleeping lock is an rt_mutex underneath: LCB_F_RT). Without a named
// frame an LCB_F_RT wait is "rt_mutex/spinlock_t": the flag alone does not tell which.
std::string LockKind(std::uint32_t flags, const std::vector<std::string> &frame_names);

// ---- histograms ---------------------------------------------------------------------------------
struct Hist {
	std::uint64_t bucket[MXRT_CON_HIST_BUCKETS] = {};
	void Add(const __u64 (&b)[MXRT_CON_HIST_BUCKETS]);
	std::uint64_t Count() const;
	static constexpr int kLast = MXRT_CON_HIST_BUCKETS - 1;
	static std::uint64_t Low(int b) { return b == 0 ? 0 : 1ull << b; }
	// The upper bound of bucket @b: 2^(b+1) - 1, but the last bucket is open-ended (the programs
	// put every wait of 2^31 ns or more there, 10 s as well as 2.2 s): its bound is @max, the
	// largest value the histogram's owner saw.
	static std::uint64_t High(int b, std::uint64_t max) { return b == kLast ? max : (2ull << b) - 1; }
	// The bucket holding the @permille-th value, as its upper bound clamped to @max (a percentile
	// is never above the largest value seen; in the open-ended last bucket it is @max); 0 for an
	// empty histogram.
	std::uint64_t Percentile(int permille, std::uint64_t max) const;
};

// ---- aggregation --------------------------------------------------------------------------------
struct LockRecord { // one map entry, summed over the CPUs
	mxrt_con_lock_key key;
	mxrt_con_lock_val val;
};
struct I2cRecord {
	mxrt_con_i2c_key key;
	mxrt_con_i2c_val val;
};
struct I2cErrRecord {
	mxrt_con_i2c_err_key key;
	std::uint64_t count;
};

struct TaskWait {
	std::uint32_t tid = 0, tgid = 0;
	std::string comm;
	std::uint64_t count = 0, total_ns = 0, max_ns = 0;
};
struct StackWait {
	std::int32_t stack_id = -1;
	std::vector<std::string> frames;
	std::uint64_t count = 0, total_ns = 0, max_ns = 0;
};
struct LockSummary {
	std::uint64_t lock = 0;
	std::string name, kind;
	NameSource source = NameSource::kNone;
	std::uint64_t count = 0, total_ns = 0, max_ns = 0;
	Hist hist;
	std::vector<TaskWait> tasks;   // by total wait, longest first
	std::vector<StackWait> stacks; // by total wait, longest first (top N)
};

struct I2cTask {
	std::uint32_t tid = 0, tgid = 0;
	std::string comm;
	std::uint64_t xfers = 0, errors = 0, smbus = 0, total_ns = 0, bus_waits = 0, bus_wait_ns = 0,
		      bus_wait_max_ns = 0;
};
struct I2cSummary {
	std::uint32_t adapter = 0;
	std::uint16_t addr = 0;
	std::string adapter_name;
	std::uint64_t xfers = 0, msgs = 0, bytes = 0, errors = 0, smbus = 0, total_ns = 0, max_ns = 0,
		      bus_waits = 0, bus_wait_ns = 0, bus_wait_max_ns = 0;
	Hist hist, wait_hist;
	std::map<std::uint32_t, std::uint64_t> errnos; // errno (0: short transfer) -> count
	std::vector<I2cTask> tasks;                     // by transfers, most first
};

// Stack id -> frames, as the loader read them from the stacks map.
using StackTable = std::map<std::int32_t, std::vector<std::uint64_t>>;

struct SlowWait { // a ring-buffer event, with its lock named
	mxrt_con_event ev;
	std::string name, kind;
	std::vector<std::string> frames;
};

struct LockFilter {
	std::optional<std::string> name; // only locks whose name is this (when no address was known)
	// Whether the lock named @name (as LockNames::Name gives it) passes. @inner_spin: the wait was
	// on the raw spinlock inside a sleeping lock at that address, which the table shows as
	// "<name> (inner spinlock)". The filter takes a name as the table shows it: "<name>" picks the
	// lock and its inner spinlock (one address, as -l with the address does), "<name> (inner
	// spinlock)" the inner spinlock alone.
	bool Matches(const std::string &name, bool inner_spin) const;
	// The same for a slow wait (its name from its own stack; a raw spinlock's wait counts as the
	// inner spinlock of the lock at its address).
	bool Matches(const SlowWait &w) const;
};

std::vector<LockSummary> AggregateLocks(const std::vector<LockRecord> &recs, const StackTable &stacks,
					const Symbols &syms, const LockNames &names, std::size_t top_stacks,
					const LockFilter &filter = {});
std::vector<I2cSummary> AggregateI2c(const std::vector<I2cRecord> &recs, const std::vector<I2cErrRecord> &errs,
				     const LockNames &names);

// ---- output -------------------------------------------------------------------------------------
struct Report {
	double duration_s = 0;
	std::vector<LockSummary> locks;
	std::vector<I2cSummary> i2c;
	std::deque<SlowWait> slow;    // the last ones (KeepSlowWait), oldest first
	std::uint64_t slow_total = 0; // every one the name filter let through
	std::uint64_t counters[MXRT_CON_NR_COUNTERS] = {};
	struct Prog {
		std::string name;
		std::uint64_t run_cnt = 0, run_time_ns = 0;
	};
	std::vector<Prog> progs; // with --prog-stats
	// A transfer's bus wait is the lock wait just before it, which only the lock programs see:
	// false with --no-locks, and the bus-wait figures are then shown as not measured ("-", null)
	bool bus_waits_traced = true;
};

std::string ErrnoName(std::uint32_t err);
std::string FormatNs(std::uint64_t ns); // "12.3us", "4.56ms", "1.20s"
// -s MS as the programs' slow_ns (0: off): a threshold above 0 is at least 1 ns, never 0 (-s 1e-7
// truncated to 0 ns, which turned the slow waits off instead of reporting every one). MS is checked
// by the command line: finite, 0..1e12.
std::uint64_t SlowNs(double ms);
// -m US as the programs' min_wait_ns (0: every wait), the same way: above 0 at least 1 ns (-m 0.0001
// truncated to 0 ns, which counted every wait). US is checked by the command line: finite, 0..1e15.
std::uint64_t MinWaitNs(double us);
// One slow wait as text: "slow wait: NAME (KIND) WAIT by COMM tid N[ (given up)]", then (kYes) its
// stack, a frame a line.
enum class Frames { kNo, kYes };
std::string RenderSlowWait(const SlowWait &w, Frames frames);
// The slow waits of the run: "slow waits: N" (or "none"), "(the last M below)" when not all are
// shown, then the last @max_shown of r.slow, oldest first.
std::string RenderSlowWaits(const Report &r, std::size_t max_shown, Frames frames);
// Counts @w in @r (slow_total) and keeps it in r.slow, which holds the last @keep: a long run's
// newest, bounded (the oldest beyond @keep are dropped; slow_total still counts them).
void KeepSlowWait(Report &r, SlowWait w, std::size_t keep);
// The lock table (at most @max_rows locks), the I2C table and, with --prog-stats (r.progs), the
// programs' runs and run time.
std::string RenderTable(const Report &r, std::size_t max_rows);
std::string RenderHistograms(const Report &r, std::size_t max_locks);
std::string RenderJson(const Report &r);
// Text from elsewhere on its way out (../lib/text.hpp): a task names itself (prctl(PR_SET_NAME)),
// so its comm may hold any bytes, escape sequences for the terminal of whoever runs the tool (root)
// among them: Printable for the text output, JsonString (valid UTF-8 whatever the bytes) for JSON.
using mxrt::cli::JsonString;
using mxrt::cli::Printable;

template <typename HasTracepoint>
std::string KernelProblem(bool has_btf, Trace what, HasTracepoint has_tracepoint) {
	if (!has_btf)
		return "this kernel has no BTF (/sys/kernel/btf/vmlinux): it needs CONFIG_DEBUG_INFO_BTF=y";
	for (const std::string &t : NeededTracepoints(what)) {
		if (has_tracepoint(t))
			continue;
		if (t.rfind("contention_", 0) == 0)
			return "this kernel has no lock:" + t + " tracepoint (Linux 5.19 or later has it); --no-locks traces I2C only";
		return "the tracepoint " + std::string(t.rfind("smbus_", 0) == 0 ? "smbus:" : "i2c:") + t +
		       " is missing (the I2C core is not loaded: modprobe i2c-core, or --no-i2c)";
	}
	return "";
}

} // namespace contention
