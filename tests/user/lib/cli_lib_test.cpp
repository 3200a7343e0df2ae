// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The tools' shared checks (user/lib/): Decimal takes decimal digits only and
// refuses what does not fit 64 bits or the range; DecimalReal takes decimal notation only (strtod
// also reads hex floats, inf, nan and leading blanks); FiniteNumber refuses NaN, infinity, hex and
// what is outside its range, with the caller's wording; JsonString escapes quotes, backslashes and every
// control character, and keeps the document UTF-8; Printable leaves no control character; Parse
// gives `--name=` the empty value.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <lib/cli_number.hpp>
#include <lib/cli_parse.hpp>
#include <lib/text.hpp>

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

TEST(CliLib, DecimalRealTakesDecimalNotationOnly) {
	double v = 7;
	const std::pair<const char *, double> good[] = {{"0", 0},	{"-0.25", -0.25}, {"+3", 3},     {"1.", 1},
							{".5", 0.5},   {"1e3", 1000},     {"2.5E-1", 0.25}, {"007", 7}};
	for (const auto &[s, want] : good) {
		EXPECT_TRUE(DecimalReal(s, &v)) << s;
		EXPECT_EQ(v, want) << s;
	}
	v = 7;
	for (const char *bad : {"", ".", "-", "+.", "0x1p-2", "0x10", "inf", "nan", "-infinity", " 1", "1 ", "1e", "1e+",
				"1.2.3", "1e3.5", "e3", "1e400", "--1", "1,5"})
		EXPECT_FALSE(DecimalReal(bad, &v)) << bad;
	EXPECT_EQ(v, 7) << "a refused number leaves *v alone";
}

std::string Check(const CLI::Validator &val, std::string s) { return val(s); }

TEST(CliLib, FiniteNumberRefusesNanInfinityAndOutOfRange) {
	const CLI::Validator open = FiniteNumber(0, true, 10, "a number", "(0, 10] s", "(0, 10] s");
	EXPECT_EQ(Check(open, "10"), "");
	EXPECT_EQ(Check(open, "0.5"), "");
	for (const char *bad : {"0", "10.01", "nan", "inf", "-inf", "", "1x", "1e400", "0x1p-2", " 5"})
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

// JSON is UTF-8: well-formed characters pass, any other byte (a comm is any bytes, cut at 15 by the
// kernel, maybe inside a character) is U+FFFD, not a byte that makes the document invalid.
TEST(CliLib, JsonStringIsUtf8WhateverTheBytes) {
	EXPECT_EQ(JsonString("p\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "\"p\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	EXPECT_EQ(JsonString("ab\xe2\x82"), "\"ab\\ufffd\\ufffd\"");		      // cut inside a character
	EXPECT_EQ(JsonString("\xff\xfe\x80x"), "\"\\ufffd\\ufffd\\ufffdx\""); // never valid
	EXPECT_EQ(JsonString("\xc0\xaf\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\""); // overlong, surrogate
	EXPECT_EQ(JsonString("\xf4\x90\x80\x80"), "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");	      // above U+10FFFF
}

TEST(CliLib, WellFormedUtf8TakesUtf8Only) {
	EXPECT_TRUE(WellFormedUtf8(""));
	EXPECT_TRUE(WellFormedUtf8("/dev/max30102-0 p\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
	EXPECT_FALSE(WellFormedUtf8("/dev/max\xff" "30102-0")); // never valid
	EXPECT_FALSE(WellFormedUtf8("ab\xe2\x82"));		  // cut inside a character
	EXPECT_FALSE(WellFormedUtf8("\xc0\xaf"));		  // overlong
	EXPECT_FALSE(WellFormedUtf8("\xed\xa0\x80"));		  // a surrogate
	EXPECT_FALSE(WellFormedUtf8("\xf4\x90\x80\x80"));	  // above U+10FFFF
}

// `--name=` is the empty value, as `--name ""` is: CLI11 2.1 took the next argument as the value
// (`mxrtd --cpus= -c f.toml` said "not '-c'"). Flags, unknown names, `--name=x` and what follows
// `--` are CLI11's as before, and a subcommand's options are found too.
TEST(CliLib, ParseGivesAnEmptyValueToNameEquals) {
	auto run = [](std::vector<std::string> args, std::string *cpus, std::string *config, bool *flag,
		      std::vector<std::string> *pos, std::string *sub_value) {
		CLI::App app{"t", "t"};
		app.add_option("--cpus", *cpus);
		app.add_option("-c,--config", *config);
		app.add_flag("--check", *flag);
		app.add_option("devices", *pos);
		CLI::App *sub = app.add_subcommand("show");
		sub->add_option("--owner", *sub_value);
		std::vector<char *> argv;
		for (std::string &a : args)
			argv.push_back(a.data());
		argv.push_back(nullptr);
		Parse(app, static_cast<int>(args.size()), argv.data());
	};
	std::string cpus = "x", config = "y", sub_value = "z";
	bool flag = false;
	std::vector<std::string> pos;
	run({"t", "--cpus=", "-c", "f.toml", "/dev/a"}, &cpus, &config, &flag, &pos, &sub_value);
	EXPECT_EQ(cpus, "");
	EXPECT_EQ(config, "f.toml");
	EXPECT_EQ(pos, std::vector<std::string>{"/dev/a"});
	cpus = "x";
	pos.clear();
	run({"t", "--config=", "/dev/a", "--cpus=1", "--check=", "show", "--owner="}, &cpus, &config, &flag, &pos,
	    &sub_value);
	EXPECT_EQ(config, "");
	EXPECT_EQ(cpus, "1");
	EXPECT_TRUE(flag);
	EXPECT_EQ(pos, std::vector<std::string>{"/dev/a"});
	EXPECT_EQ(sub_value, "");
	pos.clear();
	run({"t", "--", "--cpus="}, &cpus, &config, &flag, &pos, &sub_value);
	EXPECT_EQ(pos, std::vector<std::string>{"--cpus="}) << "after --, an argument as it is";
	EXPECT_THROW(run({"t", "--frob="}, &cpus, &config, &flag, &pos, &sub_value), CLI::ParseError);
}

// For a terminal: names from elsewhere (a task's comm, a file in /dev/shm) must not reach it as
// escape sequences (a title change, a cleared screen, worse on some terminals).
TEST(CliLib, PrintableLeavesNoControlCharacter) {
	EXPECT_EQ(Printable("irq/24-0-0057"), "irq/24-0-0057");
	EXPECT_EQ(Printable("p\xc3\xa9 \xe2\x82\xac"), "p\xc3\xa9 \xe2\x82\xac"); // UTF-8 stays
	EXPECT_EQ(Printable("\x1b]0;x\x07\x7f"), "?]0;x??");
	EXPECT_EQ(Printable("a\xc2\x9b" "2J\x9b"), "a?2J?"); // C1 CSI, as UTF-8 (one character) and as a raw byte
	EXPECT_EQ(Printable("ab\xe2\x82"), "ab??");		  // cut inside a character
	EXPECT_EQ(Printable(std::string("a\0b\n", 4)), "a?b?");
	// bidirectional formatting (Trojan Source): RLO ... PDF, RLI ... PDI, LRM, RLM, ALM
	EXPECT_EQ(Printable("max\xe2\x80\xae" "01-txt.csv\xe2\x80\xac"), "max?01-txt.csv?");
	EXPECT_EQ(Printable("\xe2\x81\xa7x\xe2\x81\xa9 \xe2\x80\x8e\xe2\x80\x8f\xd8\x9c"), "?x? ???");
	EXPECT_EQ(Printable("\xe2\x80\x90 \xe2\x81\xa0 \xd8\x9d"), "\xe2\x80\x90 \xe2\x81\xa0 \xd8\x9d")
		<< "their neighbours stay (hyphen, word joiner, an Arabic letter)";
}

} // namespace
} // namespace mxrt::cli
