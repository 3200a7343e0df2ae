// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The tools' shared checks (user/lib/): Decimal takes decimal digits only and
// refuses what does not fit 64 bits or the range; FiniteNumber refuses NaN, infinity and what is
// outside its range, with the caller's wording; JsonString escapes quotes, backslashes and every
// control character.
#include <gtest/gtest.h>

#include <string>

#include <lib/cli_number.hpp>
#include <lib/json_string.hpp>

namespace mxrt::cli {
namespace {

TEST(CliLib, DecimalTakesDigitsInRangeOnly) {
	unsigned long long v = 7;
	EXPECT_TRUE(Decimal("18446744073709551615", 0, ~0ull, &v));
	EXPECT_EQ(v, ~0ull);
	EXPECT_TRUE(Decimal("0042", 1, 100, &v));
	EXPECT_EQ(v, 42u);
	v = 7;
	for (const char *bad : {"", "18446744073709551616", "99999999999999999999", "-1", "+1", " 1", "1 ", "0x10",
				"1e3", "12a"})
		EXPECT_FALSE(Decimal(bad, 0, ~0ull, &v)) << bad;
	EXPECT_FALSE(Decimal("0", 1, 10, &v));
	EXPECT_FALSE(Decimal("11", 1, 10, &v));
	EXPECT_EQ(v, 7u) << "a refused number leaves *v alone";
}

std::string Check(const CLI::Validator &val, std::string s) { return val(s); }

TEST(CliLib, FiniteNumberRefusesNanInfinityAndOutOfRange) {
	const CLI::Validator open = FiniteNumber(0, true, 10, "a number", "(0, 10] s", "(0, 10] s");
	EXPECT_EQ(Check(open, "10"), "");
	EXPECT_EQ(Check(open, "0.5"), "");
	for (const char *bad : {"0", "10.01", "nan", "inf", "-inf", "", "1x", "1e400"})
		EXPECT_EQ(Check(open, bad), "'" + std::string(bad) + "' is not a number in (0, 10] s") << bad;
	const CLI::Validator closed = FiniteNumber(0, false, 10, "a number of seconds", "[0, 10]", "SECONDS");
	EXPECT_EQ(Check(closed, "0"), "");
	EXPECT_EQ(Check(closed, "-0.1"), "'-0.1' is not a number of seconds in [0, 10]");
	EXPECT_EQ(closed.get_description(), "SECONDS");
}

TEST(CliLib, JsonStringEscapesQuotesBackslashesAndControlCharacters) {
	EXPECT_EQ(JsonString("plain /dev/max30102-0"), "\"plain /dev/max30102-0\"");
	EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
	EXPECT_EQ(JsonString(std::string("x\ny\x01z\x1f", 6)), "\"x\\u000ay\\u0001z\\u001f\"");
	EXPECT_EQ(JsonString("caf\xc3\xa9"), "\"caf\xc3\xa9\"") << "UTF-8 bytes pass through";
}

} // namespace
} // namespace mxrt::cli
