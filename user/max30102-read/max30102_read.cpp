// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, and the VM guests' tests). mxrt-max30102-read: reads records from
// /dev/max30102-N and checks what the driver promises: every record intact and, between two
// records, b.seq == a.seq + 1 + b.lost, with lost > 0 only when flagged.
//
// usage: mxrt-max30102-read [-n RECORDS] [-s STALL_MS] [-b BATCH] [-N] [-v] [-l] [-p PRIO] [-c CPU] DEVICE
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
// Prints one summary line: records=.. first_seq=.. last_seq=.. lost=.. reader_overruns=..
// fifo_overflows=.. violations=.. rate_hz=..  Exit: 0 ok, 1 a violation or read error, 2 usage,
// 3 the scheduling request (-p, -c) was refused.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <algorithm>
#include <getopt.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>
#include <vector>

#include <mxrt/max30102.h>

namespace {

[[noreturn]] void Usage(const char *why) {
	std::fprintf(stderr, "mxrt-max30102-read: %s\nusage: mxrt-max30102-read [-n RECORDS] [-s STALL_MS] [-b BATCH] [-N] [-v] [-l] [-p PRIO] [-c CPU] DEVICE\n", why);
	std::exit(2);
}

long Number(const char *s, long min, long max, const char *what) {
	char *end;
	errno = 0;
	long v = std::strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		char msg[128];
		std::snprintf(msg, sizeof(msg), "%s must be a number in [%ld, %ld], not '%s'", what, min, max, s);
		Usage(msg);
	}
	return v;
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

} // namespace

int main(int argc, char **argv) {
	long want = 1000, stall_ms = 0, batch = 16;
	long prio = 0, cpu = -1;
	bool nonblock = false, verbose = false, latency = false;
	for (int c; (c = getopt(argc, argv, "n:s:b:Nvlp:c:h")) != -1;) {
		switch (c) {
		case 'n': want = Number(optarg, 1, 100'000'000, "-n"); break;
		case 's': stall_ms = Number(optarg, 0, 3'600'000, "-s"); break;
		case 'b': batch = Number(optarg, 1, 4096, "-b"); break;
		case 'N': nonblock = true; break;
		case 'v': verbose = true; break;
		case 'l': latency = true; break;
		case 'p': prio = Number(optarg, 1, 99, "-p"); break;
		case 'c': cpu = Number(optarg, 0, CPU_SETSIZE - 1, "-c"); break;
		case 'h': Usage("help");
		default: Usage("unknown option");
		}
	}
	if (optind + 1 != argc)
		Usage("one DEVICE expected");
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
	std::vector<mxrt_max30102_record> buf(batch);
	long got = 0, violations = 0, overruns = 0, overflows = 0;
	unsigned long long lost = 0, first = 0, last = 0;
	double t0 = 0, t1 = 0;
	std::vector<unsigned long long> lat;
	if (latency)
		lat.reserve(std::min(want, 1'000'000L));
	int rc = 0;
	while (got < want) {
		ssize_t n = read(fd, buf.data(), buf.size() * sizeof(buf[0]));
		if (n < 0 && errno == EAGAIN) {
			pollfd p{fd, POLLIN, 0};
			if (poll(&p, 1, 5000) <= 0 || (p.revents & (POLLERR | POLLHUP))) {
				std::fprintf(stderr, "mxrt-max30102-read: poll: no data (revents %#x)\n", p.revents);
				rc = 1;
				break;
			}
			continue;
		}
		if (n <= 0) {
			std::fprintf(stderr, "mxrt-max30102-read: read: %s\n", n ? std::strerror(errno) : "end of file");
			rc = 1;
			break;
		}
		const unsigned long long returned = NowNs();
		if (n % sizeof(buf[0])) {
			std::fprintf(stderr, "mxrt-max30102-read: read returned %zd bytes, not whole records\n", n);
			violations++;
		}
		for (size_t i = 0; i < size_t(n) / sizeof(buf[0]) && got < want; i++) {
			const mxrt_max30102_record &r = buf[i];
			if (verbose)
				std::printf("%llu %llu red=%u ir=%u flags=%#x lost=%u bits=%u\n", (unsigned long long)r.seq,
					    (unsigned long long)r.timestamp_ns, r.red, r.ir, r.flags, r.lost, r.adc_bits);
			if (got == 0) {
				first = r.seq;
				t0 = Now();
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
			if (latency && (r.flags & MXRT_MAX30102_REC_IRQ) && returned >= r.timestamp_ns)
				lat.push_back(returned - r.timestamp_ns);
			overruns += !!(r.flags & MXRT_MAX30102_REC_READER_OVERRUN);
			overflows += !!(r.flags & MXRT_MAX30102_REC_FIFO_OVERFLOW);
			last = r.seq;
			got++;
			if (got == 1 && stall_ms)
				usleep(stall_ms * 1000);
		}
		t1 = Now();
	}
	std::printf("records=%ld first_seq=%llu last_seq=%llu lost=%llu reader_overruns=%ld fifo_overflows=%ld "
		    "violations=%ld rate_hz=%.1f\n",
		    got, first, last, lost, overruns, overflows, violations,
		    t1 > t0 && got > 1 ? (last - first) / (t1 - t0) : 0.0);
	if (latency)
		PrintLatency(lat);
	close(fd);
	return rc || violations ? 1 : 0;
}
