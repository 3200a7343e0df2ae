// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, the command-line tools that parse numbers with CLI11 (user/*/). The two
// number checks those tools share, so that each refuses the same things the same way:
//   Decimal        (decimal.hpp) decimal digits only (no sign, blank, base prefix), min..max
//   DecimalDigits  a CLI11 transform: whole-number options in decimal (CLI11 reads base 0)
//   FiniteNumber   a CLI11 validator for a finite decimal number in a range (DecimalReal: strtod,
//                  under CLI11 too, takes hex floats such as 0x1p-2); CLI11's Range, PositiveNumber
//                  and NonNegativeNumber let NaN through (every comparison with it is false), and
//                  int(NaN) or a double beyond a u64 converted to one is undefined
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <string>

#include "decimal.hpp"

namespace mxrt::cli {

// A CLI11 transform for every whole-number option: decimal digits only, leading zeros dropped
// before CLI11 converts the value. CLI11 2.1 converts integers with base 0, so "050" was 40 (octal)
// and "0x20" 32, "+5" 5: `--priority 050` ran at priority 40. Put it on with ->transform(), which
// runs it before the option's checks (their range applies to the decimal value). With
// @refuse_others false anything but digits is left to the option's own check (one built on
// Decimal, with its own message).
inline CLI::Validator DecimalDigits(bool refuse_others = true) {
	return CLI::Validator(
		[refuse_others](std::string &s) -> std::string {
			if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
				return refuse_others ? "'" + s + "' is not a whole decimal number" : std::string();
			const size_t nz = s.find_first_not_of('0');
			s = nz == std::string::npos ? "0" : s.substr(nz);
			return {};
		},
		"");
}

// A finite number above lo (lo_open) or from lo, and at most hi. A refused value gets
// "'<value>' is not <what> in <range>"; description is what --help shows.
inline CLI::Validator FiniteNumber(double lo, bool lo_open, double hi, const std::string &what, const std::string &range,
				   const std::string &description) {
	return CLI::Validator(
		[lo, lo_open, hi, message = " is not " + what + " in " + range](std::string &s) -> std::string {
			double v = 0;
			if (DecimalReal(s, &v) && (lo_open ? v > lo : v >= lo) && v <= hi)
				return {};
			return "'" + s + "'" + message;
		},
		description);
}

} // namespace mxrt::cli
