// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (skipped under TSan, whose pthread_create needs 1 MiB of stack). The
// daemon's thread stacks: after SetThreadStacks, a thread made the way the daemon makes them
// (std::thread, no attributes) has kThreadStackBytes of stack, not glibc's default of
// RLIMIT_STACK. Under mlockall(MCL_FUTURE) that stack is faulted in whole at creation
// (docs/daemon.md, "Memory"). CPU affinity: a CPU the kernel would leave out is refused, and
// "not pinned" is the CPUs the daemon started with (a reload that drops `cpus` unpins).
#include <gtest/gtest.h>

#include <cerrno>
#include <pthread.h>
#include <sched.h>
#include <thread>
#include <vector>

#include <mxrtd/sched.hpp>

namespace mxrtd {
namespace {

std::size_t NewThreadStack() {
	std::size_t size = 0;
	std::thread t([&] {
		pthread_attr_t a;
		ASSERT_EQ(pthread_getattr_np(pthread_self(), &a), 0);
		ASSERT_EQ(pthread_attr_getstacksize(&a, &size), 0);
		pthread_attr_destroy(&a);
	});
	t.join();
	return size;
}

TEST(SchedTest, ThreadsMadeAfterSetThreadStacksHaveTheSmallStack) {
#if defined(__SANITIZE_THREAD__)
	GTEST_SKIP() << "ThreadSanitizer's pthread_create refuses stacks under 1 MiB (EINVAL): "
			"the asan and clang builds run this test";
#endif
	const std::size_t before = NewThreadStack();
	if (before <= kThreadStackBytes)
		GTEST_SKIP() << "this process's default stack (RLIMIT_STACK) is " << before
			     << " bytes already, no larger than the daemon's: the two cannot be told apart";
	pthread_attr_t saved; // the process-wide default, given back for the other tests
	ASSERT_EQ(pthread_getattr_default_np(&saved), 0);
	ASSERT_EQ(SetThreadStacks(), 0);
	const std::size_t after = NewThreadStack();
	EXPECT_EQ(pthread_setattr_default_np(&saved), 0);
	pthread_attr_destroy(&saved);
	EXPECT_EQ(after, kThreadStackBytes);
	EXPECT_EQ(NewThreadStack(), before);
}

std::vector<int> Cpus() {
	cpu_set_t set;
	CPU_ZERO(&set);
	EXPECT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
	std::vector<int> v;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			v.push_back(c);
	return v;
}

TEST(SchedTest, AffinityRefusesCpusTheKernelWouldLeaveOutAndEmptyUnpins) {
	std::thread([] { // its own thread: the test process keeps its CPUs
		RememberInheritedAffinity();
		const std::vector<int> start = Cpus();
		ASSERT_FALSE(start.empty());
		const int mine = start.front();
		// CPU 1023 is online on no machine this runs on: the kernel would keep `mine` alone and
		// say nothing (sched_setaffinity succeeds); SetAffinity says EINVAL.
		ASSERT_LT(start.back(), 1023) << "a machine with 1024 CPUs: pick another absent one";
		EXPECT_EQ(SetAffinity({mine, 1023}), -EINVAL);
		EXPECT_EQ(SetAffinity({mine}), 0);
		EXPECT_EQ(Cpus(), std::vector<int>{mine});
		EXPECT_EQ(SetAffinity({}), 0); // not pinned: back to the CPUs at start (it did nothing)
		EXPECT_EQ(Cpus(), start);
		EXPECT_NE(DescribeAffinityRefusal(-EINVAL, {1023}).find("CPUs 1023 refused (Invalid argument)"),
			  std::string::npos);
	}).join();
}

} // namespace
} // namespace mxrtd
