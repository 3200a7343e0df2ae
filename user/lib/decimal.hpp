// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, every command-line tool that reads a number (user/*/), with CLI11 or
// without it (mxrt-max30102-read parses with getopt). Decimal: decimal digits only (no sign, blank
// or base prefix), min..max, a value that does not fit 64 bits refused. strtol alone takes " 5",
// "+5" and "-0", and strtoul turns "-1" into its largest value.
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <string>

namespace mxrt::cli {

// s as decimal digits only, min..max: the value in *v, or false (a value that does not fit 64 bits
// included). The way the tracer's ParseU64 and the driver read numbers.
inline bool Decimal(const std::string &s, unsigned long long min, unsigned long long max, unsigned long long *v) {
	if (s.empty())
		return false;
	unsigned long long x = 0;
	for (const char c : s) {
		if (c < '0' || c > '9')
			return false;
		const unsigned d = unsigned(c - '0');
		if (x > (~0ull - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (x < min || x > max)
		return false;
	*v = x;
	return true;
}

} // namespace mxrt::cli
