// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (skipped under TSan, whose pthread_create needs 1 MiB of stack). The
// daemon's thread stacks: after SetThreadStacks, a thread made the way the daemon makes them
// (std::thread, no attributes) has kThreadStackBytes of stack, not glibc's default of
// RLIMIT_STACK. Under mlockall(MCL_FUTURE) that stack is faulted in whole at creation
// (docs/daemon.md, "Memory").
#include <gtest/gtest.h>

#include <pthread.h>
#include <thread>

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

} // namespace
} // namespace mxrtd
