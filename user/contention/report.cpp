// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-contention and its unit tests). See report.hpp.
#include "report.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace contention {

// ---- what the kernel must have ------------------------------------------------------------------

std::vector<std::string> NeededTracepoints(Trace what) {
	std::vector<std::string> out;
	if (int(what) & int(Trace::kLocks))
		out.insert(out.end(), {"contention_begin", "contention_end"});
	if (int(what) & int(Trace::kI2c))
		out.insert(out.end(), {"i2c_write", "i2c_read", "i2c_result", "smbus_result"});
	return out;
}

std::string LoadProblem(int err, bool attaching) {
	if (err == -EPERM || err == -EACCES)
		return attaching ? "attaching the tracepoint programs is not permitted: run as root (CAP_PERFMON and CAP_BPF)"
				 : "BPF is not permitted: run as root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
	return std::string(attaching ? "cannot attach the BPF programs: " : "cannot load the BPF programs: ") +
	       std::strerror(-err) + " (MXRT_CONTENTION_DEBUG=1 shows libbpf's log)";
}

// ---- kernel symbols ---------------------------------------------------------------------------

void Symbols::Parse(const std::string &text) {
	syms_.clear();
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		// split by hand: fixed buffers (%255s) cut the longest names (KSYM_NAME_LEN is 512)
		std::istringstream fields(line);
		std::string addr_s, type, name, mod;
		if (!(fields >> addr_s >> type >> name) || type.size() != 1)
			continue;
		fields >> mod; // "[module]", or nothing
		if (mod.size() >= 2 && mod.front() == '[' && mod.back() == ']')
			mod = mod.substr(1, mod.size() - 2);
		else
			mod.clear();
		char *end = nullptr;
		std::uint64_t a = std::strtoull(addr_s.c_str(), &end, 16);
		if (addr_s.empty() || *end != '\0' || a == 0)
			continue;
		syms_.push_back({a, type[0], name, mod});
	}
	std::stable_sort(syms_.begin(), syms_.end(), [](const Symbol &x, const Symbol &y) { return x.addr < y.addr; });
}

bool Symbols::Load(const std::string &path) {
	std::ifstream f(path);
	if (!f)
		return false;
	std::stringstream ss;
	ss << f.rdbuf();
	Parse(ss.str());
	return true;
}

const Symbol *Symbols::Find(std::uint64_t addr, std::uint64_t *off) const {
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](std::uint64_t a, const Symbol &s) { return a < s.addr; });
	if (it == syms_.begin())
		return nullptr;
	--it;
	if (off)
		*off = addr - it->addr;
	return &*it;
}

std::string Symbols::Format(std::uint64_t addr) const {
	char buf[64];
	std::uint64_t off = 0;
	const Symbol *s = Find(addr, &off);
	// a text address far past the last symbol is not that symbol's
	if (!s || off > kMaxObject) {
		std::snprintf(buf, sizeof(buf), "0x%" PRIx64, addr);
		return buf;
	}
	std::snprintf(buf, sizeof(buf), "+0x%" PRIx64, off);
	std::string out = s->name + buf;
	if (!s->module.empty())
		out += " [" + s->module + "]";
	return out;
}

std::optional<std::string> Symbols::DataName(std::uint64_t addr) const {
	std::uint64_t off = 0;
	const Symbol *s = Find(addr, &off);
	if (!s || off >= kMaxObject || !std::strchr("dDbB", s->type))
		return std::nullopt;
	std::string out = s->name;
	if (off) {
		char buf[32];
		std::snprintf(buf, sizeof(buf), "+0x%" PRIx64, off);
		out += buf;
	}
	if (!s->module.empty())
		out += " [" + s->module + "]";
	return out;
}

// ---- lock names --------------------------------------------------------------------------------

const char *NameSourceName(NameSource s) {
	switch (s) {
	case NameSource::kDriver: return "driver";
	case NameSource::kAdapter: return "i2c-adapter";
	case NameSource::kSymbol: return "symbol";
	case NameSource::kCaller: return "caller";
	case NameSource::kNone: break;
	}
	return "address";
}

int LockNames::ParseLocksFile(const std::string &text) {
	std::istringstream in(text);
	std::string line;
	int n = 0;
	while (std::getline(in, line)) {
		char addr_s[32], name[128], extra[2];
		if (std::sscanf(line.c_str(), "%31s %127s %1s", addr_s, name, extra) != 2)
			continue;
		char *end = nullptr;
		errno = 0;
		std::uint64_t a = std::strtoull(addr_s, &end, 16);
		if (errno || *end != '\0' || a == 0)
			continue;
		Add(a, name, NameSource::kDriver);
		n++;
	}
	return n;
}

void LockNames::Add(std::uint64_t addr, const std::string &name, NameSource src) {
	auto it = names_.find(addr);
	if (it != names_.end() && it->second.second <= src)
		return; // a better source named it already
	names_[addr] = {name, src};
}

void LockNames::AddAdapter(std::uint64_t bus_lock, std::uint32_t nr, const std::string &adapter_name) {
	Add(bus_lock, "i2c-" + std::to_string(nr) + ".bus_lock", NameSource::kAdapter);
	adapter_names_[nr] = adapter_name;
}

std::optional<std::uint64_t> LockNames::Lookup(const std::string &name) const {
	for (const auto &[a, n] : names_)
		if (n.first == name)
			return a;
	return std::nullopt;
}

bool IsLockingFunction(const std::string &n) {
	static const char *const kPrefixes[] = {
		"mutex_", "__mutex_", "rt_mutex", "__rt_mutex", "rtlock_", "rt_spin_", "rt_read_", "rt_write_",
		"rwbase_", "_raw_", "raw_spin_", "do_raw_", "queued_", "native_queued_", "__pv_queued_",
		"pv_queued_", "down", "__down", "up_", "rwsem_", "__rwsem", "percpu_down", "__percpu_down",
		"percpu_rwsem", "osq_", "schedule", "__schedule", "preempt_schedule", "_cond_resched",
		"bpf_", "__bpf", "__traceiter_", "trace_contention", "__trace_", "perf_trace", "mutex_lock",
		"i2c_adapter_lock_bus", "rt_mutex_lock", "__ww_mutex", "ww_mutex",
	};
	for (const char *p : kPrefixes)
		if (n.compare(0, std::strlen(p), p) == 0)
			return true;
	return false;
}

std::vector<std::uint64_t> WithoutTracerFrames(const Symbols &syms, std::vector<std::uint64_t> frames) {
	static const char *const kTracer[] = {"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_"};
	std::size_t n = 0;
	for (; n < frames.size(); n++) {
		const Symbol *s = syms.Find(frames[n]);
		if (!s || std::none_of(std::begin(kTracer), std::end(kTracer), [&](const char *p) {
			    return s->name.compare(0, std::strlen(p), p) == 0;
		    }))
			break;
	}
	frames.erase(frames.begin(), frames.begin() + std::ptrdiff_t(n));
	return frames;
}

std::string Caller(const Symbols &syms, const std::vector<std::uint64_t> &frames) {
	for (std::uint64_t f : frames) {
		const Symbol *s = syms.Find(f);
		if (!s)
			return "";
		if (!IsLockingFunction(s->name))
			return syms.Format(f);
	}
	return "";
}

std::string LockNames::Name(std::uint64_t addr, const Symbols &syms, const std::vector<std::uint64_t> &frames,
			    NameSource *src) const {
	char hex[32];
	std::snprintf(hex, sizeof(hex), "0x%" PRIx64, addr);
	auto set = [&](NameSource s) {
		if (src)
			*src = s;
	};
	if (auto it = names_.find(addr); it != names_.end()) {
		set(it->second.second);
		return it->second.first;
	}
	if (auto d = syms.DataName(addr)) {
		set(NameSource::kSymbol);
		return *d;
	}
	std::string c = Caller(syms, frames);
	if (!c.empty()) {
		set(NameSource::kCaller);
		return std::string(hex) + " (" + c + ")";
	}
	set(NameSource::kNone);
	return hex;
}

// ---- lock kinds ---------------------------------------------------------------------------------

std::string LockKind(std::uint32_t flags, const std::vector<std::string> &frames) {
	auto has = [&](const char *prefix) {
		for (const std::string &f : frames)
			if (f.compare(0, std::strlen(prefix), prefix) == 0)
				return true;
		return false;
	};
	const char *rw = (flags & MXRT_LCB_F_WRITE) ? ":write" : (flags & MXRT_LCB_F_READ) ? ":read" : "";
	if (flags & MXRT_LCB_F_RT) {
		// PREEMPT_RT: spinlock_t, rwlock_t, mutex and rw_semaphore sleep on an rt_mutex
		if (has("rtlock_") || has("rt_spin_lock"))
			return "spinlock_t (rtlock)";
		if (has("rt_read_lock") || has("rt_write_lock"))
			return std::string("rwlock_t (rt)") + rw;
		if (flags & (MXRT_LCB_F_READ | MXRT_LCB_F_WRITE))
			return std::string("rwbase_rt") + rw;
		// no stack, or none of it named: an rt_mutex, a mutex or a spinlock_t (or the rt_mutex
		// inside an rwlock_t or rw_semaphore) report the same flag
		if (std::all_of(frames.begin(), frames.end(), [](const std::string &f) { return f.empty(); }))
			return "rt_mutex/spinlock_t";
		if (has("rt_mutex_lock") || has("__rt_mutex_lock") || has("i2c_adapter_lock_bus"))
			return "rt_mutex";
		if (has("mutex_lock") || has("__mutex_lock"))
			return "mutex (rt)";
		return "rt_mutex";
	}
	if (flags & MXRT_LCB_F_PERCPU)
		return std::string("percpu-rwsem") + rw;
	if (flags & MXRT_LCB_F_MUTEX)
		return (flags & MXRT_LCB_F_SPIN) ? "mutex (spinning)" : "mutex";
	if (flags & MXRT_LCB_F_SPIN)
		return *rw ? std::string("rwlock") + rw : "spinlock";
	if (*rw)
		return std::string("rwsem") + rw;
	return "semaphore";
}

// ---- histograms ---------------------------------------------------------------------------------

void Hist::Add(const __u64 (&b)[MXRT_CON_HIST_BUCKETS]) {
	for (int i = 0; i < MXRT_CON_HIST_BUCKETS; i++)
		bucket[i] += b[i];
}

std::uint64_t Hist::Count() const {
	std::uint64_t n = 0;
	for (std::uint64_t c : bucket)
		n += c;
	return n;
}

std::uint64_t Hist::Percentile(int permille, std::uint64_t max) const {
	std::uint64_t n = Count();
	if (n == 0)
		return 0;
	// the rank of the value (1-based), rounded up
	std::uint64_t rank = (n * std::uint64_t(permille) + 999) / 1000;
	if (rank == 0)
		rank = 1;
	std::uint64_t seen = 0;
	for (int b = 0; b < MXRT_CON_HIST_BUCKETS; b++) {
		seen += bucket[b];
		if (seen >= rank)
			return std::min(High(b, max), max);
	}
	return max;
}

// ---- aggregation --------------------------------------------------------------------------------

namespace {

std::uint64_t Max(std::uint64_t a, std::uint64_t b) { return a > b ? a : b; }

std::string CommOf(const char (&c)[MXRT_CON_COMM_LEN]) {
	return std::string(c, strnlen(c, MXRT_CON_COMM_LEN));
}

std::vector<std::string> FrameNames(const Symbols &syms, const std::vector<std::uint64_t> &frames, bool full) {
	std::vector<std::string> out;
	for (std::uint64_t f : frames) {
		if (full) {
			out.push_back(syms.Format(f));
		} else {
			const Symbol *s = syms.Find(f);
			out.push_back(s ? s->name : "");
		}
	}
	return out;
}

} // namespace

namespace {
// what the table adds to the name of a sleeping lock's inner raw spinlock
const char kInnerSpin[] = " (inner spinlock)";
} // namespace

bool LockFilter::Matches(const std::string &n, bool inner_spin) const {
	return !name || *name == n || (inner_spin && *name == n + kInnerSpin);
}

std::vector<LockSummary> AggregateLocks(const std::vector<LockRecord> &recs, const StackTable &stacks,
					const Symbols &syms, const LockNames &names, std::size_t top_stacks,
					const LockFilter &filter) {
	struct Acc {
		LockSummary s;
		std::map<std::uint32_t, std::uint64_t> flags_count; // flags -> waits
		std::map<std::uint32_t, TaskWait> tasks;
		std::map<std::int32_t, StackWait> stacks;
		std::vector<std::uint64_t> first_frames;
	};
	// One row per lock and kind: a mutex's spin and sleep phases are one wait, but the raw
	// spinlock inside a sleeping lock (an rt_mutex's wait_lock, a semaphore's lock) sits at the
	// same address and is a lock of its own.
	auto group = [](std::uint32_t f) { return (f & MXRT_LCB_F_MUTEX) ? std::uint32_t(MXRT_LCB_F_MUTEX) : f; };
	std::map<std::pair<std::uint64_t, std::uint32_t>, Acc> by_lock;
	std::map<std::uint64_t, int> sleeping_at; // addresses with a sleeping (non-spin) row
	static const std::vector<std::uint64_t> kNoFrames;
	for (const LockRecord &r : recs) {
		if (r.val.count == 0)
			continue;
		Acc &a = by_lock[{r.key.lock, group(r.key.flags)}];
		if (!(r.key.flags & MXRT_LCB_F_SPIN) || (r.key.flags & MXRT_LCB_F_MUTEX))
			sleeping_at[r.key.lock] = 1;
		a.s.lock = r.key.lock;
		a.s.count += r.val.count;
		a.s.total_ns += r.val.total_ns;
		a.s.max_ns = Max(a.s.max_ns, r.val.max_ns);
		a.s.hist.Add(r.val.hist);
		a.flags_count[r.key.flags] += r.val.count;
		TaskWait &t = a.tasks[r.key.tid];
		t.tid = r.key.tid;
		t.tgid = r.key.tgid;
		t.comm = CommOf(r.val.comm);
		t.count += r.val.count;
		t.total_ns += r.val.total_ns;
		t.max_ns = Max(t.max_ns, r.val.max_ns);
		StackWait &sw = a.stacks[r.key.stack_id];
		sw.stack_id = r.key.stack_id;
		sw.count += r.val.count;
		sw.total_ns += r.val.total_ns;
		sw.max_ns = Max(sw.max_ns, r.val.max_ns);
	}
	std::vector<LockSummary> out;
	for (auto &[lock_flags, a] : by_lock) {
		const std::uint64_t lock = lock_flags.first;
		const bool inner_spin = (lock_flags.second & MXRT_LCB_F_SPIN) && !(lock_flags.second & MXRT_LCB_F_MUTEX) &&
					sleeping_at.count(lock);
		// the stacks, longest total wait first; the first one names an unknown lock's caller
		std::vector<StackWait> sv;
		for (auto &[id, sw] : a.stacks) {
			auto it = stacks.find(id);
			const std::vector<std::uint64_t> &fr = id >= 0 && it != stacks.end() ? it->second : kNoFrames;
			sw.frames = FrameNames(syms, fr, true);
			sv.push_back(sw);
		}
		std::sort(sv.begin(), sv.end(), [](const StackWait &x, const StackWait &y) {
			return x.total_ns != y.total_ns ? x.total_ns > y.total_ns : x.stack_id < y.stack_id;
		});
		const std::vector<std::uint64_t> *frames = &kNoFrames;
		if (!sv.empty()) {
			auto it = stacks.find(sv.front().stack_id);
			if (it != stacks.end())
				frames = &it->second;
		}
		a.s.name = names.Name(lock, syms, *frames, &a.s.source);
		if (!filter.Matches(a.s.name, inner_spin))
			continue;
		if (inner_spin)
			a.s.name += kInnerSpin;
		// the kind: the flags most waits reported, refined by the stacks' functions
		std::uint32_t flags = 0;
		std::uint64_t best = 0;
		for (auto [f, n] : a.flags_count)
			if (n > best) {
				best = n;
				flags = f;
			}
		std::vector<std::string> fnames;
		for (auto &[id, fr] : stacks) {
			if (a.stacks.count(id)) {
				auto v = FrameNames(syms, fr, false);
				fnames.insert(fnames.end(), v.begin(), v.end());
			}
		}
		a.s.kind = LockKind(flags, fnames);
		for (auto &[tid, t] : a.tasks)
			a.s.tasks.push_back(t);
		std::sort(a.s.tasks.begin(), a.s.tasks.end(), [](const TaskWait &x, const TaskWait &y) {
			return x.total_ns != y.total_ns ? x.total_ns > y.total_ns : x.tid < y.tid;
		});
		if (sv.size() > top_stacks)
			sv.resize(top_stacks);
		a.s.stacks = std::move(sv);
		out.push_back(std::move(a.s));
	}
	std::sort(out.begin(), out.end(), [](const LockSummary &x, const LockSummary &y) {
		return x.total_ns != y.total_ns ? x.total_ns > y.total_ns : x.lock < y.lock;
	});
	return out;
}

std::vector<I2cSummary> AggregateI2c(const std::vector<I2cRecord> &recs, const std::vector<I2cErrRecord> &errs,
				     const LockNames &names) {
	std::map<std::pair<std::uint32_t, std::uint16_t>, I2cSummary> by;
	std::map<std::pair<std::uint32_t, std::uint16_t>, std::map<std::uint32_t, I2cTask>> tasks;
	for (const I2cRecord &r : recs) {
		auto k = std::make_pair(r.key.adapter, r.key.addr);
		I2cSummary &s = by[k];
		s.adapter = r.key.adapter;
		s.addr = r.key.addr;
		s.xfers += r.val.xfers;
		s.msgs += r.val.msgs;
		s.bytes += r.val.bytes;
		s.errors += r.val.errors;
		s.smbus += r.val.smbus;
		s.total_ns += r.val.total_ns;
		s.max_ns = Max(s.max_ns, r.val.max_ns);
		s.bus_waits += r.val.bus_waits;
		s.bus_wait_ns += r.val.bus_wait_ns;
		s.bus_wait_max_ns = Max(s.bus_wait_max_ns, r.val.bus_wait_max_ns);
		s.hist.Add(r.val.hist);
		s.wait_hist.Add(r.val.wait_hist);
		I2cTask &t = tasks[k][r.key.tid];
		t.tid = r.key.tid;
		t.tgid = r.key.tgid;
		t.comm = CommOf(r.val.comm);
		t.xfers += r.val.xfers;
		t.errors += r.val.errors;
		t.smbus += r.val.smbus;
		t.total_ns += r.val.total_ns;
		t.bus_waits += r.val.bus_waits;
		t.bus_wait_ns += r.val.bus_wait_ns;
		t.bus_wait_max_ns = Max(t.bus_wait_max_ns, r.val.bus_wait_max_ns);
	}
	for (const I2cErrRecord &e : errs) {
		I2cSummary &s = by[std::make_pair(e.key.adapter, e.key.addr)];
		s.adapter = e.key.adapter;
		s.addr = e.key.addr;
		s.errnos[e.key.err] += e.count;
	}
	std::vector<I2cSummary> out;
	for (auto &[k, s] : by) {
		auto it = names.adapter_names().find(s.adapter);
		if (it != names.adapter_names().end())
			s.adapter_name = it->second;
		for (auto &[tid, t] : tasks[k])
			s.tasks.push_back(t);
		std::sort(s.tasks.begin(), s.tasks.end(), [](const I2cTask &x, const I2cTask &y) {
			return x.xfers != y.xfers ? x.xfers > y.xfers : x.tid < y.tid;
		});
		out.push_back(std::move(s));
	}
	return out;
}

// ---- output -------------------------------------------------------------------------------------

std::string ErrnoName(std::uint32_t err) {
	if (err == 0)
		return "short"; // fewer messages done than asked
	const char *n = strerrorname_np(int(err));
	return n ? n : "E" + std::to_string(err);
}

std::string FormatNs(std::uint64_t ns) {
	char buf[32];
	if (ns < 1000)
		std::snprintf(buf, sizeof(buf), "%" PRIu64 "ns", ns);
	else if (ns < 1000000)
		std::snprintf(buf, sizeof(buf), "%.1fus", double(ns) / 1e3);
	else if (ns < 1000000000)
		std::snprintf(buf, sizeof(buf), "%.2fms", double(ns) / 1e6);
	else
		std::snprintf(buf, sizeof(buf), "%.2fs", double(ns) / 1e9);
	return buf;
}

std::string RenderTable(const Report &r, std::size_t max_rows) {
	std::string out;
	char line[512];
	std::snprintf(line, sizeof(line), "%-40s %-20s %9s %10s %10s %10s %10s  %s\n", "LOCK", "KIND", "WAITS",
		      "TOTAL", "AVG", "P99", "MAX", "TOP WAITER");
	out += line;
	std::size_t n = 0;
	for (const LockSummary &l : r.locks) {
		if (n++ == max_rows)
			break;
		std::string top;
		if (!l.tasks.empty())
			top = Printable(l.tasks[0].comm) + "/" + std::to_string(l.tasks[0].tid);
		std::snprintf(line, sizeof(line), "%-40.40s %-20.20s %9" PRIu64 " %10s %10s %10s %10s  %s\n", l.name.c_str(),
			      l.kind.c_str(), l.count, FormatNs(l.total_ns).c_str(),
			      FormatNs(l.count ? l.total_ns / l.count : 0).c_str(),
			      FormatNs(l.hist.Percentile(990, l.max_ns)).c_str(), FormatNs(l.max_ns).c_str(), top.c_str());
		out += line;
	}
	if (r.locks.empty())
		out += "(no lock contention seen)\n";
	out += "\n";
	std::snprintf(line, sizeof(line), "%-8s %-5s %-18s %8s %9s %7s %10s %10s %8s %10s  %s\n", "ADAPTER", "ADDR",
		      "NAME", "XFERS", "BYTES", "ERRORS", "AVG", "MAX", "BUSWAITS", "BUSWAIT", "ERRNO");
	out += line;
	for (const I2cSummary &s : r.i2c) {
		std::string errs;
		for (auto [e, c] : s.errnos)
			errs += (errs.empty() ? "" : ",") + ErrnoName(e) + "=" + std::to_string(c);
		char ad[16], addr[8];
		std::snprintf(ad, sizeof(ad), "i2c-%u", s.adapter);
		std::snprintf(addr, sizeof(addr), "0x%02x", s.addr);
		const bool bw = r.bus_waits_traced;
		std::snprintf(line, sizeof(line), "%-8s %-5s %-18.18s %8" PRIu64 " %9" PRIu64 " %7" PRIu64 " %10s %10s %8s"
			      " %10s  %s\n", ad, addr, s.adapter_name.c_str(), s.xfers, s.bytes, s.errors,
			      FormatNs(s.xfers ? s.total_ns / s.xfers : 0).c_str(), FormatNs(s.max_ns).c_str(),
			      bw ? std::to_string(s.bus_waits).c_str() : "-", bw ? FormatNs(s.bus_wait_ns).c_str() : "-",
			      errs.c_str());
		out += line;
	}
	if (r.i2c.empty())
		out += "(no I2C transfer seen)\n";
	else if (!r.bus_waits_traced)
		out += "(BUSWAITS, BUSWAIT: not measured with --no-locks: a bus wait is seen by the lock programs)\n";
	if (!r.progs.empty()) { // --prog-stats
		std::snprintf(line, sizeof(line), "\n%-30s %9s %10s %10s\n", "PROGRAM", "RUNS", "TIME", "AVG");
		out += line;
		for (const Report::Prog &p : r.progs) {
			std::snprintf(line, sizeof(line), "%-30.30s %9" PRIu64 " %10s %10s\n", p.name.c_str(), p.run_cnt,
				      FormatNs(p.run_time_ns).c_str(), FormatNs(p.run_cnt ? p.run_time_ns / p.run_cnt : 0).c_str());
			out += line;
		}
	}
	return out;
}

namespace {
void RenderHist(std::string &out, const Hist &h, std::uint64_t max, const char *unit_title) {
	std::uint64_t most = 0;
	int first = -1, last = -1;
	for (int b = 0; b < MXRT_CON_HIST_BUCKETS; b++) {
		if (h.bucket[b]) {
			if (first < 0)
				first = b;
			last = b;
			most = std::max(most, h.bucket[b]);
		}
	}
	if (first < 0) {
		out += "    (empty)\n";
		return;
	}
	char line[256];
	std::snprintf(line, sizeof(line), "    %24s : %-10s |%-40s|\n", unit_title, "count", "distribution");
	out += line;
	for (int b = first; b <= last; b++) {
		int stars = int(h.bucket[b] * 40 / most);
		std::snprintf(line, sizeof(line), "    %10" PRIu64 " -> %-10" PRIu64 " : %-10" PRIu64 " |%-40s|\n",
			      Hist::Low(b), Hist::High(b, max), h.bucket[b], std::string(std::size_t(stars), '*').c_str());
		out += line;
	}
}
} // namespace

std::string RenderHistograms(const Report &r, std::size_t max_locks) {
	std::string out;
	std::size_t n = 0;
	for (const LockSummary &l : r.locks) {
		if (n++ == max_locks)
			break;
		out += "lock " + l.name + " (" + l.kind + "): " + std::to_string(l.count) + " waits, total " +
		       FormatNs(l.total_ns) + ", max " + FormatNs(l.max_ns) + "\n";
		RenderHist(out, l.hist, l.max_ns, "wait ns");
		for (const TaskWait &t : l.tasks)
			out += "    waiter " + Printable(t.comm) + " tid " + std::to_string(t.tid) + ": " + std::to_string(t.count) +
			       " waits, total " + FormatNs(t.total_ns) + ", max " + FormatNs(t.max_ns) + "\n";
		for (const StackWait &s : l.stacks) {
			out += "    stack (" + std::to_string(s.count) + " waits, total " + FormatNs(s.total_ns) + "):\n";
			for (const std::string &f : s.frames)
				out += "        " + f + "\n";
		}
	}
	for (const I2cSummary &s : r.i2c) {
		char addr[8];
		std::snprintf(addr, sizeof(addr), "0x%02x", s.addr);
		out += "i2c-" + std::to_string(s.adapter) + " " + addr + " (" + s.adapter_name + "): " +
		       std::to_string(s.xfers) + " transfers, transfer time\n";
		RenderHist(out, s.hist, s.max_ns, "transfer ns");
		if (s.bus_waits) {
			out += "    waited for the bus lock before " + std::to_string(s.bus_waits) + " transfers:\n";
			RenderHist(out, s.wait_hist, s.bus_wait_max_ns, "bus wait ns");
		}
		for (const I2cTask &t : s.tasks)
			out += "    task " + Printable(t.comm) + " tid " + std::to_string(t.tid) + ": " + std::to_string(t.xfers) +
			       " transfers, " + std::to_string(t.errors) + " errors, " +
			       (r.bus_waits_traced ? std::to_string(t.bus_waits) + " bus waits (" + FormatNs(t.bus_wait_ns) + ")"
						   : std::string("bus waits not measured (--no-locks)")) +
			       "\n";
	}
	return out;
}

namespace {
// @v units of @ns_per_unit ns each as ns: 0 stays 0 (off), anything above 0 is at least 1 ns
std::uint64_t ThresholdNs(double v, double ns_per_unit) {
	if (!(v > 0))
		return 0;
	const std::uint64_t ns = std::uint64_t(v * ns_per_unit);
	return ns ? ns : 1;
}
} // namespace

std::uint64_t SlowNs(double ms) { return ThresholdNs(ms, 1e6); }

std::uint64_t MinWaitNs(double us) { return ThresholdNs(us, 1e3); }

bool LockFilter::Matches(const SlowWait &w) const {
	// a raw spinlock's wait (the flags a sleeping lock's inner wait_lock reports)
	const bool spin = (w.ev.flags & MXRT_LCB_F_SPIN) && !(w.ev.flags & MXRT_LCB_F_MUTEX);
	return Matches(w.name, spin);
}

std::string RenderSlowWait(const SlowWait &w, Frames frames) {
	std::string out = "slow wait: " + Printable(w.name) + " (" + w.kind + ") " + FormatNs(w.ev.wait_ns) + " by " +
			  Printable(std::string(w.ev.comm, strnlen(w.ev.comm, sizeof(w.ev.comm)))) + " tid " +
			  std::to_string(w.ev.tid) + (w.ev.ret ? " (given up)" : "") + "\n";
	if (frames == Frames::kYes)
		for (const std::string &f : w.frames)
			out += "    " + f + "\n";
	return out;
}

std::string RenderSlowWaits(const Report &r, std::size_t max_shown, Frames frames) {
	if (r.slow_total == 0)
		return "slow waits: none\n";
	const std::size_t shown = std::min(max_shown, r.slow.size());
	std::string out = "slow waits: " + std::to_string(r.slow_total);
	if (shown < r.slow_total)
		out += " (the last " + std::to_string(shown) + " below)";
	out += "\n";
	for (std::size_t i = r.slow.size() - shown; i < r.slow.size(); i++)
		out += RenderSlowWait(r.slow[i], frames);
	return out;
}

void KeepSlowWait(Report &r, SlowWait w, std::size_t keep) {
	r.slow_total++;
	r.slow.push_back(std::move(w));
	while (r.slow.size() > keep)
		r.slow.pop_front();
}

namespace {
std::string U(std::uint64_t v) { return std::to_string(v); }
std::string Hex(std::uint64_t v) {
	char buf[24];
	std::snprintf(buf, sizeof(buf), "\"0x%" PRIx64 "\"", v);
	return buf;
}
std::string HistJson(const Hist &h, std::uint64_t max) {
	std::string out = "[";
	bool first = true;
	for (int b = 0; b < MXRT_CON_HIST_BUCKETS; b++) {
		if (!h.bucket[b])
			continue;
		out += std::string(first ? "" : ",") + "{\"lo_ns\":" + U(Hist::Low(b)) + ",\"hi_ns\":" + U(Hist::High(b, max)) +
		       ",\"count\":" + U(h.bucket[b]) + "}";
		first = false;
	}
	return out + "]";
}
std::string FramesJson(const std::vector<std::string> &frames) {
	std::string out = "[";
	for (std::size_t i = 0; i < frames.size(); i++)
		out += (i ? "," : "") + JsonString(frames[i]);
	return out + "]";
}
const char *const kCounterNames[MXRT_CON_NR_COUNTERS] = {
	"lock_map_full", "i2c_map_full", "ring_full", "nested_too_deep", "task_map_full", "unmatched_end",
	"negative_wait", "stack_lost",
	"lock_events", "i2c_events",
};
} // namespace

std::string RenderJson(const Report &r) {
	// a bus-wait figure: null where none was measured (--no-locks)
	auto BW = [&r](std::uint64_t v) { return r.bus_waits_traced ? U(v) : std::string("null"); };
	std::string o = "{";
	char d[32];
	std::snprintf(d, sizeof(d), "%.3f", r.duration_s);
	o += "\"duration_s\":" + std::string(d) + ",\"locks\":[";
	for (std::size_t i = 0; i < r.locks.size(); i++) {
		const LockSummary &l = r.locks[i];
		o += std::string(i ? "," : "") + "{\"lock\":" + Hex(l.lock) + ",\"name\":" + JsonString(l.name) +
		     ",\"name_source\":" + JsonString(NameSourceName(l.source)) + ",\"kind\":" + JsonString(l.kind) +
		     ",\"count\":" + U(l.count) + ",\"total_ns\":" + U(l.total_ns) + ",\"max_ns\":" + U(l.max_ns) +
		     ",\"p50_ns\":" + U(l.hist.Percentile(500, l.max_ns)) +
		     ",\"p99_ns\":" + U(l.hist.Percentile(990, l.max_ns)) + ",\"hist\":" + HistJson(l.hist, l.max_ns) + ",\"tasks\":[";
		for (std::size_t j = 0; j < l.tasks.size(); j++) {
			const TaskWait &t = l.tasks[j];
			o += std::string(j ? "," : "") + "{\"tid\":" + U(t.tid) + ",\"tgid\":" + U(t.tgid) +
			     ",\"comm\":" + JsonString(t.comm) + ",\"count\":" + U(t.count) + ",\"total_ns\":" + U(t.total_ns) +
			     ",\"max_ns\":" + U(t.max_ns) + "}";
		}
		o += "],\"stacks\":[";
		for (std::size_t j = 0; j < l.stacks.size(); j++) {
			const StackWait &s = l.stacks[j];
			o += std::string(j ? "," : "") + "{\"count\":" + U(s.count) + ",\"total_ns\":" + U(s.total_ns) +
			     ",\"max_ns\":" + U(s.max_ns) + ",\"frames\":" + FramesJson(s.frames) + "}";
		}
		o += "]}";
	}
	o += "],\"i2c\":[";
	for (std::size_t i = 0; i < r.i2c.size(); i++) {
		const I2cSummary &s = r.i2c[i];
		char addr[8];
		std::snprintf(addr, sizeof(addr), "0x%02x", s.addr);
		o += std::string(i ? "," : "") + "{\"adapter\":" + U(s.adapter) + ",\"adapter_name\":" +
		     JsonString(s.adapter_name) + ",\"addr\":" + JsonString(addr) + ",\"xfers\":" + U(s.xfers) +
		     ",\"msgs\":" + U(s.msgs) + ",\"bytes\":" + U(s.bytes) + ",\"errors\":" + U(s.errors) + ",\"errno\":{";
		bool first = true;
		for (auto [e, c] : s.errnos) {
			o += std::string(first ? "" : ",") + JsonString(ErrnoName(e)) + ":" + U(c);
			first = false;
		}
		o += "},\"smbus\":" + U(s.smbus) + ",\"total_ns\":" + U(s.total_ns) + ",\"max_ns\":" + U(s.max_ns) +
		     ",\"hist\":" + HistJson(s.hist, s.max_ns) + ",\"bus_waits\":" + BW(s.bus_waits) +
		     ",\"bus_wait_ns\":" + BW(s.bus_wait_ns) + ",\"bus_wait_max_ns\":" + BW(s.bus_wait_max_ns) +
		     ",\"wait_hist\":" + (r.bus_waits_traced ? HistJson(s.wait_hist, s.bus_wait_max_ns) : "null") +
		     ",\"tasks\":[";
		for (std::size_t j = 0; j < s.tasks.size(); j++) {
			const I2cTask &t = s.tasks[j];
			o += std::string(j ? "," : "") + "{\"tid\":" + U(t.tid) + ",\"tgid\":" + U(t.tgid) +
			     ",\"comm\":" + JsonString(t.comm) + ",\"xfers\":" + U(t.xfers) + ",\"errors\":" + U(t.errors) +
			     ",\"smbus\":" + U(t.smbus) + ",\"total_ns\":" + U(t.total_ns) + ",\"bus_waits\":" + BW(t.bus_waits) +
			     ",\"bus_wait_ns\":" + BW(t.bus_wait_ns) + ",\"bus_wait_max_ns\":" + BW(t.bus_wait_max_ns) + "}";
		}
		o += "]}";
	}
	o += "],\"slow_waits\":{\"total\":" + U(r.slow_total) + ",\"events\":[";
	for (std::size_t i = 0; i < r.slow.size(); i++) {
		const SlowWait &w = r.slow[i];
		o += std::string(i ? "," : "") + "{\"ts_ns\":" + U(w.ev.ts_ns) + ",\"lock\":" + Hex(w.ev.lock) +
		     ",\"name\":" + JsonString(w.name) + ",\"kind\":" + JsonString(w.kind) + ",\"wait_ns\":" + U(w.ev.wait_ns) +
		     ",\"tid\":" + U(w.ev.tid) + ",\"tgid\":" + U(w.ev.tgid) +
		     ",\"comm\":" + JsonString(std::string(w.ev.comm, strnlen(w.ev.comm, sizeof(w.ev.comm)))) +
		     ",\"ret\":" + std::to_string(w.ev.ret) + ",\"frames\":" + FramesJson(w.frames) + "}";
	}
	o += "]},\"counters\":{";
	for (int i = 0; i < MXRT_CON_NR_COUNTERS; i++)
		o += std::string(i ? "," : "") + JsonString(kCounterNames[i]) + ":" + U(r.counters[i]);
	o += "},\"programs\":[";
	for (std::size_t i = 0; i < r.progs.size(); i++)
		o += std::string(i ? "," : "") + "{\"name\":" + JsonString(r.progs[i].name) +
		     ",\"run_cnt\":" + U(r.progs[i].run_cnt) + ",\"run_time_ns\":" + U(r.progs[i].run_time_ns) + "}";
	return o + "]}\n";
}

} // namespace contention
