// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd, mxrt-top). The one platform hook the kernel cores' headers reach
// from user space (kstd::ContractFailed, through chip.hpp's Result): a broken contract is a bug,
// so the program stops with the reason. (The unit tests get theirs from the fake platform.)
#include <cstdio>
#include <cstdlib>

#include <lib/platform/shim.h>

void mxrt_contract_failed(const char *what) noexcept {
	std::fprintf(stderr, "mxrtd: internal error: contract failed: %s\n", what);
	std::abort();
}
