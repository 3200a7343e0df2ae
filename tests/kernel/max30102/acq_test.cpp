// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The driver's decisions, as the glue asks for them: configuration (validation,
// one field at a time, the register writes, checked against the simulator), FIFO decoding at every
// resolution, the full/empty decision, the timestamp anchor, sequence numbers and overflow
// accounting, the poll and watchdog intervals, the stuck- and lost-interrupt detectors, a chip
// found reset by a power cycle (against the simulator), the stuck bus's recovery and the chip's
// re-initialisation, the priority boost, the chip's power state after suspend and resume, and the
// die temperature (against the simulator's encoding).
#include <gtest/gtest.h>
#include <algorithm>

#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <max30102/chip.hpp>
#include <max30102/acq.h>
#include <max30102/sim/sim.h>

#include "sim/sim_regs.hpp"

namespace {

using namespace mxrt::max30102;
constexpr uint64_t kMs = 1'000'000;

// mxrt_acq_burst of pointers read at @read_ts (OVF_COUNTER @ovf, FIFO_RD_PTR @rd) by a transfer
// that took no time
void Burst(mxrt_acq *acq, const uint8_t *buf, uint32_t n, uint8_t status1, uint8_t ovf, uint8_t rd, uint32_t rolled,
	   uint64_t irq_ts, uint64_t read_ts, mxrt_max30102_record *out) {
	const mxrt_acq_ptrs read{read_ts, read_ts, 0, ovf, rd};
	mxrt_acq_burst(acq, buf, n, status1, &read, rolled, irq_ts, read_ts, out);
}

// mxrt_acq_unread of pointers read at @read_ts by a transfer that took no time
uint32_t Unread(const mxrt_acq *acq, uint8_t status1, uint8_t wr, uint8_t ovf, uint8_t rd, uint64_t read_ts) {
	const mxrt_acq_ptrs read{read_ts, read_ts, wr, ovf, rd};
	return mxrt_acq_unread(acq, status1, &read);
}

TEST(Max30102Config, DefaultsAreValidAndEncodeToTheDatasheetBits) {
	Config c;
	ASSERT_TRUE(Validate(c).Ok());
	ConfigRegs r = Encode(c);
	EXPECT_EQ(r.mode_config, 0x03);
	EXPECT_EQ(r.spo2_config, (3 << 5) | (1 << 2) | 3); // 16384 nA, 100 Hz, 411 us
	EXPECT_EQ(r.fifo_config, 0x0f);                     // no averaging, A_FULL at 17 unread
	EXPECT_EQ(r.led1_pa, 32);                           // 6.4 mA / 0.2 mA
	EXPECT_EQ(r.multi1, 0x21);                          // slot 2 IR, slot 1 red
	c.sample_average = 32;
	c.fifo_almost_full = 32;
	c.adc_range_na = 2048;
	c.sample_rate_hz = 50;
	c.pulse_width_us = 69;
	r = Encode(c);
	EXPECT_EQ(r.fifo_config, 5 << 5) << "SMP_AVE 5 = 32, A_FULL 0 = at 32 unread";
	EXPECT_EQ(r.spo2_config, 0);
}

TEST(Max30102Config, RejectsWhatTheChipDoesNotHave) {
	auto with = [](auto f) { Config c; f(c); return Validate(c).ErrorCode(); };
	EXPECT_EQ(with([](Config &c) { c.sample_rate_hz = 150; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.pulse_width_us = 100; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.adc_range_na = 1000; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.sample_average = 3; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.fifo_almost_full = 16; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.fifo_almost_full = 33; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.red_current_ua = 51200; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.ir_current_ua = 150; }), -MXRT_EINVAL);
	EXPECT_EQ(with([](Config &c) { c.mode = 5; }), -MXRT_EINVAL);
}

TEST(Max30102Config, AllowedRateTableMatchesTheDatasheet) {
	// SpO2 mode: 411 us up to 400 Hz, 215 up to 800, 118 up to 1000, 69 up to 1600 (no SpO2 at
	// 3200 Hz: table 14 puts the two pulses at least 427 us apart); HR mode: 3200 only with 69 us
	const uint32_t max_spo2[4] = {1600, 1000, 800, 400};
	const uint32_t max_hr[4] = {3200, 1600, 1600, 1000};
	for (uint32_t pw = 0; pw < 4; pw++)
		for (uint32_t sr = 0; sr < 8; sr++) {
			EXPECT_EQ(RateAllowed(MAX30102_MODE_SPO2, sr, pw), kSampleRates[sr] <= max_spo2[pw]);
			EXPECT_EQ(RateAllowed(MAX30102_MODE_HR, sr, pw), kSampleRates[sr] <= max_hr[pw]);
		}
	Config c;
	c.sample_rate_hz = 1000;
	EXPECT_EQ(Validate(c).ErrorCode(), -MXRT_EINVAL) << "1000 Hz needs a pulse width of 118 us or less";
	c.pulse_width_us = 215;
	EXPECT_EQ(Validate(c).ErrorCode(), -MXRT_EINVAL) << "215 us allows at most 800 Hz in SpO2 mode";
	c.pulse_width_us = 118;
	EXPECT_TRUE(Validate(c).Ok());
	c.sample_rate_hz = 3200;
	c.pulse_width_us = 69;
	EXPECT_EQ(Validate(c).ErrorCode(), -MXRT_EINVAL) << "no SpO2 at 3200 Hz";
	c.mode = MAX30102_MODE_HR;
	EXPECT_TRUE(Validate(c).Ok()) << "3200 Hz in HR mode with 69 us";
}

// sysfs sets one field at a time: a valid result replaces the configuration, anything else changes
// nothing (not even the field).
TEST(Max30102Config, OneFieldAtATime) {
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_RED_CURRENT, 12800), 0);
	EXPECT_EQ(c.red_current_ua, 12800u);
	EXPECT_EQ(mxrt_max30102_config_get(&c, MXRT_MAX30102_RED_CURRENT), 12800u);
	const mxrt_max30102_config before = c;
	EXPECT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_SAMPLE_RATE, 1000), -MXRT_EINVAL) << "411 us";
	EXPECT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_RED_CURRENT, 310), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_max30102_config_set(&c, 99, 1), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_max30102_config_get(&c, 99), 0u);
	EXPECT_EQ(std::memcmp(&c, &before, sizeof(c)), 0);
	// every field reaches its own member
	const struct { mxrt_max30102_field f; uint32_t v; uint32_t mxrt_max30102_config::*m; } all[] = {
		{MXRT_MAX30102_MODE, MAX30102_MODE_HR, &mxrt_max30102_config::mode},
		{MXRT_MAX30102_PULSE_WIDTH, 215, &mxrt_max30102_config::pulse_width_us},
		{MXRT_MAX30102_SAMPLE_RATE, 1000, &mxrt_max30102_config::sample_rate_hz},
		{MXRT_MAX30102_ADC_RANGE, 4096, &mxrt_max30102_config::adc_range_na},
		{MXRT_MAX30102_SAMPLE_AVERAGE, 8, &mxrt_max30102_config::sample_average},
		{MXRT_MAX30102_FIFO_ALMOST_FULL, 30, &mxrt_max30102_config::fifo_almost_full},
		{MXRT_MAX30102_IR_CURRENT, 200, &mxrt_max30102_config::ir_current_ua},
	};
	for (const auto &x : all) {
		ASSERT_EQ(mxrt_max30102_config_set(&c, x.f, x.v), 0) << x.f;
		EXPECT_EQ(c.*x.m, x.v);
		EXPECT_EQ(mxrt_max30102_config_get(&c, x.f), x.v);
	}
}

// The register writes, applied to the simulated chip the way regmap_multi_reg_write does (one
// transfer each) after the shutdown write: the chip samples at the configured rate, with the
// configured channels and resolution, and raises A_FULL at the configured threshold.
TEST(Max30102Config, WritesConfigureTheSimulatedChip) {
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_SAMPLE_RATE, 200), 0);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_FIFO_ALMOST_FULL, 20), 0);
	mxrt_reg_write w[MXRT_MAX30102_CONFIG_WRITES];
	ASSERT_EQ(mxrt_max30102_config_writes(&c, 1, w), unsigned(MXRT_MAX30102_CONFIG_WRITES));
	EXPECT_EQ(w[MXRT_MAX30102_CONFIG_WRITES - 1].reg, MAX30102_REG_MODE_CONFIG) << "sampling starts last";
	EXPECT_EQ(w[MXRT_MAX30102_CONFIG_WRITES - 1].val, MAX30102_MODE_SPO2);
	EXPECT_EQ(mxrt_max30102_shutdown_value(&c), MAX30102_MODE_SHDN | MAX30102_MODE_SPO2);
	// the chip lowers a rate too high for the pulse width by its mode's table: the new mode is
	// written (shut down) before SPO2_CONFIG, so that HR mode's 3200 Hz survives a switch from SpO2
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_MODE, MAX30102_MODE_HR), 0);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_PULSE_WIDTH, 69), 0);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_SAMPLE_RATE, 3200), 0);
	mxrt_reg_write hr[MXRT_MAX30102_CONFIG_WRITES];
	mxrt_max30102_config_writes(&c, 1, hr);
	EXPECT_EQ(hr[0].reg, MAX30102_REG_MODE_CONFIG);
	EXPECT_EQ(hr[0].val, MAX30102_MODE_SHDN | MAX30102_MODE_HR) << "the new mode first, shut down";
	uint32_t spo2_at = 0;
	while (spo2_at < MXRT_MAX30102_CONFIG_WRITES && hr[spo2_at].reg != MAX30102_REG_SPO2_CONFIG)
		spo2_at++;
	EXPECT_GT(spo2_at, 0u) << "SPO2_CONFIG after the mode";
	EXPECT_LT(spo2_at, unsigned(MXRT_MAX30102_CONFIG_WRITES - 1)) << "and before sampling starts";
	EXPECT_EQ(hr[spo2_at].val & MAX30102_SPO2_SR, 0x1c) << "3200 Hz";
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_SAMPLE_RATE, 200), 0);
	ASSERT_EQ(mxrt_max30102_config_set(&c, MXRT_MAX30102_FIFO_ALMOST_FULL, 20), 0);

	const uint64_t t0 = 1'000'000'000;
	mxrt_sim *sim = mxrt_sim_create(t0);
	ASSERT_NE(sim, nullptr);
	mxrt_u64 bus;
	auto write = [&](uint8_t reg, uint8_t val) {
		uint8_t b[2] = {reg, val};
		mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 2, b};
		return mxrt_sim_xfer(sim, &m, 1, t0, &bus);
	};
	ASSERT_EQ(write(MAX30102_REG_MODE_CONFIG, mxrt_max30102_shutdown_value(&c)), 1);
	for (const mxrt_reg_write &x : w)
		ASSERT_EQ(write(x.reg, x.val), 1);
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_SPO2_CONFIG), 0x6b) << "16384 nA, 200 Hz, 411 us";
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_FIFO_CONFIG), MAX30102_FIFO_ROLLOVER_EN | 12);
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_INT_ENABLE1), MAX30102_INT_A_FULL);
	mxrt_sim_advance(sim, t0 + 95 * kMs); // 19 samples at 200 Hz
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_FIFO_WR_PTR), 19);
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_INT_STATUS1) & MAX30102_INT_A_FULL, 0);
	mxrt_sim_advance(sim, t0 + 100 * kMs);
	EXPECT_EQ(mxrt_sim_peek(sim, MAX30102_REG_INT_STATUS1) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
	mxrt_reg_write nirq[MXRT_MAX30102_CONFIG_WRITES];
	mxrt_max30102_config_writes(&c, 0, nirq);
	for (const mxrt_reg_write &x : nirq) {
		if (x.reg == MAX30102_REG_INT_ENABLE1) {
			EXPECT_EQ(x.val, 0) << "polling: no interrupt enabled";
		}
	}
	mxrt_sim_destroy(sim);
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
	EXPECT_EQ(FifoUnread(0xe7, 0x07, false), 0u) << "bits 7:5 of a pointer are not the pointer";
}

// WR == RD: full when samples overflowed or A_FULL fired at a threshold of 32, empty otherwise.
TEST(Max30102Fifo, FullOrEmptyDecision) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c); // A_FULL at 17
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 0), 0u);
	EXPECT_EQ(Unread(&acq, MAX30102_INT_A_FULL, 9, 0, 9, 0), 0u) << "A_FULL at 17 says nothing about 32";
	EXPECT_EQ(Unread(&acq, 0, 9, 1, 9, 0), 32u) << "an overflow means full";
	EXPECT_EQ(Unread(&acq, 0, 9, 0x20, 9, 0), 0u) << "OVF_COUNTER is 5 bits";
	EXPECT_EQ(Unread(&acq, 0, 12, 0, 9, 0), 3u);
	c.fifo_almost_full = 32;
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(Unread(&acq, MAX30102_INT_A_FULL, 9, 0, 9, 0), 32u) << "A_FULL at 32: full";
	EXPECT_EQ(Unread(&acq, MAX30102_INT_PPG_RDY, 9, 0, 9, 0), 0u);
	// and, in the drain after a shutdown (which cleared A_FULL), by the time a running chip has
	// been sampling since the last sample read (10 ms periods here)
	c.fifo_almost_full = 17;
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	std::vector<uint8_t> buf(6);
	mxrt_max30102_record r[1];
	mxrt_acq_decode(&acq, buf.data(), 1, 0, 0, 0, 1'000'000'000, 0, r);
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 32 * 10 * kMs), 0u)
		<< "not in a drain: an exactly full FIFO overflows next and is counted";
	mxrt_acq_stopping(&acq, 0, 0);
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 15 * 10 * kMs), 0u) << "15 periods: empty";
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 16 * 10 * kMs), 32u) << "16: full";
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 47 * 10 * kMs), 32u);
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 48 * 10 * kMs), 0u)
		<< "would have overflowed: the chip was not sampling";
	EXPECT_EQ(Unread(&acq, 0, 12, 0, 9, 1'000'000'000 + 32 * 10 * kMs), 3u) << "pointers first";
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_EIO), -MXRT_EIO);
	mxrt_acq_stopping(&acq, 0, 0);
	EXPECT_EQ(Unread(&acq, 0, 9, 0, 9, 1'000'000'000 + 32 * 10 * kMs), 0u) << "STALE: unknown";
}

TEST(Max30102Acq, AnchorIsTheIrqSampleOrTheNewest) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c); // A_FULL at 17
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	// read after the newest sample of every burst below (the IRQ sample at index 0 of 32: 310 ms)
	const uint64_t irq = 5'000'000'000, read = 5'313'000'000;
	auto a = mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, read);
	EXPECT_EQ(a.index, 16u) << "the 17th unread sample raised A_FULL";
	EXPECT_EQ(a.ts, irq);
	EXPECT_EQ(a.is_irq, 1u);
	a = mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, 0, read); // the poll thread
	EXPECT_EQ(a.index, 17u);
	EXPECT_EQ(a.ts, read);
	EXPECT_EQ(a.is_irq, 0u);
	a = mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_PPG_RDY, 0, 0, irq, read); // an IRQ, but not A_FULL
	EXPECT_EQ(a.index, 17u);
	EXPECT_EQ(a.is_irq, 0u);
	a = mxrt_acq_choose_anchor(&acq, 5, MAX30102_INT_A_FULL, 0, 0, irq, read); // its sample was read before
	EXPECT_EQ(a.index, 4u);
	EXPECT_EQ(a.ts, read);
	EXPECT_EQ(a.is_irq, 0u);
	// the FIFO rolled over 5 times since A_FULL: the 17th unread sample is now the 12th
	a = mxrt_acq_choose_anchor(&acq, 32, MAX30102_INT_A_FULL, 5, 0, irq, read);
	EXPECT_EQ(a.index, 11u);
	EXPECT_EQ(a.ts, irq);
	EXPECT_EQ(a.is_irq, 1u);
	a = mxrt_acq_choose_anchor(&acq, 32, MAX30102_INT_A_FULL, 16, 0, irq, read); // now the oldest
	EXPECT_EQ(a.index, 0u);
	EXPECT_EQ(a.is_irq, 1u);
	for (uint32_t ovf : {17u, 30u, 31u}) { // pushed out, or how many went is unknown (31)
		a = mxrt_acq_choose_anchor(&acq, 32, MAX30102_INT_A_FULL, ovf, 0, irq, read);
		EXPECT_EQ(a.index, 31u) << ovf;
		EXPECT_EQ(a.ts, read) << ovf;
		EXPECT_EQ(a.is_irq, 0u) << ovf;
	}
	// an IRQ time that puts the newest sample after the pointers were read came late: the read's
	a = mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, irq + 10 * kMs - 1);
	EXPECT_EQ(a.index, 17u);
	EXPECT_EQ(a.ts, irq + 10 * kMs - 1);
	EXPECT_EQ(a.is_irq, 0u);
	EXPECT_EQ(mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, irq + 10 * kMs).is_irq, 1u);
	// an interrupt from before the restart, or before an earlier burst was read, is not this A_FULL's
	mxrt_acq_started(&acq, irq, irq);
	EXPECT_EQ(mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, read).is_irq, 0u);
	mxrt_acq_started(&acq, irq - 1, irq - 1);
	acq.last_read_ts = irq;
	EXPECT_EQ(mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, read).is_irq, 0u);
	acq.last_read_ts = irq - 1;
	EXPECT_EQ(mxrt_acq_choose_anchor(&acq, 18, MAX30102_INT_A_FULL, 0, 0, irq, read).is_irq, 1u);
	// the burst a driver reads after an A_FULL interrupt: the IRQ sample carries the IRQ time
	std::vector<uint8_t> buf(6 * 18);
	mxrt_max30102_record out[18];
	Burst(&acq, buf.data(), 18, MAX30102_INT_A_FULL, 0, 0, 0, irq, read, out);
	EXPECT_EQ(out[16].timestamp_ns, irq);
	EXPECT_TRUE(out[16].flags & MXRT_MAX30102_REC_IRQ);
	EXPECT_EQ(out[17].timestamp_ns, irq + 10 * kMs);
	for (int i = 0; i < 18; i++) {
		if (i != 16) {
			EXPECT_FALSE(out[i].flags & MXRT_MAX30102_REC_IRQ) << i;
		}
	}
}

TEST(Max30102Acq, NumbersAndStampsOnASampleClock) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	EXPECT_EQ(mxrt_acq_sample_bytes(&acq), 6u);
	std::vector<uint8_t> buf(6 * 4);
	buf[2] = 5; // red of sample 0
	buf[5] = 9; // ir of sample 0
	mxrt_max30102_record out[4];
	mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, 1'000'000'000, 0, out);
	EXPECT_EQ(out[0].seq, 0u);
	EXPECT_EQ(out[0].red, 5u);
	EXPECT_EQ(out[0].ir, 9u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(out[0].timestamp_ns, 1'000'000'000u - 30'000'000u);
	EXPECT_EQ(out[3].timestamp_ns, 1'000'000'000u);
	EXPECT_EQ(out[3].flags, 0) << "not an IRQ anchor";
	// 2 ms of IRQ jitter: the sample clock carries on
	mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, 1'042'000'000, 0, out);
	EXPECT_EQ(out[0].seq, 4u);
	EXPECT_EQ(out[0].flags, 0);
	EXPECT_EQ(out[0].timestamp_ns, 1'010'000'000u);
	EXPECT_EQ(out[3].timestamp_ns, 1'040'000'000u);
	EXPECT_EQ(acq.reanchors, 0u);
	EXPECT_EQ(acq.max_backlog, 4u);
}

TEST(Max30102Acq, OverflowBecomesACountedGap) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	mxrt_acq_decode(&acq, buf.data(), 2, 0, 0, 1, 1'000'000'000, 0, out);
	mxrt_acq_decode(&acq, buf.data(), 32, 7, 0, 31, 1'000'000'000 + 39 * 10'000'000ull, 0, out);
	EXPECT_EQ(out[0].seq, 2u + 7);
	EXPECT_EQ(out[0].lost, 7u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FIFO_OVERFLOW);
	EXPECT_EQ(acq.lost, 7u);
	// OVF_COUNTER saturated at 31: 100 samples lost, known from the time that passed
	const uint64_t t_last = out[31].timestamp_ns;
	mxrt_acq_decode(&acq, buf.data(), 32, 31, 0, 31, t_last + 132 * 10'000'000ull, 0, out);
	EXPECT_EQ(out[0].lost, 100u);
	EXPECT_EQ(acq.lost_estimated, 1u);
}

// The common real-time failure: the hard IRQ comes on time (A_FULL at the 17th unread sample),
// its thread runs late, and the FIFO, rolling over, keeps only the newest 32 samples. The burst is
// stamped where its samples were taken, the gap before it is exactly what was lost, and beyond
// OVF_COUNTER's 31 the estimate from the time still finds all of it (it was 31: the IRQ sample,
// pushed out long before, was taken as the 17th of the burst, which put the burst L samples early).
TEST(Max30102Acq, LateIrqThreadAfterAnOnTimeIrqStampsAndCountsWhatTheFifoKept) {
	for (uint64_t lost : {5ull, 16ull, 30ull, 31ull, 100ull, 1000ull}) {
		mxrt_acq acq{};
		mxrt_max30102_config c;
		mxrt_max30102_config_default(&c); // A_FULL at 17
		ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
		const uint64_t p = acq.period_ns, t0 = 7'000'000'000;
		auto t = [&](uint64_t k) { return t0 + k * p; }; // sample k of the chip's clock
		std::vector<uint8_t> buf(6 * 32);
		mxrt_max30102_record out[32];
		// samples 0..16, read on time
		Burst(&acq, buf.data(), 17, MAX30102_INT_A_FULL, 0, 0, 0, t(16), t(16) + p / 10, out);
		ASSERT_EQ(out[16].seq, 16u);
		ASSERT_EQ(out[16].timestamp_ns, t(16));
		// A_FULL at sample 33, on time; the thread reads after sample 17 + lost + 31
		const uint64_t first = 17 + lost;
		Burst(&acq, buf.data(), 32, MAX30102_INT_A_FULL, uint8_t(lost < 31 ? lost : 31),
			       uint8_t((17 + lost) & 31), 0, t(33),
			       t(first + 31) + p / 10, out);
		EXPECT_EQ(out[0].lost, lost) << lost;
		EXPECT_EQ(out[0].seq, first) << lost;
		if (lost < 17) { // at the IRQ's time
			EXPECT_EQ(out[0].timestamp_ns, t(first)) << lost;
		} else { // at the read's: late by the read's delay (p / 10) at most
			EXPECT_GE(out[0].timestamp_ns, t(first)) << lost;
			EXPECT_LE(out[0].timestamp_ns, t(first) + p / 10) << lost;
		}
		EXPECT_EQ(out[31].timestamp_ns - out[0].timestamp_ns, 31 * p) << lost;
		for (int i = 0; i < 32; i++) {
			const bool irq = lost < 17 && uint64_t(i) == 16 - lost; // the sample that raised A_FULL
			EXPECT_EQ(bool(out[i].flags & MXRT_MAX30102_REC_IRQ), irq) << lost << " " << i;
		}
		EXPECT_EQ(acq.lost, lost);
		EXPECT_EQ(acq.lost_estimated, lost > 31 ? 1u : 0u) << lost; // 31: exactly what OVF_COUNTER says
	}
}

// acq.cpp's promise: stamps are never more than half a period wrong. A burst whose anchor is 0.7
// periods off the sample clock re-anchors it (the tests bounded the error by a whole period, so
// a re-anchor tolerance of a whole period passed them); one 0.3 periods off keeps the clock.
TEST(Max30102Acq, AnAnchorMoreThanHalfAPeriodOffReanchors) {
	constexpr uint64_t kP = 10 * kMs, kT = 5'000 * kMs;
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	for (const auto &[off_tenths, reanchored] : {std::pair{7, true}, {3, false}}) {
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
		mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, kT, 0, out);
		// the next 4, the newest stamped by an interrupt off_tenths/10 periods after the clock
		mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, kT + 4 * kP + off_tenths * kP / 10, 1, out);
		EXPECT_EQ(acq.reanchors, reanchored ? 1u : 0u) << off_tenths;
		EXPECT_EQ(out[0].timestamp_ns, kT + kP + (reanchored ? off_tenths * kP / 10 : 0)) << off_tenths;
	}
}

// A burst's anchor may put its first sample before the previous burst's last one: that burst was
// anchored at the time its pointers were read (polling, the watchdog), up to a period or more after
// its newest sample was taken, and this one at an accurate IRQ time. Samples are in order, and so
// must their timestamps be: the burst starts right after the previous record then.
TEST(Max30102Acq, TimestampsNeverGoBackwards) {
	constexpr uint64_t kP = 10 * kMs;
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	uint64_t prev;
	{
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
		mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, 1'000'000'000, 0, out); // polled: read time
		prev = out[3].timestamp_ns;
		// the next 17, A_FULL at the 17th, whose IRQ time says the first came 5 ms before `prev`
		mxrt_acq_decode(&acq, buf.data(), 17, 0, 0, 16, prev - 5 * kMs + 16 * kP, 1, out);
		EXPECT_EQ(out[0].seq, 4u);
		EXPECT_GT(out[0].timestamp_ns, prev) << "re-anchored before the previous record";
		EXPECT_EQ(out[0].timestamp_ns, prev + 1) << "right after it";
		EXPECT_EQ(acq.reanchors, 1u);
		for (int i = 1; i < 17; i++)
			EXPECT_GT(out[i].timestamp_ns, out[i - 1].timestamp_ns) << i;
	}
	{
		// the same after an overflow (one sample lost), the anchor two periods early
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
		mxrt_acq_decode(&acq, buf.data(), 4, 0, 0, 3, 1'000'000'000, 0, out);
		prev = out[3].timestamp_ns;
		mxrt_acq_decode(&acq, buf.data(), 32, 1, 0, 31, prev + 31 * kP, 0, out);
		EXPECT_EQ(out[0].lost, 1u);
		EXPECT_GT(out[0].timestamp_ns, prev);
	}
	{
		// an anchor earlier than the burst's length (the first seconds after boot): not time 0
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
		mxrt_acq_decode(&acq, buf.data(), 2, 0, 0, 1, 50 * kMs, 0, out);
		prev = out[1].timestamp_ns;
		mxrt_acq_decode(&acq, buf.data(), 32, 0, 0, 31, 100 * kMs, 0, out);
		EXPECT_GT(out[0].timestamp_ns, prev);
	}
}

// A chip clock a few percent off the nominal period: each burst drifts from the sample clock,
// the anchor pulls it back. Keeping timestamps increasing must not stop that pull: the error
// stays within a burst's drift, whatever the number of bursts.
TEST(Max30102Acq, ClockDriftStaysBoundedWhileTimestampsIncrease) {
	constexpr uint64_t kP = 10 * kMs;
	for (const uint64_t q : {9'700'000ull, 10'300'000ull}) { // the chip's true period: 3% off
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
		std::vector<uint8_t> buf(6 * 32);
		mxrt_max30102_record out[32];
		uint64_t t = 1'000'000'000, prev = 0, worst = 0; // t: when the next sample is taken
		for (int b = 0; b < 2000; b++) {
			const uint64_t newest = t + 31 * q;
			mxrt_acq_decode(&acq, buf.data(), 32, 0, 0, 31, newest, 0, out); // anchored at the truth
			for (int i = 0; i < 32; i++) {
				ASSERT_GT(out[i].timestamp_ns, prev) << q << " burst " << b << " sample " << i;
				prev = out[i].timestamp_ns;
				const uint64_t truth = t + uint64_t(i) * q;
				const uint64_t err = prev > truth ? prev - truth : truth - prev;
				worst = err > worst ? err : worst;
			}
			t = newest + q;
		}
		EXPECT_LE(worst, 32 * kP / 10) << "period " << q << ": the error grew";
	}
}

// Timestamps go on increasing across a restart (a drain stamped a few periods late by its
// shutdown's time must not put the restart's first samples before its own), but stamps a chip
// over 1/32 fast drove ahead of the truth, burst by burst, within one configuration (the clamp
// above cannot follow it) come back to the truth at a restart rather than staying ahead for good.
TEST(Max30102Acq, ARestartKeepsTimestampsIncreasingButDropsAFastClocksDrift) {
	constexpr uint64_t kP = 10 * kMs;
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	const uint64_t t0 = 1'000'000'000;
	mxrt_acq_decode(&acq, buf.data(), 17, 0, 0, 16, t0 + 16 * kP + 3 * kP, 0, out); // 3 periods late
	const uint64_t late = out[16].timestamp_ns;
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	mxrt_acq_decode(&acq, buf.data(), 2, 0, 0, 1, t0 + 18 * kP, 0, out); // the restart's, anchored true
	EXPECT_GT(out[0].timestamp_ns, late) << "after the last record before the restart";
	// a chip 5 % fast: 32-sample bursts anchored at the truth, stamped further ahead at each
	const uint64_t q = 9'500'000;
	uint64_t t = t0 + 100 * kP;
	for (int b = 0; b < 200; b++) {
		mxrt_acq_decode(&acq, buf.data(), 32, 0, 0, 31, t + 31 * q, 0, out);
		t += 32 * q;
	}
	ASSERT_GT(out[31].timestamp_ns, t - q + 32 * kP) << "the drift this test is about";
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	mxrt_acq_decode(&acq, buf.data(), 2, 0, 0, 1, t + 2 * q, 0, out); // at once
	EXPECT_EQ(out[1].timestamp_ns, t + 2 * q) << "back at the truth";
}

// A gap estimated past what a record's 32-bit lost can say (2^32 samples: 15.5 days at 3200 Hz of
// a bus that failed every read) still keeps b.seq == a.seq + 1 + b.lost.
TEST(Max30102Acq, EstimatedGapPastTwoToThe32KeepsTheSequenceRule) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	mxrt_acq_decode(&acq, buf.data(), 1, 0, 0, 0, 1'000'000'000, 0, out);
	const mxrt_max30102_record a = out[0];
	const uint64_t gap = (1ull << 32) + 100; // samples not read
	mxrt_acq_decode(&acq, buf.data(), 32, 31, 0, 31, a.timestamp_ns + (gap + 32) * 10 * kMs, 0, out);
	EXPECT_EQ(out[0].lost, 0xffffffffu);
	EXPECT_EQ(out[0].seq, a.seq + 1 + out[0].lost);
	EXPECT_EQ(acq.lost, uint64_t(out[0].lost)) << "the counter says what the records say";
	EXPECT_EQ(acq.next_seq, out[31].seq + 1);
}

// OVF_COUNTER saturated in the first burst after a restart (a stall right after the chip was
// configured: a stuck bus, a late first interrupt at a high rate): no previous record to measure
// from, but the chip started sampling when its configuration was written (mxrt_acq_started).
TEST(Max30102Acq, OverflowPast31RightAfterARestartIsEstimatedFromTheStart) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c); // 100 Hz
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	const uint64_t start = 1'000'000'000;
	mxrt_acq_started(&acq, start, start);
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	// 132 samples taken (the first one period after the start): 100 lost, the newest 32 read
	mxrt_acq_decode(&acq, buf.data(), 32, 31, 0, 31, start + 132 * 10 * kMs, 0, out);
	EXPECT_EQ(out[0].lost, 100u);
	EXPECT_EQ(out[0].seq, 100u);
	EXPECT_EQ(out[0].flags, MXRT_MAX30102_REC_FIFO_OVERFLOW | MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(acq.lost_estimated, 1u);
	// below the saturation the counter is exact, and the start says nothing more
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	mxrt_acq_started(&acq, start, start);
	mxrt_acq_decode(&acq, buf.data(), 32, 5, 0, 31, start + 37 * 10 * kMs, 0, out);
	EXPECT_EQ(out[0].lost, 5u);
	EXPECT_EQ(acq.lost_estimated, 1u);
	// the start is the last configuration's only: a restart without one estimates nothing
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	mxrt_acq_decode(&acq, buf.data(), 32, 31, 0, 31, start + 500 * 10 * kMs, 0, out);
	EXPECT_EQ(out[0].lost, 31u);
}

// The restart's writes bound when sampling began, as a pointer read's times do: a thread woken
// 17 periods after the configuration's last write put the start that late, and the first burst
// (132 taken at 100 Hz, the newest 32 read: 100 lost past OVF_COUNTER's 31) came out 68.
TEST(Max30102Acq, TheFirstBurstsGapIsCountedHoweverLateTheRestartWasTimed) {
	for (const bool known : {true, false}) {
		mxrt_acq acq{};
		mxrt_max30102_config c;
		mxrt_max30102_config_default(&c); // 100 Hz
		ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
		const uint64_t t0 = 1'000'000'000, p = acq.period_ns;
		mxrt_acq_started(&acq, known ? t0 : 0, t0 + 17 * p); // sampling from t0
		std::vector<uint8_t> buf(6 * 32);
		mxrt_max30102_record out[32];
		Burst(&acq, buf.data(), 32, 0, 31, 4, 0, 0, t0 + 132 * p, out);
		EXPECT_EQ(out[0].lost, known ? 100u : 68u) << "the writes' start known: " << known;
	}
}

TEST(Max30102Acq, HrModeIsRedOnly) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_HR, 100, 1, 69);
	EXPECT_EQ(mxrt_acq_sample_bytes(&acq), 3u);
	const uint8_t b[3] = {0x01, 0x00, 0x00};
	mxrt_max30102_record out[1];
	mxrt_acq_decode(&acq, b, 1, 0, 0, 0, 1000, 0, out);
	EXPECT_EQ(out[0].red, 0x10000u >> 3);
	EXPECT_EQ(out[0].ir, 0u);
	EXPECT_EQ(out[0].adc_bits, 15);
}

// The sample period and everything timed from it (one function for the period, shared with the
// simulator): the poll interval without an IRQ, the lost-interrupt window and the timeout of the
// watchdog that looks after it.
TEST(Max30102Acq, IntervalsFollowThePeriod) {
	EXPECT_EQ(SamplePeriodNs(100, 1), 10 * kMs);
	EXPECT_EQ(SamplePeriodNs(100, 4), 40 * kMs) << "averaging slows the FIFO down";
	EXPECT_EQ(SamplePeriodNs(3200, 1), 312'500u);
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c); // 100 Hz, A_FULL at 17
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(acq.period_ns, 10 * kMs);
	EXPECT_EQ(acq.poll_ms, 85u) << "half of the 170 ms the FIFO takes to reach almost-full";
	EXPECT_EQ(acq.window_ns, 212'500'000u) << "1.25 almost-full periods";
	EXPECT_EQ(acq.watchdog_ms, 213u) << "the window, rounded up to whole ms";
	c.sample_rate_hz = 3200;
	c.pulse_width_us = 69;
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(acq.poll_ms, 2u);
	EXPECT_EQ(acq.window_ns, 6'640'625u);
	EXPECT_EQ(acq.watchdog_ms, 7u) << "6.64 ms rounded up: never before the window is over";
	c.sample_rate_hz = 50;
	c.sample_average = 32;
	c.fifo_almost_full = 32;
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(acq.period_ns, 640 * kMs);
	EXPECT_EQ(acq.poll_ms, 10240u);
	EXPECT_EQ(acq.watchdog_ms, 25600u);
}

// The stuck-interrupt detector: 1000 interrupts in a row without a status bit turn the line off
// and the thread polls for 1 s, then turns it back on. A status bit ends the run.
TEST(Max30102Irq, StuckLineIsTurnedOffThenOnAgain) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	mxrt_irq_health h{};
	const uint64_t t = 7'000'000'000;
	for (int i = 0; i < 999; i++)
		ASSERT_EQ(mxrt_irq_health_irq(&h, 0, 0, t), MXRT_IRQ_VERDICT_NONE) << i;
	EXPECT_EQ(mxrt_irq_health_irq(&h, MAX30102_INT_A_FULL, 17, t), MXRT_IRQ_VERDICT_HANDLED);
	for (int i = 0; i < 999; i++)
		ASSERT_EQ(mxrt_irq_health_irq(&h, 0, 0, t), MXRT_IRQ_VERDICT_NONE) << "the run started again";
	EXPECT_EQ(h.spurious, 1998u);
	EXPECT_EQ(h.stuck, 0u);
	EXPECT_EQ(mxrt_irq_health_irq(&h, 0, 0, t), MXRT_IRQ_VERDICT_DISABLE);
	EXPECT_EQ(h.stuck, 1u);
	EXPECT_EQ(h.off, 1u);
	EXPECT_EQ(h.irqs, 2000u);
	// the thread polls while the line is off, and turns it on after the back-off
	const mxrt_bus_health bus{};
	EXPECT_EQ(mxrt_irq_health_sleep_ms(&h, &acq, 1), acq.poll_ms);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 999 * kMs), unsigned(MXRT_THREAD_ACQUIRE));
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 1000 * kMs),
		  unsigned(MXRT_THREAD_ACQUIRE | MXRT_THREAD_ENABLE_IRQ));
	EXPECT_EQ(h.off, 0u);
	EXPECT_EQ(h.polls, 2u);
	EXPECT_EQ(mxrt_irq_health_sleep_ms(&h, &acq, 1), 0u) << "the IRQ is back: sleep until woken";
}

// Samples found on the way do not make an interrupt the chip's; a bus that fails every transfer
// (the status cannot be read) keeps a level-triggered line firing and is turned off the same way.
TEST(Max30102Irq, SamplesOrErrorsWithoutStatusAreNotTheChips) {
	mxrt_irq_health h{};
	EXPECT_EQ(mxrt_irq_health_irq(&h, 0, 3, 0), MXRT_IRQ_VERDICT_HANDLED);
	EXPECT_EQ(h.spurious, 1u);
	EXPECT_EQ(h.unhandled_run, 1u);
	for (int i = 0; i < 998; i++)
		ASSERT_EQ(mxrt_irq_health_irq(&h, 0, -MXRT_ENXIO, 0), MXRT_IRQ_VERDICT_HANDLED);
	EXPECT_EQ(h.spurious, 1u) << "an error is not a spurious interrupt";
	EXPECT_EQ(mxrt_irq_health_irq(&h, 0, -MXRT_ENXIO, 0), MXRT_IRQ_VERDICT_DISABLE);
	EXPECT_EQ(h.stuck, 1u);
}

// The chip sets every status bit on its event whether or not it is enabled (PPG_RDY at each
// sample): only the interrupts the driver enables can have asked, and PWR_RDY, which cannot be
// disabled (below). A stuck line with a sample now and then must still be found stuck.
TEST(Max30102Irq, OnlyEnabledStatusBitsMeanTheChipAsked) {
	mxrt_irq_health h{};
	const uint8_t not_enabled = MAX30102_INT_PPG_RDY | MAX30102_INT_ALC_OVF;
	for (int i = 0; i < 999; i++)
		ASSERT_EQ(mxrt_irq_health_irq(&h, i % 3 ? 0 : not_enabled, i % 3 ? 0 : 1, 0),
			  i % 3 ? MXRT_IRQ_VERDICT_NONE : MXRT_IRQ_VERDICT_HANDLED)
			<< i;
	EXPECT_EQ(mxrt_irq_health_irq(&h, MAX30102_INT_PPG_RDY, 1, 0), MXRT_IRQ_VERDICT_DISABLE);
	EXPECT_EQ(h.stuck, 1u);
	mxrt_irq_health g{};
	EXPECT_EQ(mxrt_irq_health_irq(&g, MAX30102_INT_A_FULL | MAX30102_INT_PPG_RDY, 17, 0), MXRT_IRQ_VERDICT_HANDLED);
	EXPECT_EQ(g.unhandled_run, 0u);
	// a power-on reset asserts INT through PWR_RDY with nothing in the FIFO: the chip's interrupt
	// (acted upon: Max30102PowerCycle below), not a spurious one
	mxrt_irq_health p{};
	p.unhandled_run = 5;
	EXPECT_EQ(mxrt_irq_health_irq(&p, MAX30102_INT_PWR_RDY, 0, 0), MXRT_IRQ_VERDICT_HANDLED);
	EXPECT_EQ(p.spurious, 0u);
	EXPECT_EQ(p.unhandled_run, 0u);
}

// The lost-interrupt detector: with an IRQ the thread sleeps until the lost-interrupt watchdog
// expires (its recovery marks the health overdue), then reads the FIFO if nothing was acquired for
// the window meanwhile, and counts a missed interrupt only if it found samples.
TEST(Max30102Irq, LostInterruptsAreFoundByTheWatchdog) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c); // window 212.5 ms
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	mxrt_irq_health h{};
	const mxrt_bus_health bus{};
	const uint64_t t = 3'000'000'000;
	EXPECT_EQ(mxrt_irq_health_sleep_ms(&h, &acq, 1), 0u) << "no periodic look with an IRQ";
	mxrt_irq_health_looked(&h, t);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 213 * kMs), 0u) << "woken, but not by the watchdog";
	mxrt_irq_health_expired(&h);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 212 * kMs), 0u) << "the window is not over";
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 213 * kMs), 0u) << "the expiry was taken";
	mxrt_irq_health_expired(&h);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t - 1 * kMs), 0u) << "looked after `now` was read";
	mxrt_irq_health_expired(&h);
	const uint32_t a = mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 213 * kMs);
	EXPECT_EQ(a, unsigned(MXRT_THREAD_ACQUIRE | MXRT_THREAD_WATCHDOG));
	EXPECT_EQ(h.expiries, 3u);
	mxrt_irq_health_thread_done(&h, a, 0);
	EXPECT_EQ(h.missed, 0u) << "nothing there: the chip was quiet, no interrupt was lost";
	mxrt_irq_health_thread_done(&h, a, -MXRT_EIO);
	EXPECT_EQ(h.missed, 0u);
	mxrt_irq_health_thread_done(&h, a, 21);
	EXPECT_EQ(h.missed, 1u);
	EXPECT_EQ(h.missed_gap_ns, 213 * kMs) << "from the last look to the read that found them";
	EXPECT_EQ(h.missed_gap_max_ns, 213 * kMs);
	mxrt_irq_health_thread_done(&h, MXRT_THREAD_ACQUIRE, 21);
	EXPECT_EQ(h.missed, 1u) << "a poll is no lost interrupt";
	EXPECT_EQ(h.polls, 0u);
	mxrt_irq_health_expired(&h);
	ASSERT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 250 * kMs), unsigned(MXRT_THREAD_ACQUIRE | MXRT_THREAD_WATCHDOG));
	mxrt_irq_health_thread_done(&h, MXRT_THREAD_ACQUIRE | MXRT_THREAD_WATCHDOG, 1);
	EXPECT_EQ(h.missed_gap_ns, 250 * kMs);
	EXPECT_EQ(h.missed_gap_max_ns, 250 * kMs);
	// a chip whose configuration failed is configured again at the next wake-up: it raises no
	// interrupt, and the lost-interrupt watchdog (armed by the failed attempt) wakes the thread
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_ENXIO), -MXRT_ENXIO);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 300 * kMs), unsigned(MXRT_THREAD_ACQUIRE));
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 1, t + 300 * kMs), 0u);
	// without an IRQ the thread polls at every wake-up
	EXPECT_EQ(mxrt_irq_health_thread(&h, &bus, &acq, 0, t), unsigned(MXRT_THREAD_ACQUIRE));
	EXPECT_EQ(mxrt_irq_health_sleep_ms(&h, &acq, 0), 85u);
	EXPECT_EQ(h.polls, 1u);
	EXPECT_EQ(h.missed, 2u);
}

// A chip driven the way the glue drives it: the configuration writes, then acquisitions that read
// INT_STATUS1 + INT_STATUS2, the three FIFO pointers and the FIFO, each through the core.
class Max30102PowerCycle : public ::testing::Test {
protected:
	static constexpr uint64_t kT0 = 1'000'000'000;
	void SetUp() override {
		mxrt_max30102_config_default(&c_); // SpO2, 100 Hz, A_FULL at 17
		sim_ = mxrt_sim_create(kT0);
		ASSERT_NE(sim_, nullptr);
		Read(MAX30102_REG_INT_STATUS1, 1, kT0); // PWR_RDY of the first power-up (probe reads it)
		ASSERT_EQ(Apply(kT0), 0);
	}
	void TearDown() override { mxrt_sim_destroy(sim_); }
	int Write(uint8_t reg, uint8_t val, uint64_t now) { return test::SimWriteReg(sim_, reg, val, now); }
	std::vector<uint8_t> Read(uint8_t reg, uint32_t len, uint64_t now) {
		std::vector<uint8_t> out(len);
		EXPECT_EQ(test::SimReadRegs(sim_, reg, out.data(), uint16_t(len), now), 2);
		return out;
	}
	// the configuration written over a shutdown (no status look, no drain: ApplyFailingAfter runs
	// mx_apply_locked as the glue does), then the core's verdict and when sampling started
	int Apply(uint64_t now) {
		return Configure(now, Write(MAX30102_REG_MODE_CONFIG, mxrt_max30102_shutdown_value(&c_), now),
				 MXRT_MAX30102_CONFIG_WRITES);
	}
	// mx_apply_locked as the glue runs it: the shutdown, the drain, then the configuration writes,
	// of which only the first @ok succeed
	int ApplyFailingAfter(uint64_t now, uint32_t ok) {
		uint8_t status;
		int err = Stop(now);
		if (err == 0 && mxrt_acq_drain_needed(&acq_))
			err = Acquire(now, &status) < 0 ? -MXRT_EIO : 0;
		if (err == 0)
			mxrt_acq_drained(&acq_);
		return Configure(now, err, ok);
	}
	// The configuration writes after the shutdown (err: how that went), of which only the first
	// @ok succeed, then the core's verdict and (on success) when sampling started
	int Configure(uint64_t now, int err, uint32_t ok) {
		mxrt_reg_write w[MXRT_MAX30102_CONFIG_WRITES];
		const uint32_t n = std::min<uint32_t>(mxrt_max30102_config_writes(&c_, 1, w), MXRT_MAX30102_CONFIG_WRITES);
		const bool written = err == 0;
		for (uint32_t i = 0; i < n && err == 0; i++) {
			if (i >= ok && writes_fail_after_) // the chip takes it, the transfer fails
				Write(w[i].reg, w[i].val, now);
			err = i < ok ? Write(w[i].reg, w[i].val, now) : -MXRT_EIO;
		}
		err = mxrt_acq_applied(&acq_, &c_, err);
		if (err == 0)
			mxrt_acq_started(&acq_, now, now);
		else if (written)
			mxrt_acq_config_failed(&acq_, &c_, now, now);
		return err;
	}
	// mx_stop_locked's status look (PWR_RDY of a sampling chip or one with a FIFO to drain, before
	// the shutdown clears it) and
	// shutdown (its drain is an Acquire)
	// (@returned: when the shutdown's write returned, if later: the thread woken late after it)
	int Stop(uint64_t now, uint64_t returned = 0) {
		if (mxrt_acq_sampling(&acq_) || mxrt_acq_drain_needed(&acq_)) {
			if (fail_stop_looks_ > 0) { // the transfer failed: the chip saw nothing
				fail_stop_looks_--;
				mxrt_acq_not_stopped(&acq_);
				return -MXRT_EIO;
			}
			mxrt_acq_status_seen(&acq_, Read(MAX30102_REG_INT_STATUS1, 1, now)[0]);
		}
		if (mxrt_acq_mode_look_needed(&acq_)) {
			const std::vector<uint8_t> r = Read(MAX30102_REG_FIFO_CONFIG, 2, now); // and MODE_CONFIG
			mxrt_acq_mode_before_stop(&acq_, r[0], r[1]);
		}
		if (fail_shutdowns_ > 0) { // the write fails, having reached the chip or not
			fail_shutdowns_--;
			if (shutdown_fails_after_)
				Write(MAX30102_REG_MODE_CONFIG, mxrt_acq_shutdown_value(&acq_, &c_), now);
			mxrt_acq_stop_failed(&acq_, now, now);
			return -MXRT_EIO;
		}
		const int err = Write(MAX30102_REG_MODE_CONFIG, mxrt_acq_shutdown_value(&acq_, &c_), now);
		if (err == 0)
			mxrt_acq_stopping(&acq_, now, std::max(now, returned));
		return err;
	}
	// mx_read_fifo_locked: the samples decoded into recs_ (0 if the chip was found reset);
	// irq_ts: the hard IRQ's timestamp (0: polled, the watchdog)
	// @data_at: when the FIFO data read starts (0: at @now, with the pointers), later when the
	// thread was held off between the two transfers (preempted, a slow bus); @look_at: when
	// OVF_COUNTER and FIFO_RD_PTR are read again if mxrt_acq_roll_possible says so (0: then too)
	int Acquire(uint64_t now, uint8_t *status, uint64_t irq_ts = 0, uint64_t data_at = 0,
		    uint64_t look_at = 0) {
		const std::vector<uint8_t> st = Read(MAX30102_REG_INT_STATUS1, 2, now);
		*status = st[0];
		if (mxrt_acq_status_seen(&acq_, st[0]))
			return 0;
		if (fail_pointer_reads_ > 0) { // the transfer failed: the chip saw nothing
			fail_pointer_reads_--;
			return -MXRT_EIO;
		}
		const std::vector<uint8_t> ptr = Read(MAX30102_REG_FIFO_WR_PTR, 3, now);
		const mxrt_acq_ptrs read{now, now, ptr[0], ptr[1], ptr[2]};
		const uint32_t n = mxrt_acq_unread(&acq_, st[0], &read);
		if (n == 0) {
			mxrt_acq_found_empty(&acq_, &read);
			return 0;
		}
		const uint64_t done = data_at ? data_at : now;
		const std::vector<uint8_t> buf = Read(MAX30102_REG_FIFO_DATA, n * mxrt_acq_sample_bytes(&acq_), done);
		uint32_t rolled = 0;
		const uint64_t at = look_at ? look_at : done; // the data read ended by then
		if (mxrt_acq_roll_possible(&acq_, n, now, at)) {
			looks_++;
			if (fail_looks_ > 0) {
				fail_looks_--; // the transfer failed: the chip saw nothing
				rolled = MXRT_ACQ_ROLLED_UNKNOWN;
			} else if (unsure_looks_ > 0) {
				unsure_looks_--; // the looks' times fitted several counts (a thread woken late)
				rolled = MXRT_ACQ_ROLLED_UNSURE;
			} else {
				const std::vector<uint8_t> again = Read(MAX30102_REG_FIFO_WR_PTR, 3, at);
				const mxrt_acq_ptrs r{now, now, ptr[0], ptr[1], ptr[2]};
				const mxrt_acq_ptrs a{at, at, again[0], again[1], again[2]};
				int sure;
				rolled = mxrt_acq_rolled(&acq_, n, &r, &a, &sure);
				if (!sure) // the glue's further looks, at the same time, could not tell either
					rolled = MXRT_ACQ_ROLLED_UNSURE;
			}
		}
		recs_.assign(n, mxrt_max30102_record{});
		mxrt_acq_burst(&acq_, buf.data(), n, st[0], &read, rolled, irq_ts, at, recs_.data());
		all_.insert(all_.end(), recs_.begin(), recs_.end());
		return int(n);
	}
	// mx_read_fifo_locked whose FIFO data read pops every sample and then fails (a bus timeout at
	// its end): nothing is published. Returns the samples it popped.
	uint32_t FailedRead(uint64_t now) {
		const std::vector<uint8_t> st = Read(MAX30102_REG_INT_STATUS1, 2, now);
		const std::vector<uint8_t> ptr = Read(MAX30102_REG_FIFO_WR_PTR, 3, now);
		EXPECT_EQ(mxrt_acq_status_seen(&acq_, st[0]), 0);
		const mxrt_acq_ptrs read{now, now, ptr[0], ptr[1], ptr[2]};
		const uint32_t n = mxrt_acq_unread(&acq_, st[0], &read);
		Read(MAX30102_REG_FIFO_DATA, n * mxrt_acq_sample_bytes(&acq_), now);
		mxrt_acq_read_failed(&acq_, n, &read, now);
		return n;
	}
	// A ramp for a signal, from @start (the configuration's): the chip's k-th sample after it reads
	// k in red and IR, so every record says which sample it is and when the chip took it.
	void Ramp(uint64_t start, uint32_t samples) {
		std::string s = "preamble\ntimestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3\n";
		const uint64_t p_us = acq_.period_ns / 1000;
		for (uint32_t k = 0; k <= samples; k++) {
			const uint64_t us = k * p_us;
			s += std::to_string(us / 1000) + "." + std::to_string(1000 + us % 1000).substr(1) + "," +
			     std::to_string(k + 1) + ",0,0,0," + std::to_string(k) + "," + std::to_string(k) + ",0\n";
		}
		int err = 1;
		mxrt_sim_replay *r = mxrt_sim_replay_parse(s.data(), s.size(), &err);
		ASSERT_NE(r, nullptr) << err;
		mxrt_sim_replay_free(mxrt_sim_replay_swap(sim_, r, start));
		ramp_start_ = start;
		all_.clear();
	}
	// The configuration applied at @t0 and the ramp played from it: Taken(k) is when the chip
	// takes sample k (ASSERT_NO_FATAL_FAILURE around it: Ramp asserts)
	void StartRamp(uint64_t t0) {
		ASSERT_EQ(Apply(t0), 0);
		Ramp(t0, 1000);
	}
	// A ramp from 100 s after the last one started (a ramp is 1000 samples: 10 s at 100 Hz), for
	// tests that run several: everything before it is over
	void StartNextRamp() { StartRamp(std::max(ramp_start_, kT0) + 100'000 * kMs); }
	uint64_t Taken(uint64_t k) const { return ramp_start_ + k * acq_.period_ns; }
	// Every record since the ramp started against the chip's truth: its sample number k (the ramp's
	// value), taken at ramp_start_ + k periods. The gap before it is what `lost` says (and seq
	// skips), and it is stamped within a period of when the chip took it, in increasing order.
	void ExpectRecordsTrue() {
		const uint64_t p = acq_.period_ns;
		uint64_t prev_k = 0;
		int wrong = 0;
		for (size_t i = 0; i < all_.size() && wrong < 3; i++) { // the first few say it
			const mxrt_max30102_record &r = all_[i];
			const uint64_t k = r.red, truth = ramp_start_ + k * p;
			const uint64_t err = r.timestamp_ns > truth ? r.timestamp_ns - truth : truth - r.timestamp_ns;
			const bool ok = r.ir == k && uint64_t(r.lost) == k - prev_k - 1 && err < p &&
					(i == 0 || (r.seq == all_[i - 1].seq + 1 + r.lost &&
						    r.timestamp_ns > all_[i - 1].timestamp_ns));
			if (!ok) {
				ADD_FAILURE() << "record " << i << " (seq " << r.seq << ") is sample " << k << ", "
					      << k - prev_k - 1 << " lost before it, lost says " << r.lost
					      << "; stamped " << (r.timestamp_ns > truth ? "late" : "early") << " by "
					      << err / 1000 << " us (period " << p / 1000 << " us)";
				wrong++;
			}
			prev_k = k;
		}
	}
	mxrt_max30102_config c_;
	mxrt_acq acq_{};
	mxrt_sim *sim_ = nullptr;
	std::vector<mxrt_max30102_record> recs_;
	std::vector<mxrt_max30102_record> all_; // every record since the ramp started
	uint64_t ramp_start_ = 0;
	uint32_t looks_ = 0; // FIFO_RD_PTR read again after a burst (mxrt_acq_roll_possible)
	uint32_t fail_looks_ = 0; // the next this many looks fail (MXRT_ACQ_ROLLED_UNKNOWN)
	uint32_t unsure_looks_ = 0; // the next this many bursts' looks cannot tell (MXRT_ACQ_ROLLED_UNSURE)
	uint32_t fail_pointer_reads_ = 0; // the next this many pointer reads fail (the burst fails)
	uint32_t fail_stop_looks_ = 0;    // the next this many status looks before a shutdown fail
	uint32_t fail_shutdowns_ = 0;     // the next this many shutdown writes fail ...
	bool shutdown_fails_after_ = false; // ... after the chip took them (else before)
	bool writes_fail_after_ = false; // configuration writes that fail (Configure) do so after the chip took them
};

// WR == RD with OVF_COUNTER 0 is empty or exactly full, and the shutdown before a drain clears
// A_FULL (DS p.17: "All interrupts are cleared to zero in this mode"), so a stop that lands while
// the FIFO holds exactly 32 (its A_FULL interrupt waiting for the lock the stop holds) must not
// take it for empty: the configuration or shutdown after it clears the FIFO, and those 32 would
// be gone uncounted. A chip that sampled since the last sample read tells which by the time.
TEST_F(Max30102PowerCycle, DrainTellsAnExactlyFullFifoFromAnEmptyOne) {
	uint8_t status;
	ASSERT_EQ(Acquire(kT0 + 200 * kMs, &status), 20);
	const uint64_t next = recs_.back().seq + 1;
	// 32 more by +520 ms, the 33rd at +530: at +525 the pointers are equal and nothing overflowed
	EXPECT_EQ(Stop(kT0 + 525 * kMs), 0);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_OVF_COUNTER), 0);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
	EXPECT_EQ(Acquire(kT0 + 526 * kMs, &status), 32) << "the drain before a restart";
	EXPECT_EQ(recs_[0].seq, next);
	EXPECT_EQ(recs_[0].lost, 0u);
	EXPECT_EQ(Acquire(kT0 + 527 * kMs, &status), 0) << "and then it is empty";
	// the first fill after a restart (pointers at 0, no record yet): measured from the start
	ASSERT_EQ(Apply(kT0 + 600 * kMs), 0);
	EXPECT_EQ(Stop(kT0 + 925 * kMs), 0);
	EXPECT_EQ(Acquire(kT0 + 926 * kMs, &status), 32);
	EXPECT_EQ(recs_[0].seq, next + 32);
	EXPECT_EQ(recs_[0].flags, MXRT_MAX30102_REC_RESTART);
	// a stop soon after a read finds what is there
	ASSERT_EQ(Apply(kT0 + 1000 * kMs), 0);
	ASSERT_EQ(Acquire(kT0 + 1200 * kMs, &status), 20);
	EXPECT_EQ(Stop(kT0 + 1201 * kMs), 0);
	EXPECT_EQ(Acquire(kT0 + 1202 * kMs, &status), 0);
}

// The drain after a shutdown places its newest sample at the shutdown, not at its own read: the
// chip stopped there. A thread held off before the shutdown (40 rolled over, OVF_COUNTER at 31)
// and again before the drain: from the read's time, the time since the last record picked one
// FIFO too many once the drain came 17 periods or more after the shutdown (72 lost for 40), and
// every drained sample was stamped that much late.
TEST_F(Max30102PowerCycle, ADrainLongAfterTheShutdownCountsAndStampsByTheShutdown) {
	for (const uint64_t late : {1u, 16u, 17u, 20u, 100u}) {
		SCOPED_TRACE("the drain " + std::to_string(late) + " periods after the shutdown");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		uint8_t status;
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		ASSERT_EQ(Stop(Taken(89) + kMs), 0); // 18..89 taken: the newest 32 kept, 40 rolled over
		ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_OVF_COUNTER), 31);
		ASSERT_EQ(Acquire(Taken(89) + late * acq_.period_ns + kMs / 10, &status), 32);
		EXPECT_EQ(recs_[0].lost, 40u);
		EXPECT_EQ(recs_.back().red, 89u);
		ExpectRecordsTrue();
	}
}

// The chip's A_FULL interrupt on time, the thread that reads the FIFO late: the FIFO rolls over
// and keeps the newest 32. Whatever the delay, every record is stamped when the chip took it and
// the gap says exactly how many the chip dropped (OVF_COUNTER, or past its 31 the time).
TEST_F(Max30102PowerCycle, LateReadAfterAnOnTimeInterruptLosesNothingUncounted) {
	for (uint64_t late_ms : {0ull, 200ull, 330ull, 500ull, 2000ull}) {
		SCOPED_TRACE(late_ms);
		const uint64_t t0 = kT0 + 10'000 * kMs * (late_ms + 1); // each run from a fresh start
		ASSERT_EQ(Apply(t0), 0);
		auto taken = [&](uint64_t k) { return t0 + k * 10 * kMs; }; // sample k (from 1), 100 Hz
		uint8_t status;
		// A_FULL at the 17th sample, read on time
		ASSERT_EQ(Acquire(taken(17), &status, taken(17)), 17);
		ASSERT_TRUE(status & MAX30102_INT_A_FULL);
		const uint64_t next = recs_.back().seq + 1;
		EXPECT_EQ(recs_.back().timestamp_ns, taken(17));
		// the next A_FULL at sample 34, its thread late_ms later: samples 18..34 + late_ms / 10
		const uint64_t newest = 34 + late_ms / 10, lost = newest - 17 > 32 ? newest - 17 - 32 : 0;
		ASSERT_EQ(Acquire(taken(newest), &status, taken(34)), int(newest - 17 - lost));
		EXPECT_EQ(recs_[0].lost, lost);
		EXPECT_EQ(recs_[0].seq, next + lost);
		EXPECT_EQ(recs_[0].timestamp_ns, taken(18 + lost)) << "stamped when the chip took it";
		EXPECT_EQ(recs_.back().timestamp_ns, taken(newest));
		ASSERT_EQ(Stop(taken(newest) + kMs), 0);
		ASSERT_EQ(Acquire(taken(newest) + 2 * kMs, &status), 0);
	}
}

// The judge (a ramp for a signal, so each record says which sample it is) on the usual run: A_FULL
// on time, the thread a millisecond later.
TEST_F(Max30102PowerCycle, RampJudgesTheUsualRun) {
	const uint64_t t0 = kT0 + 1000 * kMs, p = acq_.period_ns;
	ASSERT_EQ(Apply(t0), 0);
	Ramp(t0, 1000);
	uint8_t status;
	for (uint64_t newest = 17; newest < 200; newest += 17)
		ASSERT_EQ(Acquire(t0 + newest * p + kMs, &status, t0 + newest * p), 17);
	EXPECT_EQ(all_.size(), 187u);
	ExpectRecordsTrue();
}

// WR == RD with OVF_COUNTER 0 and A_FULL in the status, on the acquisition path: A_FULL says the
// chip took a sample since the last status read that brought the count to the threshold (17..32),
// so the FIFO is exactly full, not empty (empty only if the previous read took that sample, right
// before). Read as empty, nothing is read, A_FULL is cleared and does not come again while the
// FIFO rolls over at 32: the next look is the lost-interrupt watchdog's, 1.25 almost-full periods
// later, and that many samples are lost that the driver had in hand.
TEST_F(Max30102PowerCycle, AnExactlyFullFifoIsNotTakenForEmpty) {
	uint8_t status;
	{
		SCOPED_TRACE("the IRQ thread 15 periods late");
		ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
		ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
		// A_FULL at sample 34, the thread after sample 49: 32 unread, none lost yet
		EXPECT_EQ(Acquire(Taken(49) + 5 * kMs, &status, Taken(34)), 32);
		EXPECT_TRUE(status & MAX30102_INT_A_FULL);
		EXPECT_EQ(Acquire(Taken(66), &status, Taken(66)), 17) << "A_FULL comes again";
		ExpectRecordsTrue();
		EXPECT_EQ(acq_.lost, 0u);
	}
	{
		SCOPED_TRACE("an interrupt lost at A_FULL 26: the watchdog's look");
		c_.fifo_almost_full = 26;
		ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 5000 * kMs));
		ASSERT_EQ(Acquire(Taken(26) + kMs, &status, Taken(26)), 26);
		// the next A_FULL (sample 52) is lost; the watchdog looks once the window (325 ms) is over
		EXPECT_EQ(acq_.window_ns, 325 * kMs);
		const uint64_t look = Taken(26) + kMs + acq_.window_ns + kMs;
		EXPECT_EQ(Acquire(look, &status), 32) << "32 unread";
		EXPECT_TRUE(status & MAX30102_INT_A_FULL);
		ExpectRecordsTrue();
		EXPECT_EQ(acq_.lost, 0u);
	}
}

// The hard IRQ of an A_FULL came on time (sample 17), its thread did not run; the lost-interrupt
// watchdog's thread read the FIFO meanwhile (the sample that raised A_FULL with it) and cleared
// A_FULL, which the chip set again at sample 38. When the IRQ thread runs at last, INT_STATUS1
// has A_FULL, but its timestamp is of a sample already read: anchored there, the burst was put
// right after the watchdog's records, early by the samples taken meanwhile and lost since.
TEST_F(Max30102PowerCycle, AnInterruptWhoseSampleWasReadAlreadyAnchorsNothing) {
	for (uint64_t newest : {45ull, 52ull, 58ull, 68ull}) {
		SCOPED_TRACE(newest);
		ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs * newest));
		uint8_t status;
		// the window (212.5 ms) from the start is over: the watchdog reads samples 1..21
		ASSERT_EQ(Acquire(Taken(0) + 213 * kMs, &status), 21);
		ASSERT_TRUE(status & MAX30102_INT_A_FULL);
		const uint64_t unread = newest - 21;
		EXPECT_EQ(Acquire(Taken(newest) + kMs, &status, Taken(17)), int(unread < 32 ? unread : 32));
		EXPECT_TRUE(status & MAX30102_INT_A_FULL);
		ExpectRecordsTrue();
	}
}

// The same across a restart: the A_FULL interrupt's thread waited for the lock while a
// reconfiguration (sysfs) stopped the chip, drained the FIFO (that sample with it) and started it
// again. When the thread runs, the new configuration's first A_FULL is in the status; the old
// interrupt's time put the new burst before the drained records (no previous record after a
// restart to keep it after them): timestamps went backwards.
TEST_F(Max30102PowerCycle, AnInterruptFromBeforeARestartAnchorsNothingAfterIt) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
	// A_FULL at sample 34; before its thread runs, the reconfiguration: stop, drain, writes
	const uint64_t irq = Taken(34), restart = irq + 2 * kMs;
	ASSERT_EQ(ApplyFailingAfter(restart, MXRT_MAX30102_CONFIG_WRITES), 0);
	ASSERT_EQ(all_.size(), 34u) << "the drain read 18..34";
	ExpectRecordsTrue();
	const mxrt_max30102_record last = all_.back();
	Ramp(restart, 1000);
	// the thread at last, 20 periods into the new run (its A_FULL at the 17th)
	ASSERT_EQ(Acquire(Taken(20) + kMs, &status, irq), 20);
	EXPECT_TRUE(status & MAX30102_INT_A_FULL);
	EXPECT_GT(recs_[0].timestamp_ns, last.timestamp_ns) << "before the drained records";
	EXPECT_EQ(recs_[0].seq, last.seq + 1);
	ExpectRecordsTrue();
}

// The hard IRQ's timestamp is late (the handler was held off: interrupts disabled on its CPU, the
// line masked while the thread ran): the burst anchored there puts its newest sample after the
// time its pointers were read, which cannot be. And since timestamps never go backwards, the
// bursts after it, anchored on time, could only come back one period per burst.
TEST_F(Max30102PowerCycle, ALateHardIrqTimestampIsBoundedByTheRead) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	// A_FULL at sample 17, its hard IRQ 55 ms late, the thread right after it
	ASSERT_EQ(Acquire(Taken(17) + 56 * kMs, &status, Taken(17) + 55 * kMs), 22);
	for (uint64_t newest = 39; newest < 39 + 17 * 6; newest += 17) // then on time
		ASSERT_EQ(Acquire(Taken(newest) + kMs, &status, Taken(newest)), 17);
	ExpectRecordsTrue();
}

// A stuck bus held the acquisition that A_FULL (sample 34) started until its recovery, 155 ms
// later (bus_timeout_ms 150): the chip kept sampling, 32 unread, none lost yet. The recovery makes
// the chip STALE (re-initialised), and the re-initialisation stops it and drains the FIFO first,
// which the shutdown left with WR == RD, OVF_COUNTER 0, and no A_FULL. Only the time can tell 32
// from 0, and the drain asked it only of a RUNNING chip: the 32 were taken for nothing, and the
// configuration cleared them, uncounted. A chip STALE for a re-initialisation still samples.
TEST_F(Max30102PowerCycle, DrainAfterAStuckBusKeepsAnExactlyFullFifo) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
	mxrt_bus_health bus{};
	mxrt_bus_recovered(&bus, mxrt_bus_stuck(&bus, 1, 1), 0);
	ASSERT_EQ(mxrt_bus_take_reinit(&bus, &acq_), 1);
	ASSERT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_APPLY);
	ASSERT_EQ(ApplyFailingAfter(Taken(49) + 5 * kMs, MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(all_.size(), 49u) << "the drain read 18..49";
	ExpectRecordsTrue();
}

// ... but a chip that lost power meanwhile does not: its PWR_RDY at the drain is a reset found
// (counted), and its empty FIFO is not taken for a full one by the time (32 made-up records).
TEST_F(Max30102PowerCycle, ResetDuringAStuckBusIsFoundAtTheDrain) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
	mxrt_bus_health bus{};
	mxrt_bus_recovered(&bus, mxrt_bus_stuck(&bus, 1, 1), 0);
	ASSERT_EQ(mxrt_bus_take_reinit(&bus, &acq_), 1);
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(30)), 0);
	const uint64_t resets = acq_.chip_resets;
	ASSERT_EQ(ApplyFailingAfter(Taken(49) + 5 * kMs, MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(acq_.chip_resets, resets + 1);
	EXPECT_EQ(all_.size(), 17u) << "nothing read from the reset chip's FIFO";
	ASSERT_EQ(Acquire(Taken(49) + 5 * kMs + 170 * kMs, &status), 17);
	EXPECT_TRUE(recs_[0].flags & MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(recs_[0].lost, 0u) << "the samples the power took are gone unsaid (documented)";
}

// The same for a reconfiguration: a chip that lost power while its interrupt thread waited for
// the lock the reconfiguration holds had PWR_RDY unread; the shutdown would clear it, and the
// drain would take the reset chip's empty FIFO, 16..47 periods after the last read, for a full
// one (32 made-up records). The status is looked at before the shutdown.
TEST_F(Max30102PowerCycle, ResetBeforeAReconfigurationIsFoundAtItsDrain) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(25)), 0);
	const uint64_t resets = acq_.chip_resets;
	ASSERT_EQ(ApplyFailingAfter(Taken(40), MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(acq_.chip_resets, resets + 1);
	EXPECT_EQ(all_.size(), 17u) << "nothing read from the reset chip's FIFO";
}

// OVF_COUNTER saturated: FIFO_RD_PTR moved once per sample lost since the last burst's last pop,
// which gives the count modulo 32; the time between the last record (here anchored at its IRQ,
// exact) and the burst (anchored at the read, its newest sample taken up to a period before)
// only picks how many FIFOs. Rounded from the time alone, a read more than half a period after
// the newest sample counted one sample more than the chip lost.
TEST_F(Max30102PowerCycle, AnEstimatedGapCountsNoSampleThatWasNotLost) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17), &status, Taken(17)), 17);
	// A_FULL at 34; the thread reads after sample 149, 6 ms after it: 132 taken, 100 lost
	ASSERT_EQ(Acquire(Taken(149) + 6 * kMs, &status, Taken(34)), 32);
	ExpectRecordsTrue();
}

// ... for any number lost past 31 and wherever in the period the read comes.
TEST_F(Max30102PowerCycle, OverflowPast31IsExactWhateverTheReadsPhase) {
	for (uint64_t lost : {31u, 32u, 33u, 47u, 48u, 63u, 64u, 100u, 900u}) { // the ramp has 1000
		for (uint64_t tenths : {0u, 1u, 4u, 5u, 6u, 9u}) {
			SCOPED_TRACE(testing::Message() << lost << " lost, read " << tenths << "/10 period late");
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			uint8_t status;
			ASSERT_EQ(Acquire(Taken(17) + tenths * kMs, &status, Taken(17)), 17);
			ASSERT_EQ(Acquire(Taken(17 + lost + 32) + tenths * kMs, &status, Taken(34)), 32);
			ExpectRecordsTrue();
			EXPECT_EQ(acq_.lost_unseen, 0u);
		}
	}
}

// A FIFO read that failed part-way (on a real bus: a NAK, a timeout after some bytes) had popped
// samples, and with the first pop cleared OVF_COUNTER of those rolled over before it. The next
// burst finds them in FIFO_RD_PTR: lost, counted (lost_unseen), the stream's seq right.
TEST_F(Max30102PowerCycle, SamplesAFailedReadPoppedAreCounted) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	Read(MAX30102_REG_FIFO_DATA, 3 * 6, Taken(20) + kMs); // popped 18..20, then failed
	// 21..37: A_FULL at 17 unread again
	ASSERT_EQ(Acquire(Taken(37) + kMs, &status, Taken(37)), 17);
	EXPECT_EQ(recs_[0].lost, 3u);
	EXPECT_EQ(acq_.lost_unseen, 3u);
	// late: 5 rolled over (38..42 out, OVF_COUNTER 5), a read popped 43 and 44 and failed (the
	// counter cleared), 1 more rolled over (45; OVF_COUNTER 1): 8 lost, 1 of them shown
	Read(MAX30102_REG_FIFO_DATA, 2 * 6, Taken(37 + 32 + 5) + kMs);
	ASSERT_EQ(Acquire(Taken(37 + 32 + 8) + kMs, &status), 32);
	EXPECT_EQ(recs_[0].lost, 8u);
	EXPECT_EQ(acq_.lost_unseen, 10u);
	ExpectRecordsTrue();
}

// The thread read status and pointers (17 unread) and was then held off before the FIFO data read
// (preempted, or its I2C completion late): 20 more samples came, the FIFO rolled over 5 times and
// OVF_COUNTER said 5, but popping the first sample cleared it (DS p.13). The burst read is the 17
// oldest left (samples 6..22): without the look after it they were numbered and stamped as
// samples 1..17 and the 5 lost counted nowhere. FIFO_RD_PTR, read again, moved 5 more than popped.
TEST_F(Max30102PowerCycle, SamplesRolledOverBeforeTheFirstPopAreCounted) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(37) + kMs), 17);
	EXPECT_EQ(looks_, 1u);
	EXPECT_EQ(recs_[0].lost, 5u);
	EXPECT_EQ(acq_.late_rollovers, 1u);
	// samples 23..37 are left; A_FULL again at 39
	ASSERT_EQ(Acquire(Taken(39) + kMs, &status, Taken(39)), 17);
	EXPECT_EQ(looks_, 1u) << "a burst read on time costs no second look";
	ExpectRecordsTrue();
	EXPECT_EQ(acq_.lost, 5u);
}

// Held off for more than a FIFO of periods past the free space: FIFO_RD_PTR wrapped (60 rolled
// over, it moved 28 more than popped); the time since the pointer read says how many FIFOs.
TEST_F(Max30102PowerCycle, RolledOverMoreThanAFifoAreCountedByTheTime) {
	uint8_t status;
	for (uint32_t rolled : {31u, 32u, 33u, 60u, 100u}) {
		SCOPED_TRACE(rolled);
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(32 + rolled) + kMs), 17);
		EXPECT_EQ(recs_[0].lost, rolled);
		ASSERT_EQ(Acquire(Taken(32 + rolled + 17) + kMs, &status), 32);
		ExpectRecordsTrue();
	}
}

// The look failed (a NAK on the 3-byte read): the 5 rolled over before the first pop go into this
// burst's lost unsaid, and the burst is stamped 5 periods early. FIFO_RD_PTR still has them: the
// next burst finds it 5 further than its own roll-overs and counts them (late_rollovers, not
// lost_unseen). The total and every seq after are right.
TEST_F(Max30102PowerCycle, RollOversAFailedLookMissedAreCountedAtTheNextBurst) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	fail_looks_ = 1;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(37) + kMs), 17);
	EXPECT_EQ(looks_, 1u);
	EXPECT_EQ(recs_[0].lost, 0u) << "not known yet";
	EXPECT_EQ(acq_.late_rollovers, 0u);
	// 23..37 left (15); 20 more by 57: 3 roll over before the next read (OVF_COUNTER 3)
	ASSERT_EQ(Acquire(Taken(57) + kMs, &status), 32);
	EXPECT_EQ(recs_[0].lost, 8u) << "5 from the failed look, 3 from OVF_COUNTER";
	EXPECT_EQ(recs_[0].red, 26u);
	EXPECT_EQ(recs_[0].seq, 26u - 1) << "numbered as the chip's 26th";
	EXPECT_EQ(acq_.lost, 8u);
	EXPECT_EQ(acq_.late_rollovers, 1u);
	EXPECT_EQ(acq_.lost_unseen, 0u);
	ASSERT_EQ(Acquire(Taken(57 + 17) + kMs, &status, Taken(57 + 17)), 17);
	EXPECT_EQ(recs_[0].lost, 0u);
	EXPECT_EQ(recs_.back().seq, 57u + 17 - 1);
}

// ... and held off for more than a FIFO of periods, the pointer wrapped: the time since the last
// record (stamped early by as many periods as rolled over) says how many FIFOs. With OVF_COUNTER
// saturated at the next burst as well, FIFO_RD_PTR and the time count both gaps together.
TEST_F(Max30102PowerCycle, RollOversPastAFifoAFailedLookMissedAreCountedByTheTime) {
	uint8_t status;
	for (uint32_t rolled : {5u, 31u, 32u, 33u, 60u, 100u}) {
		for (uint32_t between : {0u, 3u, 40u}) {
			SCOPED_TRACE(testing::Message() << rolled << " rolled over, " << between << " between");
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			const uint64_t lost_before = acq_.lost, unseen_before = acq_.lost_unseen;
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			ASSERT_EQ(all_.front().red, 1u);
			fail_looks_ = 1;
			// A_FULL at 34; pointers read at 35 (18 unread), held off: `rolled` roll over
			const uint64_t first_pop = 35 + 14 + rolled;
			ASSERT_EQ(Acquire(Taken(35) + kMs, &status, Taken(34), Taken(first_pop) + kMs), 18);
			ASSERT_EQ(fail_looks_, 0u) << "the burst looked, and the look failed";
			// 14 are left unread and 18 free: `between` more roll over by the next read
			const uint64_t next = first_pop + 18 + between;
			ASSERT_EQ(Acquire(Taken(next) + kMs, &status), 32);
			EXPECT_EQ(acq_.lost - lost_before, uint64_t(rolled) + between);
			EXPECT_EQ(recs_.back().red, next);
			EXPECT_EQ(recs_.back().seq - all_.front().seq, next - 1)
				<< "sample " << next << " numbered as the chip's";
			EXPECT_EQ(acq_.lost_unseen, unseen_before);
		}
	}
}

// ... also in the drain after a shutdown, but by the read pointer alone: the drain places its
// newest sample at the read, the chip stopped at the shutdown, so the time would be too long by
// the wait between them (30 periods here: that made up a FIFO).
TEST_F(Max30102PowerCycle, RollOversAFailedLookMissedAreCountedByTheDrain) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	fail_looks_ = 1;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(37) + kMs), 17);
	ASSERT_EQ(fail_looks_, 0u) << "the burst looked, and the look failed";
	ASSERT_EQ(Stop(Taken(40) + kMs), 0); // 23..40 held
	ASSERT_EQ(Acquire(Taken(70) + kMs, &status), 18);
	EXPECT_EQ(recs_[0].red, 23u);
	EXPECT_EQ(recs_[0].lost, 5u);
	EXPECT_EQ(recs_.back().seq, 40u - 1) << "sample 40 numbered as the chip's";
	EXPECT_EQ(acq_.look_errors, 1u);
}

// ... and when that drain finds the FIFO empty (the burst popped all of a full FIFO, and the stop
// came right after), it publishes nothing, and the configuration after it clears the pointers:
// FIFO_RD_PTR's move is counted there and reported by the next record, the restart's. Before,
// those roll-overs went uncounted; and with 16 or more of them the drain, measuring from the last
// record (stamped early by as many), took the empty FIFO for an exactly full one and published 32
// records the chip never took (an empty FIFO reads as zeros).
TEST_F(Max30102PowerCycle, RollOversAFailedLookMissedAreCountedWhenTheDrainFindsNothing) {
	uint8_t status;
	for (const uint32_t rolled : {5u, 16u, 20u, 31u, 32u, 40u, 70u}) {
		for (const bool unsure : {false, true}) {
			SCOPED_TRACE(testing::Message() << rolled << " rolled over, " << (unsure ? "unsure" : "failed")
							<< " look");
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			const uint64_t lost_before = acq_.lost, overflows_before = acq_.fifo_overflows;
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			// 18..52 by the pointer read: 3 rolled over (OVF_COUNTER), 21..52 held; `rolled` more
			// before the first pop, which takes 21 + rolled..52 + rolled: the FIFO is empty
			const uint64_t newest = 52 + rolled;
			if (unsure)
				unsure_looks_ = 1;
			else
				fail_looks_ = 1;
			ASSERT_EQ(Acquire(Taken(52) + kMs, &status, Taken(34), Taken(newest) + kMs), 32);
			ASSERT_EQ(fail_looks_ + unsure_looks_, 0u) << "the burst looked, and the look did not tell";
			EXPECT_EQ(recs_[0].lost, 3u);
			const uint64_t last_seq = recs_.back().seq;
			ASSERT_EQ(Stop(Taken(newest) + 2 * kMs), 0);
			EXPECT_EQ(Acquire(Taken(newest) + 3 * kMs, &status), 0) << "the drain finds it empty";
			EXPECT_EQ(acq_.lost - lost_before, 3u + rolled) << "counted at the drain";
			EXPECT_EQ(acq_.fifo_overflows - overflows_before, 2u);
			// the restart, and its first burst: the record after the last says what was lost
			ASSERT_EQ(Configure(Taken(newest + 10), 0, MXRT_MAX30102_CONFIG_WRITES), 0);
			ASSERT_EQ(Acquire(Taken(newest + 10 + 17) + kMs, &status), 17);
			EXPECT_EQ(recs_[0].flags, MXRT_MAX30102_REC_RESTART | MXRT_MAX30102_REC_FIFO_OVERFLOW);
			EXPECT_EQ(recs_[0].lost, rolled);
			EXPECT_EQ(recs_[0].seq, last_seq + 1 + rolled) << "numbered on from the chip's " << newest;
			EXPECT_EQ(acq_.lost - lost_before, 3u + rolled) << "counted once";
			ASSERT_EQ(Acquire(Taken(newest + 10 + 34) + kMs, &status), 17);
			EXPECT_EQ(recs_[0].lost, 0u);
			EXPECT_EQ(recs_[0].flags, 0u);
		}
	}
}

// ... and a drain that finds the pointers equal after such a burst reads a FIFO that filled up
// again (32 taken since the burst's last pop, none rolled over) and counts the roll-overs from
// FIFO_RD_PTR; after a burst that left some unread, one sample since is enough to say full.
TEST_F(Max30102PowerCycle, AfterRollOversLeftPendingTheDrainTellsAFullFifo) {
	uint8_t status;
	for (const uint32_t rolled : {5u, 20u, 40u}) {
		for (const uint32_t popped : {32u, 18u}) {
			SCOPED_TRACE(testing::Message() << rolled << " rolled over, " << popped << " popped");
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			// the pointers at 52 (21..52 held) or 35 (18..35); `rolled` more before the first pop
			const uint64_t at = popped == 32 ? 52 : 35, newest = at + (32 - popped) + rolled;
			fail_looks_ = 1;
			ASSERT_EQ(Acquire(Taken(at) + kMs, &status, Taken(34), Taken(newest) + kMs), int(popped));
			ASSERT_EQ(fail_looks_, 0u);
			const uint64_t last_seq = recs_.back().seq; // its records are stamped early, lost short
			// full again, nothing rolled over since the last pop: 32 taken (or 32 - what was left)
			const uint64_t full = newest + popped;
			ASSERT_EQ(Stop(Taken(full) + 2 * kMs), 0);
			ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_OVF_COUNTER), 0);
			ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
			ASSERT_EQ(Acquire(Taken(full) + 3 * kMs, &status), 32) << "the drain reads the full FIFO";
			EXPECT_EQ(recs_[0].red, newest + 1 - (32 - popped)) << "the oldest the pops left";
			EXPECT_EQ(recs_[0].lost, rolled) << "the roll-overs the look missed";
			EXPECT_EQ(recs_[0].seq, last_seq + 1 + rolled);
			EXPECT_NEAR(double(recs_.back().timestamp_ns), double(Taken(full)), double(acq_.period_ns));
		}
	}
}

// ... but a thread woken a FIFO of periods late after that data read cannot see that the FIFO
// filled up again meanwhile: it takes it for empty, and its 32 are counted lost with the roll-overs
// (the two pointer reads' times hold them all), not lost unsaid.
TEST_F(Max30102PowerCycle, AFullFifoTakenForEmptyAfterRollOversLeftPendingIsCountedLost) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	const uint64_t lost_before = acq_.lost;
	fail_looks_ = 1;
	// 21..52 held at the pointer read, 20 roll over before the pops (at 72), the thread woken
	// after 32 more (at 104)
	ASSERT_EQ(Acquire(Taken(52) + kMs, &status, Taken(34), Taken(72) + kMs, Taken(104) + kMs), 32);
	const uint64_t last_seq = recs_.back().seq;
	ASSERT_EQ(Stop(Taken(104) + 2 * kMs), 0);
	ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
	EXPECT_EQ(Acquire(Taken(104) + 3 * kMs, &status), 0) << "taken for empty";
	EXPECT_EQ(acq_.lost - lost_before, 3u + 20 + 32);
	ASSERT_EQ(Configure(Taken(110), 0, MXRT_MAX30102_CONFIG_WRITES), 0);
	ASSERT_EQ(Acquire(Taken(110 + 17) + kMs, &status), 17);
	EXPECT_EQ(recs_[0].lost, 20u + 32);
	EXPECT_EQ(recs_[0].seq, last_seq + 1 + 20 + 32);
}

// A FIFO data read that popped every sample and then failed publishes nothing: the time since the
// last record says nothing about what the FIFO holds then. The drain right after found equal
// pointers and took them for a full FIFO (the last record 60 periods back), publishing 32 records
// the chip never took. It finds it empty now, and counts what the failed read popped
// (lost_unseen), and any roll-overs a look left pending before it, in the restart's record.
TEST_F(Max30102PowerCycle, ADrainAfterAFailedReadThatPoppedEverythingMakesNothingUp) {
	uint8_t status;
	for (const bool pending : {false, true}) {
		SCOPED_TRACE(pending ? "roll-overs left pending before it" : "nothing pending");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t lost_before = acq_.lost, unseen_before = acq_.lost_unseen;
		fail_looks_ = pending ? 1 : 0;
		// 21..52 held at the pointer read; 5 roll over before the first pop if pending (the look
		// then fails), else none: popped at once
		const uint64_t rolled = pending ? 5 : 0;
		ASSERT_EQ(Acquire(Taken(52) + kMs, &status, Taken(34), Taken(52 + rolled) + kMs), 32);
		const uint64_t last_seq = recs_.back().seq;
		const uint64_t lost_shown = acq_.lost - lost_before; // OVF_COUNTER's 3
		ASSERT_EQ(FailedRead(Taken(72 + rolled) + kMs), 20u) << "popped 20 and failed";
		ASSERT_EQ(Stop(Taken(72 + rolled) + 2 * kMs), 0);
		ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
		EXPECT_EQ(Acquire(Taken(72 + rolled) + 3 * kMs, &status), 0) << "the FIFO is empty";
		EXPECT_EQ(acq_.lost - lost_before, lost_shown + rolled + 20);
		ASSERT_EQ(Configure(Taken(80 + rolled), 0, MXRT_MAX30102_CONFIG_WRITES), 0);
		ASSERT_EQ(Acquire(Taken(80 + rolled + 17) + kMs, &status), 17);
		EXPECT_EQ(recs_[0].lost, rolled + 20);
		EXPECT_EQ(recs_[0].seq, last_seq + 1 + rolled + 20);
		if (!pending) {
			EXPECT_EQ(acq_.lost_unseen - unseen_before, 20u);
		}
	}
}

// A failed FIFO data read of a whole FIFO leaves the pointers equal whether it popped all 32 or
// none, and FIFO_RD_PTR's count modulo 32 says nothing of them: the time between the last burst's
// pointer read and the next one's (or the drain's) counts them, as for roll-overs left pending.
// A drain right after takes the FIFO for empty either way (32 zeros if it were wrong), and
// whatever it held, the configuration clears, so both count 32 lost. Before (a review's
// reproducers): the drain or the next burst counted only OVF_COUNTER's 3 after all 32 were
// popped, and the drain, after none was, read nothing and counted nothing.
TEST_F(Max30102PowerCycle, AFailedReadOfAWholeFifoIsCountedWhateverItPopped) {
	uint8_t status;
	for (const int popped : {0, 32}) {
		for (const bool drain : {true, false}) {
			SCOPED_TRACE(testing::Message() << popped << " popped, then " << (drain ? "a drain" : "a burst"));
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost;
			// 32 unread at 49 (A_FULL, OVF_COUNTER 0); or at 52, 3 rolled over (OVF_COUNTER 3)
			const uint64_t at = popped ? 52 : 49, gone = at - 17;
			if (popped) {
				ASSERT_EQ(FailedRead(Taken(at) + kMs), 32u);
			} else {
				const std::vector<uint8_t> st = Read(MAX30102_REG_INT_STATUS1, 2, Taken(at) + kMs);
				const std::vector<uint8_t> ptr = Read(MAX30102_REG_FIFO_WR_PTR, 3, Taken(at) + kMs);
				const mxrt_acq_ptrs read{Taken(at) + kMs, Taken(at) + kMs, ptr[0], ptr[1], ptr[2]};
				ASSERT_EQ(mxrt_acq_unread(&acq_, st[0], &read), 32u);
				mxrt_acq_read_failed(&acq_, 32, &read, Taken(at) + kMs + kMs / 2); // refused at once
			}
			if (!drain) {
				// 17 more after what the read left (none, or 32 of which 17 roll over)
				const uint64_t newest = at + 17;
				ASSERT_EQ(Acquire(Taken(newest) + kMs, &status), popped ? 17 : 32);
				EXPECT_EQ(recs_.back().red, newest);
				EXPECT_EQ(recs_[0].lost, popped ? gone : 17u);
				ExpectRecordsTrue();
				continue;
			}
			ASSERT_EQ(Stop(Taken(at) + 2 * kMs), 0);
			EXPECT_EQ(Acquire(Taken(at) + 3 * kMs, &status), 0);
			EXPECT_EQ(acq_.lost - lost_before, gone);
			ASSERT_EQ(Configure(Taken(at + 10), 0, MXRT_MAX30102_CONFIG_WRITES), 0);
			ASSERT_EQ(Acquire(Taken(at + 10 + 17) + kMs, &status), 17);
			EXPECT_EQ(recs_[0].lost, gone);
			EXPECT_EQ(recs_[0].seq, last_seq + 1 + gone);
		}
	}
}

// Records of zeros, an empty FIFO's, must never be published. Four ways a review's randomised
// model of the driver found (each test case failed before its fix):
static size_t Zeros(const std::vector<mxrt_max30102_record> &recs) {
	return size_t(std::count_if(recs.begin(), recs.end(), [](const mxrt_max30102_record &r) { return r.red == 0; }));
}

// ... a status read that saw PWR_RDY (and so cleared it) followed by a pointer read that failed:
// the reset went unseen, and a drain 23 periods after the last record took the reset chip's equal
// pointers for a full FIFO. The glue now acts on PWR_RDY before any later read can fail.
TEST_F(Max30102PowerCycle, PwrRdyIsSeenThoughThePointerReadAfterItFails) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(20)), 0);
	fail_pointer_reads_ = 1;
	EXPECT_EQ(Acquire(Taken(21), &status), 0) << "found reset";
	EXPECT_TRUE(status & MAX30102_INT_PWR_RDY);
	EXPECT_EQ(fail_pointer_reads_, 1u) << "before the pointers were read";
	fail_pointer_reads_ = 0;
	EXPECT_EQ(acq_.chip_resets, 1u);
	ASSERT_EQ(ApplyFailingAfter(Taken(40), MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(Zeros(all_), 0u);
	EXPECT_EQ(all_.size(), 17u);
}

// ... and a reset whose PWR_RDY a status read cleared and then failed (the driver never saw it):
// the drain before a reconfiguration took the reset chip's equal pointers for a full FIFO. The
// stop reads MODE_CONFIG of a sampling chip before its shutdown: the power-on 0 is a reset.
TEST_F(Max30102PowerCycle, AResetWhosePwrRdyWentUnseenIsFoundBeforeTheDrain) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(20)), 0);
	ASSERT_TRUE(Read(MAX30102_REG_INT_STATUS1, 2, Taken(21))[0] & MAX30102_INT_PWR_RDY); // read, and lost
	const uint64_t lost_before = acq_.lost;
	ASSERT_EQ(ApplyFailingAfter(Taken(40), MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(acq_.chip_resets, 1u);
	EXPECT_EQ(Zeros(all_), 0u);
	EXPECT_EQ(all_.size(), 17u);
	EXPECT_EQ(acq_.lost, lost_before) << "the reset chip's pointers are not counted";
}

// ... at a threshold of 32, A_FULL set again by a sample that came between a burst's status read
// and its first pop, left over a FIFO the burst emptied: "known full" at the next read (which the
// still asserted line brings at once). Once 32 more came it is full again.
TEST_F(Max30102PowerCycle, AStaleAFullAt32IsNotAFullFifo) {
	c_.fifo_almost_full = 32;
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(32) + kMs, &status, Taken(32), Taken(33) + kMs), 32);
	ASSERT_TRUE(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS1) & MAX30102_INT_A_FULL) << "A_FULL again";
	EXPECT_EQ(Acquire(Taken(33) + 2 * kMs, &status), 0) << "the FIFO is empty";
	EXPECT_TRUE(status & MAX30102_INT_A_FULL);
	EXPECT_EQ(Acquire(Taken(33 + 32) + 2 * kMs, &status, Taken(33 + 32)), 32);
	EXPECT_EQ(recs_[0].red, 34u);
	ExpectRecordsTrue();
	// after a burst of fewer the FIFO cannot be empty once A_FULL came: what it left is there
	ASSERT_NO_FATAL_FAILURE(StartNextRamp());
	ASSERT_EQ(Acquire(Taken(20) + kMs, &status), 20);
	EXPECT_EQ(Acquire(Taken(20 + 32) + kMs / 2, &status), 32);
	EXPECT_EQ(recs_.back().red, 52u);
	ExpectRecordsTrue();
}

// ... a drain retried after its first attempt failed (its shutdown went through), the chip STALE
// or OFF by then: an exactly full FIFO was taken for empty, the chip being not sampling now, and
// the configuration cleared its 32 uncounted. The first shutdown's time says what it took.
TEST_F(Max30102PowerCycle, ARetriedDrainReadsAnExactlyFullFifo) {
	uint8_t status;
	for (const bool suspend : {false, true}) {
		SCOPED_TRACE(suspend ? "a runtime suspend's" : "a reconfiguration's");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost;
		ASSERT_EQ(Stop(Taken(49) + kMs / 2), 0); // 18..49 held
		if (suspend) {
			ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_RUNTIME, -MXRT_EIO), -MXRT_EAGAIN);
		} else {
			ASSERT_EQ(mxrt_acq_applied(&acq_, &c_, -MXRT_EIO), -MXRT_EIO);
		}
		const size_t before = all_.size();
		ASSERT_EQ(ApplyFailingAfter(Taken(52), MXRT_MAX30102_CONFIG_WRITES), 0);
		EXPECT_EQ(all_.size() - before, 32u);
		EXPECT_EQ(Zeros(all_), 0u);
		ASSERT_EQ(Acquire(Taken(52 + 17) + kMs, &status), 17);
		EXPECT_EQ(acq_.lost, lost_before);
		EXPECT_EQ(recs_[0].seq, last_seq + 33);
	}
}

// ... a stop whose status look failed before its shutdown: the chip samples on, but was STALE and
// "not sampling", so the retry's drain took an exactly full FIFO (at a threshold of 32 the
// retrying interrupt comes exactly then) for empty and the configuration cleared it uncounted.
TEST_F(Max30102PowerCycle, AStopThatFailedBeforeItsShutdownLeavesTheChipSampling) {
	c_.fifo_almost_full = 32;
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(32) + kMs, &status, Taken(32)), 32);
	const uint64_t last_seq = recs_.back().seq;
	fail_stop_looks_ = 1;
	ASSERT_EQ(ApplyFailingAfter(Taken(40), MXRT_MAX30102_CONFIG_WRITES), -MXRT_EIO);
	EXPECT_TRUE(mxrt_acq_sampling(&acq_)) << "STALE, sampling on";
	ASSERT_EQ(ApplyFailingAfter(Taken(64) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0); // 33..64 held
	EXPECT_EQ(all_.back().red, 64u);
	ASSERT_EQ(Acquire(Taken(64 + 32) + kMs, &status), 32);
	EXPECT_EQ(recs_[0].seq, last_seq + 33);
	EXPECT_EQ(recs_[0].lost, 0u);
	EXPECT_EQ(Zeros(all_), 0u);
}

// ... a shutdown whose write failed, which may or may not have reached the chip: taken as not
// sampling, a chip that sampled on had its exactly full FIFO taken for empty at the retry's drain
// and cleared uncounted (at a threshold of 32 the retrying interrupt comes exactly then); taken as
// sampling, one that did stop would have its empty FIFO taken for full. The retry reads
// MODE_CONFIG first: SHDN says the failed write stopped it, and when.
TEST_F(Max30102PowerCycle, AShutdownWhoseWriteFailedIsToldByModeConfig) {
	c_.fifo_almost_full = 32;
	uint8_t status;
	for (const bool reached : {false, true}) {
		SCOPED_TRACE(reached ? "the failed write stopped the chip" : "it did not reach the chip");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(32) + kMs, &status, Taken(32)), 32);
		const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost;
		fail_shutdowns_ = 1;
		shutdown_fails_after_ = reached;
		ASSERT_EQ(ApplyFailingAfter(Taken(reached ? 64 : 40) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), -MXRT_EIO);
		EXPECT_TRUE(mxrt_acq_sampling(&acq_)) << "not known to have stopped";
		EXPECT_NE(acq_.maybe_to, 0u) << "the next stop reads MODE_CONFIG to tell";
		// the retry: 33..64 held either way (sampled on until 64, or stopped at 64)
		ASSERT_EQ(ApplyFailingAfter(Taken(reached ? 90 : 64) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0);
		EXPECT_EQ(all_.back().red, 64u);
		EXPECT_NEAR(double(all_.back().timestamp_ns), double(Taken(64)), double(acq_.period_ns));
		EXPECT_EQ(acq_.lost, lost_before);
		const uint64_t after = reached ? 90 : 64;
		ASSERT_EQ(Acquire(Taken(after + 32) + kMs, &status), 32);
		EXPECT_EQ(recs_[0].seq, last_seq + 33);
		EXPECT_EQ(Zeros(all_), 0u);
		// and an empty FIFO behind a shutdown that reached the chip is not taken for full
		fail_shutdowns_ = 1;
		shutdown_fails_after_ = true;
		ASSERT_EQ(ApplyFailingAfter(Taken(after + 32) + 2 * kMs, MXRT_MAX30102_CONFIG_WRITES), -MXRT_EIO);
		ASSERT_EQ(ApplyFailingAfter(Taken(after + 32 + 20), MXRT_MAX30102_CONFIG_WRITES), 0);
		EXPECT_EQ(Zeros(all_), 0u);
		EXPECT_EQ(acq_.lost, lost_before);
	}
}

// A configuration whose last write (MODE_CONFIG, which starts sampling) failed after the chip took
// it: the chip samples as configured while the driver holds it STALE and stopped. The retry's
// configuration cleared what it took, uncounted (the records jumped with lost 0). Its stop now
// reads MODE_CONFIG first and drains what the chip took, counting what overflowed; a failure
// before the last write leaves SHDN set, and nothing was taken.
TEST_F(Max30102PowerCycle, AConfigurationWhoseLastWriteFailedAfterTheChipTookItIsReadOut) {
	uint8_t status;
	struct Case {
		uint32_t ok;	// configuration writes that succeed (the next fails after the chip took it)
		uint64_t retry; // the retry, at sample ...
	};
	for (const Case k : {Case{MXRT_MAX30102_CONFIG_WRITES - 1, 45}, Case{MXRT_MAX30102_CONFIG_WRITES - 1, 80},
			     Case{MXRT_MAX30102_CONFIG_WRITES - 2, 45}}) {
		const bool started = k.ok == MXRT_MAX30102_CONFIG_WRITES - 1;
		SCOPED_TRACE(testing::Message() << k.ok << " writes succeed, retry at sample " << k.retry);
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t last_seq = recs_.back().seq, took = acq_.configs_took;
		writes_fail_after_ = true;
		ASSERT_EQ(ApplyFailingAfter(Taken(20) + kMs / 2, k.ok), -MXRT_EIO); // 18..20 drained
		writes_fail_after_ = false;
		EXPECT_EQ(all_.back().red, 20u);
		EXPECT_FALSE(mxrt_acq_sampling(&acq_));
		EXPECT_TRUE(mxrt_acq_config_unsure(&acq_)) << "the next stop reads MODE_CONFIG";
		ASSERT_EQ(ApplyFailingAfter(Taken(k.retry) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0);
		EXPECT_FALSE(mxrt_acq_config_unsure(&acq_));
		EXPECT_EQ(acq_.configs_took, took + started);
		EXPECT_EQ(all_.back().red, started ? k.retry : 20u);
		if (started) { // 21..retry, the FIFO's newest 32 of them, the rest counted lost
			EXPECT_NE(all_[20].flags & MXRT_MAX30102_REC_RESTART, 0u) << "a restart of its own";
			EXPECT_EQ(all_.back().seq, last_seq + 3 + (k.retry - 20));
			ExpectRecordsTrue();
		}
		ASSERT_EQ(Acquire(Taken(k.retry + 17) + kMs, &status, Taken(k.retry + 17)), 17);
		EXPECT_EQ(recs_[0].red, k.retry + 1);
		EXPECT_EQ(recs_[0].lost, 0u);
		EXPECT_EQ(recs_[0].seq, last_seq + 3 + (started ? k.retry - 20 : 0) + 1);
		EXPECT_EQ(Zeros(all_), 0u);
	}
}

// ... and one of another mode (sysfs `mode`: the glue keeps its old configuration, SpO2, after
// the failure): the retry's stop finds HR started and its shutdown must keep HR, for the chip
// pops FIFO_DATA in the format its MODE_CONFIG says. A shutdown with the glue's mode had the
// drain read SpO2's 6 bytes a sample as HR's 3 (records the chip never took; the rest cleared).
TEST_F(Max30102PowerCycle, AConfigurationOfAnotherModeFoundStartedIsDrainedInItsFormat) {
	uint8_t status;
	ASSERT_NO_FATAL_FAILURE(StartNextRamp()); // SpO2
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	const mxrt_max30102_config glue = c_; // md->cfg
	// mx_apply_locked(md, HR): the stop with its drain, then HR's writes, the last one taken
	const uint64_t t1 = Taken(20) + kMs / 2;
	ASSERT_EQ(Stop(t1), 0);
	ASSERT_EQ(Acquire(t1, &status), 3);
	mxrt_acq_drained(&acq_);
	c_.mode = MAX30102_MODE_HR;
	writes_fail_after_ = true;
	ASSERT_EQ(Configure(t1, 0, MXRT_MAX30102_CONFIG_WRITES - 1), -MXRT_EIO);
	writes_fail_after_ = false;
	c_ = glue; // the acquisition path's retry writes SpO2 again
	const size_t before = all_.size();
	ASSERT_EQ(ApplyFailingAfter(Taken(45) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(acq_.configs_took, 1u);
	ASSERT_EQ(all_.size() - before, 25u) << "samples 21..45, taken as HR";
	for (size_t i = before; i < all_.size(); i++) {
		EXPECT_EQ(all_[i].red, 21 + (i - before));
		EXPECT_EQ(all_[i].ir, 0u) << "HR: no IR";
	}
	ASSERT_EQ(Acquire(Taken(45 + 17) + kMs, &status, Taken(45 + 17)), 17);
	EXPECT_EQ(recs_[0].red, 46u);
	EXPECT_EQ(recs_[0].ir, 46u) << "SpO2 again";
	EXPECT_NE(recs_[0].flags & MXRT_MAX30102_REC_RESTART, 0u);
	EXPECT_EQ(Zeros(all_), 0u);
}

// ... and a system suspend whose stop failed before its shutdown goes on with the chip sampling:
// at the resume it is drained as a sampling chip's (exactly full: read, not cleared).
TEST_F(Max30102PowerCycle, AChipASuspendCouldNotStopIsDrainedAtResume) {
	uint8_t status;
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	const uint64_t last_seq = recs_.back().seq;
	fail_stop_looks_ = 1;
	ASSERT_EQ(Stop(Taken(20)), -MXRT_EIO);
	ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_SYSTEM, -MXRT_EIO), 0) << "system sleep goes on";
	EXPECT_TRUE(mxrt_acq_sampling(&acq_));
	EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_SKIP);
	ASSERT_EQ(ApplyFailingAfter(Taken(49) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0); // 18..49 held
	EXPECT_EQ(all_.back().red, 49u);
	EXPECT_EQ(all_.back().seq, last_seq + 32);
	EXPECT_EQ(Zeros(all_), 0u);
}

// ... and a system suspend whose shutdown write failed (the system sleep goes on): the chip may
// have stopped within that write or sampled on through the suspend. The resume's stop reads
// MODE_CONFIG and tells which: stopped, what it held until then is read and nothing more is
// counted; sampling on, the FIFO's newest 32 are read and the rest counted lost.
TEST_F(Max30102PowerCycle, ASystemSuspendWhoseShutdownWriteFailedIsToldAtResume) {
	uint8_t status;
	for (const bool reached : {false, true}) {
		SCOPED_TRACE(reached ? "the failed write stopped the chip" : "it did not reach the chip");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost;
		fail_shutdowns_ = 1;
		shutdown_fails_after_ = reached;
		ASSERT_EQ(Stop(Taken(20) + kMs / 2), -MXRT_EIO);
		ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_SYSTEM, -MXRT_EIO), 0) << "system sleep goes on";
		EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_SKIP);
		ASSERT_EQ(ApplyFailingAfter(Taken(60) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0); // the resume
		EXPECT_EQ(all_.back().red, reached ? 20u : 60u);
		EXPECT_EQ(all_.back().seq, last_seq + (reached ? 3 : 43));
		EXPECT_EQ(acq_.lost - lost_before, reached ? 0u : 11u) << "18..28 overflowed when it sampled on";
		EXPECT_EQ(Zeros(all_), 0u);
	}
}

// ... and a chip reset before a drain's retry, hidden twice: a status read that reached the chip
// (PWR_RDY cleared) and failed, then a shutdown of ours that set SHDN again in MODE_CONFIG and
// failed. Found by the model once its failed status reads reached the chip: the retried drain
// counted the reset pointers against the old ones, or took the empty FIFO for full (32 records
// of zeros). FIFO_CONFIG, read with MODE_CONFIG before every drain's shutdown, tells: only a
// power-on reset clears ROLLOVER_EN, which every configuration sets.
TEST_F(Max30102PowerCycle, AResetHiddenFromStatusAndModeConfigIsFoundByFifoConfig) {
	uint8_t status;
	ASSERT_NO_FATAL_FAILURE(StartNextRamp());
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	const uint64_t lost_before = acq_.lost;
	fail_pointer_reads_ = 1; // the drain after the shutdown fails
	ASSERT_EQ(ApplyFailingAfter(Taken(24) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), -MXRT_EIO);
	ASSERT_TRUE(mxrt_acq_drain_needed(&acq_));
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(30)), 0); // 18..24 go with the power
	// the retry's status look reached the chip, cleared PWR_RDY, and failed
	Read(MAX30102_REG_INT_STATUS1, 1, Taken(35));
	mxrt_acq_not_stopped(&acq_);
	ASSERT_EQ(mxrt_acq_applied(&acq_, &c_, -MXRT_EIO), -MXRT_EIO);
	// the next retry's shutdown reaches the chip (SHDN again) and fails
	fail_shutdowns_ = 1;
	shutdown_fails_after_ = true;
	ASSERT_EQ(ApplyFailingAfter(Taken(40) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), -MXRT_EIO);
	shutdown_fails_after_ = false;
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG), mxrt_acq_shutdown_value(&acq_, &c_))
	    << "MODE_CONFIG says nothing of the reset now";
	ASSERT_EQ(ApplyFailingAfter(Taken(50) + kMs / 2, MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(all_.back().red, 17u) << "nothing read from the reset chip";
	EXPECT_EQ(acq_.lost, lost_before) << "nor counted from its pointers";
	EXPECT_EQ(Zeros(all_), 0u);
	ASSERT_EQ(Acquire(Taken(50 + 17) + kMs, &status, Taken(50 + 17)), 17);
	EXPECT_EQ(recs_[0].red, 51u);
	EXPECT_NE(recs_[0].flags & MXRT_MAX30102_REC_RESTART, 0u);
}

// ... a drain behind a shutdown whose write returned a FIFO of periods late (the thread woken
// late after it): the chip stopped at the write's start, but the middle of the write, which the
// drain's stamps use, put it 20 periods after the last record, and the time since that record
// took the empty FIFO for full. Full now takes a sample for certain after what the last read
// left, by the shutdown's start; and a full FIFO behind such a write is read all the same.
TEST_F(Max30102PowerCycle, ADrainBehindASlowShutdownWriteTellsEmptyFromFull) {
	uint8_t status;
	for (const bool full : {false, true}) {
		SCOPED_TRACE(full ? "full" : "empty");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost;
		const uint64_t stop = full ? Taken(49) + kMs / 2 : Taken(17) + 2 * kMs;
		ASSERT_EQ(Stop(stop, stop + 40 * acq_.period_ns), 0);
		const int got = Acquire(stop + 41 * acq_.period_ns, &status);
		if (full) {
			EXPECT_EQ(got, 32);
			EXPECT_EQ(recs_.back().red, 49u);
		} else {
			EXPECT_EQ(got, 0);
		}
		EXPECT_EQ(Zeros(all_), 0u);
		EXPECT_EQ(all_.back().seq, last_seq + (full ? 32 : 0));
		EXPECT_EQ(acq_.lost, lost_before);
	}
}

// ... a system suspend whose stop found the chip reset and whose drain then failed: the resume's
// drain judged the reset chip's equal pointers by the suspend's shutdown time (327e00a) and took
// them for a full FIFO. What the chip took until a shutdown counts only if no reset came since.
TEST_F(Max30102PowerCycle, AResetSeenBeforeASuspendsFailedDrainLeavesNothingToRead) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(25)), 0);
	ASSERT_EQ(Stop(Taken(40)), 0);
	EXPECT_EQ(acq_.chip_resets, 1u);
	ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_SYSTEM, -MXRT_EIO), 0) << "its drain failed";
	ASSERT_EQ(ApplyFailingAfter(Taken(500), MXRT_MAX30102_CONFIG_WRITES), 0);
	EXPECT_EQ(Zeros(all_), 0u);
	EXPECT_EQ(all_.size(), 17u);
}

// A chip reset (PWR_RDY, seen before the shutdown) after a burst whose roll-overs were left
// pending: the reset cleared the pointers, so the drain must not count its FIFO_RD_PTR against the
// old one (it made up 12 and 19 lost here); those roll-overs go uncounted, as a reset's samples do.
// So after a system suspend whose drain failed and whose chip lost power meanwhile: the resume's
// drain asks the chip too (not sampling, so no reset is counted).
TEST_F(Max30102PowerCycle, RollOversLeftPendingBeforeAResetAreNotCountedFromItsPointers) {
	uint8_t status;
	for (const uint64_t at : {52u, 45u}) {
		for (const bool suspended : {false, true}) {
			SCOPED_TRACE(testing::Message() << "pointers at " << at << (suspended ? ", suspended" : ""));
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			fail_looks_ = 1;
			ASSERT_GT(Acquire(Taken(at) + kMs, &status, Taken(34), Taken(at + 7) + kMs), 0);
			ASSERT_EQ(acq_.rolled_pending, 1u);
			const uint64_t last_seq = recs_.back().seq, lost_before = acq_.lost, resets = acq_.chip_resets;
			if (suspended) { // the shutdown went through, the drain's read failed
				ASSERT_EQ(Stop(Taken(at + 10)), 0);
				ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_SYSTEM, -MXRT_EIO), 0);
				ASSERT_TRUE(mxrt_acq_drain_needed(&acq_));
			}
			ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(at + 15)), 0);
			ASSERT_EQ(ApplyFailingAfter(Taken(at + 25), MXRT_MAX30102_CONFIG_WRITES), 0);
			EXPECT_EQ(acq_.chip_resets, resets + (suspended ? 0 : 1));
			ASSERT_EQ(Acquire(Taken(at + 25 + 17) + kMs, &status), 17);
			EXPECT_EQ(recs_[0].lost, 0u);
			EXPECT_EQ(recs_[0].seq, last_seq + 1);
			EXPECT_EQ(acq_.lost, lost_before);
		}
	}
}

// A_FULL on the acquisition path after a burst whose roll-overs were left pending: its status
// was read before A_FULL came, its pointers long after (the FIFO full), 20 rolled over before its
// pops (the look failed), and the interrupt, still asserted, runs the thread again at once: A_FULL
// set, the FIFO empty. The time since the last record (stamped 20 early) said full, and 32 records
// the chip never took were published.
TEST_F(Max30102PowerCycle, AFullAfterRollOversLeftPendingMakesNothingUp) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	const std::vector<uint8_t> st = Read(MAX30102_REG_INT_STATUS1, 2, Taken(20) + kMs);
	ASSERT_FALSE(st[0] & MAX30102_INT_A_FULL);
	const std::vector<uint8_t> ptr = Read(MAX30102_REG_FIFO_WR_PTR, 3, Taken(55) + kMs);
	const mxrt_acq_ptrs read{Taken(55) + kMs, Taken(55) + kMs, ptr[0], ptr[1], ptr[2]};
	ASSERT_EQ(mxrt_acq_unread(&acq_, st[0], &read), 32u);
	const uint64_t done = Taken(75) + kMs;
	const std::vector<uint8_t> buf = Read(MAX30102_REG_FIFO_DATA, 32 * 6, done);
	recs_.assign(32, mxrt_max30102_record{});
	mxrt_acq_burst(&acq_, buf.data(), 32, st[0], &read, MXRT_ACQ_ROLLED_UNKNOWN, 0, done, recs_.data());
	EXPECT_EQ(recs_[0].red, 44u);
	EXPECT_EQ(Acquire(done + kMs, &status), 0) << "the FIFO is empty";
	EXPECT_TRUE(status & MAX30102_INT_A_FULL);
	// and when it is full: 32 more, none rolled over
	EXPECT_EQ(Acquire(Taken(107) + kMs / 2, &status), 32);
	EXPECT_EQ(recs_[0].red, 76u);
	EXPECT_EQ(recs_[0].lost, 20u) << "the roll-overs the look missed";
}

// A system suspend whose drain failed after its shutdown went through leaves the FIFO to the
// resume's drain (the chip kept power). Exactly full (32 since the last read, OVF_COUNTER 0, A_FULL
// cleared by the shutdown), it was read as empty then, the chip being OFF rather than sampling, and
// the configuration cleared those 32 uncounted: the shutdown's time tells, as in any drain. A chip
// that lost power in the suspend shows PWR_RDY at the resume: nothing is left to read (32 zeros).
TEST_F(Max30102PowerCycle, ASystemSuspendsExactlyFullLeftoverIsReadAtResume) {
	uint8_t status;
	for (const bool power_lost : {false, true}) {
		SCOPED_TRACE(power_lost ? "power lost in the suspend" : "power kept");
		ASSERT_NO_FATAL_FAILURE(StartNextRamp());
		ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
		const uint64_t last_seq = recs_.back().seq;
		ASSERT_EQ(Stop(Taken(49) + kMs / 2), 0); // 18..49 held
		ASSERT_EQ(mxrt_acq_suspended(&acq_, MXRT_PM_SYSTEM, -MXRT_EIO), 0) << "its drain failed";
		ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
		ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_OVF_COUNTER), 0);
		if (power_lost) {
			ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, Taken(100)), 0);
		}
		// the resume: shutdown (after the status look), drain, configuration
		ASSERT_EQ(Stop(Taken(500)), 0);
		ASSERT_EQ(mxrt_acq_drain_needed(&acq_), !power_lost);
		if (power_lost) {
			EXPECT_EQ(acq_.chip_resets, 0u) << "not sampling: no reset counted";
			continue;
		}
		ASSERT_EQ(Acquire(Taken(500) + kMs, &status), 32);
		EXPECT_EQ(recs_[0].red, 18u);
		EXPECT_EQ(recs_[0].seq, last_seq + 1);
		EXPECT_EQ(recs_[0].lost, 0u);
		EXPECT_NEAR(double(recs_.back().timestamp_ns), double(Taken(49)), double(acq_.period_ns));
	}
}

// ... and when the next burst is held off too (its own look works and counts its own roll-overs),
// the time since the early-stamped burst covers both: only what is left after this burst's own
// count picks FIFOs. Counting by the whole time made up 32 (0 missed, 17 of its own: 32).
TEST_F(Max30102PowerCycle, AFailedLookAndAHeldOffNextBurstCountEachRollOverOnce) {
	uint8_t status;
	for (uint32_t rolled : {0u, 5u, 40u}) {
		for (uint32_t own : {17u, 20u, 28u}) {
			SCOPED_TRACE(testing::Message() << rolled << " missed, " << own << " of its own");
			ASSERT_NO_FATAL_FAILURE(StartNextRamp());
			const uint64_t lost_before = acq_.lost;
			ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
			fail_looks_ = 1;
			// 18 unread at 35, `rolled` roll over before the first pop (with 0 the look is
			// only possible: the time reaches the free space less its 1/16)
			const uint64_t first_pop = 35 + 14 + rolled;
			ASSERT_EQ(Acquire(Taken(35) + kMs, &status, Taken(34), Taken(first_pop) + kMs), 18);
			ASSERT_EQ(fail_looks_, 0u) << "the burst looked, and the look failed";
			// 14 left, 18 free: the next pointer read sees the FIFO full (A_FULL long past); its
			// data read is held off until `own` more have rolled over
			const uint64_t ptr_read = first_pop + 18;
			ASSERT_EQ(Acquire(Taken(ptr_read) + kMs, &status, 0, Taken(ptr_read + own) + kMs), 32);
			EXPECT_EQ(acq_.lost - lost_before, uint64_t(rolled) + own);
			EXPECT_EQ(recs_.back().red, ptr_read + own);
			EXPECT_EQ(recs_.back().seq - all_.front().seq, ptr_read + own - 1);
		}
	}
}

// Rolled over after the burst's last pop as well (the look came late): those are in OVF_COUNTER,
// which the next burst reads and counts; the look counts only the ones before the last pop.
TEST_F(Max30102PowerCycle, RolledOverAfterTheLastPopAreLeftToTheNextBurst) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	// 5 roll over before the data read; 15 left (23..37); 20 more by the look: 3 roll over
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(37) + kMs, Taken(57) + kMs), 17);
	EXPECT_EQ(recs_[0].lost, 5u);
	ASSERT_EQ(Acquire(Taken(59) + kMs, &status, Taken(39)), 32);
	EXPECT_EQ(recs_[0].lost, 5u) << "3 before the look, 2 after it";
	ExpectRecordsTrue();
	EXPECT_EQ(acq_.lost, 10u);
}

// A slow bus at a high rate (100 kHz, 1600 Hz: 32 samples take 28 periods on the wire): the pops
// keep up with the chip, which takes 28 more while the burst is read. The look finds FIFO_RD_PTR
// moved by the pops alone; the time says 28 were taken, and 28 are held: nothing rolled over.
// (Judged by the time to the end of the read alone, 28 would have made it a FIFO: 32 made up.)
TEST_F(Max30102PowerCycle, ASlowBusCountsNoRollOverThatDidNotHappen) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	// A_FULL at 34 unanswered; 32 unread at 49, read at once, the read ends 28 periods later
	ASSERT_EQ(Acquire(Taken(49) + kMs, &status, 0, 0, Taken(49 + 28) + kMs), 32);
	EXPECT_EQ(looks_, 1u);
	EXPECT_EQ(recs_[0].lost, 0u);
	ASSERT_EQ(Acquire(Taken(49 + 31) + kMs, &status), 31);
	ExpectRecordsTrue();
	EXPECT_EQ(acq_.lost, 0u);
	EXPECT_EQ(acq_.late_rollovers, 0u);
}

// ... and when 31 or more rolled over after the last pop as well, OVF_COUNTER cannot say how many
// came before it: the look's count is split as if 31 came after, and the next burst, whose
// FIFO_RD_PTR reference follows that split, counts the rest. The total is exact.
TEST_F(Max30102PowerCycle, RolledOverPast31AfterTheLastPopAreCountedInTheTotal) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	// 5 roll over before the data read; 15 left (23..37); 55 more by the look: 38 roll over
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17), Taken(37) + kMs, Taken(92) + kMs), 17);
	EXPECT_EQ(recs_[0].lost, 12u) << "5 before, 38 after: 12 and 31";
	ASSERT_EQ(Acquire(Taken(94) + kMs, &status), 32); // 2 more: 63..94
	EXPECT_EQ(recs_[0].lost, 33u);
	EXPECT_EQ(acq_.lost, 45u);
	EXPECT_EQ(recs_.back().red, 94u);
	EXPECT_EQ(recs_.back().seq, 94u - 1) << "sample 94 numbered as the chip's 94th: nothing miscounted";
}

// An overflow burst reads a full FIFO: a sample taken before its first pop rolls over too, and
// OVF_COUNTER loses it at the pop. A burst of 31 or 32 always looks again; it finds 0 or 1.
TEST_F(Max30102PowerCycle, AFullFifoIsLookedAtAgainAfterItsRead) {
	ASSERT_NO_FATAL_FAILURE(StartRamp(kT0 + 1000 * kMs));
	uint8_t status;
	ASSERT_EQ(Acquire(Taken(17) + kMs, &status, Taken(17)), 17);
	ASSERT_EQ(looks_, 0u);
	// 10 lost by the pointer read; one more before the data read's first pop
	ASSERT_EQ(Acquire(Taken(59) + kMs, &status, 0, Taken(60) + kMs), 32);
	EXPECT_EQ(looks_, 1u);
	EXPECT_EQ(recs_[0].lost, 11u);
	ASSERT_EQ(Acquire(Taken(92) + kMs, &status, 0, Taken(92) + 2 * kMs), 32);
	EXPECT_EQ(looks_, 2u);
	ExpectRecordsTrue();
}

// When no sample can have rolled over, nothing is read again: the look costs a transfer only
// when the time from the pointer read to the last pop reaches the free space (the chip's clock
// taken 1/16 fast), always for 31 or 32, and never in a drain after the shutdown.
// A look that failed leaves the roll-overs before the burst's first pop uncounted: FIFO_RD_PTR
// stays known as if there were none (no pop moves it between bursts), and the next burst counts
// its move beyond OVF_COUNTER as those roll-overs, not as samples a failed read popped.
TEST(Max30102Acq, AFailedLookLeavesItsRollOversToTheNextBurst) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	EXPECT_TRUE(acq.next_rd_known) << "the configuration cleared the pointers";
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	Burst(&acq, buf.data(), 17, 0, 0, 0, MXRT_ACQ_ROLLED_UNKNOWN, 0, 1'000'000'000, out);
	EXPECT_TRUE(acq.next_rd_known);
	EXPECT_TRUE(acq.rolled_pending);
	EXPECT_EQ(acq.look_errors, 1u);
	EXPECT_EQ(acq.next_rd, 17u);
	EXPECT_EQ(out[0].lost, 0u) << "not known yet";
	Burst(&acq, buf.data(), 17, 0, 0, 22, 0, 0, 1'220'000'000, out);
	EXPECT_EQ(out[0].lost, 5u) << "FIFO_RD_PTR moved 5 beyond OVF_COUNTER";
	EXPECT_EQ(acq.late_rollovers, 1u);
	EXPECT_EQ(acq.lost_unseen, 0u);
	EXPECT_FALSE(acq.rolled_pending);
	EXPECT_EQ(acq.next_rd, 7u);
	Burst(&acq, buf.data(), 17, 0, 0, 9, 0, 0, 1'410'000'000, out);
	EXPECT_EQ(out[0].lost, 2u) << "and a move beyond it after a look that worked is lost_unseen";
	EXPECT_EQ(acq.lost_unseen, 2u);
}

// Looks that could not tell (MXRT_ACQ_ROLLED_UNSURE) leave the roll-overs to the next burst, as a
// failed look does, without counting an error; the times of the two bursts' reads then say how
// many FIFOs. 100 Hz: 17 read at sample 16; 32 at sample 60 (12 rolled over, FIFO_RD_PTR 29);
// held off 37 periods before the first pop (37 more rolled over), popped at once; 17 at sample
// 114 (FIFO_RD_PTR 2: 5 beyond where the unsure burst left it, or 37).
TEST(Max30102Acq, AnUnsureLookLeavesItsRollOversToTheNextBurst) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	const uint64_t p = acq.period_ns, t0 = 1'000'000'000;
	auto t = [&](uint64_t k) { return t0 + k * p; };
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	Burst(&acq, buf.data(), 17, 0, 0, 0, 0, 0, t(16), out);
	Burst(&acq, buf.data(), 32, 0, 12, 29, MXRT_ACQ_ROLLED_UNSURE, 0, t(60), out);
	EXPECT_EQ(out[0].lost, 12u) << "OVF_COUNTER's, the rest not known yet";
	EXPECT_EQ(out[31].seq, 60u);
	EXPECT_TRUE(acq.rolled_pending);
	EXPECT_EQ(acq.look_errors, 0u) << "no look failed";
	Burst(&acq, buf.data(), 17, 0, 0, 2, 0, 0, t(114), out);
	EXPECT_EQ(out[0].lost, 37u);
	EXPECT_EQ(acq.lost_estimated, 1u) << "a FIFO the time picked";
	EXPECT_EQ(out[0].seq, 98u);
	EXPECT_EQ(acq.lost, 49u);
	EXPECT_EQ(acq.late_rollovers, 1u);
	EXPECT_EQ(acq.lost_unseen, 0u);
}

// A gap of days (reads failing for that long) with FIFO_RD_PTR known: the FIFOs are counted in
// one step (the kernel must not loop over them), and lost stops at 2^32 - 1, seq following it.
TEST(Max30102Acq, AGapOfDaysIsCountedInOneStep) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 3200, 1, 69);
	const uint64_t p = acq.period_ns, t0 = 1'000'000'000;
	std::vector<uint8_t> buf(6 * 32);
	mxrt_max30102_record out[32];
	Burst(&acq, buf.data(), 17, 0, 0, 0, 0, 0, t0 + 16 * p, out);
	for (uint64_t gap : {1000ull, 5'000'000'000ull}) { // 5e9 periods: 18 days at 3200 Hz
		const uint64_t seq = out[16].seq, ts = out[16].timestamp_ns;
		const uint8_t rd = uint8_t((acq.next_rd + gap) & 31);
		Burst(&acq, buf.data(), 32, 0, 31, rd, 0, 0, ts + (gap + 32) * p, out);
		EXPECT_EQ(out[0].lost, std::min<uint64_t>(gap, 0xffffffffull)) << gap;
		EXPECT_EQ(out[0].seq, seq + 1 + out[0].lost) << gap << ": the sequence rule, with lost capped";
		Burst(&acq, buf.data(), 17, 0, 0, uint8_t(acq.next_rd), 0, 0, out[31].timestamp_ns + 17 * p, out);
	}
}

// mxrt_acq_rolled for pointers read at @read_ts (FIFO_RD_PTR @rd) and again at @after_ts, each
// transfer taking no time
static uint32_t Rolled(mxrt_acq *acq, uint32_t n, uint8_t rd, uint8_t wr_after, uint8_t ovf_after,
		       uint8_t rd_after, uint64_t read_ts, uint64_t after_ts) {
	const mxrt_acq_ptrs r{read_ts, read_ts, 0, 0, rd};
	const mxrt_acq_ptrs a{after_ts, after_ts, wr_after, ovf_after, rd_after};
	int sure;
	return mxrt_acq_rolled(acq, n, &r, &a, &sure);
}

TEST(Max30102Acq, RollOverIsLookedForOnlyWhenTheTimeAllowsIt) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411); // 10 ms
	const uint64_t t = 1'000'000'000;
	// 17 read: 15 free, a 16th sample needs 15 periods (14 at least, after the first)
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 17, t, t + 100 * kMs));
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 17, t, t + 131 * kMs));
	EXPECT_TRUE(mxrt_acq_roll_possible(&acq, 17, t, t + 132 * kMs));
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 1, t, t + 280 * kMs));
	EXPECT_TRUE(mxrt_acq_roll_possible(&acq, 31, t, t));
	EXPECT_TRUE(mxrt_acq_roll_possible(&acq, 32, t, t));
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 0, t, t + 1000 * kMs));
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 33, t, t)) << "no such burst";
	mxrt_acq_stopping(&acq, 0, 0);
	EXPECT_FALSE(mxrt_acq_roll_possible(&acq, 32, t, t + 1000 * kMs)) << "the shutdown stopped sampling";
	// the count: FIFO_RD_PTR beyond the pops, less what OVF_COUNTER holds since the last pop;
	// (n, rd, wr_after, ovf_after, rd_after): 17 read from rd 3, so WR was at 20 then
	EXPECT_EQ(Rolled(&acq, 17, 3, 20, 0, 20, t, t + 1 * kMs), 0u);
	// held off 20 periods before the first pop: 5 rolled over; 15 held at the look
	EXPECT_EQ(Rolled(&acq, 17, 3, 8, 0, 25, t, t + 200 * kMs), 5u);
	// ... and 19 more by a look 39 periods in: full again, 2 rolled over since the last pop
	EXPECT_EQ(Rolled(&acq, 17, 3, 27, 2, 27, t, t + 390 * kMs), 5u) << "2 more since the pop";
	EXPECT_EQ(Rolled(&acq, 17, 20, 25, 0, 10, t, t + 200 * kMs), 5u) << "the pointer wraps at 32";
	EXPECT_EQ(Rolled(&acq, 32, 9, 9, 0, 9, t, t + 2 * kMs), 0u);
	EXPECT_EQ(Rolled(&acq, 32, 9, 10, 0, 10, t, t + 12 * kMs), 1u);
	// 75 periods before the first pop, 15 held: 60 (FIFO_RD_PTR says 28: not 28 or 92)
	EXPECT_EQ(Rolled(&acq, 17, 3, 31, 0, 16, t, t + 750 * kMs), 60u);
	// 5 rolled over before the first pop (20 periods), 38 after the last (75 periods in all):
	// OVF_COUNTER says 31, so the 43 are split as 12 and 31; the next burst counts the other 7
	EXPECT_EQ(Rolled(&acq, 17, 3, 31, 31, 31, t, t + 750 * kMs), 12u);
	// A slow bus at a high rate: 32 read while the chip took 28 more (the pops kept up, nothing
	// rolled over); the time is 28 periods, all of them held: none rolled over, not 32.
	EXPECT_EQ(Rolled(&acq, 32, 9, 9 + 28, 0, 9, t, t + 280 * kMs), 0u);
	// equal pointers after 40 periods without OVF_COUNTER: the FIFO is full again, none rolled over
	EXPECT_EQ(Rolled(&acq, 32, 9, 9, 0, 9, t, t + 320 * kMs), 0u);
}

// The chip latches the pointers somewhere in a transfer; the thread can be woken long after it
// returns. Read at t, 17 samples from FIFO_RD_PTR 3.
TEST(Max30102Acq, RollOversAreCountedHoweverLateTheThreadWokeAfterAPointerRead) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411); // 10 ms
	const uint64_t t = 1'000'000'000;
	// the count, and whether the look could tell it (mxrt_acq_rolled's *sure)
	using Look = std::pair<uint32_t, int>;
	const auto rolled = [&](uint32_t n, const mxrt_acq_ptrs &first, const mxrt_acq_ptrs &again) {
		int sure = -1;
		const uint32_t count = mxrt_acq_rolled(&acq, n, &first, &again, &sure);
		return Look{count, sure};
	};
	const mxrt_acq_ptrs read{t, t + 1 * kMs, 20, 0, 3};
	// Latched again 20 periods in, 5 rolled over and 15 held, the thread woken 17 periods later:
	// by the ends alone, 37 periods, 22 rolled over: a FIFO more than 5 (so counted before)
	const mxrt_acq_ptrs late{t + 200 * kMs, t + 370 * kMs, 8, 0, 25};
	EXPECT_EQ(rolled(17, read, late), (Look{5, 1}));
	// Woken 17 periods late after the first read: latched again 69 periods in, 54 rolled over
	// (FIFO_RD_PTR says 22) and 15 held; by the ends alone 52 periods, 37 rolled over: 22
	const mxrt_acq_ptrs read_late{t, t + 170 * kMs, 20, 0, 3};
	const mxrt_acq_ptrs again{t + 690 * kMs, t + 691 * kMs, 25, 0, 10};
	EXPECT_EQ(rolled(17, read_late, again), (Look{54, 1}));
	EXPECT_EQ(acq.looks_unsure, 0u);
	// Held off from 20 periods to 50 on the second read: 5 and 37 both fit; the ends pick
	// (50 periods, 35 rolled over by them: 37), and the glue is told to look again
	const mxrt_acq_ptrs wide{t + 200 * kMs, t + 500 * kMs, 8, 0, 25};
	EXPECT_EQ(rolled(17, read, wide), (Look{37, 0}));
	EXPECT_EQ(acq.looks_unsure, 1u);
	// ... which, quick this time (50 periods in: 32 held, 13 more rolled over since the last
	// pop), fits one
	const mxrt_acq_ptrs quick{t + 501 * kMs, t + 502 * kMs, 6, 13, 6};
	EXPECT_EQ(rolled(17, read, quick), (Look{5, 1}));
	// without the transfers' start times (0), the ends alone, as before
	const mxrt_acq_ptrs read_end{0, t + 1 * kMs, 20, 0, 3}, late_end{0, t + 370 * kMs, 8, 0, 25};
	EXPECT_EQ(rolled(17, read_end, late_end), (Look{37, 0}));
	// Equal pointers, nothing rolled over since the last pop: 32 read at t (full), held off 40
	// periods before the data read (40 rolled over), popped within a period and looked at on
	// time: empty, 40. But 32 samples could have come since the read: full, 8 (the ends say),
	// is as likely by the time alone; the glue is told to look again
	const mxrt_acq_ptrs full_read{t, t + 1 * kMs, 0, 0, 0};
	const mxrt_acq_ptrs emptied{t + 401 * kMs, t + 402 * kMs, 8, 0, 8};
	EXPECT_EQ(rolled(32, full_read, emptied), (Look{8, 0}));
	// ... and a period later the sample that came tells: one held, so empty before, 40
	const mxrt_acq_ptrs later{t + 411 * kMs, t + 412 * kMs, 9, 0, 8};
	EXPECT_EQ(rolled(32, full_read, later), (Look{40, 1}));
	// Had a slow bus kept up with the chip instead (full again at 32 periods, nothing rolled
	// over), the sample that came would have rolled over: full, none before the last pop
	const mxrt_acq_ptrs refilled{t + 331 * kMs, t + 332 * kMs, 1, 1, 1};
	EXPECT_EQ(rolled(32, full_read, refilled), (Look{0, 1}));
	// fewer than 32 periods since the read (held off 25): it cannot be full again, 25 rolled over
	const mxrt_acq_ptrs soon{t + 250 * kMs, t + 251 * kMs, 25, 0, 25};
	EXPECT_EQ(rolled(32, full_read, soon), (Look{25, 1}));
	// a first read that took over 8 periods is read again, before anything is popped
	EXPECT_FALSE(mxrt_acq_read_again(&acq, &read));
	const mxrt_acq_ptrs eight{t, t + 80 * kMs, 20, 0, 3}, more{t, t + 81 * kMs, 20, 0, 3};
	EXPECT_FALSE(mxrt_acq_read_again(&acq, &eight));
	EXPECT_TRUE(mxrt_acq_read_again(&acq, &more));
	EXPECT_TRUE(mxrt_acq_read_again(&acq, &read_late));
	EXPECT_FALSE(mxrt_acq_read_again(&acq, &late_end)) << "without its start, not known";
	EXPECT_EQ(acq.reads_again, 2u);
}

// A drain that failed is retried after a second shutdown write: the chip stopped at the first.
TEST(Max30102Acq, ARetriedDrainKeepsTheFirstShutdownsTime) {
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411);
	mxrt_acq_stopping(&acq, 1000, 2000);
	mxrt_acq_stopping(&acq, 5000, 6000);
	EXPECT_EQ(acq.stop_from, 1000u);
	EXPECT_EQ(acq.stop_to, 2000u);
	mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411); // sampling again
	mxrt_acq_stopping(&acq, 5000, 6000);
	EXPECT_EQ(acq.stop_from, 5000u);
	EXPECT_EQ(acq.stop_to, 6000u);
}

// OVF_COUNTER saturated: FIFO_RD_PTR says how many were lost modulo 32, the time how many FIFOs.
// 17 read at sample 16; the chip then fills the FIFO by sample 48 and rolls over 52 by sample 100.
// A thread woken 17 periods after the pointer read (or the shutdown's write, for a drain) put the
// newest sample that late by the read's end alone, and counted 84.
TEST(Max30102Acq, ASaturatedOverflowIsCountedHoweverLateTheThreadWokeAfterTheRead) {
	// @starts: the transfers' start times known (0 if not: the ends alone, which count 84)
	const auto lost = [](bool drain, bool starts) {
		mxrt_acq acq{};
		mxrt_acq_configure(&acq, MAX30102_MODE_SPO2, 100, 1, 411); // 10 ms
		const uint64_t p = acq.period_ns, t0 = 1'000'000'000;
		auto t = [&](uint64_t k) { return t0 + k * p; };
		auto start = [&](uint64_t ts) { return starts ? ts : 0; };
		std::vector<uint8_t> buf(6 * 32);
		mxrt_max30102_record out[32];
		const mxrt_acq_ptrs first{start(t(16)), t(16), 17, 0, 0};
		mxrt_acq_burst(&acq, buf.data(), 17, 0, &first, 0, 0, t(16), out);
		EXPECT_EQ(out[16].seq, 16u);
		mxrt_acq_ptrs read{start(t(100) - p / 20), t(117), 5, 31, 5};
		if (drain) { // shut down at sample 100, the drain's read quick and long after
			mxrt_acq_stopping(&acq, start(t(100) + p / 10), t(117) + p / 10);
			read = {start(t(130)), t(130) + p / 10, 5, 31, 5};
		}
		mxrt_acq_burst(&acq, buf.data(), 32, 0, &read, 0, 0, read.end_ts, out);
		EXPECT_EQ(acq.lost, out[0].lost);
		if (drain && starts) { // the newest (sample 100) at the middle of the shutdown's write
			EXPECT_EQ(out[31].timestamp_ns, t(100) + p / 10 + 17 * p / 2);
		} else if (drain) { // ... or at its end
			EXPECT_EQ(out[31].timestamp_ns, t(117) + p / 10);
		}
		return out[0].lost;
	};
	EXPECT_EQ(lost(false, true), 52u);
	EXPECT_EQ(lost(true, true), 52u) << "the drain";
	EXPECT_EQ(lost(false, false), 84u) << "by the read's end alone";
	EXPECT_EQ(lost(true, false), 84u) << "by the shutdown write's end alone";
}

// A configuration whose writes failed part-way leaves the chip STALE and shut down, its FIFO read
// out before the writes. If they stopped between FIFO_WR_PTR = 0 and FIFO_RD_PTR = 0, the
// pointers say the FIFO holds (0 - RD) % 32 samples: old bytes, not samples. The retry must not
// read them out as records: nothing was sampled since the drain.
TEST_F(Max30102PowerCycle, ConfigurationFailedPartWayLeavesNothingToDrain) {
	uint8_t status;
	ASSERT_EQ(Acquire(kT0 + 55 * kMs, &status), 5); // the pointers at 5
	uint32_t wr_ptr = 0;
	mxrt_reg_write w[MXRT_MAX30102_CONFIG_WRITES];
	mxrt_max30102_config_writes(&c_, 1, w);
	while (w[wr_ptr].reg != MAX30102_REG_FIFO_WR_PTR)
		wr_ptr++;
	EXPECT_EQ(ApplyFailingAfter(kT0 + 60 * kMs, wr_ptr + 1), -MXRT_EIO) << "stops after FIFO_WR_PTR";
	const uint64_t next = acq_.next_seq; // the drain read the sample taken at +60 ms
	EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_APPLY);
	EXPECT_NE(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR), mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR));
	EXPECT_FALSE(mxrt_acq_drain_needed(&acq_)) << "read out before the writes";
	recs_.clear();
	ASSERT_EQ(ApplyFailingAfter(kT0 + 100 * kMs, MXRT_MAX30102_CONFIG_WRITES), 0) << "the retry";
	EXPECT_TRUE(recs_.empty()) << recs_.size() << " records made up from old FIFO bytes";
	ASSERT_EQ(Acquire(kT0 + 300 * kMs, &status), 20);
	EXPECT_EQ(recs_[0].seq, next);
	EXPECT_EQ(recs_[0].flags, MXRT_MAX30102_REC_RESTART);
	// a drain that failed (no mxrt_acq_drained) is still needed at the retry
	EXPECT_EQ(Stop(kT0 + 310 * kMs), 0);
	EXPECT_EQ(mxrt_acq_applied(&acq_, &c_, -MXRT_EIO), -MXRT_EIO);
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq_));
}

// A power cycle while the driver reads: the next status read has PWR_RDY (its interrupt is the
// chip's), the chip is counted and made STALE, the configuration is written again, and sampling
// goes on with a RESTART record whose seq continues the stream (what the FIFO held is gone,
// uncounted: nothing is made up for it).
TEST_F(Max30102PowerCycle, PwrRdyInTheStatusRestartsTheChip) {
	uint8_t status;
	ASSERT_EQ(Acquire(kT0 + 200 * kMs, &status), 20);
	EXPECT_TRUE(recs_[0].flags & MXRT_MAX30102_REC_RESTART);
	const uint64_t next = recs_.back().seq + 1;
	EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_READ);

	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, kT0 + 250 * kMs), 0);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG), 0) << "power-on: not sampling";
	EXPECT_EQ(Acquire(kT0 + 260 * kMs, &status), 0) << "nothing of ours in a power-on FIFO";
	EXPECT_EQ(status & MAX30102_INT_PWR_RDY, MAX30102_INT_PWR_RDY);
	mxrt_irq_health h{};
	EXPECT_EQ(mxrt_irq_health_irq(&h, status, 0, kT0), MXRT_IRQ_VERDICT_HANDLED) << "the chip asked";
	EXPECT_EQ(h.spurious, 0u);
	EXPECT_EQ(acq_.chip_resets, 1u);
	EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_APPLY) << "configured again, as after a bus error";
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq_));
	EXPECT_EQ(mxrt_acq_status_seen(&acq_, MAX30102_INT_PWR_RDY), 0) << "already STALE: counted once";
	EXPECT_EQ(acq_.chip_resets, 1u);

	ASSERT_EQ(Apply(kT0 + 260 * kMs), 0);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG), MAX30102_MODE_SPO2) << "sampling again";
	ASSERT_EQ(Acquire(kT0 + 430 * kMs, &status), 17);
	EXPECT_EQ(status & MAX30102_INT_PWR_RDY, 0);
	EXPECT_EQ(recs_[0].seq, next) << "seq continues";
	EXPECT_EQ(recs_[0].lost, 0u);
	EXPECT_EQ(recs_[0].flags & (MXRT_MAX30102_REC_RESTART | MXRT_MAX30102_REC_FIFO_OVERFLOW),
		  MXRT_MAX30102_REC_RESTART);
	EXPECT_FALSE(recs_[1].flags & MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(acq_.chip_resets, 1u);
	EXPECT_EQ(acq_.lost, 0u);
}

// PWR_RDY read away (by someone else, or by a status read whose pointer read then failed) and the
// interrupt lost: the lost-interrupt watchdog's look finds an empty FIFO in a chip that should be
// sampling, and only then asks for MODE_CONFIG, which shows the power-on value.
TEST_F(Max30102PowerCycle, UnseenResetIsFoundByTheWatchdogsLook) {
	uint8_t status;
	ASSERT_EQ(Acquire(kT0 + 200 * kMs, &status), 20);
	const uint64_t next = recs_.back().seq + 1;
	EXPECT_EQ(mxrt_acq_mode_seen(&acq_, &c_, mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG)), 0)
		<< "configured as applied";
	const uint32_t wd = MXRT_THREAD_ACQUIRE | MXRT_THREAD_WATCHDOG;
	EXPECT_EQ(mxrt_irq_health_check_chip(&acq_, wd, 3), 0) << "samples: the chip samples";
	EXPECT_EQ(mxrt_irq_health_check_chip(&acq_, wd, -MXRT_EIO), 0) << "a bus error is retried as such";
	EXPECT_EQ(mxrt_irq_health_check_chip(&acq_, MXRT_THREAD_ACQUIRE, 0), 0) << "no look on the IRQ path";

	ASSERT_EQ(mxrt_sim_control(sim_, "power_on=1", 10, kT0 + 250 * kMs), 0);
	Read(MAX30102_REG_INT_STATUS1, 1, kT0 + 251 * kMs); // PWR_RDY gone, unseen by the core
	EXPECT_EQ(Acquire(kT0 + 470 * kMs, &status), 0);
	EXPECT_EQ(status, 0);
	EXPECT_EQ(acq_.chip_resets, 0u) << "nothing in the status says so";
	ASSERT_EQ(mxrt_irq_health_check_chip(&acq_, wd, 0), 1) << "an empty FIFO after a whole window";
	EXPECT_EQ(mxrt_acq_mode_seen(&acq_, &c_, mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG)), 1);
	EXPECT_EQ(acq_.chip_resets, 1u);
	EXPECT_EQ(mxrt_acq_begin(&acq_), MXRT_ACQ_APPLY);
	EXPECT_EQ(mxrt_irq_health_check_chip(&acq_, wd, 0), 0) << "STALE: the retry path has it";
	EXPECT_EQ(mxrt_acq_mode_seen(&acq_, &c_, 0), 0) << "counted once";

	ASSERT_EQ(Apply(kT0 + 470 * kMs), 0);
	ASSERT_EQ(Acquire(kT0 + 640 * kMs, &status), 17);
	EXPECT_EQ(recs_[0].seq, next);
	EXPECT_TRUE(recs_[0].flags & MXRT_MAX30102_REC_RESTART);
	EXPECT_EQ(acq_.chip_resets, 1u);
}

// Every other MODE_CONFIG than the one applied is a reset chip (SHDN set, another mode, the
// power-on 0); a chip that is OFF or STALE is configured anyway and is not counted.
TEST(Max30102ChipReset, OnlyARunningChipIsJudged) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_PWR_RDY), 0) << "OFF: the resume configures it";
	EXPECT_EQ(mxrt_acq_mode_seen(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_irq_health_check_chip(&acq, MXRT_THREAD_WATCHDOG, 0), 0);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_A_FULL | MAX30102_INT_PPG_RDY), 0);
	EXPECT_EQ(mxrt_acq_mode_seen(&acq, &c, MAX30102_MODE_SPO2), 0);
	for (uint8_t m : {uint8_t(0), uint8_t(MAX30102_MODE_SHDN | MAX30102_MODE_SPO2), uint8_t(MAX30102_MODE_HR)}) {
		ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
		EXPECT_EQ(mxrt_acq_mode_seen(&acq, &c, m), 1) << int(m);
	}
	EXPECT_EQ(acq.chip_resets, 3u);
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_ENXIO), -MXRT_ENXIO);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_PWR_RDY), 0) << "STALE: written again anyway";
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_PWR_RDY | MAX30102_INT_A_FULL), 1);
	EXPECT_EQ(acq.chip_resets, 4u);
}

// resets_seen counts every reset found, sampling or not (chip_resets: only a sampling chip's): a
// die temperature conversion started before one is void (the driver read its cleared registers
// as 0 °C), whether the chip was sampling or not.
TEST(Max30102ChipReset, EveryResetFoundIsSeenSamplingOrNot) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_PWR_RDY), 0) << "OFF: not a sampling chip's";
	EXPECT_EQ(acq.resets_seen, 1u);
	EXPECT_EQ(acq.chip_resets, 0u);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_A_FULL | MAX30102_INT_PPG_RDY), 0);
	EXPECT_EQ(acq.resets_seen, 1u);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_status_seen(&acq, MAX30102_INT_PWR_RDY), 1);
	EXPECT_EQ(acq.resets_seen, 2u);
	EXPECT_EQ(acq.chip_resets, 1u);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	mxrt_acq_mode_before_stop(&acq, 0 /* FIFO_CONFIG's power-on value: no ROLLOVER_EN */, 0);
	EXPECT_EQ(acq.resets_seen, 3u);
}

TEST(Max30102Bus, TimeoutParameter) {
	EXPECT_EQ(mxrt_bus_check_timeout(MXRT_BUS_TIMEOUT_MS_DEFAULT), 0);
	EXPECT_EQ(mxrt_bus_check_timeout(50), 0);
	EXPECT_EQ(mxrt_bus_check_timeout(49), -MXRT_EINVAL) << "shorter than a configuration at 100 kHz";
	EXPECT_EQ(mxrt_bus_check_timeout(60000), 0);
	EXPECT_EQ(mxrt_bus_check_timeout(60001), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_bus_check_timeout(0), -MXRT_EINVAL);
}

TEST(Max30102Pm, AutosuspendParameter) {
	EXPECT_EQ(mxrt_pm_check_autosuspend(0), 0);
	EXPECT_EQ(mxrt_pm_check_autosuspend(1000), 0);
	EXPECT_EQ(mxrt_pm_check_autosuspend(MXRT_AUTOSUSPEND_MS_MAX), 0);
	EXPECT_EQ(mxrt_pm_check_autosuspend(MXRT_AUTOSUSPEND_MS_MAX + 1), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_pm_check_autosuspend(0x80000000u), -MXRT_EINVAL) << "a negative int: never suspend";
}

// A stuck sequence: counted once however often its watchdog repeats; the adapter's bus recovery
// at every expiry where the adapter has one; either way the chip is re-initialised once, by the
// next acquisition (STALE: the whole configuration after the FIFO was read out), and the thread
// is told to acquire meanwhile even with a working IRQ.
TEST(Max30102Bus, StuckSequenceIsRecoveredThenTheChipReinitialised) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	mxrt_bus_health b{};
	mxrt_irq_health h{};
	const uint64_t t = 5'000'000'000;
	mxrt_irq_health_looked(&h, t);
	EXPECT_FALSE(mxrt_bus_reinit_pending(&b));
	EXPECT_EQ(mxrt_bus_take_reinit(&b, &acq), 0);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_READ) << "nothing happened yet";

	uint32_t steps = mxrt_bus_stuck(&b, 1, 1);
	EXPECT_EQ(steps, unsigned(MXRT_BUS_FIRST | MXRT_BUS_RECOVER));
	mxrt_bus_recovered(&b, steps, 0);
	steps = mxrt_bus_stuck(&b, 2, 1); // still stuck one budget later: recover again, no new count
	EXPECT_EQ(steps, unsigned(MXRT_BUS_RECOVER));
	mxrt_bus_recovered(&b, steps, -MXRT_EIO);
	EXPECT_EQ(b.stuck, 1u);
	EXPECT_EQ(b.expiries, 2u);
	EXPECT_EQ(b.recoveries, 1u);
	EXPECT_EQ(b.recovery_errors, 1u);
	EXPECT_EQ(b.no_recovery, 0u);
	EXPECT_TRUE(mxrt_bus_reinit_pending(&b));
	EXPECT_EQ(mxrt_irq_health_thread(&h, &b, &acq, 1, t + 1 * kMs), unsigned(MXRT_THREAD_ACQUIRE))
		<< "the thread re-initialises the chip without waiting for an interrupt";

	EXPECT_EQ(mxrt_bus_take_reinit(&b, &acq), 1);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_APPLY) << "the whole configuration again";
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq)) << "after the FIFO was read out";
	EXPECT_EQ(mxrt_bus_take_reinit(&b, &acq), 0) << "once";
	EXPECT_EQ(b.reinits, 1u);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &b, &acq, 1, t + 2 * kMs), unsigned(MXRT_THREAD_ACQUIRE))
		<< "stale until configured";
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_irq_health_thread(&h, &b, &acq, 1, t + 2 * kMs), 0u);
	mxrt_max30102_record r[1];
	const uint8_t sample[6] = {};
	mxrt_acq_decode(&acq, sample, 1, 0, 0, 0, t, 0, r);
	EXPECT_TRUE(r[0].flags & MXRT_MAX30102_REC_RESTART) << "readers see the chip was restarted";

	// an adapter without a bus recovery: counted, the adapter's own timeout ends the transfer
	steps = mxrt_bus_stuck(&b, 1, 0);
	EXPECT_EQ(steps, unsigned(MXRT_BUS_FIRST));
	mxrt_bus_recovered(&b, steps, 0);
	EXPECT_EQ(b.no_recovery, 1u);
	EXPECT_EQ(b.recoveries, 1u);
	EXPECT_EQ(b.stuck, 2u);
	// a suspended chip stays off: its resume writes everything anyway
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_RUNTIME, 0), 0);
	EXPECT_EQ(mxrt_bus_take_reinit(&b, &acq), 1);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_SKIP);
}

// Raised above the threshold, lowered once the backlog halves; only the raised thread lowers
// itself; a raise the scheduler refused is not remembered; the parameters refuse values that
// would never lower (threshold < 2) or are no SCHED_FIFO priority.
TEST(Max30102Boost, Hysteresis) {
	mxrt_boost b{};
	int irq_thread = 0, poll_thread = 0; // only their addresses matter
	auto step = mxrt_boost_decide(&b, 28, 28, 0, 80, &irq_thread, 50);
	EXPECT_EQ(step.action, unsigned(MXRT_BOOST_NONE)) << "at the threshold";
	step = mxrt_boost_decide(&b, 29, 28, 0, 80, &irq_thread, 80);
	EXPECT_EQ(step.action, unsigned(MXRT_BOOST_NONE)) << "already that high";
	step = mxrt_boost_decide(&b, 29, 28, 0, 80, &irq_thread, 50);
	ASSERT_EQ(step.action, unsigned(MXRT_BOOST_RAISE));
	EXPECT_EQ(step.fifo, 1u);
	EXPECT_EQ(step.prio, 80u);
	mxrt_boost_done(&b, &step, &irq_thread, -MXRT_EPERM);
	EXPECT_EQ(b.boosted, 0u) << "refused";
	mxrt_boost_done(&b, &step, &irq_thread, 0);
	EXPECT_EQ(b.boosted, 1u);
	EXPECT_EQ(b.boosts, 1u);
	EXPECT_EQ(mxrt_boost_decide(&b, 15, 28, 0, 80, &irq_thread, 80).action, unsigned(MXRT_BOOST_NONE));
	EXPECT_EQ(mxrt_boost_decide(&b, 14, 28, 0, 80, &poll_thread, 50).action, unsigned(MXRT_BOOST_NONE))
		<< "not the raised thread";
	step = mxrt_boost_decide(&b, 14, 28, 0, 80, &irq_thread, 80);
	ASSERT_EQ(step.action, unsigned(MXRT_BOOST_LOWER));
	EXPECT_EQ(step.fifo, 1u);
	EXPECT_EQ(step.prio, 50u);
	mxrt_boost_done(&b, &step, &irq_thread, 0);
	EXPECT_EQ(b.boosted, 0u);
	// a SCHED_NORMAL thread goes back to SCHED_NORMAL
	step = mxrt_boost_decide(&b, 32, 28, 0, 80, &poll_thread, 0);
	mxrt_boost_done(&b, &step, &poll_thread, 0);
	step = mxrt_boost_decide(&b, 1, 28, 0, 80, &poll_thread, 80);
	EXPECT_EQ(step.action, unsigned(MXRT_BOOST_LOWER));
	EXPECT_EQ(step.fifo, 0u);
	mxrt_boost_forget(&b, &irq_thread);
	EXPECT_EQ(b.boosted, 1u);
	mxrt_boost_forget(&b, &poll_thread);
	EXPECT_EQ(b.boosted, 0u);
	for (uint32_t v : {0u, 1u, 33u, 1000u})
		EXPECT_EQ(mxrt_boost_check_threshold(v), -MXRT_EINVAL) << v;
	for (uint32_t v : {2u, 28u, 32u})
		EXPECT_EQ(mxrt_boost_check_threshold(v), 0) << v;
	// at or below the threads' own SCHED_FIFO 50 a boost would change nothing
	for (uint32_t v : {0u, 1u, 50u, 100u})
		EXPECT_EQ(mxrt_boost_check_prio(v), -MXRT_EINVAL) << v;
	for (uint32_t v : {51u, 80u, 99u})
		EXPECT_EQ(mxrt_boost_check_prio(v), 0) << v;
	// the smallest threshold still lowers
	mxrt_boost m{};
	step = mxrt_boost_decide(&m, 3, MXRT_BOOST_THRESHOLD_MIN, 0, 80, &irq_thread, 50);
	mxrt_boost_done(&m, &step, &irq_thread, 0);
	EXPECT_EQ(mxrt_boost_decide(&m, 1, MXRT_BOOST_THRESHOLD_MIN, 0, 80, &irq_thread, 80).action,
		  unsigned(MXRT_BOOST_LOWER));
}

// Driven by the interrupt, every read finds at least fifo_almost_full (17..32) samples: a raised
// thread goes back once the excess over that halved, not the backlog itself (which it never did:
// one late burst kept the IRQ thread at boost_prio for good). A threshold at or below that level
// boosts at every read and keeps it, as asked.
TEST(Max30102Boost, LowersWhereEveryReadFindsAlmostFull) {
	mxrt_boost b{};
	int irq_thread = 0;
	auto step = mxrt_boost_decide(&b, 32, 28, 17, 80, &irq_thread, 50);
	ASSERT_EQ(step.action, unsigned(MXRT_BOOST_RAISE));
	mxrt_boost_done(&b, &step, &irq_thread, 0);
	EXPECT_EQ(mxrt_boost_decide(&b, 23, 28, 17, 80, &irq_thread, 80).action, unsigned(MXRT_BOOST_NONE))
		<< "the excess (6) is more than half the threshold's (11)";
	step = mxrt_boost_decide(&b, 18, 28, 17, 80, &irq_thread, 80);
	ASSERT_EQ(step.action, unsigned(MXRT_BOOST_LOWER)) << "a prompt read";
	EXPECT_EQ(step.prio, 50u);
	mxrt_boost_done(&b, &step, &irq_thread, 0);
	// threshold 16 under almost-full 17: raised at every read, and kept
	step = mxrt_boost_decide(&b, 17, 16, 17, 80, &irq_thread, 50);
	ASSERT_EQ(step.action, unsigned(MXRT_BOOST_RAISE));
	mxrt_boost_done(&b, &step, &irq_thread, 0);
	EXPECT_EQ(mxrt_boost_decide(&b, 17, 16, 17, 80, &irq_thread, 80).action, unsigned(MXRT_BOOST_NONE));
	EXPECT_EQ(mxrt_boost_decide(&b, 16, 16, 17, 80, &irq_thread, 80).action, unsigned(MXRT_BOOST_LOWER));
}

// Power: a failed write while suspending leaves the chip to be configured again and asks the PM
// core to retry (runtime) or lets system sleep go on; a failed resume never reaches the PM core
// (it would stick) but makes the next acquisition apply the configuration first.
TEST(Max30102Pm, BusErrorsNeverStick) {
	mxrt_acq acq{};
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_SKIP) << "off until configured";
	EXPECT_FALSE(mxrt_acq_drain_needed(&acq)) << "nothing to decode yet";
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_ENXIO), -MXRT_ENXIO);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_APPLY);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_READ);
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq));
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_RUNTIME, -MXRT_ENXIO), -MXRT_EAGAIN);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_APPLY) << "half shut down: configure again";
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_RUNTIME, 0), 0);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_SKIP);
	EXPECT_FALSE(mxrt_acq_drain_needed(&acq)) << "drained when it was shut down";
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_ETIMEDOUT), -MXRT_ETIMEDOUT);
	EXPECT_EQ(mxrt_acq_resumed(&acq, -MXRT_ETIMEDOUT), 0);
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_APPLY);
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_SYSTEM, -MXRT_ENXIO), 0) << "system sleep goes on";
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_SKIP);
}

// A system suspend goes on when the FIFO could not be read out (a bus error), but what the FIFO
// held is still the sensor's: the resume's configuration, which clears the FIFO, reads it out
// first (if the chip kept power), instead of discarding it uncounted.
TEST(Max30102Pm, SystemSuspendThatCouldNotDrainDrainsAtResume) {
	mxrt_acq acq{};
	mxrt_max30102_config c;
	mxrt_max30102_config_default(&c);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_SYSTEM, -MXRT_EIO), 0) << "system sleep goes on";
	EXPECT_EQ(mxrt_acq_begin(&acq), MXRT_ACQ_SKIP) << "off: nothing acquires while asleep";
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq)) << "the resume reads out what the suspend could not";
	EXPECT_EQ(mxrt_acq_applied(&acq, &c, -MXRT_EIO), -MXRT_EIO); // the resume's drain failed too
	EXPECT_TRUE(mxrt_acq_drain_needed(&acq));
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0); // drained, configured afresh
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_SYSTEM, 0), 0);
	EXPECT_FALSE(mxrt_acq_drain_needed(&acq)) << "drained when it was shut down";
	// and a runtime suspend after the undrained system one was resumed: nothing left over
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_SYSTEM, -MXRT_EIO), 0);
	ASSERT_EQ(mxrt_acq_applied(&acq, &c, 0), 0);
	EXPECT_EQ(mxrt_acq_suspended(&acq, MXRT_PM_RUNTIME, 0), 0);
	EXPECT_FALSE(mxrt_acq_drain_needed(&acq));
}

TEST(Max30102Temperature, DecodesTwosComplementAndSixteenths) {
	EXPECT_EQ(mxrt_max30102_temp_millic(0x24, 0x08), 36500);
	EXPECT_EQ(mxrt_max30102_temp_millic(0x00, 0x01), 62) << "1/16 degree, rounded down";
	EXPECT_EQ(mxrt_max30102_temp_millic(0xff, 0x00), -1000);
	EXPECT_EQ(mxrt_max30102_temp_millic(0xfe, 0x08), -1500) << "-2 + 8/16";
	EXPECT_EQ(mxrt_max30102_temp_millic(0x80, 0x00), -128000);
	EXPECT_EQ(mxrt_max30102_temp_millic(0x7f, 0x0f), 127937);
	EXPECT_EQ(mxrt_max30102_temp_millic(0x19, 0xf3), 25187) << "TEMP_FRAC bits 7:4 are not data";
}

// The decode against the simulator's encoding (its TEMP_INT/TEMP_FRAC after a conversion), over
// the chip's whole range: the result is the temperature rounded down to 1/16 degree.
TEST(Max30102Temperature, MatchesTheSimulatorsEncoding) {
	const uint64_t t0 = 1'000'000'000;
	mxrt_sim *sim = mxrt_sim_create(t0);
	ASSERT_NE(sim, nullptr);
	uint64_t now = t0;
	int checked = 0;
	for (int32_t milli = -40000; milli <= 85000; milli += 37) {
		char word[32];
		const int32_t a = milli < 0 ? -milli : milli;
		std::snprintf(word, sizeof(word), "temp=%s%d.%03d", milli < 0 ? "-" : "", a / 1000, a % 1000);
		ASSERT_EQ(mxrt_sim_control(sim, word, std::strlen(word), now), 0) << word;
		uint8_t start[2] = {MAX30102_REG_TEMP_CONFIG, MAX30102_TEMP_EN};
		mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 2, start};
		mxrt_u64 bus;
		ASSERT_EQ(mxrt_sim_xfer(sim, &m, 1, now, &bus), 1);
		now += 30 * kMs; // the conversion takes 29 ms
		mxrt_sim_advance(sim, now);
		ASSERT_EQ(mxrt_sim_peek(sim, MAX30102_REG_TEMP_CONFIG) & MAX30102_TEMP_EN, 0) << word;
		const int32_t got = mxrt_max30102_temp_millic(mxrt_sim_peek(sim, MAX30102_REG_TEMP_INT),
							      mxrt_sim_peek(sim, MAX30102_REG_TEMP_FRAC));
		// floor(milli / 62.5) sixteenths, in m°C rounded down
		const int64_t sixteenths = (int64_t(milli) * 16 - (milli < 0 ? 999 : 0)) / 1000;
		EXPECT_EQ(got, int32_t(sixteenths * 625 / 10 - (sixteenths < 0 && (sixteenths * 625) % 10 ? 1 : 0))) << word;
		EXPECT_LE(got, milli) << word;
		EXPECT_GT(got, milli - 63) << word;
		checked++;
	}
	EXPECT_GT(checked, 3000);
	mxrt_sim_destroy(sim);
}

} // namespace
