// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, every command-line tool that reads a number (user/*/), with CLI11 or
// without it (mxrt-max30102-read parses with getopt). Decimal: decimal digits only (no sign, blank
// or base prefix), min..max, a value that does not fit 64 bits refused. strtol alone takes " 5",
// "+5" and "-0", and strtoul turns "-1" into its largest value.
// DecimalReal: a finite number written in decimal ([+-]digits[.digits][e[+-]digits]); strtod also
// takes hex ("0x1p-2"), "inf", "nan" and leading blanks.
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <cerrno>
#include <cmath>
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

// s as a finite decimal number, all of it: [+-] then digits with at most one '.' (a digit on
// either side), then optionally e or E, [+-], digits. The value in *v, or false (also for one that
// overflows a double).
inline bool DecimalReal(const std::string &s, double *v) {
	size_t i = 0, digits = 0;
	auto run = [&] {
		const size_t from = i;
		while (i < s.size() && s[i] >= '0' && s[i] <= '9')
			i++;
		return i - from;
	};
	if (i < s.size() && (s[i] == '+' || s[i] == '-'))
		i++;
	digits = run();
	if (i < s.size() && s[i] == '.') {
		i++;
		digits += run();
	}
	if (digits == 0)
		return false;
	if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < s.size() && (s[i] == '+' || s[i] == '-'))
			i++;
		if (run() == 0)
			return false;
	}
	if (i != s.size())
		return false;
	errno = 0;
	const double x = std::strtod(s.c_str(), nullptr);
	if (errno == ERANGE && std::isinf(x))
		return false;
	if (!std::isfinite(x))
		return false;
	*v = x;
	return true;
}

// s as exactly n DecimalReal numbers separated by sep ("72.5:97" with ':' and 2): into v[0..n-1],
// or false (v left alone).
inline bool DecimalReals(const std::string &s, char sep, size_t n, double *v) {
	double got[8];
	size_t from = 0, i = 0;
	if (n == 0 || n > 8)
		return false;
	for (; i < n; i++) {
		const size_t to = i + 1 < n ? s.find(sep, from) : s.size();
		if (to == std::string::npos || !DecimalReal(s.substr(from, to - from), &got[i]))
			return false;
		from = to + 1;
	}
	for (i = 0; i < n; i++)
		v[i] = got[i];
	return true;
}

} // namespace mxrt::cli
