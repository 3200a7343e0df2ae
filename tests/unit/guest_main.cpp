// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (static Google Test binary). main() with the guest's default test filter:
// the guests are emulated (TCG), so the slowest host-only tests are left out unless --gtest_filter
// is given explicitly.
#include <gtest/gtest.h>

#include <cstring>

int main(int argc, char **argv) {
	bool has_filter = false;
	for (int i = 1; i < argc; i++)
		has_filter |= std::strncmp(argv[i], "--gtest_filter", 14) == 0;
	if (!has_filter)
		::testing::GTEST_FLAG(filter) = MXRT_GUEST_FILTER;
	::testing::InitGoogleTest(&argc, argv);
	return RUN_ALL_TESTS();
}
