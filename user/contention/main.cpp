// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, as root (CAP_BPF + CAP_PERFMON), on the Pi and in the VM guests.
// mxrt-contention: what blocks whom, lock waits and I2C transfers, from the kernel's own
// tracepoints (lock:contention_begin/end, i2c:*, smbus:smbus_result) through the BPF programs in
// bpf/contention.bpf.c (CO-RE, a libbpf skeleton). See docs/contention.md.
//
//   mxrt-contention                    live table, refreshed in place every second; histograms,
//                                      waiters and stacks on exit (Ctrl-C)
//   mxrt-contention -d 10 --json       10 s, then one JSON object
//   mxrt-contention -p PID | -t TGID   only waits and transfers of that thread / process
//   mxrt-contention -l LOCK            one lock: a name (max30102-0.lock, i2c-1.bus_lock, a static
//                                      lock's symbol) or an address (0xffff...)
//   mxrt-contention -m US              ignore waits shorter than US microseconds
//   mxrt-contention -s MS              print each wait of MS ms or more as it ends, with its stack
//                                      (ring buffer; default 10 ms, 0: off); with the live table:
//                                      the last ones in each refresh and in the final report
//   --no-locks / --no-i2c              attach only the other half
//   --prog-stats                       the programs' own run count and time (kernel.bpf_stats)
// --json with --live, -i or --rows, -i without the live table (stdout not a terminal, no --live),
// --top with --no-stacks, and -m, -s, --no-stacks, --top or --rows with --no-locks (they act on
// lock waits only) are refused: they would do nothing.
// Exit: 0; 1 cannot attach (not permitted, no BTF, a tracepoint missing: the message says which);
// 2 usage.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#include <vector>

#include <CLI/CLI.hpp>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "contention.skel.h"
#include "report.hpp"
#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/stdout_check.hpp"

using namespace contention;

namespace {

volatile sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

// The skeleton, owned: destroyed (programs detached, maps freed) however we leave.
class Skeleton {
public:
	Skeleton() = default;
	Skeleton(const Skeleton &) = delete;
	Skeleton &operator=(const Skeleton &) = delete;
	~Skeleton() { contention_bpf__destroy(skel_); }
	bool Open() { return (skel_ = contention_bpf__open()) != nullptr; }
	contention_bpf *operator->() { return skel_; }
	contention_bpf *get() { return skel_; }

private:
	contention_bpf *skel_ = nullptr;
};

class RingBuffer {
public:
	RingBuffer(const RingBuffer &) = delete;
	RingBuffer &operator=(const RingBuffer &) = delete;
	RingBuffer(int fd, ring_buffer_sample_fn fn, void *ctx) : rb_(ring_buffer__new(fd, fn, ctx, nullptr)) {}
	~RingBuffer() { ring_buffer__free(rb_); }
	ring_buffer *get() { return rb_; }

private:
	ring_buffer *rb_;
};

// Whether the kernel (or a loaded module) has the BTF-typed tracepoint NAME: its btf_trace_NAME.
bool HasTracepoint(btf *vmlinux, const char *name) {
	std::string t = std::string("btf_trace_") + name;
	if (btf__find_by_name_kind(vmlinux, t.c_str(), BTF_KIND_TYPEDEF) > 0)
		return true;
	DIR *d = opendir("/sys/kernel/btf");
	if (!d)
		return false;
	bool found = false;
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] == '.' || std::strcmp(e->d_name, "vmlinux") == 0)
			continue;
		btf *m = btf__load_module_btf(e->d_name, vmlinux);
		if (!m)
			continue;
		found = btf__find_by_name_kind(m, t.c_str(), BTF_KIND_TYPEDEF) > 0;
		btf__free(m);
		if (found)
			break;
	}
	closedir(d);
	return found;
}

std::string ReadFile(const std::string &path) {
	std::ifstream f(path);
	std::stringstream ss;
	ss << f.rdbuf();
	return ss.str();
}

// The process a task belongs to (the Tgid line of /proc/ID/status), or -1 when there is none.
long TgidOf(int id) {
	const std::string st = ReadFile("/proc/" + std::to_string(id) + "/status");
	const std::size_t at = st.find("\nTgid:");
	return at == std::string::npos ? -1 : std::strtol(st.c_str() + at + 6, nullptr, 10);
}

// The driver's lock names: /sys/kernel/debug/mxrt_max30102/*/locks. @say: whether a driver whose
// files cannot be read is said (once, at the start)
void LoadDriverLocks(LockNames &names, bool say) {
	const std::string root = "/sys/kernel/debug/mxrt_max30102";
	DIR *d = opendir(root.c_str());
	if (!d) {
		// no driver loaded: nothing to name. Loaded, with debugfs not mounted (or not readable):
		// its locks are shown by address, which is said
		const int e = errno;
		if (say && access("/sys/module/mxrt_max30102", F_OK) == 0)
			std::fprintf(stderr,
				     "mxrt-contention: %s: %s%s: the MAX30102 driver's locks are shown by address, not as "
				     "max30102-N.lock\n",
				     root.c_str(), std::strerror(e), e == ENOENT ? " (is debugfs mounted?)" : "");
		return;
	}
	while (dirent *e = readdir(d)) {
		if (e->d_name[0] == '.')
			continue;
		names.ParseLocksFile(ReadFile(root + "/" + e->d_name + "/locks"));
	}
	closedir(d);
}

struct Options {
	double duration = 0;
	double interval = 1;
	int pid = 0, tgid = 0;
	std::string lock;
	double min_wait_us = 0;
	double slow_ms = 10;
	bool json = false, no_locks = false, no_i2c = false, no_stacks = false, prog_stats = false, live = false;
	std::size_t top = 3, rows = 20;
};

// Slow waits kept for the final report and the JSON (the last ones), and shown in a live refresh
// (one line each: the table stays on the screen).
constexpr std::size_t kKeepSlow = 100, kLiveSlow = 10;

// The adapters the programs have seen, by bus-lock address: they name bus locks.
void LoadAdapters(contention_bpf *skel, LockNames &names) {
	int fd = bpf_map__fd(skel->maps.adapters);
	__u64 key, next;
	__u64 *prev = nullptr;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		mxrt_con_adapter a;
		if (bpf_map_lookup_elem(fd, &next, &a) == 0)
			names.AddAdapter(next, a.nr, std::string(a.name, strnlen(a.name, sizeof(a.name))));
		key = next;
		prev = &key;
	}
}

struct Ctx {
	contention_bpf *skel;
	Symbols *syms;
	LockNames *names;
	Report *report;
	const LockFilter *filter;
	bool print_at_once; // text output without the live table: each slow wait as it ends
};

int OnEvent(void *vctx, void *data, size_t size) {
	Ctx *c = static_cast<Ctx *>(vctx);
	if (size < sizeof(mxrt_con_event))
		return 0;
	SlowWait w;
	std::memcpy(&w.ev, data, sizeof(w.ev));
	const std::vector<std::uint64_t> frames = WithoutTracerFrames(
		*c->syms, {w.ev.frames, w.ev.frames + std::min<std::uint32_t>(w.ev.nr_frames, MXRT_CON_STACK_DEPTH)});
	NameSource src = NameSource::kNone;
	w.name = c->names->Name(w.ev.lock, *c->syms, frames, &src);
	// not named yet: it may be the bus lock of an adapter the programs met since the maps were
	// last read (the -l name filter needs the name the table will show)
	if (src == NameSource::kCaller || src == NameSource::kNone) {
		LoadAdapters(c->skel, *c->names);
		w.name = c->names->Name(w.ev.lock, *c->syms, frames);
	}
	// -l NAME: the slow waits as the table's rows (an address given to -l is filtered in the programs)
	if (!c->filter->Matches(w))
		return 0;
	std::vector<std::string> fn;
	for (std::uint64_t f : frames) {
		w.frames.push_back(c->syms->Format(f));
		const Symbol *s = c->syms->Find(f);
		fn.push_back(s ? s->name : "");
	}
	w.kind = LockKind(w.ev.flags, fn);
	if (c->print_at_once) {
		std::fputs(RenderSlowWait(w, Frames::kYes).c_str(), stdout);
		std::fflush(stdout);
	}
	KeepSlowWait(*c->report, std::move(w), kKeepSlow);
	return 0;
}

// Everything the maps hold now, aggregated.
void Collect(contention_bpf *skel, const Options &opt, const LockFilter &filter, const Symbols &syms, LockNames &names,
	     Report &r) {
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 1)
		ncpu = 1;
	LoadAdapters(skel, names); // first: they name bus locks
	std::vector<LockRecord> locks;
	StackTable stacks;
	{
		int fd = bpf_map__fd(skel->maps.lock_stats), sfd = bpf_map__fd(skel->maps.stacks);
		auto vals = std::vector<mxrt_con_lock_val>(static_cast<std::size_t>(ncpu));
		mxrt_con_lock_key key, next;
		mxrt_con_lock_key *prev = nullptr;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			if (bpf_map_lookup_elem(fd, &next, vals.data()) == 0) {
				LockRecord rec{};
				rec.key = next;
				for (const auto &v : vals) {
					rec.val.count += v.count;
					rec.val.total_ns += v.total_ns;
					rec.val.max_ns = std::max(rec.val.max_ns, v.max_ns);
					for (int b = 0; b < MXRT_CON_HIST_BUCKETS; b++)
						rec.val.hist[b] += v.hist[b];
					if (v.comm[0])
						std::memcpy(rec.val.comm, v.comm, sizeof(v.comm));
				}
				locks.push_back(rec);
				if (next.stack_id >= 0 && !stacks.count(next.stack_id)) {
					__u64 ips[MXRT_CON_STACK_DEPTH] = {};
					std::vector<std::uint64_t> fr;
					if (bpf_map_lookup_elem(sfd, &next.stack_id, ips) == 0)
						for (__u64 ip : ips)
							if (ip)
								fr.push_back(ip);
					stacks[next.stack_id] = WithoutTracerFrames(syms, std::move(fr));
				}
			}
			key = next;
			prev = &key;
		}
	}
	std::vector<I2cRecord> i2c;
	{
		int fd = bpf_map__fd(skel->maps.i2c_stats);
		auto vals = std::vector<mxrt_con_i2c_val>(static_cast<std::size_t>(ncpu));
		mxrt_con_i2c_key key, next;
		mxrt_con_i2c_key *prev = nullptr;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			if (bpf_map_lookup_elem(fd, &next, vals.data()) == 0) {
				I2cRecord rec{};
				rec.key = next;
				for (const auto &v : vals) {
					rec.val.xfers += v.xfers;
					rec.val.msgs += v.msgs;
					rec.val.bytes += v.bytes;
					rec.val.errors += v.errors;
					rec.val.smbus += v.smbus;
					rec.val.total_ns += v.total_ns;
					rec.val.max_ns = std::max(rec.val.max_ns, v.max_ns);
					rec.val.bus_waits += v.bus_waits;
					rec.val.bus_wait_ns += v.bus_wait_ns;
					rec.val.bus_wait_max_ns = std::max(rec.val.bus_wait_max_ns, v.bus_wait_max_ns);
					for (int b = 0; b < MXRT_CON_HIST_BUCKETS; b++) {
						rec.val.hist[b] += v.hist[b];
						rec.val.wait_hist[b] += v.wait_hist[b];
					}
					if (v.comm[0])
						std::memcpy(rec.val.comm, v.comm, sizeof(v.comm));
				}
				i2c.push_back(rec);
			}
			key = next;
			prev = &key;
		}
	}
	std::vector<I2cErrRecord> errs;
	{
		int fd = bpf_map__fd(skel->maps.i2c_errors);
		mxrt_con_i2c_err_key key, next;
		mxrt_con_i2c_err_key *prev = nullptr;
		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			__u64 c = 0;
			if (bpf_map_lookup_elem(fd, &next, &c) == 0)
				errs.push_back({next, c});
			key = next;
			prev = &key;
		}
	}
	{
		int fd = bpf_map__fd(skel->maps.counters);
		auto vals = std::vector<__u64>(static_cast<std::size_t>(ncpu));
		for (__u32 i = 0; i < MXRT_CON_NR_COUNTERS; i++) {
			r.counters[i] = 0;
			if (bpf_map_lookup_elem(fd, &i, vals.data()) == 0)
				for (__u64 v : vals)
					r.counters[i] += v;
		}
	}
	r.locks = AggregateLocks(locks, stacks, syms, names, opt.top, filter);
	r.i2c = AggregateI2c(i2c, errs, names);
	r.progs.clear();
	if (opt.prog_stats) {
		bpf_program *p;
		bpf_object__for_each_program(p, skel->obj) {
			bpf_prog_info info{};
			__u32 len = sizeof(info);
			if (bpf_program__fd(p) < 0 || bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
				continue;
			r.progs.push_back({bpf_program__name(p), info.run_cnt, info.run_time_ns});
		}
	}
}

int Fail(const char *fmt, const char *arg = "") {
	std::fprintf(stderr, "mxrt-contention: ");
	std::fprintf(stderr, fmt, arg);
	std::fprintf(stderr, "\n");
	return 1;
}

int LibbpfPrint(enum libbpf_print_level level, const char *fmt, va_list ap) {
	if (level == LIBBPF_DEBUG || !getenv("MXRT_CONTENTION_DEBUG"))
		return 0;
	return std::vfprintf(stderr, fmt, ap);
}

// The longest time an option may give: 10^18 ns (31 years), so that every conversion to ns fits the
// u64 it goes into (a double out of a u64's range converts to anything: -m 1e17 gave 0) and adding
// it to the clock cannot wrap.
constexpr double kMaxNs = 1e18;

// -d, -i, -m, -s: a finite number of `unit` (ns_per_unit ns each) above 0 (Bound::kPositive) or
// from 0, and at most kMaxNs. CLI::PositiveNumber and NonNegativeNumber let NaN through (every
// comparison with it is false) and have no upper bound.
enum class Bound { kPositive, kNonNegative };
CLI::Validator Time(Bound bound, double ns_per_unit, const std::string &unit) {
	const double max = kMaxNs / ns_per_unit;
	char range[64];
	std::snprintf(range, sizeof(range), "%s0, %g] %s", bound == Bound::kPositive ? "(" : "[", max, unit.c_str());
	return mxrt::cli::FiniteNumber(0, bound == Bound::kPositive, max, "a number", range, range);
}

} // namespace

namespace {

int Main(int argc, char **argv) {
	Options opt;
	CLI::App app{"mxrt-contention: lock waits and I2C transfers, from the kernel's tracepoints (BPF)"};
	app.add_option("-d,--duration", opt.duration, "seconds to trace, then report (default: until Ctrl-C)")
		->check(Time(Bound::kPositive, 1e9, "s"));
	// at least 0.05 s, as in mxrt-top: a tinier interval (1e-300 s is 0 ns) redrew the table
	// every millisecond, for ever
	app.add_option("-i,--interval", opt.interval, "seconds between live-table refreshes (0.05 or more)")
		->check(mxrt::cli::FiniteNumber(0.05, false, kMaxNs / 1e9, "a number", "[0.05, 1e+09] s",
						"[0.05, 1e+09] s"));
	// a pid in decimal, at most the kernel's PID_MAX_LIMIT (4194304): CLI11's PositiveNumber took
	// 0x10 (16), +5 and pids no task can have, which then matched nothing for the whole run
	const CLI::Validator pid_number(
		[](std::string &s) {
			unsigned long long v;
			return mxrt::cli::Decimal(s, 1, 4194304, &v) ? std::string()
								 : "'" + s + "' is not a pid (decimal, 1..4194304)";
		},
		"PID");
	auto *pid_opt = app.add_option("-p,--pid", opt.pid, "only this thread (tid)")->check(pid_number);
	app.add_option("-t,--tgid", opt.tgid, "only this process")->check(pid_number)->excludes(pid_opt);
	app.add_option("-l,--lock", opt.lock, "only this lock: a name or an address (0x...)");
	app.add_option("-m,--min-wait", opt.min_wait_us, "ignore waits shorter than this many microseconds")
		->check(Time(Bound::kNonNegative, 1e3, "us"));
	app.add_option("-s,--slow", opt.slow_ms, "report each wait of this many ms or more with its stack (0: off)")
		->check(Time(Bound::kNonNegative, 1e6, "ms"));
	app.add_option("--top", opt.top, "stacks kept per lock")->check(CLI::Range(1, 100));
	app.add_option("--rows", opt.rows, "locks in the table")->check(CLI::Range(1, 10000));
	app.add_flag("--json", opt.json, "one JSON object at the end instead of the table and histograms");
	app.add_flag("--live", opt.live, "refresh the table even when the output is not a terminal");
	app.add_flag("--no-locks", opt.no_locks, "do not trace lock waits");
	app.add_flag("--no-i2c", opt.no_i2c, "do not trace I2C transfers");
	app.add_flag("--no-stacks", opt.no_stacks, "do not collect waiters' stacks");
	app.add_flag("--prog-stats", opt.prog_stats, "report the programs' run count and time (enables kernel.bpf_stats)");
	// whole numbers in decimal: CLI11 reads them in base 0 ("-p 010" was thread 8)
	for (const char *name : {"--top", "--rows"})
		app.get_option(name)->transform(mxrt::cli::DecimalDigits());
	for (const char *name : {"-p", "-t"}) // pid_number says what else it refuses
		app.get_option(name)->transform(mxrt::cli::DecimalDigits(false));
	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::ParseError &e) {
		// named, as the other tools' errors are (CLI11's own print has no program name)
		std::fprintf(stderr, "mxrt-contention: %s\nusage: mxrt-contention [OPTIONS] (mxrt-contention --help)\n",
			     e.what());
		return 2;
	}
	if (opt.no_locks && opt.no_i2c) {
		std::fprintf(stderr, "mxrt-contention: --no-locks and --no-i2c leave nothing to trace\n");
		return 2;
	}
	// an option that would do nothing is refused, not silently ignored
	const char *pointless = nullptr;
	std::string lock_only; // pointless's text for an option of the lock programs with --no-locks
	if (opt.json && opt.live)
		pointless = "--json and --live: one JSON object at the end or a live table, choose one";
	else if (opt.json && app.count("--interval"))
		pointless = "--interval sets the live table's refresh, and --json has no table";
	else if (opt.json && app.count("--rows"))
		pointless = "--rows sets the table's length, and --json has no table (it lists every lock)";
	else if (app.count("--interval") && !opt.json && !opt.live && !isatty(STDOUT_FILENO))
		pointless = "--interval sets the live table's refresh, and stdout is not a terminal: add --live";
	else if (opt.no_stacks && app.count("--top"))
		pointless = "--top sets the stacks kept per lock, and --no-stacks collects none";
	else if (opt.no_locks)
		for (const char *name : {"-m", "-s", "--no-stacks", "--top", "--rows"})
			if (app.count(name)) {
				lock_only = app.get_option(name)->get_name(false, true) + " acts on lock waits, and --no-locks traces none";
				pointless = lock_only.c_str();
				break;
			}
	if (pointless) {
		std::fprintf(stderr, "mxrt-contention: %s\n", pointless);
		return 2;
	}
	std::uint64_t lock_addr = 0;
	if (app.count("--lock") && opt.lock.empty()) {
		std::fprintf(stderr, "mxrt-contention: --lock: an empty name is no lock\n");
		return 2;
	}
	if (app.count("--lock") && opt.no_locks) {
		std::fprintf(stderr, "mxrt-contention: --lock picks a lock, and --no-locks traces none: choose one\n");
		return 2;
	}
	// 0x or 0X: no symbol, so no lock name, starts with a digit
	if (!opt.lock.empty() && (opt.lock.rfind("0x", 0) == 0 || opt.lock.rfind("0X", 0) == 0)) {
		// hex digits only: strtoull alone also takes blanks, a sign ("0x-1" was 0xffffffffffffffff)
		// and a second 0x
		const std::string digits = opt.lock.substr(2);
		char *end = nullptr;
		errno = 0;
		lock_addr = std::strtoull(digits.c_str(), &end, 16);
		if (digits.empty() || digits.size() > 16 ||
		    digits.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos || errno || *end || lock_addr == 0) {
			std::fprintf(stderr, "mxrt-contention: '%s' is not a lock address (0x and hex digits)\n", opt.lock.c_str());
			return 2;
		}
	}

	// a thread or process that is not there: the run would trace nothing and report "no contention"
	if (opt.pid && TgidOf(opt.pid) < 0) {
		std::fprintf(stderr, "mxrt-contention: -p %d: no such thread\n", opt.pid);
		return 2;
	}
	if (opt.tgid) {
		const long tgid = TgidOf(opt.tgid);
		if (tgid < 0) {
			std::fprintf(stderr, "mxrt-contention: -t %d: no such process\n", opt.tgid);
			return 2;
		}
		if (tgid != opt.tgid) {
			std::fprintf(stderr, "mxrt-contention: -t %d: a thread of process %ld; -t takes a process, -p a thread\n",
				     opt.tgid, tgid);
			return 2;
		}
	}

	libbpf_set_print(LibbpfPrint);
	// what the kernel must have, checked first so that the message says what is missing
	const bool has_btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	btf *vmlinux = has_btf ? btf__load_vmlinux_btf() : nullptr;
	if (has_btf && !vmlinux)
		return Fail("cannot read the kernel's BTF (/sys/kernel/btf/vmlinux): %s", std::strerror(errno));
	const bool locks = !opt.no_locks, i2c = !opt.no_i2c;
	const Trace what = locks && i2c ? Trace::kBoth : locks ? Trace::kLocks : Trace::kI2c;
	std::string problem =
		KernelProblem(has_btf, what, [&](const std::string &t) { return HasTracepoint(vmlinux, t.c_str()); });
	btf__free(vmlinux);
	if (!problem.empty())
		return Fail("%s", problem.c_str());

	Skeleton skel;
	if (!skel.Open())
		return Fail("cannot open the BPF object: %s", std::strerror(errno));
	skel->rodata->targ_tgid = std::uint32_t(opt.tgid);
	skel->rodata->targ_pid = std::uint32_t(opt.pid);
	skel->rodata->targ_lock = lock_addr;
	skel->rodata->min_wait_ns = MinWaitNs(opt.min_wait_us);
	skel->rodata->slow_ns = SlowNs(opt.slow_ms);
	const bool slow = skel->rodata->slow_ns != 0;
	skel->rodata->with_stacks = !opt.no_stacks;
	if (!locks) {
		bpf_program__set_autoload(skel->progs.mxrt_contention_begin, false);
		bpf_program__set_autoload(skel->progs.mxrt_contention_end, false);
	}
	if (!i2c) {
		bpf_program__set_autoload(skel->progs.mxrt_i2c_write, false);
		bpf_program__set_autoload(skel->progs.mxrt_i2c_read, false);
		bpf_program__set_autoload(skel->progs.mxrt_i2c_result, false);
		bpf_program__set_autoload(skel->progs.mxrt_smbus_result, false);
	}
	// kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK
	rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MEMLOCK, &rl);
	if (int err = contention_bpf__load(skel.get()))
		return Fail("%s", LoadProblem(err, false).c_str());
	int stats_fd = -1;
	if (opt.prog_stats && (stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME)) < 0)
		std::fprintf(stderr, "mxrt-contention: cannot enable BPF run-time statistics: %s\n", std::strerror(errno));
	// read before the programs attach: the tool's own reads (kallsyms is about 2 MB) are not
	// measured as contention
	Symbols syms;
	// without symbols every lock and stack is an address: said, not left to be guessed
	if (!syms.Load())
		std::fprintf(stderr, "mxrt-contention: /proc/kallsyms: %s: locks and stacks are shown by address\n",
			     std::strerror(errno));
	else if (syms.size() == 0)
		std::fprintf(stderr, "mxrt-contention: /proc/kallsyms shows no addresses (kernel.kptr_restrict, or not "
				     "root): locks and stacks are shown by address\n");
	LockNames names;
	LoadDriverLocks(names, true);
	// a driver's or a bus's name that nothing has now is most likely mistyped: said at once, not
	// after a whole run that ends "no wait ... was seen" (it is still watched for: a device or
	// an adapter may come during the run)
	if (!opt.lock.empty() && lock_addr == 0 && !names.Lookup(opt.lock)) {
		unsigned nr = 0;
		char tail[16] = "";
		if (opt.lock.rfind("max30102-", 0) == 0)
			std::fprintf(stderr,
				     "mxrt-contention: warning: no MAX30102 device has a lock named '%s' now (their names: "
				     "/sys/kernel/debug/mxrt_max30102/*/locks): it is watched for in case one comes\n",
				     Printable(opt.lock).c_str());
		else if (std::sscanf(opt.lock.c_str(), "i2c-%u.%15s", &nr, tail) == 2 && std::string(tail) == "bus_lock" &&
			 access(("/sys/bus/i2c/devices/i2c-" + std::to_string(nr)).c_str(), F_OK) != 0)
			std::fprintf(stderr,
				     "mxrt-contention: warning: there is no I2C adapter i2c-%u now (/sys/bus/i2c/devices): "
				     "'%s' is watched for in case one comes\n",
				     nr, Printable(opt.lock).c_str());
	}
	if (int err = contention_bpf__attach(skel.get())) {
		if (stats_fd >= 0)
			close(stats_fd);
		return Fail("%s", LoadProblem(err, true).c_str());
	}

	Report report;
	report.bus_waits_traced = locks; // a bus wait is a lock wait
	// a lock given by name is picked out in user space (an address: in the programs)
	LockFilter filter;
	if (!opt.lock.empty() && lock_addr == 0)
		filter.name = opt.lock;
	const bool live = !opt.json && (opt.live || isatty(STDOUT_FILENO));
	Ctx ctx{skel.get(), &syms, &names, &report, &filter, !opt.json && !live};
	RingBuffer rb(bpf_map__fd(skel->maps.events), OnEvent, &ctx);
	if (!rb.get())
		return Fail("cannot open the ring buffer: %s", std::strerror(errno));

	std::signal(SIGINT, OnSignal);
	std::signal(SIGTERM, OnSignal);
	std::fprintf(stderr, "mxrt-contention: attached (%s%s%s)\n", locks ? "lock waits" : "", locks && i2c ? ", " : "",
		     i2c ? "I2C" : "");
	const std::uint64_t start = NowNs();
	const std::uint64_t end = opt.duration > 0 ? start + std::uint64_t(opt.duration * 1e9) : 0;
	std::uint64_t next_refresh = start + std::uint64_t(opt.interval * 1e9);
	bool ring_failed = false;
	while (!g_stop) {
		std::uint64_t now = NowNs();
		if (end && now >= end)
			break;
		// Without the live table nothing is due but the end: next_refresh never moved, and once
		// past it every poll timed out after 1 ms, a thousand wake-ups a second beside the waits
		// being measured. Clamped in 64 bits (an -i of 2.2e6 s wrapped an int).
		std::uint64_t until = live ? next_refresh : now + 200 * 1000000ull;
		if (end && end < until)
			until = end;
		const std::uint64_t ms = until > now ? (until - now) / 1000000 : 0;
		int n = ring_buffer__poll(rb.get(), int(std::clamp<std::uint64_t>(ms, 1, 200)));
		if (n < 0 && n != -EINTR) {
			// the report up to here is still printed, and the exit status says it is cut short
			std::fprintf(stderr, "mxrt-contention: ring buffer: %s: the run ends here\n", std::strerror(-n));
			ring_failed = true;
			break;
		}
		if (live && NowNs() >= next_refresh) {
			next_refresh += std::uint64_t(opt.interval * 1e9);
			Collect(skel.get(), opt, filter, syms, names, report);
			// the slow waits in the refresh too: lines printed between refreshes would be cleared
			std::printf("\x1b[H\x1b[J%s%s", RenderTable(report, opt.rows).c_str(),
				    slow ? ("\n" + RenderSlowWaits(report, kLiveSlow, Frames::kNo)).c_str() : "");
			// a closed pipe (SIGPIPE ignored), a full disk: nobody sees the table; the run
			// ends (it refreshed into the void until -d or Ctrl-C)
			if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
				std::fprintf(stderr, "mxrt-contention: writing the live table: %s: the run ends here\n",
					     std::strerror(errno));
				ring_failed = true;
				break;
			}
		}
	}
	// The programs stop first: the table and the events then hold the same waits (a wait that
	// ended after the last read of the ring was in the table without its event), and the tool's
	// own reads below are not measured.
	contention_bpf__detach(skel.get());
	report.duration_s = double(NowNs() - start) / 1e9;
	ring_buffer__consume(rb.get());
	// module symbols may have come meanwhile, and the driver's devices
	syms.Load();
	LoadDriverLocks(names, false);
	Collect(skel.get(), opt, filter, syms, names, report);
	if (stats_fd >= 0)
		close(stats_fd);
	// an empty table for -l reads as "no contention"; a name that matched no lock looks the same
	if (!opt.lock.empty() && report.locks.empty())
		std::fprintf(stderr, "mxrt-contention: no wait for a lock %s '%s' was seen (names as the table shows them: "
				     "max30102-0.lock, i2c-1.bus_lock, a kernel symbol)\n",
			     lock_addr ? "at" : "named", Printable(opt.lock).c_str());
	if (opt.json) {
		std::fputs(RenderJson(report).c_str(), stdout);
	} else {
		if (live)
			std::printf("\x1b[H\x1b[J");
		std::printf("%.1f s\n%s\n%s", report.duration_s, RenderTable(report, opt.rows).c_str(),
			    RenderHistograms(report, opt.rows).c_str());
		// the live table's refreshes cleared what was printed before them: the last ones again,
		// with their stacks; printed as they ended otherwise, so only their count
		if (slow && live)
			std::fputs(RenderSlowWaits(report, kKeepSlow, Frames::kYes).c_str(), stdout);
		else if (slow)
			std::printf("slow waits: %llu%s\n", (unsigned long long)report.slow_total,
				    report.slow_total ? " (each printed above as it ended)" : "");
		std::uint64_t dropped = 0;
		for (int i = 0; i < MXRT_CON_EVENTS; i++)
			dropped += report.counters[i];
		if (dropped)
			std::printf("not recorded: %llu (map full %llu/%llu/%llu, ring full %llu, nesting %llu, unmatched %llu, negative %llu, stack lost %llu)\n",
				    (unsigned long long)dropped, (unsigned long long)report.counters[MXRT_CON_DROP_LOCK_MAP],
				    (unsigned long long)report.counters[MXRT_CON_DROP_I2C_MAP],
				    (unsigned long long)report.counters[MXRT_CON_DROP_TASK_MAP],
				    (unsigned long long)report.counters[MXRT_CON_DROP_RING],
				    (unsigned long long)report.counters[MXRT_CON_DROP_NEST],
				    (unsigned long long)report.counters[MXRT_CON_DROP_UNMATCHED],
				    (unsigned long long)report.counters[MXRT_CON_DROP_NEGATIVE],
				    (unsigned long long)report.counters[MXRT_CON_DROP_STACK]);
	}
	return ring_failed ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-contention", Main(argc, argv)); }
