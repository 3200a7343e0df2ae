// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, the command-line tools that parse numbers with CLI11 (user/*/). The two
// number checks those tools share, so that each refuses the same things the same way:
//   Decimal        decimal digits only (no sign, blank, base prefix), min..max, overflow included
//   FiniteNumber   a CLI11 validator for a finite number in a range: CLI11's Range, PositiveNumber
//                  and NonNegativeNumber let NaN through (every comparison with it is false), and
//                  int(NaN) or a double beyond a u64 converted to one is undefined
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
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

// A finite number above lo (lo_open) or from lo, and at most hi. A refused value gets
// "'<value>' is not <what> in <range>"; description is what --help shows.
inline CLI::Validator FiniteNumber(double lo, bool lo_open, double hi, const std::string &what, const std::string &range,
				   const std::string &description) {
	return CLI::Validator(
		[lo, lo_open, hi, message = " is not " + what + " in " + range](std::string &s) -> std::string {
			char *end = nullptr;
			errno = 0;
			const double v = std::strtod(s.c_str(), &end);
			const bool low_ok = lo_open ? v > lo : v >= lo;
			if (!s.empty() && *end == '\0' && errno == 0 && low_ok && v <= hi)
				return {};
			return "'" + s + "'" + message;
		},
		description);
}

} // namespace mxrt::cli
