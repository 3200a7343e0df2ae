// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (tests/vm/guest/40-mxrtd.sh). mxrt-stall-meter: whether the emulated machine
// stood still. One SCHED_FIFO 99 thread per CPU, pinned, sleeps 1 ms at a time (clock_nanosleep,
// absolute) for SECONDS and records how late each wake-up was. Nothing in the guest preempts it for
// long (only SCHED_DEADLINE tasks, within their runtime), so a wake-up late by more than a few ms
// means the host did not run the virtual CPU: a stall of the machine, not of the software in it.
// Prints "stall_max_us=N late_over_10ms=N wakeups=N". usage: mxrt-stall-meter SECONDS
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <unistd.h>
#include <vector>

int main(int argc, char **argv) {
	const long secs = argc > 1 ? std::atol(argv[1]) : 10;
	const int cpus = int(sysconf(_SC_NPROCESSORS_ONLN));
	std::atomic<long long> worst{0}, over{0}, wakeups{0};
	std::vector<std::thread> ts;
	for (int c = 0; c < cpus; c++) {
		ts.emplace_back([&, c] {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(c, &set);
			pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
			sched_param sp{};
			sp.sched_priority = 99;
			pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
			timespec t, now;
			clock_gettime(CLOCK_MONOTONIC, &t);
			const long long end = (t.tv_sec + secs) * 1000000000ll + t.tv_nsec;
			long long w = 0, o = 0, n = 0;
			for (;;) {
				t.tv_nsec += 1000000;
				if (t.tv_nsec >= 1000000000) {
					t.tv_sec++;
					t.tv_nsec -= 1000000000;
				}
				clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, nullptr);
				clock_gettime(CLOCK_MONOTONIC, &now);
				const long long late = (now.tv_sec - t.tv_sec) * 1000000000ll + (now.tv_nsec - t.tv_nsec);
				w = std::max(w, late);
				o += late > 10000000;
				n++;
				if (late > 1000000) // after a stall, start again from now instead of catching up
					t = now;
				if (now.tv_sec * 1000000000ll + now.tv_nsec >= end)
					break;
			}
			long long cur = worst.load();
			while (w > cur && !worst.compare_exchange_weak(cur, w)) {
			}
			over += o;
			wakeups += n;
		});
	}
	for (auto &t : ts)
		t.join();
	std::printf("stall_max_us=%lld late_over_10ms=%lld wakeups=%lld\n", worst.load() / 1000, over.load(), wakeups.load());
	return 0;
}
