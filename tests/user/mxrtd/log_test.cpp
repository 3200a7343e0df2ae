// SPDX-License-Identifier: GPL-2.0
//
// Runs on: the build host (Google Test). mxrtd's log once its writer thread runs: a stderr nobody
// drains (a paused pager, a stalled journal) must not block the callers (the real-time threads,
// and the main thread's stop), and what does not fit is dropped, counted and said, not lost
// without a word; with the reader back, the lines come out whole and in order.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <sstream>
#include <string>
#include <thread>

#include <mxrtd/log.hpp>

namespace {

using namespace mxrtd;

// stderr replaced by a pipe for the test's length (restored after, also when it fails)
struct StderrPipe {
	StderrPipe() {
		if (pipe2(fds, O_CLOEXEC) != 0)
			return;
		saved = dup(STDERR_FILENO);
		ok = saved >= 0 && dup2(fds[1], STDERR_FILENO) == STDERR_FILENO;
	}
	~StderrPipe() {
		if (saved >= 0) {
			dup2(saved, STDERR_FILENO);
			close(saved);
		}
		close(fds[0]);
		close(fds[1]);
	}
	// everything in the pipe now, without waiting for more
	std::string Drain() {
		std::string out;
		const int fl = fcntl(fds[0], F_GETFL);
		fcntl(fds[0], F_SETFL, fl | O_NONBLOCK);
		char buf[65536];
		for (ssize_t n; (n = read(fds[0], buf, sizeof(buf))) > 0;)
			out.append(buf, std::size_t(n));
		fcntl(fds[0], F_SETFL, fl);
		return out;
	}
	int fds[2] = {-1, -1};
	int saved = -1;
	bool ok = false;
};

TEST(MxrtdLog, AStderrNobodyReadsBlocksNoCallerAndTheDroppedLinesAreSaid) {
	StderrPipe err;
	ASSERT_TRUE(err.ok);
	LogInit(LogTarget::kStderr, LogLevel::kInfo);
	ASSERT_EQ(LogStartWriter(), 0);
	// 2000 lines of about 500 bytes: 1 MB, far more than a pipe holds (64 KiB)
	const std::string pad(480, 'x');
	auto caller = std::async(std::launch::async, [&] {
		for (int i = 0; i < 2000; i++)
			LOG_I("line %d %s", i, pad.c_str());
	});
	// Not a timing goal: a caller that writes itself blocks for ever on the full pipe (until it is
	// drained below), and 30 s is far beyond any machine's time for 2000 copies.
	const bool returned = caller.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
	std::string out;
	while (caller.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready)
		out += err.Drain(); // unblock a caller that writes itself, so that the test ends
	EXPECT_TRUE(returned) << "a caller waited for the stderr nobody read";
	// The reader reads a little (about 40 lines' worth): the writer makes room in the queue, which
	// is still far from empty, and three more lines come: the notice of the drop goes before them,
	// where the lines are missing, not after whatever comes until the queue empties.
	{
		char buf[20000];
		std::size_t got = 0;
		while (got < sizeof(buf)) {
			const ssize_t n = read(err.fds[0], buf + got, sizeof(buf) - got);
			if (n <= 0)
				break;
			got += std::size_t(n);
		}
		out.append(buf, got);
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	for (int i = 2000; i < 2003; i++)
		LOG_I("line %d %s", i, pad.c_str());
	// the reader comes back: the queue is written out, the drop said
	for (int i = 0; i < 500; i++) {
		out += err.Drain();
		if (out.find("log lines dropped") != std::string::npos)
			break;
		std::this_thread::sleep_for(std::chrono::milliseconds(10));
	}
	std::promise<bool> stopped;
	std::thread stopper([&] { stopped.set_value(LogStopWriter(20000)); });
	auto done = stopped.get_future();
	while (done.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready)
		out += err.Drain();
	stopper.join();
	out += err.Drain();
	EXPECT_TRUE(done.get());
	// every line whole ("mxrtd: line N xxx...\n"), in order, each N once; the missing ones counted
	// by a notice exactly where they are missing: the line after a notice of d is d further on
	std::istringstream lines(out);
	int next = 0, seen = 0;
	unsigned long long dropped = 0;
	bool in_order = true, whole = true;
	for (std::string l; std::getline(lines, l);) {
		unsigned long long d = 0;
		int n = -1;
		if (std::sscanf(l.c_str(), "mxrtd: warning: %llu log lines dropped", &d) == 1) {
			dropped += d;
			next += int(d);
			continue;
		}
		if (std::sscanf(l.c_str(), "mxrtd: line %d ", &n) != 1 || l.size() != std::string("mxrtd: line  ").size() +
											   std::to_string(n).size() + pad.size()) {
			whole = false;
			continue;
		}
		if (n != next)
			ADD_FAILURE() << "line " << n << " where line " << next << " was due (a drop said elsewhere?)";
		in_order &= n == next;
		next = n + 1;
		seen++;
	}
	EXPECT_EQ(next, 2003) << "the last line, or the notice of the last drop";
	EXPECT_TRUE(whole);
	EXPECT_TRUE(in_order);
	EXPECT_GT(dropped, 0u) << "the pipe and the queue cannot hold 1 MB";
	EXPECT_EQ(seen + dropped, 2003u) << "every line written or counted as dropped";
	// after the stop, callers write themselves again
	LOG_I("after the stop");
	EXPECT_NE(err.Drain().find("mxrtd: after the stop\n"), std::string::npos);
}

} // namespace
