// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (tests/vm/guest/40-mxrtd.sh). mxrt-stall-meter: whether the emulated machine
// stood still. One SCHED_FIFO 99 thread per CPU, pinned, sleeps 1 ms at a time (clock_nanosleep,
// absolute) for SECONDS and records how late each wake-up was. Nothing in the guest preempts it for
// long (only SCHED_DEADLINE tasks, within their runtime), so a wake-up late by more than a few ms
// means the host did not run the virtual CPU: a stall of the machine, not of the software in it.
// Several short stalls close together hurt a FIFO as much as one long one, so it also sums, per
// CPU, the time stood still within any WINDOW_MS (default 32: the sensor's FIFO at 1 kHz).
// Prints "stall_max_us=N late_over_10ms=N wakeups=N stall_window_us=N window_ms=N", and on stderr
// each stall longer than 20 ms as it ends: its CPU, length and end (CLOCK_MONOTONIC). SECONDS 0:
// until SIGTERM or SIGINT (then it prints its figures and exits 0), to cover a span whose end
// the caller only knows when it comes.
// usage: mxrt-stall-meter SECONDS [WINDOW_MS]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <deque>
#include <utility>
#include <csignal>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {
std::atomic<bool> stop{false};
void Stop(int) { stop.store(true); } // lock-free: safe in a handler
} // namespace

int main(int argc, char **argv) {
	const long secs = argc > 1 ? std::atol(argv[1]) : 10;
	const long long window = (argc > 2 ? std::atol(argv[2]) : 32) * 1000000ll;
	const int cpus = int(sysconf(_SC_NPROCESSORS_ONLN));
	std::atomic<long long> worst{0}, over{0}, wakeups{0}, worst_window{0};
	std::vector<std::thread> ts;
	static_assert(std::atomic<bool>::is_always_lock_free);
	std::signal(SIGTERM, Stop);
	std::signal(SIGINT, Stop);
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
			long long w = 0, o = 0, n = 0, ww = 0;
			std::deque<std::pair<long long, long long>> stalls; // [expected, woke) in the last window
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
				if (late > 1000000) { // a stall: sum those within the window that ends now
					const long long woke = now.tv_sec * 1000000000ll + now.tv_nsec;
					if (late > 20000000) // when and where, to look it up (a trace, the kernel log)
						std::fprintf(stderr, "mxrt-stall-meter: CPU %d stood still %lld us, until %lld.%06lld s (CLOCK_MONOTONIC)\n",
							     c, late / 1000, woke / 1000000000, woke % 1000000000 / 1000);
					stalls.emplace_back(woke - late, woke);
					while (stalls.front().second <= woke - window)
						stalls.pop_front();
					long long sum = 0;
					for (const auto &[from, to] : stalls)
						sum += to - std::max(from, woke - window);
					ww = std::max(ww, sum);
					t = now; // start again from now instead of catching up
				}
				if ((secs > 0 && now.tv_sec * 1000000000ll + now.tv_nsec >= end) || stop.load())
					break;
			}
			long long cur = worst.load();
			while (w > cur && !worst.compare_exchange_weak(cur, w)) {
			}
			cur = worst_window.load();
			while (ww > cur && !worst_window.compare_exchange_weak(cur, ww)) {
			}
			over += o;
			wakeups += n;
		});
	}
	for (auto &t : ts)
		t.join();
	std::printf("stall_max_us=%lld late_over_10ms=%lld wakeups=%lld stall_window_us=%lld window_ms=%lld\n",
		    worst.load() / 1000, over.load(), wakeups.load(), worst_window.load() / 1000, window / 1000000);
	return 0;
}
