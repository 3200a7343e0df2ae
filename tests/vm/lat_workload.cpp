// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the VM guests, as root; built static by tests/unit/unit.mk).
//
// mxrt-lat-workload: a workload with known scheduling behaviour for the latency tracer's tests.
// A SCHED_FIFO "mxrt-victim" thread wakes every period on an absolute timer (clock_nanosleep),
// works briefly and sleeps again; on the hogged cycles a higher-priority SCHED_FIFO "mxrt-hog"
// thread on the same CPU starts spinning `offset` before the victim's wake-up and spins for `hog`,
// so those wake-ups wait at least hog - offset (even if the machine stood still across one: see
// Hog). Prints the thread ids, then (after the go file appears, so a test can start tracking
// first) runs and prints one line per cycle with the latency the victim saw from user space, and
// a summary.
//
//   mxrt-lat-workload [-c CYCLES] [-k EVERY] [-p PERIOD_MS] [-H HOG_MS] [-o OFFSET_MS] [-C CPU]
//                     [-g GO_FILE] [-l]
//   -k EVERY: every EVERY-th cycle (starting with cycle 1; -k 1: every cycle) is hogged;
//   -l: create the threads only after the go file appears (tests of thread-group tracking).
//
//   mxrt-lat-workload -P ROUNDS [-C CPU]
//   ping-pong: two threads on one CPU hand a byte back and forth over pipes ROUNDS times (each
//   round: two wake-ups and two context switches, nothing else) and print "pingpong_ns_per_round=N":
//   the cost of a scheduling event with as little else as possible (the tracer's benchmark).
//
//   mxrt-lat-workload -X [-g GO_FILE]
//   exec from a thread: prints "main PID" and "mxrt-execer TID", and after the go file appears the
//   thread calls exec (sleep 2), which gives it the main thread's pid.
//
//   mxrt-lat-workload -U [-g GO_FILE]
//   io_uring: prints "main PID", and after the go file appears sets up a ring with a submission
//   queue polling thread (the kernel's "iou-sqp-PID": a thread of this process that clone() did
//   not make), prints "sqpoll ready", and sleeps until killed.
//
//   mxrt-lat-workload -Z [-g GO_FILE]
//   a zombie: forks a child that exits at once, prints "zombie PID" once it has exited, and reaps it
//   only after the go file appears (then prints "reaped PID").
//
//   mxrt-lat-workload -T THREADS
//   thread churn: THREADS short threads one after another (20 ms each, 400 ms apart), then prints
//   "threads N done": a process that makes a thread per request, for the tracer's table.
#include <fcntl.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

struct Config {
	int cycles = 20, every = 4, cpu = 1;
	long period_ms = 50, hog_ms = 30, offset_ms = 10;
	const char *go = nullptr;
	bool late = false;
};

Config cfg;
timespec start;
std::vector<long long> lat_ns;

long long Ns(const timespec &t) { return t.tv_sec * 1000000000ll + t.tv_nsec; }
timespec At(long long ns) { return timespec{time_t(ns / 1000000000ll), long(ns % 1000000000ll)}; }
long long Now() {
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return Ns(t);
}
void SleepUntil(long long ns) {
	const timespec t = At(ns);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr) == EINTR) {
	}
}
// Cycles 1, 1 + every, 1 + 2 * every, ...; every cycle for -k 1 (1 % 1 is 0: "== 1" never held)
bool Hogged(int i) { return cfg.every > 0 && i % cfg.every == 1 % cfg.every; }
long long WakeAt(int i) { return Ns(start) + (i + 1) * cfg.period_ms * 1000000ll; }

int Setup(const char *name, int prio) {
	prctl(PR_SET_NAME, name);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cfg.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		std::fprintf(stderr, "mxrt-lat-workload: CPU %d: %s\n", cfg.cpu, std::strerror(errno));
		return -1;
	}
	sched_param sp{};
	sp.sched_priority = prio;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0) {
		std::fprintf(stderr, "mxrt-lat-workload: SCHED_FIFO %d: %s\n", prio, std::strerror(errno));
		return -1;
	}
	std::printf("%s %ld\n", name, long(syscall(SYS_gettid)));
	std::fflush(stdout);
	return 0;
}

pthread_barrier_t ready;
std::atomic<long> victim_tid{0}; // for the hog (below)

void *Victim(void *) {
	if (Setup("mxrt-victim", 50) != 0)
		std::exit(3);
	victim_tid = long(syscall(SYS_gettid)); // before the barrier: the hog reads it after
	pthread_barrier_wait(&ready);
	for (int i = 0; i < cfg.cycles; i++) {
		SleepUntil(WakeAt(i));
		lat_ns[i] = Now() - WakeAt(i);
		const long long until = Now() + 200000; // 200 us of work
		while (Now() < until) {
		}
	}
	return nullptr;
}

// The hog keeps the victim off the CPU for hog - offset past its wake-up as the tracer sees it:
// the moment the victim becomes runnable, when its timer interrupt comes. Under emulation that
// interrupt can come late (18 ms was seen), or the machine can stand still across it, and a hog
// that spun a fixed time from its own start would then leave the victim a short wait. So the hog
// watches the victim's state (/proc: R once woken; it cannot run while the hog spins on its CPU)
// and spins until hog - offset after it saw the wake-up, its own hog ms at least, 1 s at most.
// Cycles whose wake-up came later than planned are counted (hog_extended) and printed.
int hog_extended;

// Whether the thread is runnable (woken), by its /proc stat (state after "(comm) ").
bool Runnable(int fd) {
	char b[256];
	const ssize_t n = pread(fd, b, sizeof(b) - 1, 0);
	if (n <= 0)
		return false;
	b[n] = 0;
	const char *p = std::strrchr(b, ')');
	return p && p[1] == ' ' && p[2] == 'R';
}

void *Hog(void *) {
	if (Setup("mxrt-hog", 60) != 0)
		std::exit(3);
	pthread_barrier_wait(&ready);
	char path[64];
	std::snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", victim_tid.load());
	const int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		std::fprintf(stderr, "mxrt-lat-workload: %s: %s\n", path, std::strerror(errno));
		std::exit(3);
	}
	const long long lead = (cfg.hog_ms - cfg.offset_ms) * 1000000ll;
	for (int i = 0; i < cfg.cycles; i++) {
		if (!Hogged(i))
			continue;
		SleepUntil(WakeAt(i) - cfg.offset_ms * 1000000ll);
		const long long t0 = Now();
		long long until = t0 + cfg.hog_ms * 1000000ll, woke = 0;
		for (long long now = t0; now < until || (woke == 0 && now < t0 + 1000000000ll); now = Now()) {
			if (woke == 0 && Runnable(fd)) {
				woke = now;
				if (woke + lead > until + 1000000) // woken over 1 ms later than planned
					hog_extended++;
				if (woke + lead > until)
					until = woke + lead;
			}
		}
	}
	close(fd);
	return nullptr;
}

void WaitForGo() {
	struct stat st;
	while (cfg.go && stat(cfg.go, &st) != 0)
		usleep(10000);
}

int pipe_ab[2], pipe_ba[2];
long rounds;

void *Pong(void *) {
	char c;
	for (long i = 0; i < rounds; i++)
		if (read(pipe_ab[0], &c, 1) != 1 || write(pipe_ba[1], &c, 1) != 1)
			std::exit(3);
	return nullptr;
}

int PingPong() {
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cfg.cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0 || pipe(pipe_ab) != 0 || pipe(pipe_ba) != 0) {
		std::fprintf(stderr, "mxrt-lat-workload: %s\n", std::strerror(errno));
		return 3;
	}
	std::printf("main %ld\n", long(getpid()));
	std::fflush(stdout);
	WaitForGo();
	pthread_t th; // inherits the CPU
	pthread_create(&th, nullptr, Pong, nullptr);
	const long long t0 = Now();
	char c = 'x';
	for (long i = 0; i < rounds; i++)
		if (write(pipe_ab[1], &c, 1) != 1 || read(pipe_ba[0], &c, 1) != 1)
			return 3;
	const long long t1 = Now();
	pthread_join(th, nullptr);
	std::printf("pingpong_ns_per_round=%lld\n", (t1 - t0) / rounds);
	return 0;
}

void *Execer(void *) {
	prctl(PR_SET_NAME, "mxrt-execer");
	std::printf("mxrt-execer %ld\n", long(syscall(SYS_gettid)));
	std::fflush(stdout);
	WaitForGo();
	execlp("sleep", "sleep", "2", static_cast<char *>(nullptr));
	std::fprintf(stderr, "mxrt-lat-workload: exec: %s\n", std::strerror(errno));
	std::exit(3);
}

int ExecFromThread() {
	std::printf("main %ld\n", long(getpid()));
	std::fflush(stdout);
	pthread_t th;
	pthread_create(&th, nullptr, Execer, nullptr);
	pthread_join(th, nullptr); // never returns: the exec ends this thread
	return 3;
}

int Zombie() {
	const pid_t child = fork();
	if (child < 0)
		return 3;
	if (child == 0)
		_exit(0);
	siginfo_t si;
	if (waitid(P_PID, child, &si, WEXITED | WNOWAIT) != 0) // exited, still a zombie
		return 3;
	std::printf("zombie %ld\n", long(child));
	std::fflush(stdout);
	WaitForGo();
	if (waitpid(child, nullptr, 0) != child)
		return 3;
	std::printf("reaped %ld\n", long(child));
	return 0;
}

int UringThread() {
	std::printf("main %ld\n", long(getpid()));
	std::fflush(stdout);
	WaitForGo();
	io_uring_params p{};
	p.flags = IORING_SETUP_SQPOLL;
	p.sq_thread_idle = 60'000; // ms: the thread stays for the test
	const long fd = syscall(__NR_io_uring_setup, 4, &p);
	if (fd < 0) {
		std::fprintf(stderr, "mxrt-lat-workload: io_uring_setup: %s\n", std::strerror(errno));
		return 3;
	}
	std::printf("sqpoll ready\n");
	std::fflush(stdout);
	for (;;)
		pause();
}

// -T N: N short threads one after another (each sleeps 20 ms, 400 ms apart, so the tracer's report
// pass runs between them), as a server that makes a thread per request: each new one must find a
// slot in a table that its finished predecessors would fill.
void *ShortThread(void *) {
	usleep(20000);
	return nullptr;
}

int ThreadChurn(long n) {
	std::printf("main %ld\n", long(getpid()));
	std::fflush(stdout);
	for (long i = 0; i < n; i++) {
		pthread_t th;
		if (pthread_create(&th, nullptr, ShortThread, nullptr) != 0) {
			std::perror("pthread_create");
			return 1;
		}
		pthread_join(th, nullptr);
		usleep(400000);
	}
	std::printf("threads %ld done\n", n);
	return 0;
}

int Usage() {
	std::fprintf(stderr, "usage: mxrt-lat-workload [-c CYCLES] [-k EVERY] [-p PERIOD_MS] [-H HOG_MS] "
			     "[-o OFFSET_MS] [-C CPU] [-g GO_FILE] [-l]\n"
			     "       mxrt-lat-workload -P ROUNDS [-C CPU] [-g GO_FILE]\n"
			     "       mxrt-lat-workload -T THREADS\n"
			     "       mxrt-lat-workload -X|-Z|-U [-g GO_FILE]\n");
	return 2;
}

bool Num(const char *s, long lo, long hi, long *out) {
	char *end;
	errno = 0;
	const long v = std::strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

} // namespace

int main(int argc, char **argv) {
	int c, mode = 0;
	long v, churn = 0;
	while ((c = getopt(argc, argv, "c:k:p:H:o:C:g:lP:XZUT:")) != -1) {
		switch (c) {
		case 'c': if (!Num(optarg, 1, 100000, &v)) return Usage(); cfg.cycles = int(v); break;
		case 'k': if (!Num(optarg, 0, 100000, &v)) return Usage(); cfg.every = int(v); break;
		case 'p': if (!Num(optarg, 1, 10000, &cfg.period_ms)) return Usage(); break;
		case 'H': if (!Num(optarg, 0, 10000, &cfg.hog_ms)) return Usage(); break;
		case 'o': if (!Num(optarg, 0, 10000, &cfg.offset_ms)) return Usage(); break;
		case 'C': if (!Num(optarg, 0, 1023, &v)) return Usage(); cfg.cpu = int(v); break;
		case 'g': cfg.go = optarg; break;
		case 'l': cfg.late = true; break;
		case 'P': if (!Num(optarg, 1, 100000000, &rounds)) return Usage(); break;
		case 'X': case 'Z': case 'U': mode = c; break;
		case 'T': if (!Num(optarg, 1, 10000, &churn)) return Usage(); break;
		default: return Usage();
		}
	}
	// a hog must end before the next hogged cycle's, and start after the previous wake-up
	if (optind != argc || (cfg.every > 0 && cfg.hog_ms >= cfg.period_ms * cfg.every) ||
	    cfg.offset_ms >= cfg.period_ms)
		return Usage();
	if (churn > 0)
		return ThreadChurn(churn);
	if (rounds > 0)
		return PingPong();
	if (mode == 'X')
		return ExecFromThread();
	if (mode == 'Z')
		return Zombie();
	if (mode == 'U')
		return UringThread();
	lat_ns.assign(cfg.cycles, 0);
	std::printf("main %ld\n", long(getpid()));
	std::fflush(stdout);
	pthread_barrier_init(&ready, nullptr, 3);
	if (cfg.late)
		WaitForGo();
	pthread_t v_th, h_th;
	pthread_create(&v_th, nullptr, Victim, nullptr);
	pthread_create(&h_th, nullptr, Hog, nullptr);
	if (!cfg.late)
		WaitForGo();
	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_barrier_wait(&ready);
	pthread_join(v_th, nullptr);
	pthread_join(h_th, nullptr);
	int hogged = 0;
	long long worst_free = 0;
	for (int i = 0; i < cfg.cycles; i++) {
		std::printf("cycle %d %s %lld\n", i, Hogged(i) ? "hogged" : "free", lat_ns[i]);
		if (Hogged(i))
			hogged++;
		else if (lat_ns[i] > worst_free)
			worst_free = lat_ns[i];
	}
	std::printf("summary cycles=%d hogged=%d expected_min_ns=%lld worst_free_ns=%lld hog_extended=%d\n",
		    cfg.cycles, hogged, (cfg.hog_ms - cfg.offset_ms) * 1000000ll, worst_free, hog_extended);
	return 0;
}
