// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the unit variants: ASan+UBSan, TSan, clang). A bounded random fuzz of the
// two kernel parsers the simulator exposes to user space: the replay upload (CSV) and the control
// words. Deterministic (fixed seeds; MXRT_FUZZ_ITERS scales the run). Checks, beyond "no crash,
// no undefined behaviour": feeding a text in random pieces gives the same outcome as feeding it
// whole, a refused control write changes nothing, and every accepted recording replays (the sample
// clock divides by its duration) at any time offset. The libFuzzer target sim_fuzz.cpp runs the
// same entry points coverage-guided. A third fuzz sends random I2C transfers, clock steps,
// interrupt polls and faults (xfer_program.h): what any client of the simulator's adapter can do.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <max30102/chip.hpp>
#include <max30102/sim/sim.h>

#include "xfer_program.h"

namespace {

using namespace mxrt::max30102;
constexpr uint64_t kT0 = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;

int Iterations(int dflt) {
	const char *e = std::getenv("MXRT_FUZZ_ITERS");
	return e && *e ? std::atoi(e) : dflt;
}

std::string ShowOf(mxrt_sim *s) {
	char buf[4096];
	return std::string(buf, mxrt_sim_show(s, buf, sizeof(buf)));
}

// Numbers that have broken parsers: wrap-arounds, limits, junk.
const char *const kInteresting[] = {
	"18446744073709551.615", "18446744073709551.999", "18446744073709551615", "18446744073709552",
	"99999999999999999999999", "86400000.000", "86400000.001", "0", "0.0", "-1", "", ".", "1.",
	".5", "1e9", "0x10", "1.2.3", "262143", "262144", "4294967296", "00000000000000000001.5",
	"1.0000000000000000000001", "\r", "nan", " 1", "1 ",
};

std::string Row(std::mt19937 &g, uint64_t t_us) {
	std::string s = std::to_string(t_us / 1000) + "." + std::to_string(1000 + t_us % 1000).substr(1);
	s += "," + std::to_string(g() % 1000) + ",0,0,0," + std::to_string(g() % 300000) + ".000000," +
	     std::to_string(g() % 300000) + ".000000,1230.0\n";
	return s;
}

// A valid recording, then up to 4 random mutations of it.
std::string CsvCase(std::mt19937 &g) {
	std::string s = "MAXM86161reg0x0D,reg0x10\n0x02,0x00\n";
	s += "timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3,ACCX\n";
	uint64_t t = 1596743748639657ull + g() % 1000;
	const int rows = 2 + int(g() % 30);
	for (int i = 0; i < rows; i++) {
		s += Row(g, t);
		t += 1 + g() % 20000;
	}
	s += "stop time,1596743752048\nmissed packet count: 0\n";
	const int mutations = int(g() % 5);
	for (int m = 0; m < mutations && !s.empty(); m++) {
		const size_t at = g() % s.size();
		switch (g() % 10) {
		case 8:
		case 9: { // the first timestamp 0, or the last one of the wrap-around numbers
			const bool first = g() & 1;
			const size_t hdr = s.find("\ntimestamp");
			size_t row = hdr == std::string::npos ? hdr : s.find('\n', hdr + 1);
			const size_t stop = s.find("\nstop time");
			if (row == std::string::npos)
				break;
			row = first || stop == std::string::npos || stop == 0 ? row + 1 : s.rfind('\n', stop - 1) + 1;
			const size_t comma = s.find(',', row);
			if (row < s.size() && comma != std::string::npos)
				s.replace(row, comma - row, first ? "0.000" : kInteresting[g() % 6]);
			break;
		}
		case 0: { // replace a field by an interesting number
			size_t b = s.rfind(',', at), e = s.find_first_of(",\n", at);
			b = b == std::string::npos ? 0 : b + 1;
			e = e == std::string::npos ? s.size() : e;
			if (b <= e)
				s.replace(b, e - b, kInteresting[g() % std::size(kInteresting)]);
			break;
		}
		case 1: // a random byte
			s[at] = char(g());
			break;
		case 2: // truncate
			s.resize(at);
			break;
		case 3: { // duplicate a line (a repeated timestamp)
			size_t b = s.rfind('\n', at), e = s.find('\n', at);
			b = b == std::string::npos ? 0 : b + 1;
			if (e != std::string::npos)
				s.insert(b, s.substr(b, e - b + 1));
			break;
		}
		case 4: // delete a span
			s.erase(at, g() % 64);
			break;
		case 5: // a long line
			s.insert(at, std::string(g() % 6000, char('0' + g() % 10)));
			break;
		case 6: // separators
			s.insert(at, std::string(1 + g() % 3, "\n,\r."[g() % 4]));
			break;
		case 7: { // the whole file as "off", or almost
			static const char *const kOff[] = {"off", "off\n", "offset-is-not-off", "off\nx"};
			s = kOff[g() % 4];
			break;
		}
		}
	}
	return s;
}

struct Outcome {
	int err;
	std::string shown; // the state after applying it (rows, duration, or why not)
};

// Feeds the text in random pieces (or whole), finishes, applies to a fresh chip and replays it.
Outcome Upload(const std::string &s, std::mt19937 *pieces) {
	mxrt_sim_upload *u = mxrt_sim_upload_create();
	EXPECT_NE(u, nullptr);
	int err = 0;
	for (size_t i = 0; i < s.size() && err == 0;) {
		const size_t n = pieces ? Min<size_t>(s.size() - i, 1 + (*pieces)() % 200) : s.size();
		err = mxrt_sim_upload_feed(u, s.data() + i, n);
		i += n;
	}
	mxrt_sim_replay *r = nullptr;
	const int fin = mxrt_sim_upload_finish(u, &r);
	EXPECT_TRUE(err == 0 || fin == err) << "a feed error sticks to the finish";
	err = fin;
	EXPECT_TRUE(err == 0 || err == -MXRT_EINVAL || err == -MXRT_ERANGE || err == -MXRT_EFBIG) << err;
	if (err != 0) {
		const char *why = nullptr;
		mxrt_sim_upload_error(u, &why);
		EXPECT_TRUE(why && *why) << "every refusal says why";
		EXPECT_EQ(r, nullptr);
	}
	mxrt_sim *sim = mxrt_sim_create(kT0);
	mxrt_sim_replay_free(mxrt_sim_upload_apply(sim, u, err, r, kT0));
	mxrt_sim_upload_destroy(u);
	// replay it: 100 Hz SpO2 for 300 ms, then after a jump of a day and of 2^40 ns
	const ConfigRegs c = Encode(Config{});
	uint8_t w[4] = {MAX30102_REG_FIFO_CONFIG, c.fifo_config, c.mode_config, c.spo2_config};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 4, w};
	mxrt_u64 bus;
	mxrt_sim_xfer(sim, &m, 1, kT0, &bus);
	for (uint64_t t : {uint64_t(kT0 + 300 * kMs), uint64_t(kT0 + 86'400'000 * kMs),
			   uint64_t(kT0 + (1ull << 40) + 86'400'000 * kMs)})
		mxrt_sim_advance(sim, t);
	Outcome o{err, ShowOf(sim)};
	mxrt_sim_destroy(sim);
	return o;
}

TEST(SimFuzz, ReplayUploadsInPiecesOrWholeNeverCrashAndAgree) {
	std::mt19937 g(20240613), pieces(7);
	const int n = Iterations(4000);
	int accepted = 0;
	for (int i = 0; i < n; i++) {
		const std::string s = CsvCase(g);
		SCOPED_TRACE(testing::Message() << "case " << i << ": " << testing::PrintToString(s.substr(0, 300)));
		const Outcome whole = Upload(s, nullptr), split = Upload(s, &pieces);
		ASSERT_EQ(whole.err, split.err);
		ASSERT_EQ(whole.shown.substr(whole.shown.find("signal:")), split.shown.substr(split.shown.find("signal:")))
			<< "same outcome, rows, duration and counters";
		accepted += whole.err == 0;
	}
	// the generator must reach both sides, or it tests nothing
	EXPECT_GT(accepted, n / 10);
	EXPECT_LT(accepted, n - n / 10);
}

// Control words from a small grammar: known and unknown keys, numbers around every limit, junk.
std::string ControlCase(std::mt19937 &g) {
	static const char *const kKeys[] = {"hr", "spo2", "perfusion", "noise", "wander", "temp",
					    "finger", "motion", "nak", "timeout", "hang", "recovery_fails", "storm", "lose_irq",
					    "stuck_irq", "overflow", "part_id", "bus_khz", "power_on",
					    "hrr", "", "=", "HR"};
	static const char *const kValues[] = {"0", "1", "-1", "31", "32", "97.5", "-3.25", "85",
					     "85.001", "1000000000", "1000000001", "0x15", "0xff",
					     "0x", "1.", ".5", "9.0001", "18446744073709551616",
					     "18446744073709551.615", "4611686018427387.904", "", "x"};
	std::string s;
	const int words = int(g() % 4);
	for (int w = 0; w < words; w++) {
		s += kKeys[g() % std::size(kKeys)];
		if (g() % 8)
			s += "=";
		s += kValues[g() % std::size(kValues)];
		s += " \n\t"[g() % 3];
	}
	if (g() % 10 == 0 && !s.empty())
		s[g() % s.size()] = char(g());
	return s;
}

TEST(SimFuzz, ControlWritesAreAllOrNothing) {
	std::mt19937 g(4242);
	const int n = Iterations(4000) * 2;
	mxrt_sim *sim = mxrt_sim_create(kT0);
	ASSERT_NE(sim, nullptr);
	const ConfigRegs c = Encode(Config{});
	uint8_t w[4] = {MAX30102_REG_FIFO_CONFIG, c.fifo_config, c.mode_config, c.spo2_config};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 4, w};
	mxrt_u64 bus;
	int accepted = 0;
	for (int i = 0; i < n; i++) {
		const std::string s = ControlCase(g);
		if (i % 100 == 0) // a sampling chip, so that the overflow fault can be asked for
			mxrt_sim_xfer(sim, &m, 1, kT0, &bus);
		const std::string before = ShowOf(sim);
		const int err = mxrt_sim_control(sim, s.data(), s.size(), kT0);
		ASSERT_TRUE(err == 0 || err == -MXRT_EINVAL) << err;
		if (err != 0) {
			ASSERT_EQ(ShowOf(sim), before) << testing::PrintToString(s);
		}
		accepted += err == 0;
		// keep the chip usable: faults that block the bus go away again
		mxrt_sim_control(sim, "nak=0 timeout=0 hang=0 storm=0 bus_khz=0", 40, kT0);
	}
	mxrt_sim_destroy(sim);
	EXPECT_GT(accepted, n / 50);
	EXPECT_LT(accepted, n - n / 20);
}

// Random programs of transfers (most of them well-formed, some past the adapter's limits or with
// flags it does not do), clock steps, polls and faults; RunXferProgram says what did not hold.
TEST(SimFuzz, AnyTransferSequenceKeepsTheChipWithinItsDatasheet) {
	std::mt19937 g(30102);
	const int n = Iterations(4000) / 4;
	std::vector<uint8_t> prog;
	mxrt_test::XferReach reach{};
	for (int i = 0; i < n; i++) {
		prog.resize(16 + g() % 1500);
		for (uint8_t &b : prog)
			b = uint8_t(g());
		// a sampling chip first, half of the time, so that the FIFO and its pointers move
		if (i % 2 == 0) {
			// a transfer of one 4-byte write: FIFO_CONFIG (rollover, A_FULL at 17), SpO2 mode,
			// 50 Hz; then 264 ms
			const uint8_t start[] = {0, 0, 4, 2, 0x08, 0x1f, 0x03, 0x03, 4, 0x41, 0};
			prog.insert(prog.begin(), std::begin(start), std::end(start));
		}
		const std::string why = mxrt_test::RunXferProgram(prog.data(), prog.size(), kT0, &reach);
		ASSERT_EQ(why, "") << "program " << i;
	}
	// the generator must reach every outcome, or the checks above test little
	printf("transfers: %u done, %u refused, %u NAKed, %u timed out (%u hung); %u FIFO reads; %u checks\n",
	       reach.done, reach.refused, reach.nak, reach.timed_out, reach.hung, reach.fifo_reads, reach.checks);
	EXPECT_GT(reach.done, 10u * unsigned(n));
	EXPECT_GT(reach.refused, unsigned(n));
	EXPECT_GT(reach.nak, unsigned(n) / 10);
	EXPECT_GT(reach.hung, unsigned(n) / 100);
	EXPECT_GT(reach.fifo_reads, unsigned(n));
	EXPECT_GT(reach.checks, unsigned(n));
}

} // namespace
