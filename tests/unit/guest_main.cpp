// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (static Google Test binary). main() with the guest's default test filter:
// the guests are emulated (TCG), so the slowest host-only tests are left out unless --gtest_filter
// is given explicitly. Every skipped test is also reported to tests/vm/run.sh as a result line of
// its own ("@@MXRT result SKIP ..."), so a skip inside the binary is counted, not hidden in a PASS.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>

namespace {

class SkipReporter : public ::testing::EmptyTestEventListener {
	void OnTestEnd(const ::testing::TestInfo &info) override {
		const ::testing::TestResult *r = info.result();
		if (!r->Skipped())
			return;
		const char *why = "";
		for (int i = 0; i < r->total_part_count(); i++)
			if (r->GetTestPartResult(i).skipped())
				why = r->GetTestPartResult(i).message();
		// one line: the marker parser reads up to the newline
		char msg[160];
		std::snprintf(msg, sizeof(msg), "%s", why);
		for (char *p = msg; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
		std::printf("@@MXRT result SKIP gtest:%s.%s (%s)\n", info.test_suite_name(), info.name(), msg);
		std::fflush(stdout);
	}
};

} // namespace

int main(int argc, char **argv) {
	bool has_filter = false;
	for (int i = 1; i < argc; i++)
		has_filter |= std::strncmp(argv[i], "--gtest_filter", 14) == 0;
	if (!has_filter)
		::testing::GTEST_FLAG(filter) = MXRT_GUEST_FILTER;
	::testing::InitGoogleTest(&argc, argv);
	::testing::UnitTest::GetInstance()->listeners().Append(new SkipReporter);
	return RUN_ALL_TESTS();
}
