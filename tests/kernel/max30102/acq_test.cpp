// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. Config validation against the datasheet tables, FIFO decoding at every
// resolution, and the acquisition bookkeeping: sequence numbers, timestamps, overflow accounting.
#include <gtest/gtest.h>

#include <vector>

#include <max30102/chip.hpp>
#include <max30102/acq.h>

namespace {

using namespace mxrt::max30102;

TEST(Max30102Config, DefaultsAreValidAndEncodeToTheDatasheetBits) {
	Config c;
	ASSERT_EQ(Validate(c), 0);
	ConfigRegs r = Encode(c);
	EXPECT_EQ(r.mode_config, 0x03);
	EXPECT_EQ(r.spo2_config, (3 << 5) | (1 << 2) | 3); // 16384 nA, 100 Hz, 411 us
	EXPECT_EQ(r.fifo_config, 0x0f);                     // no averaging, A_FULL at 17 unread
	EXPECT_EQ(r.led1_pa, 32);                           // 6.4 mA / 0.2 mA
}

TEST(Max30102Config, RejectsWhatTheChipDoesNotHave) {
	auto with = [](auto f) { Config c; f(c); return Validate(c); };
	EXPECT_EQ(with([](Config &c) { c.sample_rate_hz = 150; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.pulse_width_us = 100; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.adc_range_na = 1000; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.sample_average = 3; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.fifo_almost_full = 16; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.red_current_ua = 51200; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.ir_current_ua = 150; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.mode = 5; }), -MXRT_EINVAL);
}

TEST(Max30102Config, AllowedRateTableMatchesTheDatasheet) {
	// SpO2 mode: 411 us up to 400 Hz, 215 up to 1000, 118 up to 1600, 69 up to 3200
	const uint32_t max_spo2[4] = {3200, 1600, 1000, 400};
	const uint32_t max_hr[4] = {3200, 3200, 1600, 1000};
	for (uint32_t pw = 0; pw < 4; pw++)
		for (uint32_t sr = 0; sr < 8; sr++) {
			EXPECT_EQ(RateAllowed(MAX30102_MODE_SPO2, sr, pw), kSampleRates[sr] <= max_spo2[pw]);
			EXPECT_EQ(RateAllowed(MAX30102_MODE_HR, sr, pw), kSampleRates[sr] <= max_hr[pw]);
		}
	Config c;
	c.sample_rate_hz = 1000;
	EXPECT_EQ(Validate(c), -MXRT_EINVAL) << "1000 Hz needs a pulse width of 215 us or less";
	c.pulse_width_us = 215;
	EXPECT_EQ(Validate(c), 0);
}

TEST(Max30102Fifo, DecodesEveryResolution) {
	const uint8_t full[3] = {0x03, 0xff, 0xff};
	const uint8_t one[3] = {0x00, 0x00, 0x08}; // 1 LSB at 15 bits
	for (uint32_t bits = 15; bits <= 18; bits++) {
		EXPECT_EQ(DecodeChannel(full, bits), (1u << bits) - 1);
		EXPECT_EQ(DecodeChannel(one, bits), 1u << (bits - 15));
	}
	const uint8_t junk[3] = {0xfc, 0x00, 0x01};
	EXPECT_EQ(DecodeChannel(junk, 18), 1u) << "bits 23:18 are not data";
	EXPECT_EQ(FifoUnread(5, 3, false), 2u);
	EXPECT_EQ(FifoUnread(3, 5, false), 30u);
	EXPECT_EQ(FifoUnread(7, 7, false), 0u);
	EXPECT_EQ(FifoUnread(7, 7, true), 32u);
}

TEST(Max30102Acq, NumbersAndStampsOnASampleClock) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	EXPECT_EQ(mxrt_acq_sample_bytes(&acq), 6u);
	std::vector<uint8_t> buf(6 * 4);
	buf[2] = 5; // red of sample 0
	buf[5] = 9; // ir of sample 0
	mxrt_max30102_record out[4];
	mxrt_acq_decode(&acq, buf.data(), 4, 0, 3, 1'000'000'000, 0, out);
	EXPECT_EQ(out[0].seq, 0u);
	EXPECT_EQ(out[0].red, 5u);
	EXPECT_EQ(out[0].ir, 9u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(out[0].timestamp_ns, 1'000'000'000u - 30'000'000u);
	EXPECT_EQ(out[3].timestamp_ns, 1'000'000'000u);
	EXPECT_EQ(out[3].flags, 0) << "not an IRQ anchor";
	// 2 ms of IRQ jitter: the sample clock carries on
	mxrt_acq_decode(&acq, buf.data(), 4, 0, 3, 1'042'000'000, 0, out);
	EXPECT_EQ(out[0].seq, 4u);
	EXPECT_EQ(out[0].flags, 0);
	EXPECT_EQ(out[0].timestamp_ns, 1'010'000'000u);
	EXPECT_EQ(out[3].timestamp_ns, 1'040'000'000u);
	EXPECT_EQ(acq.reanchors, 0u);
}

TEST(Max30102Acq, OverflowBecomesACountedGap) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	mxrt_acq_decode(&acq, buf.data(), 2, 0, 1, 1'000'000'000, 0, out);
	mxrt_acq_decode(&acq, buf.data(), 32, 7, 31, 1'000'000'000 + 39 * 10'000'000ull, 0, out);
	EXPECT_EQ(out[0].seq, 2u + 7);
	EXPECT_EQ(out[0].lost, 7u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FIFO_OVERFLOW);
	EXPECT_EQ(acq.lost, 7u);
	// OVF_COUNTER saturated at 31: 100 samples lost, known from the time that passed
	const uint64_t t_last = out[31].timestamp_ns;
	mxrt_acq_decode(&acq, buf.data(), 32, 31, 31, t_last + 132 * 10'000'000ull, 0, out);
	EXPECT_EQ(out[0].lost, 100u);
	EXPECT_EQ(acq.lost_estimated, 1u);
}

TEST(Max30102Acq, HrModeIsRedOnly) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_HR, 100, 1, 69);
	EXPECT_EQ(mxrt_acq_sample_bytes(&acq), 3u);
	const uint8_t b[3] = {0x01, 0x00, 0x00};
	mxrt_max30102_record out[1];
	mxrt_acq_decode(&acq, b, 1, 0, 0, 1000, 0, out);
	EXPECT_EQ(out[0].red, 0x10000u >> 3);
	EXPECT_EQ(out[0].ir, 0u);
	EXPECT_EQ(out[0].adc_bits, 15);
}

} // namespace
