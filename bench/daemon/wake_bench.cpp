// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (bench/guest/50-mxrtd-latency.sh). mxrt-wake-bench: how late a consumer
// wakes up after a sample's interrupt, for every way a program can wait for MAX30102 samples, all in
// one run over the same samples, each in its own thread at the same SCHED_FIFO priority:
//   futex_waitv   N consumers of mxrtd's shared ring, asleep in futex_waitv on the segment's
//                 samples and state words (the daemon's fan-out: one FUTEX_WAKE wakes them all)
//   poll          poll() on its own open file of the device, then a non-blocking read()
//   read          a blocking read() on its own open file
//   io_uring      IORING_OP_READ_FIXED on its own open file (blocking, no O_NONBLOCK: the driver's
//                 FMODE_NOWAIT path), one read in flight, waiting in io_uring_enter
//   io_uring_iowq the same with IOSQE_ASYNC: every read handed to an io-wq worker that blocks in the
//                 driver, as io_uring did with a driver without FMODE_NOWAIT
// The delay of a wake-up is the time from the interrupt (the timestamp of the record flagged
// MXRT_MAX30102_REC_IRQ: the driver's hard-IRQ time, CLOCK_MONOTONIC) to the consumer running again
// with that record in hand. One line per method: "method=NAME n=N p50_us=.. p99_us=.. max_us=..".
// usage: mxrt-wake-bench [--seconds S] [--priority P] [--fanout N] [--cpus LIST] DEVICE
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <liburing.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <string>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mxrtd/futex.hpp>
#include <mxrtd/sched.hpp>
#include <mxrtd/shm.hpp>

using namespace mxrtd;

namespace {

std::atomic<bool> g_stop{false};

std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

struct Method {
	std::string name;
	std::vector<std::uint64_t> lat; // ns, reserved up front (memory is locked)
	std::string error;
	void Take(const Record *r, std::uint32_t n, std::uint64_t now) {
		for (std::uint32_t i = 0; i < n; i++)
			if ((r[i].flags & MXRT_MAX30102_REC_IRQ) && now > r[i].timestamp_ns && lat.size() < lat.capacity())
				lat.push_back(now - r[i].timestamp_ns);
	}
};

cpu_set_t g_cpus;
int g_prio = 40;

void Setup() {
	sched_setaffinity(0, sizeof(g_cpus), &g_cpus);
	sched_param sp{};
	sp.sched_priority = g_prio;
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		std::fprintf(stderr, "mxrt-wake-bench: SCHED_FIFO %d: %s\n", g_prio, std::strerror(errno));
}

int OpenDev(const char *dev, int flags, Method *m) {
	const int fd = open(dev, O_RDONLY | O_CLOEXEC | flags);
	if (fd < 0)
		m->error = std::string("open: ") + std::strerror(errno);
	return fd;
}

void Futex(const mxrtd_shm *shm, Method *m) {
	Setup();
	RingCursor c = RingCursor::AtHead(shm);
	const std::uint32_t *words[2] = {&shm->events.samples.value, &shm->events.state.value};
	Record buf[64];
	while (!g_stop.load(std::memory_order_relaxed)) {
		const std::uint32_t seen[2] = {LoadWord(words[0]), LoadWord(words[1])};
		if (seen[1] == MXRTD_STATE_STOPPED) {
			m->error = "the daemon stopped";
			return;
		}
		if (ReadRing(shm, &c, buf, 64) > 0) // caught up before sleeping
			continue;
		WaitAny(words, seen, 2, nullptr);
		const std::uint64_t now = NowNs();
		std::uint32_t n;
		while ((n = ReadRing(shm, &c, buf, 64)) > 0)
			m->Take(buf, n, now);
	}
}

void Poll(const char *dev, Method *m) {
	Setup();
	const int fd = OpenDev(dev, O_NONBLOCK, m);
	if (fd < 0)
		return;
	Record buf[64];
	while (read(fd, buf, sizeof(buf)) > 0) { // start from now
	}
	pollfd p{fd, POLLIN, 0};
	while (!g_stop.load(std::memory_order_relaxed)) {
		if (poll(&p, 1, 1000) <= 0)
			continue;
		const std::uint64_t now = NowNs();
		ssize_t n;
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			m->Take(buf, std::uint32_t(std::size_t(n) / sizeof(Record)), now);
	}
	close(fd);
}

void Read(const char *dev, Method *m) {
	Setup();
	const int fd = OpenDev(dev, 0, m);
	if (fd < 0)
		return;
	Record buf[64];
	bool first = true;
	while (!g_stop.load(std::memory_order_relaxed)) {
		const ssize_t n = read(fd, buf, sizeof(buf));
		const std::uint64_t now = NowNs();
		if (n <= 0)
			break;
		if (!first) // the first read returns what was there already
			m->Take(buf, std::uint32_t(std::size_t(n) / sizeof(Record)), now);
		first = false;
	}
	close(fd);
}

void Uring(const char *dev, bool async, Method *m) {
	Setup();
	const int fd = OpenDev(dev, 0, m);
	if (fd < 0)
		return;
	io_uring ring;
	int e = io_uring_queue_init(4, &ring, 0);
	static thread_local Record buf[64];
	iovec iov{buf, sizeof(buf)};
	if (e == 0)
		e = io_uring_register_buffers(&ring, &iov, 1);
	if (e != 0) {
		m->error = std::string("io_uring: ") + std::strerror(-e);
		close(fd);
		return;
	}
	bool first = true;
	while (!g_stop.load(std::memory_order_relaxed)) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read_fixed(sqe, fd, buf, sizeof(buf), std::uint64_t(-1), 0);
		if (async)
			sqe->flags |= IOSQE_ASYNC;
		io_uring_cqe *cqe;
		e = io_uring_submit_and_wait(&ring, 1);
		const std::uint64_t now = NowNs();
		if (e < 0 || io_uring_peek_cqe(&ring, &cqe) != 0) {
			m->error = std::string("io_uring_enter: ") + std::strerror(-e);
			break;
		}
		const int res = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		if (res < 0) {
			m->error = std::string("read: ") + std::strerror(-res);
			break;
		}
		if (!first)
			m->Take(buf, std::uint32_t(res / int(sizeof(Record))), now);
		first = false;
	}
	io_uring_queue_exit(&ring);
	close(fd);
}

double At(std::vector<std::uint64_t> &v, unsigned permille) {
	return v[std::min(v.size() - 1, v.size() * permille / 1000)] / 1000.0;
}

} // namespace

int main(int argc, char **argv) {
	int seconds = 30, fanout = 2;
	const char *dev = nullptr, *prefix = MXRTD_SHM_PREFIX;
	std::string cpus;
	for (int i = 1; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "--seconds" && i + 1 < argc)
			seconds = std::atoi(argv[++i]);
		else if (a == "--priority" && i + 1 < argc)
			g_prio = std::atoi(argv[++i]);
		else if (a == "--fanout" && i + 1 < argc)
			fanout = std::atoi(argv[++i]);
		else if (a == "--cpus" && i + 1 < argc)
			cpus = argv[++i];
		else if (a == "--prefix" && i + 1 < argc)
			prefix = argv[++i];
		else if (a[0] != '-' && !dev)
			dev = argv[i];
		else {
			std::fprintf(stderr, "usage: mxrt-wake-bench [--seconds S] [--priority P] [--fanout N] [--cpus 0,1] DEVICE\n");
			return 2;
		}
	}
	if (!dev || seconds < 1 || fanout < 1 || fanout > 16 || g_prio < 1 || g_prio > 99) {
		std::fprintf(stderr, "usage: mxrt-wake-bench [--seconds S] [--priority P] [--fanout N] [--cpus 0,1] DEVICE\n");
		return 2;
	}
	CPU_ZERO(&g_cpus);
	if (cpus.empty()) {
		sched_getaffinity(0, sizeof(g_cpus), &g_cpus);
	} else {
		for (std::size_t p = 0; p < cpus.size();) {
			CPU_SET(std::atoi(cpus.c_str() + p), &g_cpus);
			p = cpus.find(',', p);
			p = p == std::string::npos ? cpus.size() : p + 1;
		}
	}
	int err = 0;
	Segment seg = Segment::Open(ShmNameFor(prefix, dev), &err);
	if (err != 0) {
		std::fprintf(stderr, "mxrt-wake-bench: the daemon's segment for %s: %s\n", dev, std::strerror(-err));
		return 1;
	}
	// the daemon's small stacks: 8 MiB ones, locked whole as each thread starts, stall the machine
	// while the first readers already measure (docs/daemon.md, "Memory")
	if (const int r = SetThreadStacks())
		std::fprintf(stderr, "mxrt-wake-bench: thread stacks: %s\n", std::strerror(-r));
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		std::fprintf(stderr, "mxrt-wake-bench: mlockall: %s\n", std::strerror(errno));
	std::vector<Method> m(4 + std::size_t(fanout));
	const std::size_t cap = std::size_t(seconds) * 3200 + 1024; // at most one IRQ record per sample
	for (auto &x : m)
		x.lat.reserve(cap);
	std::vector<std::thread> ts;
	for (int k = 0; k < fanout; k++) {
		m[std::size_t(4 + k)].name = "futex_waitv";
		ts.emplace_back(Futex, seg.shm(), &m[std::size_t(4 + k)]);
	}
	m[0].name = "poll";
	ts.emplace_back(Poll, dev, &m[0]);
	m[1].name = "read";
	ts.emplace_back(Read, dev, &m[1]);
	m[2].name = "io_uring";
	ts.emplace_back(Uring, dev, false, &m[2]);
	m[3].name = "io_uring_iowq";
	ts.emplace_back(Uring, dev, true, &m[3]);
	sleep(unsigned(seconds));
	g_stop.store(true, std::memory_order_relaxed);
	for (auto &t : ts)
		t.join();
	// the futex_waitv consumers as one distribution (every consumer's every wake-up)
	Method fan{"futex_waitv", {}, {}};
	for (int k = 0; k < fanout; k++) {
		auto &l = m[std::size_t(4 + k)].lat;
		fan.lat.insert(fan.lat.end(), l.begin(), l.end());
		if (!m[std::size_t(4 + k)].error.empty())
			fan.error = m[std::size_t(4 + k)].error;
	}
	m.resize(4);
	m.insert(m.begin(), fan);
	int rc = 0;
	for (Method &x : m) {
		if (x.lat.empty()) {
			std::printf("method=%s n=0 error=%s\n", x.name.c_str(), x.error.empty() ? "no wake-up" : x.error.c_str());
			rc = 1;
			continue;
		}
		std::sort(x.lat.begin(), x.lat.end());
		std::printf("method=%s n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f%s%s\n", x.name.c_str(), x.lat.size(), At(x.lat, 500),
			    At(x.lat, 990), x.lat.back() / 1000.0, x.error.empty() ? "" : " error=", x.error.c_str());
	}
	std::printf("fanout=%d priority=%d seconds=%d\n", fanout, g_prio, seconds);
	return rc;
}
