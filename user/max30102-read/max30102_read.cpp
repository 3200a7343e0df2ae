// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, and the VM guests' tests). mxrt-max30102-read: reads records from
// /dev/max30102-N and checks what the driver promises: every record intact and, between two
// records, b.seq == a.seq + 1 + b.lost, with lost > 0 only when flagged.
//
// usage: mxrt-max30102-read [-n RECORDS] [-s STALL_MS] [-b BATCH] [-N] [-v] [-l] [-p PRIO] [-c CPU]
//                            [-t THREADS] [-E] [-o FILE] DEVICE
//   -n  stop after this many records (default 1000)
//   -s  after the first record, sleep this long (a stalled reader: expect an overrun)
//   -b  records per read() (default 16)
//   -N  O_NONBLOCK + poll()
//   -v  print every record
//   -l  IRQ-to-reader latency: for each record flagged MXRT_MAX30102_REC_IRQ (its timestamp is the
//       hard-IRQ time, CLOCK_MONOTONIC), the time from it to read() returning; prints a line
//       "latency_us: n=.. p50=.. p99=.. max=.."
//   -p  run as SCHED_FIFO at this priority (1..99), as a real-time consumer would
//   -c  pin to this CPU
//   -t  read the one open file from this many threads at once (2..64): every record must reach
//       exactly one thread, each thread's records in order; judged on all records sorted by seq
//       (-n of them between the threads, no more)
//   -E  after the first record, one read() into a buffer the process cannot write: it must fail
//       with EFAULT and consume nothing (the stream then continues with nothing lost uncounted)
//   -o  save the records read to FILE as read() returned them (struct mxrt_max30102_record, the
//       stream mxrt-vitals-eval reads), flushed after every read(); not with -t. FILE is opened
//       only once the device is open and -p/-c took effect, emptied only when the first records
//       arrive (one the run made is removed if none came); not DEVICE itself (exit 2)
// SIGINT or SIGTERM (not with -t) ends the run early, as -n would: the summary covers the records
// read until then, a FILE holds them (or, made by the run and still empty, is removed), and the
// exit status judges them; a second signal (either) ends the process at once. They are taken only
// in read(), poll() and the -s stall, never in a write. A SIGINT the shell set to be ignored (a
// background job) stays ignored.
// Prints one summary line: records=.. first_seq=.. last_seq=.. lost=.. reader_overruns=..
// fifo_overflows=.. violations=.. rate_hz=.. first_lost=.. (lost: the gaps between the records
// read; first_lost: the first record's lost, samples lost right before it, which fall in the run
// when its open started the stream; the two counts of flagged records include the first). Exit: 0 ok, 1 a violation or read error, 2 usage,
// 3 the scheduling request (-p, -c) was refused.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <algorithm>
#include <atomic>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <string>
#include <sys/mman.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mxrt/max30102.h>

#include "../lib/decimal.hpp"
#include "../lib/stdout_check.hpp"

namespace {

constexpr const char *kUsage = "usage: mxrt-max30102-read [-n RECORDS] [-s STALL_MS] [-b BATCH] [-N] [-v] [-l] "
				"[-p PRIO] [-c CPU] [-t THREADS] [-E] [-o FILE] DEVICE\n";

[[noreturn]] void Usage(const char *why) {
	std::fprintf(stderr, "mxrt-max30102-read: %s\n%s", why, kUsage);
	std::exit(2);
}

// -h: asked for, so on stdout and exit 0
[[noreturn]] void Help() {
	std::printf("%s"
		    "  -n  stop after this many records (default 1000)\n"
		    "  -s  after the first record, sleep this many ms (a stalled reader)\n"
		    "  -b  records per read() (default 16)\n"
		    "  -N  O_NONBLOCK + poll()\n"
		    "  -v  print every record\n"
		    "  -l  IRQ-to-reader latency of the records flagged IRQ\n"
		    "  -p  SCHED_FIFO at this priority (1..99)\n"
		    "  -c  pin to this CPU\n"
		    "  -t  read the one open file from this many threads (2..64)\n"
		    "  -E  one read() into an unwritable buffer: it must fail with EFAULT\n"
		    "  -o  save the records read to FILE (not with -t)\n"
		    "Exit: 0 ok, 1 a violation or read error, 2 usage, 3 -p or -c refused.\n",
		    kUsage);
	std::exit(mxrt::cli::StdoutChecked("mxrt-max30102-read", 0));
}

// decimal digits only, as every other tool here reads numbers: strtol also took " 5", "+5" and
// "-0"
long Number(const char *s, long min, long max, const char *what) {
	unsigned long long v;
	if (!mxrt::cli::Decimal(s, (unsigned long long)min, (unsigned long long)max, &v)) {
		char msg[160];
		std::snprintf(msg, sizeof(msg), "%s must be a decimal number in [%ld, %ld], not '%s'", what, min, max, s);
		Usage(msg);
	}
	return long(v);
}

unsigned long long NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1'000'000'000ull + ts.tv_nsec;
}

double Now() { return NowNs() / 1e9; }

void PrintLatency(std::vector<unsigned long long> &v) {
	if (v.empty()) {
		std::printf("latency_us: n=0 (no record carried the IRQ flag)\n");
		return;
	}
	std::sort(v.begin(), v.end());
	auto at = [&](size_t permille) { return v[std::min(v.size() - 1, v.size() * permille / 1000)] / 1000.0; };
	std::printf("latency_us: n=%zu p50=%.1f p99=%.1f max=%.1f\n", v.size(), at(500), at(990), v.back() / 1000.0);
}

// What the driver promises, judged record by record in the order a reader got them.
struct Judge {
	long got = 0, violations = 0, overruns = 0, overflows = 0;
	unsigned long long lost = 0, first = 0, last = 0;
	unsigned first_lost = 0; // the first record's lost: before the run's first record, not in lost

	void Add(const mxrt_max30102_record &r, bool verbose) {
		if (verbose)
			std::printf("%llu %llu red=%u ir=%u flags=%#x lost=%u bits=%u\n", (unsigned long long)r.seq,
				    (unsigned long long)r.timestamp_ns, r.red, r.ir, r.flags, r.lost, r.adc_bits);
		if (got == 0) {
			first = r.seq;
			first_lost = r.lost;
		} else {
			if (r.seq != last + 1 + r.lost) {
				std::fprintf(stderr, "violation: seq %llu after %llu with lost=%u\n",
					     (unsigned long long)r.seq, last, r.lost);
				violations++;
			}
			if (r.lost && !(r.flags & (MXRT_MAX30102_REC_READER_OVERRUN | MXRT_MAX30102_REC_FIFO_OVERFLOW))) {
				std::fprintf(stderr, "violation: lost=%u without a flag\n", r.lost);
				violations++;
			}
			lost += r.lost;
		}
		if (r.adc_bits < 15 || r.adc_bits > 18 || r.red >> r.adc_bits || r.ir >> r.adc_bits) {
			std::fprintf(stderr, "violation: value wider than %u bits\n", r.adc_bits);
			violations++;
		}
		overruns += !!(r.flags & MXRT_MAX30102_REC_READER_OVERRUN);
		overflows += !!(r.flags & MXRT_MAX30102_REC_FIFO_OVERFLOW);
		last = r.seq;
		got++;
	}
};

// SIGINT and SIGTERM (those not ignored) end the run. They are blocked except while the reader
// waits in read() or poll() (StopSignalsOpen), so they never cut a write to stdout or to -o short
// (EINTR), and a wait they come in returns EINTR (no SA_RESTART). The handler puts both back to
// their default action: a second one ends the process at once.
volatile sig_atomic_t g_stop_signal = 0; // SIGINT or SIGTERM asked the run to end
sigset_t g_stop_set;                     // the ones caught

// The caught ones back to their default action (sigaction is async-signal-safe: the handler too).
void DefaultStopSignals() {
	struct sigaction dfl{};
	dfl.sa_handler = SIG_DFL;
	for (int s : {SIGINT, SIGTERM})
		if (sigismember(&g_stop_set, s))
			sigaction(s, &dfl, nullptr);
}

void OnStopSignal(int sig) {
	g_stop_signal = sig;
	DefaultStopSignals();
}

void CatchStopSignals() {
	struct sigaction sa{};
	sa.sa_handler = OnStopSignal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&g_stop_set);
	for (int sig : {SIGINT, SIGTERM}) {
		struct sigaction old{};
		if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN)
			continue; // ignored by whoever started us (a background job's SIGINT)
		sigaddset(&g_stop_set, sig);
	}
	sa.sa_mask = g_stop_set;
	sigprocmask(SIG_BLOCK, &g_stop_set, nullptr);
	for (int sig : {SIGINT, SIGTERM})
		if (sigismember(&g_stop_set, sig))
			sigaction(sig, &sa, nullptr);
}

// The run is over: a signal now has its default action (ends the process), pending ones too.
void ReleaseStopSignals() {
	DefaultStopSignals();
	sigprocmask(SIG_UNBLOCK, &g_stop_set, nullptr);
}

// The stop signals are let in for one wait; false if one came already (do not start the wait).
struct StopSignalsOpen {
	StopSignalsOpen() { sigprocmask(SIG_UNBLOCK, &g_stop_set, nullptr); }
	~StopSignalsOpen() { sigprocmask(SIG_BLOCK, &g_stop_set, nullptr); }
	bool Stopped() const { return g_stop_signal != 0; }
};

// After a read() that gave EAGAIN (-N): waits with poll() until the file is readable. false after
// printing why not (nothing within 5 s, an error, or a hang-up with nothing left to read): calling
// read() again at once would spin on a CPU while the stream pauses, without end if it stops. A
// hang-up with POLLIN (an unbound device's last records) is readable: read() says the rest.
bool WaitReadable(int fd) {
	pollfd p{fd, POLLIN, 0};
	int n;
	for (;;) {
		StopSignalsOpen open;
		if (open.Stopped())
			return false; // the caller sees g_stop_signal
		n = poll(&p, 1, 5000);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n > 0 && (p.revents & POLLIN))
		return true;
	if (n <= 0 || (p.revents & (POLLERR | POLLHUP))) {
		std::fprintf(stderr, "mxrt-max30102-read: poll: no data (revents %#x)\n", p.revents);
		return false;
	}
	return true;
}

// One read() of up to buf.size() records; waits with poll() on EAGAIN. Returns the number of
// records, -1 after printing why (an error, end of file, or a partial record: a violation), or
// -2 when SIGINT or SIGTERM asked the run to end.
long ReadRecords(int fd, std::vector<mxrt_max30102_record> &buf, long &violations) {
	for (;;) {
		ssize_t n;
		{
			StopSignalsOpen open;
			if (open.Stopped())
				return -2;
			n = read(fd, buf.data(), buf.size() * sizeof(buf[0]));
		}
		if (n < 0 && errno == EINTR)
			continue; // a stop signal is seen above; another one is not ours to act on
		if (n < 0 && errno == EAGAIN) {
			if (!WaitReadable(fd))
				return g_stop_signal ? -2 : -1;
			continue;
		}
		if (n <= 0) {
			std::fprintf(stderr, "mxrt-max30102-read: read: %s\n", n ? std::strerror(errno) : "end of file");
			return -1;
		}
		if (n % sizeof(buf[0])) {
			std::fprintf(stderr, "mxrt-max30102-read: read returned %zd bytes, not whole records\n", n);
			violations++;
		}
		return long(size_t(n) / sizeof(buf[0]));
	}
}

// -E: a read() into memory the process cannot write must fail with EFAULT and return nothing.
bool BadBufferRead(int fd, size_t records) {
	const size_t bytes = records * sizeof(mxrt_max30102_record);
	void *p = mmap(nullptr, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		std::fprintf(stderr, "mxrt-max30102-read: mmap: %s\n", std::strerror(errno));
		return false;
	}
	ssize_t n;
	auto read_open = [&] {
		StopSignalsOpen open;
		if (open.Stopped()) {
			errno = EINTR;
			return ssize_t(-1);
		}
		return read(fd, p, bytes);
	};
	while ((n = read_open()) < 0 && (errno == EAGAIN || errno == EINTR)) { // as ReadRecords
		if (g_stop_signal) {
			munmap(p, bytes);
			return true; // not judged: the run ends at the next ReadRecords
		}
		if (errno == EAGAIN && !WaitReadable(fd)) {
			munmap(p, bytes);
			return g_stop_signal != 0;
		}
	}
	const int e = errno;
	munmap(p, bytes);
	if (n >= 0 || e != EFAULT) {
		std::fprintf(stderr, "violation: read into an unwritable buffer returned %zd (%s), not EFAULT\n", n,
			     n < 0 ? std::strerror(e) : "success");
		return false;
	}
	std::fprintf(stderr, "mxrt-max30102-read: read into an unwritable buffer: EFAULT, as it should\n");
	return true;
}

// -t: `threads` threads read one open file until `want` records arrived between them, no more:
// each read() asks for at most what no other thread has asked for yet (`claimed`), and gives back
// what it did not get. Each thread's records must be in order; sorted by seq, all of them must
// form one stream in which every seq appears once.
int ReadShared(int fd, long want, long batch, int threads, bool verbose) {
	std::atomic<long> claimed{0};
	std::atomic<bool> failed{false};
	std::vector<std::vector<mxrt_max30102_record>> per(threads);
	std::vector<long> partial(threads);
	const double t0 = Now();
	std::vector<std::thread> th;
	for (int t = 0; t < threads; t++)
		th.emplace_back([&, t] {
			std::vector<mxrt_max30102_record> buf(batch);
			for (;;) {
				long c = claimed.load(), k;
				do {
					k = std::min(batch, want - c);
				} while (k > 0 && !claimed.compare_exchange_weak(c, c + k));
				if (k <= 0 || failed.load())
					break; // the rest is asked for by others (they give back what they miss)
				buf.resize(size_t(k));
				long n = ReadRecords(fd, buf, partial[t]);
				if (n < 0) {
					failed = true;
					break;
				}
				per[t].insert(per[t].end(), buf.begin(), buf.begin() + n);
				claimed -= k - n;
			}
		});
	for (auto &x : th)
		x.join();
	const double t1 = Now();
	Judge j;
	long disorder = 0, duplicates = 0;
	std::vector<mxrt_max30102_record> all;
	for (int t = 0; t < threads; t++) {
		j.violations += partial[t];
		for (size_t i = 1; i < per[t].size(); i++)
			if (per[t][i].seq <= per[t][i - 1].seq) {
				if (disorder++ < 5)
					std::fprintf(stderr, "violation: thread %d got seq %llu after %llu\n", t,
						     (unsigned long long)per[t][i].seq, (unsigned long long)per[t][i - 1].seq);
			}
		all.insert(all.end(), per[t].begin(), per[t].end());
	}
	std::sort(all.begin(), all.end(), [](const auto &a, const auto &b) { return a.seq < b.seq; });
	for (size_t i = 0; i < all.size(); i++) {
		if (i > 0 && all[i].seq == all[i - 1].seq) {
			if (duplicates++ < 5)
				std::fprintf(stderr, "violation: seq %llu reached two readers\n", (unsigned long long)all[i].seq);
			continue;
		}
		j.Add(all[i], verbose);
	}
	j.violations += disorder + duplicates;
	std::printf("records=%ld first_seq=%llu last_seq=%llu lost=%llu reader_overruns=%ld fifo_overflows=%ld "
		    "violations=%ld rate_hz=%.1f threads=%d duplicates=%ld out_of_order=%ld first_lost=%u\n",
		    j.got, j.first, j.last, j.lost, j.overruns, j.overflows, j.violations,
		    t1 > t0 && j.got > 1 ? (j.last - j.first) / (t1 - t0) : 0.0, threads, duplicates, disorder,
		    j.first_lost);
	return failed.load() || j.violations ? 1 : 0;
}

} // namespace

namespace {

int Main(int argc, char **argv) {
	long want = 1000, stall_ms = 0, batch = 16;
	long prio = 0, cpu = -1, threads = 1;
	bool nonblock = false, verbose = false, latency = false, bad_buffer = false;
	const char *save = nullptr;
	// the leading ':' tells a missing value (':') from an unknown option ('?'); getopt prints neither
	static const option kLong[] = {{"help", no_argument, nullptr, 'h'}, {nullptr, 0, nullptr, 0}};
	for (int c; (c = getopt_long(argc, argv, ":n:s:b:Nvlp:c:t:Eo:h", kLong, nullptr)) != -1;) {
		switch (c) {
		case 'n': want = Number(optarg, 1, 100'000'000, "-n"); break;
		case 's': stall_ms = Number(optarg, 0, 3'600'000, "-s"); break;
		case 'b': batch = Number(optarg, 1, 4096, "-b"); break;
		case 'N': nonblock = true; break;
		case 'v': verbose = true; break;
		case 'l': latency = true; break;
		case 'p': prio = Number(optarg, 1, 99, "-p"); break;
		case 'c': cpu = Number(optarg, 0, CPU_SETSIZE - 1, "-c"); break;
		case 't': threads = Number(optarg, 2, 64, "-t"); break;
		case 'E': bad_buffer = true; break;
		case 'o': save = optarg; break;
		case 'h': Help();
		case ':': Usage((std::string("-") + char(optopt) + " needs a value").c_str());
		default: // a long option (unknown, or --help=x) is named as written
			Usage((std::strncmp(argv[optind - 1], "--", 2) == 0
				       ? std::string("bad option ") + argv[optind - 1]
				       : std::string("unknown option -") + char(optopt))
				      .c_str());
		}
	}
	if (optind + 1 != argc)
		Usage("one DEVICE expected");
	if (threads > 1 && (stall_ms || latency || bad_buffer || save))
		Usage("-t cannot be combined with -s, -l, -E or -o");
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			std::fprintf(stderr, "mxrt-max30102-read: -c %ld: %s\n", cpu, std::strerror(errno));
			return 3;
		}
	}
	if (prio) {
		sched_param sp{};
		sp.sched_priority = int(prio);
		if (sched_setscheduler(0, SCHED_FIFO, &sp)) {
			std::fprintf(stderr, "mxrt-max30102-read: -p %ld: %s\n", prio, std::strerror(errno));
			return 3;
		}
	}
	int fd = open(argv[optind], O_RDONLY | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0) {
		std::fprintf(stderr, "mxrt-max30102-read: %s: %s\n", argv[optind], std::strerror(errno));
		return 1;
	}
	// -o is opened only now, when a refused -c or -p or a missing device cannot leave it changed,
	// and an existing file is emptied only when the first records arrive: a DEVICE that opens but
	// gives none (a directory, /dev/null, a file of no whole records) emptied it. One it made is
	// removed again if no record came.
	FILE *out = nullptr;
	bool out_made = false, out_started = false;
	if (save) {
		struct stat in_st, out_st;
		const bool existed = stat(save, &out_st) == 0;
		if (fstat(fd, &in_st) == 0 && existed && in_st.st_dev == out_st.st_dev && in_st.st_ino == out_st.st_ino) {
			close(fd);
			Usage((std::string("-o ") + save + " is " + argv[optind] +
			       " itself: saving would empty the stream before it is read").c_str());
		}
		// made here only if O_EXCL says so: not a file someone made meanwhile, nor a symlink (a
		// dangling one is followed, as a shell's > does, but was then removed as "made")
		int ofd = open(save, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		out_made = ofd >= 0;
		if (ofd < 0 && errno == EEXIST)
			ofd = open(save, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
		if (ofd < 0 || !(out = fdopen(ofd, "wb"))) {
			std::fprintf(stderr, "mxrt-max30102-read: -o %s: %s\n", save, std::strerror(errno));
			if (ofd >= 0)
				close(ofd);
			close(fd);
			return 1;
		}
	}
	if (threads > 1) {
		const int rc = ReadShared(fd, want, batch, int(threads), verbose);
		close(fd);
		return rc;
	}
	CatchStopSignals();
	std::vector<mxrt_max30102_record> buf(batch);
	Judge j;
	double t0 = 0, t1 = 0;
	std::vector<unsigned long long> lat;
	if (latency)
		lat.reserve(std::min(want, 1'000'000L));
	int rc = 0;
	bool bad_buffer_done = false;
	while (j.got < want) {
		if (bad_buffer && j.got > 0 && !bad_buffer_done) {
			bad_buffer_done = true;
			if (!BadBufferRead(fd, buf.size()))
				j.violations++;
		}
		const long n = ReadRecords(fd, buf, j.violations);
		if (n == -2) {
			std::fprintf(stderr, "mxrt-max30102-read: stopped by %s after %ld records\n",
				     g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM", j.got);
			break;
		}
		if (n < 0) {
			rc = 1;
			break;
		}
		const unsigned long long returned = NowNs();
		if (out && n > 0) {
			const size_t keep = size_t(std::min(n, want - j.got));
			struct stat ost;
			// a regular file's old content goes now (a FIFO or a terminal has none to lose)
			if (!out_started && fstat(fileno(out), &ost) == 0 && S_ISREG(ost.st_mode) &&
			    ftruncate(fileno(out), 0) != 0) {
				std::fprintf(stderr, "mxrt-max30102-read: -o %s: %s\n", save, std::strerror(errno));
				rc = 1;
				break;
			}
			out_started = true;
			if (std::fwrite(buf.data(), sizeof(buf[0]), keep, out) != keep || std::fflush(out)) {
				std::fprintf(stderr, "mxrt-max30102-read: -o %s: %s\n", save, std::strerror(errno));
				rc = 1;
				break;
			}
		}
		for (long i = 0; i < n && j.got < want; i++) {
			const mxrt_max30102_record &r = buf[i];
			if (j.got == 0)
				t0 = Now();
			j.Add(r, verbose);
			if (latency && (r.flags & MXRT_MAX30102_REC_IRQ) && returned >= r.timestamp_ns)
				lat.push_back(returned - r.timestamp_ns);
			if (j.got == 1 && stall_ms) {
				StopSignalsOpen open; // a stop signal ends the stall
				if (!open.Stopped())
					usleep(stall_ms * 1000);
			}
		}
		t1 = Now();
	}
	ReleaseStopSignals();
	std::printf("records=%ld first_seq=%llu last_seq=%llu lost=%llu reader_overruns=%ld fifo_overflows=%ld "
		    "violations=%ld rate_hz=%.1f first_lost=%u\n",
		    j.got, j.first, j.last, j.lost, j.overruns, j.overflows, j.violations,
		    t1 > t0 && j.got > 1 ? (j.last - j.first) / (t1 - t0) : 0.0, j.first_lost);
	if (latency)
		PrintLatency(lat);
	struct stat made_st, now_st;
	// no record came: nothing of this run is left behind (the file it made, if the name still is)
	const bool remove_made = out && out_made && !out_started && fstat(fileno(out), &made_st) == 0 &&
				 lstat(save, &now_st) == 0 && made_st.st_dev == now_st.st_dev &&
				 made_st.st_ino == now_st.st_ino;
	if (out && std::fclose(out)) {
		std::fprintf(stderr, "mxrt-max30102-read: -o %s: %s\n", save, std::strerror(errno));
		rc = 1;
	}
	if (remove_made)
		unlink(save);
	close(fd);
	return rc || j.violations ? 1 : 0;
}

} // namespace

int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-max30102-read", Main(argc, argv)); }
