// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (also under TSan). The futex_waitv wrapper and its single-word fallback:
// an outdated expected value returns at once, a timeout times out, a wake names the word that
// was woken, one bump wakes every waiter (the fan-out the daemon's consumers rely on), and a wake
// reaches a waiter in another process through a shared mapping.
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <fstream>
#include <string>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include <mxrtd/futex.hpp>

namespace mxrtd {
namespace {

timespec In(long ms) { return AbsoluteIn(CLOCK_MONOTONIC, std::uint64_t(ms) * 1000000); }

// Whether thread tid sleeps (state S in /proc): then it is in the futex call.
bool Sleeping(pid_t tid) {
	std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
	std::string s;
	std::getline(in, s);
	const std::size_t p = s.rfind(')');
	return p != std::string::npos && p + 2 < s.size() && s[p + 2] == 'S';
}

void WaitUntilSleeping(pid_t tid) {
	for (int i = 0; i < 5000 && !Sleeping(tid); i++)
		usleep(1000);
}

class MxrtdFutex : public ::testing::Test {
protected:
	void SetUp() override {
		if (ProbeFutexWaitv() == -ENOSYS)
			GTEST_SKIP() << "this kernel has no futex_waitv (older than 5.16)";
	}
	alignas(64) std::uint32_t w_[4] = {0, 0, 0, 0};
	const std::uint32_t *words_[4] = {&w_[0], &w_[1], &w_[2], &w_[3]};
};

// A whole second and the nanoseconds past it carry into tv_sec, and tv_nsec stays below 1e9.
TEST(MxrtdAbsoluteIn, CarriesIntoTheSeconds) {
	for (const std::uint64_t ns : {0ull, 999999999ull, 1000000000ull, 2500000001ull}) {
		timespec before;
		clock_gettime(CLOCK_MONOTONIC, &before);
		const timespec t = AbsoluteIn(CLOCK_MONOTONIC, ns);
		timespec after;
		clock_gettime(CLOCK_MONOTONIC, &after);
		auto at = [](const timespec &x) { return std::uint64_t(x.tv_sec) * 1000000000u + std::uint64_t(x.tv_nsec); };
		EXPECT_GE(t.tv_nsec, 0) << ns;
		EXPECT_LT(t.tv_nsec, 1000000000) << ns;
		EXPECT_GE(at(t), at(before) + ns) << ns;
		EXPECT_LE(at(t), at(after) + ns) << ns;
	}
}

TEST_F(MxrtdFutex, AnOutdatedValueReturnsAtOnce) {
	const std::uint32_t expected[4] = {0, 0, 7, 0}; // w_[2] is 0, not 7
	const timespec t = In(5000);
	const WaitResult r = WaitAny(words_, expected, 4, &t);
	EXPECT_EQ(r.error, -EAGAIN);
	EXPECT_EQ(WaitOne(&w_[0], 1, &t).error, -EAGAIN);
}

TEST_F(MxrtdFutex, TimesOut) {
	const std::uint32_t expected[4] = {0, 0, 0, 0};
	const timespec t = In(20);
	EXPECT_EQ(WaitAny(words_, expected, 4, &t).error, -ETIMEDOUT);
	const timespec t2 = In(20);
	EXPECT_EQ(WaitOne(&w_[1], 0, &t2).error, -ETIMEDOUT);
}

TEST_F(MxrtdFutex, RefusesNoWordsAndTooMany) {
	std::uint32_t e = 0;
	EXPECT_EQ(WaitAny(words_, &e, 0, nullptr).error, -EINVAL);
	std::vector<const std::uint32_t *> many(129, &w_[0]);
	std::vector<std::uint32_t> ex(129, 0);
	EXPECT_EQ(WaitAny(many.data(), ex.data(), 129, nullptr).error, -EINVAL);
}

TEST_F(MxrtdFutex, AWakeNamesTheWord) {
	for (int word = 0; word < 4; word++) {
		std::atomic<pid_t> tid{0};
		WaitResult got;
		std::uint32_t expected[4];
		for (int i = 0; i < 4; i++)
			expected[i] = LoadWord(&w_[i]);
		std::thread t([&] {
			tid.store(pid_t(syscall(SYS_gettid)));
			const timespec to = In(10000);
			got = WaitAny(words_, expected, 4, &to);
		});
		while (tid.load() == 0)
			usleep(100);
		WaitUntilSleeping(tid.load());
		EXPECT_GE(Bump(&w_[word]), 0);
		t.join();
		// woken on that word (or, had it not slept yet, told that a word moved)
		EXPECT_TRUE(got.woken == word || got.error == -EAGAIN) << "word " << word << ": " << got.woken << " " << got.error;
		EXPECT_NE(got.error, -ETIMEDOUT);
	}
}

TEST_F(MxrtdFutex, OneBumpWakesEveryWaiter) {
	constexpr int kWaiters = 8;
	std::atomic<int> woken{0};
	std::vector<std::thread> ts;
	std::vector<std::atomic<pid_t>> tids(kWaiters);
	const std::uint32_t start[2] = {LoadWord(&w_[0]), LoadWord(&w_[3])};
	for (int i = 0; i < kWaiters; i++) {
		ts.emplace_back([&, i] {
			tids[i].store(pid_t(syscall(SYS_gettid)));
			const std::uint32_t *ws[2] = {&w_[0], &w_[3]};
			// as a consumer does: sleep until a word moved from what it saw first
			while (LoadWord(&w_[3]) == start[1]) {
				const timespec to = In(10000);
				const WaitResult r = WaitAny(ws, start, 2, &to);
				if (r.error == -ETIMEDOUT)
					return;
			}
			woken.fetch_add(1);
		});
	}
	for (auto &t : tids) {
		while (t.load() == 0)
			usleep(100);
		WaitUntilSleeping(t.load());
	}
	EXPECT_GE(Bump(&w_[3]), 0); // one bump, one FUTEX_WAKE for all
	for (auto &t : ts)
		t.join();
	EXPECT_EQ(woken.load(), kWaiters);
}

TEST_F(MxrtdFutex, TheFallbackWaitsOnOneWord) {
	std::atomic<pid_t> tid{0};
	WaitResult got;
	const std::uint32_t seen = LoadWord(&w_[2]);
	std::thread t([&] {
		tid.store(pid_t(syscall(SYS_gettid)));
		const timespec to = In(10000);
		got = WaitOne(&w_[2], seen, &to);
	});
	while (tid.load() == 0)
		usleep(100);
	WaitUntilSleeping(tid.load());
	Bump(&w_[2]);
	t.join();
	EXPECT_TRUE(got.woken == 0 || got.error == -EAGAIN) << got.error;
}

TEST_F(MxrtdFutex, AWakeReachesAnotherProcess) {
	// the segment's words are shared futexes: a wake in the daemon reaches consumers elsewhere
	void *p = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	auto *word = static_cast<std::uint32_t *>(p);
	auto *ready = word + 16;
	const pid_t child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		const std::uint32_t *ws[1] = {word};
		const std::uint32_t exp[1] = {0};
		__atomic_store_n(ready, 1u, __ATOMIC_RELEASE);
		const timespec to = In(10000);
		const WaitResult r = WaitAny(ws, exp, 1, &to);
		_exit(r.woken == 0 || r.error == -EAGAIN ? 0 : 1);
	}
	while (__atomic_load_n(ready, __ATOMIC_ACQUIRE) == 0)
		usleep(100);
	usleep(20000);
	Bump(word);
	int status = 0;
	ASSERT_EQ(waitpid(child, &status, 0), child);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
	munmap(p, 4096);
}

} // namespace
} // namespace mxrtd
