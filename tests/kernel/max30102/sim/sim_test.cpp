// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. The simulator's register model, FIFO, interrupts, signal, control words and
// replay parsing, driven through its C ABI the way the kernel module drives it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <max30102/chip.hpp>
#include <max30102/acq.h>
#include <max30102/sim/sim.h>
#include <max30102/vitals.h>

#include "sim_regs.hpp"

namespace {

using namespace mxrt::max30102;
constexpr uint64_t kT0 = 1'000'000'000;
constexpr uint64_t kMs = 1'000'000;

class SimTest : public ::testing::Test {
protected:
	void SetUp() override { sim_ = mxrt_sim_create(kT0); ASSERT_NE(sim_, nullptr); }
	void TearDown() override { mxrt_sim_destroy(sim_); }

	int Write(uint8_t reg, std::vector<uint8_t> data, uint64_t now = kT0) {
		data.insert(data.begin(), reg);
		mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, uint16_t(data.size()), data.data()};
		mxrt_u64 bus;
		return mxrt_sim_xfer(sim_, &m, 1, now, &bus);
	}
	std::vector<uint8_t> Read(uint8_t reg, size_t n, uint64_t now = kT0, int *rc = nullptr) {
		std::vector<uint8_t> out(n);
		int r = test::SimReadRegs(sim_, reg, out.data(), uint16_t(n), now);
		if (rc)
			*rc = r;
		return out;
	}
	uint8_t Reg(uint8_t reg, uint64_t now = kT0) { return Read(reg, 1, now)[0]; }
	// SpO2 mode at 100 Hz, 411 us (18 bit), 16384 nA, 6.4 mA LEDs
	void Configure(const Config &c = Config{}, uint64_t now = kT0) {
		ConfigRegs r = Encode(c);
		ASSERT_EQ(Write(MAX30102_REG_FIFO_CONFIG, {r.fifo_config, r.mode_config, r.spo2_config}, now), 1);
		ASSERT_EQ(Write(MAX30102_REG_LED1_PA, {r.led1_pa, r.led2_pa}, now), 1);
	}
	int Control(const char *s) { return mxrt_sim_control(sim_, s, strlen(s), kT0); }
	std::string Show() {
		char buf[4096];
		size_t n = mxrt_sim_show(sim_, buf, sizeof(buf));
		return std::string(buf, n);
	}
	mxrt_sim *sim_;
};

TEST_F(SimTest, PowerOnValuesAndPartId) {
	EXPECT_EQ(Reg(MAX30102_REG_PART_ID), 0x15);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1), MAX30102_INT_PWR_RDY);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1), 0) << "status is clear-on-read";
	EXPECT_EQ(Reg(MAX30102_REG_MODE_CONFIG), 0);
}

TEST_F(SimTest, OtherAddressesNak) {
	uint8_t b = 0;
	mxrt_sim_msg m{0x50, 0, 1, &b};
	mxrt_u64 bus;
	EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_ENXIO);
	mxrt_sim_msg quick{MAX30102_I2C_ADDR, 0, 0, &b}; // i2cdetect's probe
	EXPECT_EQ(mxrt_sim_xfer(sim_, &quick, 1, kT0, &bus), 1);
}

// Messages go on the wire in order: the chip takes those before one to another address, which is
// NAKed, and the transfer ends there; the messages after it are not sent.
TEST_F(SimTest, AMessageToAnotherAddressEndsTheTransferAfterWhatCameBefore) {
	uint8_t wr[2] = {MAX30102_REG_LED1_PA, 0x33};
	uint8_t other = 0, wr2[2] = {MAX30102_REG_LED2_PA, 0x44};
	mxrt_sim_msg m[3] = {{MAX30102_I2C_ADDR, 0, 2, wr}, {0x50, MXRT_SIM_MSG_READ, 1, &other},
			     {MAX30102_I2C_ADDR, 0, 2, wr2}};
	ASSERT_EQ(mxrt_sim_control(sim_, "bus_khz=100", 11, kT0), 0);
	mxrt_u64 bus = 0;
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 3, kT0, &bus), -MXRT_ENXIO);
	EXPECT_EQ(Reg(MAX30102_REG_LED1_PA), 0x33) << "the write before the NAK was taken";
	EXPECT_EQ(Reg(MAX30102_REG_LED2_PA), 0) << "nothing after the NAK reached the chip";
	EXPECT_EQ(bus, (9u * 3 + 2 + 9 + 2) * 10'000u) << "the write and the NAKed address byte, at 100 kHz";
	EXPECT_NE(Show().find(" xfers=3 "), std::string::npos) << "counted, as the two reads after it" << Show();
}

// A NAK ends the transfer on its address byte, so its wire time is that byte's: an injected nak, a
// transfer to another address and an unpowered chip's NAK alike. The nak fault used to charge the
// whole transfer's wire time (a 384-byte read took 34.9 ms to be NAKed at 100 kHz), the others 0.
TEST_F(SimTest, ANakTakesTheAddressBytesWireTime) {
	ASSERT_EQ(Control("bus_khz=100"), 0);
	uint8_t reg = MAX30102_REG_FIFO_DATA, buf[384] = {};
	mxrt_sim_msg m[2] = {{MAX30102_I2C_ADDR, 0, 1, &reg}, {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, 384, buf}};
	constexpr mxrt_u64 kNakNs = (9 + 2) * 10'000; // at 100 kHz
	mxrt_u64 bus = 0;
	ASSERT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), 2);
	EXPECT_EQ(bus, (9u * 2 + 2 + 9u * 385 + 2) * 10'000u) << "the whole read, taken";
	ASSERT_EQ(Control("nak=1"), 0);
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), -MXRT_ENXIO);
	EXPECT_EQ(bus, kNakNs) << "an injected NAK";
	mxrt_sim_msg other[2] = {{0x50, 0, 1, &reg}, {0x50, MXRT_SIM_MSG_READ, 384, buf}};
	EXPECT_EQ(mxrt_sim_xfer(sim_, other, 2, kT0, &bus), -MXRT_ENXIO);
	EXPECT_EQ(bus, kNakNs) << "another address";
	mxrt_sim_set_power(sim_, 0, kT0);
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), -MXRT_ENXIO);
	EXPECT_EQ(bus, kNakNs) << "an unpowered chip";
	ASSERT_EQ(Control("bus_khz=0"), 0);
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), -MXRT_ENXIO);
	EXPECT_EQ(bus, 0u) << "no bus speed set: no wire time";
}

TEST_F(SimTest, RegistersAutoIncrementAndMasks) {
	ASSERT_EQ(Write(MAX30102_REG_LED1_PA, {0x11, 0x22}), 1);
	auto v = Read(MAX30102_REG_LED1_PA, 2);
	EXPECT_EQ(v[0], 0x11);
	EXPECT_EQ(v[1], 0x22);
	Write(MAX30102_REG_SPO2_CONFIG, {0xff});
	EXPECT_EQ(Reg(MAX30102_REG_SPO2_CONFIG), 0x7f) << "bit 7 is reserved";
	Write(MAX30102_REG_PART_ID, {0x99});
	EXPECT_EQ(Reg(MAX30102_REG_PART_ID), 0x15) << "read-only";
}

TEST_F(SimTest, ResetRestoresPowerOnValuesAndSelfClears) {
	Configure();
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_RESET});
	EXPECT_EQ(Reg(MAX30102_REG_MODE_CONFIG), 0);
	EXPECT_EQ(Reg(MAX30102_REG_SPO2_CONFIG), 0);
	EXPECT_EQ(Reg(MAX30102_REG_LED1_PA), 0);
}

// DS p.17 (RESET): "Setting the RESET bit does not trigger a PWR_RDY interrupt event": INT does not
// move, so a host sensing a falling edge (the mainline driver's trigger) gets no interrupt from it.
TEST_F(SimTest, ResetMovesNoInterruptLine) {
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_EDGE_FALLING), 0);
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY read: INT high
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_RESET});
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1), 0) << "no PWR_RDY";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_NONE) << "and no edge on the way";
	ASSERT_EQ(Control("power_on=1"), 0); // a power cycle does pull INT low
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE);
}

// The supply switched off (the simulator's GPIO line): the chip answers nothing, samples nothing
// and lets go of INT; its registers are lost. On again: a power-up, PWR_RDY set and INT low.
TEST_F(SimTest, SupplyOffNaksEverythingAndOnIsAPowerUp) {
	Configure(); // 100 Hz, sampling
	ASSERT_EQ(Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL}), 1);
	mxrt_sim_advance(sim_, kT0 + 400 * kMs); // the FIFO fills, A_FULL holds INT low
	ASSERT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 400 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	mxrt_sim_set_power(sim_, 0, kT0 + 400 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 400 * kMs, 0), MXRT_SIM_IRQ_NONE) << "INT released";
	ASSERT_EQ(Control("nak=1"), 0); // an armed fault waits for a transfer that reaches the chip
	int rc = 0;
	Read(MAX30102_REG_PART_ID, 1, kT0 + 401 * kMs, &rc);
	EXPECT_EQ(rc, -MXRT_ENXIO) << "nothing acknowledges";
	EXPECT_EQ(Write(MAX30102_REG_LED1_PA, {0x33}, kT0 + 401 * kMs), -MXRT_ENXIO);
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0 + 401 * kMs, 0), MXRT_SIM_NEVER) << "nothing sampled";
	EXPECT_EQ(Control("power_on=1"), -MXRT_EINVAL) << "no power cycle without a supply";
	std::string st = Show();
	EXPECT_NE(st.find("power: supply=off power_ups=0 unpowered_naks=2\n"), std::string::npos) << st;
	EXPECT_NE(st.find(" naks=0 "), std::string::npos) << "the fault was not taken: " << st;

	mxrt_sim_set_power(sim_, 1, kT0 + 500 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 500 * kMs, 0), MXRT_SIM_IRQ_RAISE) << "PWR_RDY pulls INT low";
	ASSERT_EQ(Control("nak=0"), 0);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 500 * kMs), MAX30102_INT_PWR_RDY);
	EXPECT_EQ(Reg(MAX30102_REG_MODE_CONFIG, kT0 + 500 * kMs), 0) << "the configuration is gone";
	EXPECT_EQ(Reg(MAX30102_REG_INT_ENABLE1, kT0 + 500 * kMs), 0);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 500 * kMs), 0) << "and so are the samples";
	EXPECT_EQ(Reg(MAX30102_REG_PART_ID, kT0 + 500 * kMs), 0x15);
	mxrt_sim_set_power(sim_, 1, kT0 + 600 * kMs); // already on: nothing happens
	st = Show();
	EXPECT_NE(st.find("power: supply=on power_ups=1 unpowered_naks=2\n"), std::string::npos) << st;
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 600 * kMs), 0) << "no second PWR_RDY";
}

TEST_F(SimTest, SamplesArriveInRealTimeAndPointersWrap) {
	Configure(); // 100 Hz
	mxrt_sim_advance(sim_, kT0 + 95 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 95 * kMs), 9);
	// 40 samples: the FIFO (32) overflowed 8 times, rollover is off, the write pointer stays
	mxrt_sim_advance(sim_, kT0 + 405 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 405 * kMs), 8);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 405 * kMs), 0);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 405 * kMs), 0);
	// pop one sample (6 bytes, FIFO_DATA does not auto-increment): OVF clears, RD advances
	Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 405 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 405 * kMs), 1);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 405 * kMs), 0);
}

// The datasheet's re-read: "decrement [FIFO_RD_PTR] by one and read the data register again". On a
// full FIFO after one pop that puts the read pointer on the write pointer: the FIFO is full again
// and the sample reads the same. Equal pointers after a write were always taken as empty: the
// re-read returned nothing and the 32 samples were gone, uncounted.
TEST_F(SimTest, DecrementingTheReadPointerRereadsASampleOfAFullFifo) {
	Configure(); // 100 Hz, no rollover
	const uint64_t t = kT0 + 405 * kMs;
	mxrt_sim_advance(sim_, t); // full: WR = RD = 0
	const std::vector<uint8_t> first = Read(MAX30102_REG_FIFO_DATA, 6, t);
	ASSERT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 1);
	EXPECT_NE(Show().find("unread=31 "), std::string::npos) << Show();
	ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {0}, t), 1); // back by one, onto WR
	EXPECT_NE(Show().find("unread=32 "), std::string::npos) << Show();
	ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {0}, t), 1); // written as it is: still full
	EXPECT_NE(Show().find("unread=32 "), std::string::npos) << Show();
	EXPECT_EQ(Read(MAX30102_REG_FIFO_DATA, 6, t), first) << "the same sample again";
	EXPECT_NE(first, std::vector<uint8_t>(6, 0));
	// forward onto WR over what was unread (one sample left: forward by one, not back by 31): empty
	Read(MAX30102_REG_FIFO_DATA, 6 * 30, t);
	ASSERT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 31);
	EXPECT_NE(Show().find("unread=1 "), std::string::npos) << Show();
	ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {0}, t), 1);
	EXPECT_NE(Show().find("unread=0 "), std::string::npos) << Show();
}

// The datasheet's clearing (FIFO_WR_PTR, OVF_COUNTER and FIFO_RD_PTR to 0x00) empties the FIFO
// whatever the read pointer was, in either order, and so does a skip of the read pointer onto the
// write pointer over any number of unread samples (the first version of the re-read rule took a
// skip over more than 16 for a move back, and left the FIFO full).
TEST_F(SimTest, ClearingThePointersEmptiesTheFifo) {
	Configure(); // 100 Hz, no rollover
	const uint64_t t = kT0 + 405 * kMs;
	mxrt_sim_advance(sim_, t); // full: WR = RD = 0
	Read(MAX30102_REG_FIFO_DATA, 6 * 5, t);
	ASSERT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 5);
	ASSERT_EQ(Write(MAX30102_REG_FIFO_WR_PTR, {0, 0, 0}, t), 1); // WR, OVF, RD in one burst
	EXPECT_NE(Show().find("unread=0 "), std::string::npos) << Show();
	Read(MAX30102_REG_FIFO_DATA, 6 * 5, t);
	ASSERT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 0) << "nothing to pop";
	// RD first, then WR (another order a driver may use): empty too
	mxrt_sim_advance(sim_, t + 100 * kMs);
	Read(MAX30102_REG_FIFO_DATA, 6 * 3, t + 100 * kMs);
	ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {0}, t + 100 * kMs), 1);
	ASSERT_EQ(Write(MAX30102_REG_FIFO_WR_PTR, {0}, t + 100 * kMs), 1);
	EXPECT_NE(Show().find("unread=0 "), std::string::npos) << Show();
}

TEST_F(SimTest, SkippingTheReadPointerOntoTheWritePointerEmpties) {
	for (const unsigned n : {10u, 20u, 31u}) {
		TearDown(); // a fresh chip for each
		SetUp();
		Configure(); // 100 Hz, no rollover
		const uint64_t t = kT0 + (n * 10 + 5) * kMs;
		mxrt_sim_advance(sim_, t);
		const uint8_t wr = Reg(MAX30102_REG_FIFO_WR_PTR, t);
		ASSERT_EQ(wr, n);
		ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {wr}, t), 1);
		EXPECT_NE(Show().find("unread=0 "), std::string::npos) << n << " unread: " << Show();
	}
}

// RD first with rollover on, and a sample taken between the two writes: empty all the same
TEST_F(SimTest, ClearingReadPointerFirstWithASampleBetween) {
	Config c;
	Configure(c);
	Write(MAX30102_REG_FIFO_CONFIG, {uint8_t(Encode(c).fifo_config | MAX30102_FIFO_ROLLOVER_EN)});
	const uint64_t t = kT0 + 325 * kMs; // 32 samples: full, WR = RD = 0
	mxrt_sim_advance(sim_, t);
	Read(MAX30102_REG_FIFO_DATA, 6 * 3, t); // RD 3, 29 unread
	ASSERT_EQ(Write(MAX30102_REG_FIFO_RD_PTR, {0}, t), 1);
	ASSERT_EQ(Write(MAX30102_REG_FIFO_WR_PTR, {0}, t + 10 * kMs), 1); // one sample in between
	EXPECT_NE(Show().find("unread=0 "), std::string::npos) << Show();
}

// With no channel (multi-LED with SLOT1 off) a sample has no bytes: a FIFO_DATA read pops nothing
// and reads zeros. It popped a whole sample per byte, returning stale bytes of an earlier one.
TEST_F(SimTest, FifoDataWithNoChannelPopsNothing) {
	Configure(); // SpO2, 100 Hz
	const uint64_t t = kT0 + 105 * kMs; // 10 samples
	mxrt_sim_advance(sim_, t);
	Read(MAX30102_REG_FIFO_DATA, 6, t);
	ASSERT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 1);
	ASSERT_EQ(Write(MAX30102_REG_MULTI_LED1, {0x00}, t), 1); // SLOT1 off
	ASSERT_EQ(Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_MULTI}, t), 1);
	EXPECT_EQ(Read(MAX30102_REG_FIFO_DATA, 6, t), std::vector<uint8_t>(6, 0));
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, t), 1) << "nothing popped";
}

TEST_F(SimTest, RolloverKeepsTheNewestSamples) {
	Config c;
	Configure(c);
	Write(MAX30102_REG_FIFO_CONFIG, {uint8_t(Encode(c).fifo_config | MAX30102_FIFO_ROLLOVER_EN)});
	mxrt_sim_advance(sim_, kT0 + 405 * kMs); // 40 samples
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 405 * kMs), 8);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 405 * kMs), 8);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 405 * kMs), 8);
}

TEST_F(SimTest, AlmostFullInterruptAtThresholdAndLineFollowsStatus) {
	Config c;
	c.fifo_almost_full = 20;
	Configure(c);
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0, 0), kT0 + 20 * 10 * kMs) << "the 20th sample raises A_FULL";
	mxrt_sim_advance(sim_, kT0 + 195 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 195 * kMs, 0), MXRT_SIM_IRQ_NONE);
	mxrt_sim_advance(sim_, kT0 + 200 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 1), MXRT_SIM_IRQ_NONE) << "masked";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 200 * kMs) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_NONE) << "status read clears INT";
}

// A_FULL is set by the sample that brings the unread count to the threshold, not again by the ones
// after it (docs/max30102.md: a driver that leaves the FIFO at or above the threshold gets A_FULL
// again only once it has read below it). A model that set it at every sample above passed every
// test: another driver reading part of the FIFO per interrupt would have kept getting interrupts
// here and stalled on a chip.
TEST_F(SimTest, AlmostFullIsNotSetAgainAboveTheThreshold) {
	Config c;
	c.fifo_almost_full = 20;
	Configure(c);
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	mxrt_sim_advance(sim_, kT0 + 200 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 200 * kMs) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL)
		<< "the 20th sample";
	mxrt_sim_advance(sim_, kT0 + 210 * kMs); // 21 unread
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS1) & MAX30102_INT_A_FULL, 0) << "the 21st sample";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 210 * kMs, 0), MXRT_SIM_IRQ_NONE);
}

// A catch-up (the model more than 64 samples behind) whose skipped samples bring the unread count
// exactly to the threshold sets A_FULL as sampling one by one would: 3 unread, 81 due, 17 of them
// skipped make 20 (the catch-up test's due counts never landed there).
TEST_F(SimTest, ACatchUpReachingTheThresholdExactlySetsAlmostFull) {
	Config c;
	c.fifo_almost_full = 20;
	Configure(c);
	Write(MAX30102_REG_FIFO_CONFIG, {uint8_t(Encode(c).fifo_config | MAX30102_FIFO_ROLLOVER_EN)});
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	const uint64_t start = kT0 + 35 * kMs;
	mxrt_sim_advance(sim_, start);			// 3 unread
	mxrt_sim_advance(sim_, start + 81 * 10 * kMs); // 81 due at once
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS1) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
}

// DS p.12: a FIFO_DATA read clears PPG_RDY and a TEMP_FRAC read DIE_TEMP_RDY, as a status read
// does; INT goes high again. A model without either passed every test (a driver that enables
// them and never reads the status would have seen INT stuck low here only).
TEST_F(SimTest, DataReadsClearTheirReadyBits) {
	Configure();
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_PPG_RDY});
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	mxrt_sim_advance(sim_, kT0 + 10 * kMs);
	ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS1) & MAX30102_INT_PPG_RDY, MAX30102_INT_PPG_RDY);
	Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 10 * kMs);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS1) & MAX30102_INT_PPG_RDY, 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 10 * kMs, 0), MXRT_SIM_IRQ_NONE) << "INT released";
	Write(MAX30102_REG_INT_ENABLE1, {0}, kT0 + 10 * kMs);
	Write(MAX30102_REG_INT_ENABLE2, {MAX30102_INT_DIE_TEMP_RDY}, kT0 + 10 * kMs);
	Write(MAX30102_REG_TEMP_CONFIG, {MAX30102_TEMP_EN}, kT0 + 10 * kMs);
	mxrt_sim_advance(sim_, kT0 + 40 * kMs);
	ASSERT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS2) & MAX30102_INT_DIE_TEMP_RDY, MAX30102_INT_DIE_TEMP_RDY);
	Reg(MAX30102_REG_TEMP_FRAC, kT0 + 40 * kMs);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_INT_STATUS2) & MAX30102_INT_DIE_TEMP_RDY, 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 40 * kMs, 0), MXRT_SIM_IRQ_NONE) << "INT released";
}

// A rate too fast for the pulse width becomes the fastest it allows, also one code above it (SpO2
// 411 us: 800 Hz reads back as 400). The tests wrote only the top code (3200 Hz), which a clamp
// one code off still clamped; another driver asking for 800 Hz would have sampled at 800 here
// and at 400 on a chip.
TEST_F(SimTest, ARateOneCodeTooFastForThePulseWidthIsClamped) {
	Config c;
	c.sample_rate_hz = 800;
	Configure(c);
	EXPECT_EQ(SampleRate::Get(Reg(MAX30102_REG_SPO2_CONFIG)), u32(SampleRateCode(400)));
}

// With rollover and a threshold of 32 unread, a full FIFO stays at 32 and every new sample sets
// A_FULL again: the timer must come for it, or the pin stays high until the host's next transfer
// (an interrupt-driven host that read the status but not the data waits for ever).
TEST_F(SimTest, AlmostFullAt32WithRolloverComesAgainOnTime) {
	Config c;
	c.fifo_almost_full = 32;
	Configure(c);
	Write(MAX30102_REG_FIFO_CONFIG, {uint8_t(Encode(c).fifo_config | MAX30102_FIFO_ROLLOVER_EN)});
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0, 0), kT0 + 320 * kMs) << "the 32nd sample";
	mxrt_sim_advance(sim_, kT0 + 320 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 320 * kMs) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
	// the status read releases INT; the data stay unread
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0 + 320 * kMs, 0), kT0 + 330 * kMs) << "the 33rd sample";
	mxrt_sim_advance(sim_, kT0 + 330 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 330 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 330 * kMs) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
	// without rollover the full FIFO takes nothing more: no event to wait for
	Write(MAX30102_REG_FIFO_CONFIG, {Encode(c).fifo_config}, kT0 + 330 * kMs);
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0 + 330 * kMs, 0), MXRT_SIM_NEVER);
}

TEST_F(SimTest, FifoDataAtEveryResolutionIsLeftJustified) {
	for (uint32_t pw : kPulseWidths) {
		SCOPED_TRACE(pw);
		mxrt_sim_control(sim_, "power_on=1", 10, kT0);
		Config c;
		c.pulse_width_us = pw;
		Configure(c);
		mxrt_sim_advance(sim_, kT0 + 10 * kMs);
		auto b = Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 10 * kMs);
		const uint32_t bits = AdcBits(PulseWidthCode(pw));
		for (int ch = 0; ch < 2; ch++) {
			uint32_t raw = (b[3 * ch] << 16 | b[3 * ch + 1] << 8 | b[3 * ch + 2]);
			EXPECT_EQ(raw & ~0x3ffffu, 0u);
			EXPECT_EQ(raw & ((1u << (18 - bits)) - 1), 0u) << "bits below the resolution are 0";
			EXPECT_GT(DecodeChannel(b.data() + 3 * ch, bits), 1000u >> (18 - bits));
		}
	}
}

TEST_F(SimTest, HrModeHasOneChannelAndShutdownStopsSampling) {
	Config c;
	c.mode = MAX30102_MODE_HR;
	Configure(c);
	mxrt_sim_advance(sim_, kT0 + 20 * kMs);
	Read(MAX30102_REG_FIFO_DATA, 3, kT0 + 20 * kMs); // one sample is 3 bytes in HR mode
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 20 * kMs), 1);
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SHDN | MAX30102_MODE_HR}, kT0 + 20 * kMs);
	mxrt_sim_advance(sim_, kT0 + 500 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 500 * kMs), 2);
}

// DS, SPO2_SR: "If the user selects a sample rate that is too high for the selected LED_PW
// setting, the highest possible sample rate is programmed instead into the register." The
// model stopped sampling instead: a driver that wrote such a pair (another driver than ours,
// which refuses them) got no samples where the chip gives them.
TEST_F(SimTest, ARateTooHighForThePulseWidthBecomesTheHighestAllowed) {
	Config c;
	c.sample_rate_hz = 3200; // 411 us allows at most 400 Hz in SpO2 mode
	ConfigRegs r = Encode(c);
	Write(MAX30102_REG_FIFO_CONFIG, {r.fifo_config, r.mode_config, r.spo2_config});
	EXPECT_EQ(SampleRate::Get(Reg(MAX30102_REG_SPO2_CONFIG)), u32(SampleRateCode(400)));
	EXPECT_EQ(LedPw::Get(Reg(MAX30102_REG_SPO2_CONFIG)), LedPw::Get(r.spo2_config)) << "the rest as written";
	mxrt_sim_advance(sim_, kT0 + 51 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 51 * kMs), 20) << "400 Hz for 51 ms";
	EXPECT_NE(Show().find("rate_clamped=1 "), std::string::npos) << Show();
	// judged by the mode: 1000 Hz with 411 us is HR mode's highest, and kept there
	c.mode = MAX30102_MODE_HR;
	c.sample_rate_hz = 1000;
	r = Encode(c);
	Write(MAX30102_REG_MODE_CONFIG, {r.mode_config}, kT0 + 52 * kMs);
	Write(MAX30102_REG_SPO2_CONFIG, {r.spo2_config}, kT0 + 52 * kMs);
	EXPECT_EQ(SampleRate::Get(Reg(MAX30102_REG_SPO2_CONFIG, kT0 + 52 * kMs)), u32(SampleRateCode(1000)));
	EXPECT_NE(Show().find("period_ns=1000000 "), std::string::npos) << Show();
	// SpO2 mode set after it: the datasheet does not say; the model samples at SpO2 mode's
	// highest (400 Hz) with the register as written, and counts it
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SPO2}, kT0 + 60 * kMs);
	EXPECT_EQ(SampleRate::Get(Reg(MAX30102_REG_SPO2_CONFIG, kT0 + 60 * kMs)), u32(SampleRateCode(1000)));
	EXPECT_NE(Show().find("period_ns=2500000 "), std::string::npos) << Show();
	EXPECT_NE(Show().find("rate_clamped=2 "), std::string::npos) << Show();
	// with no sampling mode (after a reset) there is no table: the value is kept as written
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_RESET}, kT0 + 70 * kMs);
	Write(MAX30102_REG_SPO2_CONFIG, {r.spo2_config}, kT0 + 70 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_SPO2_CONFIG, kT0 + 70 * kMs), r.spo2_config);
}

TEST_F(SimTest, TemperatureConversion) {
	ASSERT_EQ(Control("temp=-3.25"), 0);
	Write(MAX30102_REG_INT_ENABLE2, {MAX30102_INT_DIE_TEMP_RDY});
	Write(MAX30102_REG_TEMP_CONFIG, {1});
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 10 * kMs), 1) << "busy";
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0, 0), kT0 + 29 * kMs);
	mxrt_sim_advance(sim_, kT0 + 29 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS2, kT0 + 29 * kMs), MAX30102_INT_DIE_TEMP_RDY);
	EXPECT_EQ(int8_t(Reg(MAX30102_REG_TEMP_INT, kT0 + 29 * kMs)), -4);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_FRAC, kT0 + 29 * kMs), 12); // -4 + 12/16 = -3.25
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 29 * kMs), 0) << "TEMP_EN self-clears";
}

TEST_F(SimTest, ControlIsAllOrNothing) {
	EXPECT_EQ(Control("hr=80 spo2=91.5"), 0);
	EXPECT_NE(Show().find("hr=80.000 spo2=91.500"), std::string::npos);
	EXPECT_EQ(Control("hr=90 spo2=101"), -MXRT_EINVAL);
	EXPECT_EQ(Control("hr=90 bogus=1"), -MXRT_EINVAL);
	EXPECT_EQ(Control("hr=9x"), -MXRT_EINVAL);
	EXPECT_EQ(Control("hr"), -MXRT_EINVAL);
	EXPECT_NE(Show().find("hr=80.000 spo2=91.500"), std::string::npos) << "unchanged";
}

TEST_F(SimTest, InjectedBusFaults) {
	ASSERT_EQ(Control("nak=2 timeout=1 part_id=0x11"), 0);
	int rc;
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, -MXRT_ENXIO);
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, -MXRT_ENXIO);
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, -MXRT_ETIMEDOUT);
	EXPECT_EQ(Read(MAX30102_REG_PART_ID, 1, kT0, &rc)[0], 0x11);
	EXPECT_EQ(rc, 2);
	ASSERT_EQ(Control("bus_khz=100"), 0);
	ASSERT_EQ(Control("bus_khz=400"), 0);
	// only the chip's speeds: a slow bus would hold the adapter for seconds per transfer
	for (const char *bad : {"bus_khz=1", "bus_khz=99", "bus_khz=401", "bus_khz=1000", "bus_khz=3400"})
		EXPECT_EQ(Control(bad), -MXRT_EINVAL) << bad << ": only 0, 100 and 400 kHz";
	uint8_t reg = 0;
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 1, &reg};
	mxrt_u64 bus;
	mxrt_sim_xfer(sim_, &m, 1, kT0, &bus);
	EXPECT_EQ(bus, (9u * 2 + 2) * 1'000'000u / 400) << "20 bit times at 400 kHz";
}

// fault_after=K lets K transfers through before the armed faults start, so a test can fail the
// 1st, 2nd, ... transfer of a probe in turn; it waits only while a fault is armed.
TEST_F(SimTest, FaultAfterDelaysTheArmedFaults) {
	int rc;
	ASSERT_EQ(Control("fault_after=2"), 0);
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, 2) << "nothing armed: the count does not run";
	EXPECT_NE(Show().find("fault_after=2"), std::string::npos);
	ASSERT_EQ(Control("nak=1 timeout=1"), 0);
	for (int i = 0; i < 2; i++) {
		EXPECT_EQ(Read(MAX30102_REG_PART_ID, 1, kT0, &rc)[0], MAX30102_PART_ID_VALUE);
		EXPECT_EQ(rc, 2) << "transfer " << i << " is let through";
	}
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, -MXRT_ENXIO) << "the third is NAKed";
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, -MXRT_ETIMEDOUT) << "then the timeout, at once";
	Read(MAX30102_REG_PART_ID, 1, kT0, &rc);
	EXPECT_EQ(rc, 2);
	EXPECT_NE(Show().find("nak=0 timeout=0"), std::string::npos);
	EXPECT_NE(Show().find("fault_after=0"), std::string::npos);
	EXPECT_EQ(Control("fault_after=1000001"), -MXRT_EINVAL);
}

// taken_fail: the transfer reaches the chip and fails anyway: a write takes effect, a read pops
// what it read, and the caller is told ETIMEDOUT (the bus held for the timeout's 25 ms).
TEST_F(SimTest, TakenFailTakesEffectAndFails) {
	ASSERT_EQ(Control("taken_fail=2"), 0);
	EXPECT_NE(Show().find("taken_fail=2"), std::string::npos);
	mxrt_u64 bus = 0;
	uint8_t w[] = {MAX30102_REG_LED1_PA, 0x40};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 2, w};
	EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_ETIMEDOUT);
	EXPECT_EQ(bus, 25'000'000u);
	int rc;
	EXPECT_EQ(Read(MAX30102_REG_LED1_PA, 1, kT0, &rc)[0], 0x40) << "the failed write took effect";
	EXPECT_EQ(rc, -MXRT_ETIMEDOUT) << "and so did this read, reported failed too";
	EXPECT_EQ(Reg(MAX30102_REG_LED1_PA), 0x40);
	EXPECT_NE(Show().find("taken_fails=2"), std::string::npos);
	// with fault_after, exactly the (K+1)-th
	ASSERT_EQ(Control("fault_after=1 taken_fail=1"), 0);
	EXPECT_EQ(Write(MAX30102_REG_LED2_PA, {0x11}), 1);
	EXPECT_EQ(Write(MAX30102_REG_LED2_PA, {0x22}), -MXRT_ETIMEDOUT);
	EXPECT_EQ(Write(MAX30102_REG_LED2_PA, {0x33}, kT0), 1);
	EXPECT_EQ(Reg(MAX30102_REG_LED2_PA), 0x33);
	EXPECT_EQ(Control("taken_fail=1001"), -MXRT_EINVAL);
}

// The hang fault: a stuck bus. Each of the next N transfers hangs before it reaches the chip (a
// write changes nothing, a read pops nothing), the caller is told to wait for a bus recovery, and
// whatever ends the wait, the transfer fails with ETIMEDOUT. Then the bus works again.
TEST_F(SimTest, HungTransfersWaitForBusRecovery) {
	Configure();
	ASSERT_EQ(Control("hang=2"), 0);
	EXPECT_NE(Show().find("hang=2"), std::string::npos);
	uint8_t w[2] = {MAX30102_REG_LED1_PA, 0x7f};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 2, w};
	mxrt_u64 bus = 0;
	EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_ETIMEDOUT);
	EXPECT_EQ(bus, MXRT_SIM_BUS_HANG);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_LED1_PA), Encode(Config{}).led1_pa) << "nothing reached the chip";
	EXPECT_EQ(mxrt_sim_bus_recovery(sim_), 0);
	EXPECT_EQ(mxrt_sim_hang_ended(sim_, 1), -MXRT_ETIMEDOUT);
	mxrt_sim_advance(sim_, kT0 + 100 * kMs);
	const uint8_t wr = mxrt_sim_peek(sim_, MAX30102_REG_FIFO_WR_PTR);
	ASSERT_NE(wr, 0) << "sampling went on";
	int rc;
	Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 100 * kMs, &rc); // the second hang: pops nothing
	EXPECT_EQ(rc, -MXRT_ETIMEDOUT);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_RD_PTR), 0);
	EXPECT_EQ(mxrt_sim_hang_ended(sim_, 0), -MXRT_ETIMEDOUT); // the adapter gave up
	EXPECT_EQ(Write(MAX30102_REG_LED1_PA, {0x7f}, kT0 + 100 * kMs), 1) << "the bus works again";
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_LED1_PA), 0x7f);
	const std::string st = Show();
	EXPECT_NE(st.find("hang=0"), std::string::npos) << st;
	EXPECT_NE(st.find("hangs=2 hangs_recovered=1 hangs_timed_out=1 bus_recoveries=1 bus_recovery_failures=0"),
		  std::string::npos) << st;
	// SCL held low: the next recoveries fail and free nothing
	ASSERT_EQ(Control("recovery_fails=2"), 0);
	EXPECT_EQ(mxrt_sim_bus_recovery(sim_), -MXRT_EBUSY);
	EXPECT_EQ(mxrt_sim_bus_recovery(sim_), -MXRT_EBUSY);
	EXPECT_EQ(mxrt_sim_bus_recovery(sim_), 0);
	EXPECT_NE(Show().find("bus_recoveries=2 bus_recovery_failures=2"), std::string::npos) << Show();
	// after a NAK and a timeout fault, in that order; bounded like them
	ASSERT_EQ(Control("nak=1 timeout=1 hang=1"), 0);
	EXPECT_EQ(Write(MAX30102_REG_LED1_PA, {1}, kT0 + 100 * kMs), -MXRT_ENXIO);
	EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_ETIMEDOUT);
	EXPECT_EQ(bus, 25 * kMs);
	EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_ETIMEDOUT);
	EXPECT_EQ(bus, MXRT_SIM_BUS_HANG);
	EXPECT_EQ(Control("hang=1001"), -MXRT_EINVAL);
	EXPECT_EQ(Control("hang=1000"), 0);
}

TEST_F(SimTest, LostAndStormInterrupts) {
	Configure();
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_PPG_RDY});
	Reg(MAX30102_REG_INT_STATUS1);
	ASSERT_EQ(Control("lose_irq=1 storm=3"), 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE) << "storm " << i;
	mxrt_sim_advance(sim_, kT0 + 10 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 10 * kMs, 0), MXRT_SIM_IRQ_NONE) << "lost";
	mxrt_sim_advance(sim_, kT0 + 20 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 20 * kMs, 0), MXRT_SIM_IRQ_NONE)
		<< "still the same assertion: nobody cleared it";
	Reg(MAX30102_REG_INT_STATUS1, kT0 + 20 * kMs);
	mxrt_sim_advance(sim_, kT0 + 30 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 30 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_NE(Show().find("irqs_lost=1 irqs_storm=3"), std::string::npos) << Show();
}

// A storm's glitches wait while the host has the line masked (a disabled interrupt, an unbound
// driver): they ticked at 50 kHz in hard IRQ context for nobody, for ever, since a masked poll
// consumes none of them. The unmask polls (the glue's kick), and the ticks go on from there.
TEST_F(SimTest, AStormWaitsWhileTheLineIsMasked) {
	ASSERT_EQ(Control("storm=2"), 0); // the chip is not sampling: nothing else is due
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0, 1), MXRT_SIM_NEVER);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 1), MXRT_SIM_IRQ_NONE);
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0, 0), kT0 + 20'000) << "unmasked: the next glitch";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 20'000, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(mxrt_sim_next_event(sim_, kT0 + 20'000, 0), MXRT_SIM_NEVER) << "both delivered";
}

TEST_F(SimTest, PpgModelFollowsHeartRateAndSpo2) {
	ASSERT_EQ(Control("hr=60 spo2=90 noise=0 wander=0 perfusion=2"), 0);
	Configure(); // 100 Hz, SpO2 mode
	Config c;
	mxrt_acq acq{};
	mxrt_acq_configure(&acq, c.mode, c.sample_rate_hz, c.sample_average, c.pulse_width_us);
	std::vector<double> red, ir;
	uint64_t t = kT0;
	for (int burst = 0; burst < 40; burst++) { // 40 x 10 samples = 4 s = 4 beats
		t += 100 * kMs;
		mxrt_sim_advance(sim_, t);
		auto b = Read(MAX30102_REG_FIFO_DATA, 60, t);
		mxrt_max30102_record rec[10];
		mxrt_acq_decode(&acq, b.data(), 10, 0, 0, 9, t, 0, rec);
		for (auto &r : rec) {
			red.push_back(r.red);
			ir.push_back(r.ir);
		}
	}
	auto acdc = [](const std::vector<double> &v) {
		double mn = 1e18, mx = 0, sum = 0;
		for (double x : v) { mn = std::min(mn, x); mx = std::max(mx, x); sum += x; }
		return (mx - mn) / (sum / v.size());
	};
	const double r = acdc(red) / acdc(ir);
	// the driver's default calibration line (kernel/max30102/vitals.h)
	EXPECT_NEAR(MXRT_VITALS_SPO2_A_MILLI / 1000.0 - MXRT_VITALS_SPO2_B_MILLI / 1000.0 * r, 90, 1.0)
		<< "SpO2 from the red/IR ratio";
	// one beat per second: count upward crossings of the IR mean
	double mean = 0;
	for (double x : ir) mean += x;
	mean /= ir.size();
	int beats = 0;
	for (size_t i = 1; i < ir.size(); i++)
		beats += ir[i - 1] < mean && ir[i] >= mean;
	EXPECT_EQ(beats, 4);
}

// ---- datasheet behaviours (issue 13) ----------------------------------------------------------

TEST_F(SimTest, StatusBitsLatchWithoutTheirEnableButOnlyEnabledOnesDriveInt) {
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
	Configure();                   // 100 Hz, no interrupt enabled
	mxrt_sim_advance(sim_, kT0 + 10 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 10 * kMs, 0), MXRT_SIM_IRQ_NONE) << "INT stays high";
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 10 * kMs), MAX30102_INT_PPG_RDY)
		<< "a host polling the status sees the new sample";
	mxrt_sim_advance(sim_, kT0 + 170 * kMs); // 17 unread: the default A_FULL threshold
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 170 * kMs) & MAX30102_INT_A_FULL, MAX30102_INT_A_FULL);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 170 * kMs, 0), MXRT_SIM_IRQ_NONE);
	// enabling an interrupt whose status is set asserts INT at once
	mxrt_sim_advance(sim_, kT0 + 180 * kMs);
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_PPG_RDY}, kT0 + 180 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 180 * kMs, 0), MXRT_SIM_IRQ_RAISE);
}

TEST_F(SimTest, ShutdownClearsEveryInterrupt) {
	ASSERT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE) << "PWR_RDY asserts INT at power-on";
	Write(MAX30102_REG_INT_ENABLE2, {MAX30102_INT_DIE_TEMP_RDY});
	Write(MAX30102_REG_TEMP_CONFIG, {1});
	mxrt_sim_advance(sim_, kT0 + 30 * kMs);
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SHDN}, kT0 + 30 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 30 * kMs, 0), MXRT_SIM_IRQ_NONE) << "INT released";
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 30 * kMs), 0) << "PWR_RDY cleared";
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS2, kT0 + 30 * kMs), 0) << "DIE_TEMP_RDY cleared";
	// and none latches while shut down
	Write(MAX30102_REG_TEMP_CONFIG, {1}, kT0 + 30 * kMs);
	mxrt_sim_advance(sim_, kT0 + 60 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 60 * kMs), 0) << "the conversion itself finished";
	EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS2, kT0 + 60 * kMs), 0);
}

TEST_F(SimTest, ReadPointerMovesAfterTheFirstByteOfASample) {
	Configure(); // SpO2: 6 bytes a sample
	mxrt_sim_advance(sim_, kT0 + 405 * kMs); // 40 samples: full, 8 lost
	ASSERT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 405 * kMs), 8);
	auto b0 = Read(MAX30102_REG_FIFO_DATA, 1, kT0 + 405 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 405 * kMs), 1) << "moved on the first byte";
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 405 * kMs), 0) << "the sample was popped";
	auto rest = Read(MAX30102_REG_FIFO_DATA, 5, kT0 + 405 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 405 * kMs), 1) << "not again within the sample";
	// the bytes are the sample's, as a chip in the same state read in one burst gives them
	mxrt_sim *other = mxrt_sim_create(kT0);
	std::swap(sim_, other);
	Configure();
	mxrt_sim_advance(sim_, kT0 + 405 * kMs);
	const auto whole = Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 405 * kMs);
	std::swap(sim_, other);
	mxrt_sim_destroy(other);
	std::vector<uint8_t> bytes{b0[0]};
	bytes.insert(bytes.end(), rest.begin(), rest.end());
	EXPECT_EQ(bytes, whole);
	// rereading (DS: "decrement [the read pointer] by one and read the data register again")
	const auto s1 = Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 405 * kMs);
	Write(MAX30102_REG_FIFO_RD_PTR, {1}, kT0 + 405 * kMs);
	EXPECT_EQ(Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 405 * kMs), s1);
}

// Far behind (nothing advanced the model for over 64 samples: a long stall of the host, a hung
// bus), the chip still took every sample: each is in the FIFO or counted lost, so that
// samples - fifo_overflows is what a host can read.
TEST_F(SimTest, CatchUpCountsEverySampleTaken) {
	Configure(); // 100 Hz, no rollover
	mxrt_sim_advance(sim_, kT0 + 2000 * kMs + 1); // 200 samples due at once
	const std::string st = Show();
	EXPECT_NE(st.find("fifo: unread=32 "), std::string::npos) << st;
	EXPECT_NE(st.find(" samples=200 fifo_overflows=168 "), std::string::npos) << st;
}

// ... and what its registers, its pin and its FIFO show is what sampling one at a time leaves:
// with rollover each older sample moved FIFO_WR_PTR, and once the FIFO was full overwrote the
// oldest, moving FIFO_RD_PTR and counting in OVF_COUNTER (a driver reads FIFO_RD_PTR to tell how
// many rolled over); without rollover the FIFO keeps the oldest samples.
TEST_F(SimTest, CatchingUpAtOnceLeavesWhatSamplingOneByOneLeaves) {
	auto run = [&](bool rollover, uint64_t due, bool at_once) {
		mxrt_sim_destroy(sim_);
		sim_ = mxrt_sim_create(kT0);
		EXPECT_EQ(Control("noise=0 wander=0"), 0);
		Config c;
		c.fifo_almost_full = 20;
		Configure(c);
		Write(MAX30102_REG_FIFO_CONFIG,
		      {uint8_t(Encode(c).fifo_config | (rollover ? MAX30102_FIFO_ROLLOVER_EN : 0))});
		Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
		Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY
		const uint64_t start = kT0 + 35 * kMs, end = start + due * 10 * kMs; // 3 unread, then due
		mxrt_sim_advance(sim_, start);
		for (uint64_t t = start + 10 * kMs; !at_once && t < end; t += 10 * kMs)
			mxrt_sim_advance(sim_, t);
		mxrt_sim_advance(sim_, end);
		std::string out = Show();
		for (uint8_t b : Read(MAX30102_REG_FIFO_DATA, 32 * 6, end))
			out += " " + std::to_string(b);
		return out;
	};
	for (bool rollover : {false, true}) {
		for (uint64_t due : {65u, 66u, 95u, 96u, 100u, 200u, 1000u}) {
			SCOPED_TRACE(testing::Message() << "rollover " << rollover << ", " << due << " due");
			const std::string one_by_one = run(rollover, due, false);
			EXPECT_EQ(run(rollover, due, true), one_by_one);
		}
	}
	EXPECT_NE(run(true, 200, true).find(" 04=0b 05=1f 06=0b"), std::string::npos)
		<< "203 samples: WR 203 % 32, OVF_COUNTER saturated, full" << run(true, 200, true);
}

// busy_ms: the next FIFO_DATA read (and only it) waits for a bus another device holds.
TEST_F(SimTest, BusyFaultHoldsTheNextFifoReadOnly) {
	ASSERT_EQ(Control("busy_ms=60"), 0);
	EXPECT_NE(Show().find(" busy_ms=60\n"), std::string::npos) << Show();
	uint8_t reg = MAX30102_REG_FIFO_WR_PTR, buf[6];
	mxrt_sim_msg m[2] = {{MAX30102_I2C_ADDR, 0, 1, &reg}, {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, 3, buf}};
	EXPECT_EQ(mxrt_sim_bus_wait(sim_, m, 2), 0u) << "the pointers";
	reg = MAX30102_REG_FIFO_DATA;
	EXPECT_EQ(mxrt_sim_bus_wait(sim_, m, 1), 0u) << "the address alone";
	EXPECT_EQ(mxrt_sim_bus_wait(sim_, m, 2), 60'000'000u);
	EXPECT_EQ(mxrt_sim_bus_wait(sim_, m, 2), 0u) << "once";
	EXPECT_NE(Show().find(" busy_ms=0\n"), std::string::npos) << Show();
	EXPECT_EQ(Control("busy_ms=1001"), -MXRT_EINVAL);
	EXPECT_EQ(Control("busy_ms=-1"), -MXRT_EINVAL);
}

// late_us/late_every: every N-th transfer that reaches the chip returns late, counted from when
// late_every was set; what the chip sent is what it held at the transfer's start.
TEST_F(SimTest, LateFaultDelaysEveryNthTransfer) {
	Configure(); // 100 Hz
	ASSERT_EQ(Control("bus_khz=100"), 0);
	uint8_t reg = MAX30102_REG_FIFO_WR_PTR, wr = 0xff;
	mxrt_sim_msg m[2] = {{MAX30102_I2C_ADDR, 0, 1, &reg}, {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, 1, &wr}};
	int k = 0; // transfer k at 10k + 95 ms: FIFO_WR_PTR says k + 9
	const auto at = [&] { return kT0 + (10 * k + 95) * kMs; }; // also for what comes between
	const auto xfer = [&] {
		mxrt_u64 bus = 0;
		EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, at(), &bus), 2);
		EXPECT_EQ(wr, (k + 9) % 32) << "transfer " << k << ": as at its start";
		k++;
		return bus;
	};
	const mxrt_u64 wire = xfer(); // 2 + 9 * 2 + 2 + 9 * 2 bits at 100 kHz
	EXPECT_EQ(wire, 400'000u);
	xfer();
	const char late[] = "late_us=12000 late_every=3";
	ASSERT_EQ(mxrt_sim_control(sim_, late, strlen(late), at()), 0);
	EXPECT_NE(Show().find(" late_us=12000 late_every=3 "), std::string::npos) << Show();
	EXPECT_EQ(xfer(), wire);
	EXPECT_EQ(xfer(), wire);
	EXPECT_EQ(xfer(), wire + 12'000'000u) << "the third since late_every was set";
	EXPECT_EQ(xfer(), wire);
	EXPECT_EQ(xfer(), wire);
	EXPECT_EQ(xfer(), wire + 12'000'000u);
	mxrt_sim_msg to_nobody = {0x50, 0, 1, &reg};
	mxrt_u64 bus = 0;
	EXPECT_EQ(mxrt_sim_xfer(sim_, &to_nobody, 1, at(), &bus), -MXRT_ENXIO);
	EXPECT_EQ(xfer(), wire) << "a transfer nobody answered does not count";
	EXPECT_EQ(mxrt_sim_control(sim_, "late_us=100001", 14, at()), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_sim_control(sim_, "late_us=100000", 14, at()), 0);
	ASSERT_EQ(mxrt_sim_control(sim_, "late_us=12000", 13, at()), 0);
	EXPECT_EQ(mxrt_sim_control(sim_, "late_every=1001", 15, at()), -MXRT_EINVAL);
	ASSERT_EQ(mxrt_sim_control(sim_, "late_every=0", 12, at()), 0);
	for (int i = 0; i < 4; i++)
		EXPECT_EQ(xfer(), wire);
}

TEST_F(SimTest, OverflowFaultLosesExactlyWhatItSays) {
	Config c;
	Configure(c); // 100 Hz, rollover off
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1);
	mxrt_sim_advance(sim_, kT0 + 55 * kMs); // 5 unread
	ASSERT_EQ(mxrt_sim_control(sim_, "overflow=20", 11, kT0 + 55 * kMs), 0);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 55 * kMs), 20);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 55 * kMs, 0), MXRT_SIM_IRQ_RAISE) << "A_FULL";
	// the host takes 5 sample periods to react: nothing more is lost meanwhile
	mxrt_sim_advance(sim_, kT0 + 105 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 105 * kMs), 20);
	EXPECT_NE(Show().find("fifo_overflows=20 "), std::string::npos) << Show();
	Read(MAX30102_REG_FIFO_DATA, 32 * 6, kT0 + 105 * kMs); // drains; sampling goes on
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 105 * kMs), 0);
	mxrt_sim_advance(sim_, kT0 + 205 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 205 * kMs), 10) << "10 new samples since the read";
	EXPECT_NE(Show().find("fifo_overflows=20 "), std::string::npos) << Show();
	// without sampling there is nothing to overflow: refused, nothing changes
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SHDN | MAX30102_MODE_SPO2}, kT0 + 205 * kMs);
	EXPECT_EQ(Control("overflow=3"), -MXRT_EINVAL);
}

TEST_F(SimTest, OverflowAfterAPowerCycleInTheSameWriteIsRefused) {
	Configure(); // sampling
	mxrt_sim_advance(sim_, kT0 + 55 * kMs);
	const std::string before = Show();
	// the words apply in order: after power_on=1 the chip does not sample, so there is nothing to
	// overflow, and the whole write is refused (not a power cycle with the overflow dropped)
	EXPECT_EQ(Control("power_on=1 overflow=3"), -MXRT_EINVAL);
	EXPECT_EQ(Show(), before) << "nothing changed";
	// the other way round each word finds a sampling chip: the overflow, then the power cycle
	EXPECT_EQ(Control("overflow=3 power_on=1"), 0);
}

TEST_F(SimTest, OverflowFaultWithRolloverIsExactToo) {
	Config c;
	Configure(c);
	Write(MAX30102_REG_FIFO_CONFIG, {uint8_t(Encode(c).fifo_config | MAX30102_FIFO_ROLLOVER_EN)});
	mxrt_sim_advance(sim_, kT0 + 35 * kMs); // 3 unread
	ASSERT_EQ(mxrt_sim_control(sim_, "overflow=7", 10, kT0 + 35 * kMs), 0);
	mxrt_sim_advance(sim_, kT0 + 95 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_OVF_COUNTER, kT0 + 95 * kMs), 7);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR, kT0 + 95 * kMs), Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 95 * kMs))
		<< "full";
}

TEST_F(SimTest, ControlRefusesBlankWrites) {
	ASSERT_EQ(Control("hr=80"), 0);
	for (const char *blank : {"", " ", "\n", "\n\n", " \t\n "}) {
		SCOPED_TRACE(testing::PrintToString(std::string(blank)));
		EXPECT_EQ(Control(blank), -MXRT_EINVAL);
	}
	EXPECT_EQ(mxrt_sim_control(sim_, "\0\0", 2, kT0), -MXRT_EINVAL);
	EXPECT_NE(Show().find("hr=80.000"), std::string::npos);
	EXPECT_EQ(Control("hr=9.0001"), -MXRT_EINVAL) << "more than three fraction digits";
	EXPECT_EQ(Control("temp=18446744073709551.615"), -MXRT_EINVAL) << "out of range, not wrapped";
	EXPECT_EQ(Control("temp=-3.5"), 0);
	EXPECT_NE(Show().find("temp=-3.500"), std::string::npos) << Show();
}

// A typical fingertip at the settings hosts use most: inside full scale, not saturated.
TEST_F(SimTest, DefaultFingerSitsInsideFullScale) {
	ASSERT_EQ(Control("noise=0 wander=0"), 0);
	struct Case { uint32_t range_na, led_ua; double lo, hi; };
	for (Case k : {Case{4096, 6400, 0.35, 0.60}, Case{4096, 7200, 0.40, 0.65},
		       Case{16384, 6400, 0.08, 0.16}, Case{8192, 6400, 0.17, 0.30}}) {
		SCOPED_TRACE(testing::Message() << k.range_na << " nA, " << k.led_ua << " uA");
		mxrt_sim_control(sim_, "power_on=1", 10, kT0);
		Config c;
		c.adc_range_na = k.range_na;
		c.red_current_ua = c.ir_current_ua = k.led_ua;
		Configure(c);
		Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_ALC_OVF});
		Reg(MAX30102_REG_INT_STATUS1);
		mxrt_sim_advance(sim_, kT0 + 300 * kMs); // 30 samples, a third of a beat and more
		auto b = Read(MAX30102_REG_FIFO_DATA, 30 * 6, kT0 + 300 * kMs);
		for (int i = 0; i < 30; i++) {
			const double red = DecodeChannel(&b[6 * i], 18) / 262144.0;
			const double ir = DecodeChannel(&b[6 * i + 3], 18) / 262144.0;
			EXPECT_GT(ir, k.lo);
			EXPECT_LT(ir, k.hi);
			EXPECT_GT(red, k.lo * 0.7);
			EXPECT_LT(red, k.hi);
		}
		EXPECT_EQ(Reg(MAX30102_REG_INT_STATUS1, kT0 + 300 * kMs) & MAX30102_INT_ALC_OVF, 0) << "not saturated";
	}
}

// Datasheet points another driver relies on (each of these tests failed on the model before):

// "Write Data Format": the pointer increments after each byte received, so one burst can write the
// pointers and the configuration behind them; the byte that lands on FIFO_DATA is ignored. The
// model stopped at FIFO_DATA and dropped the rest.
TEST_F(SimTest, ABurstWriteGoesOnPastFifoData) {
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SHDN | MAX30102_MODE_SPO2});
	Write(MAX30102_REG_FIFO_WR_PTR, {0, 0, 0, 0x5a, 0x1f, 0x03, 0x27}); // ptrs, FIFO_DATA, FIFO_CONFIG, MODE, SPO2
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_FIFO_CONFIG), 0x1f);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_MODE_CONFIG), 0x03);
	EXPECT_EQ(mxrt_sim_peek(sim_, MAX30102_REG_SPO2_CONFIG), 0x27);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR), 0);
}

// Table 9: 011 and 100 are slots with no LED ("None, N/A (Off)"), 3 bytes each like any slot
// (SparkFun's library writes 011 for a green LED the MAX30102 does not have); 000 ends the list.
// The model ended the list at them: 6-byte samples where the chip gives 9, every read misaligned.
TEST_F(SimTest, AMultiLedSlotWithItsLedOffStillTakesThreeBytes) {
	Write(MAX30102_REG_LED1_PA, {0x20, 0x20});
	Write(MAX30102_REG_MULTI_LED1, {0x21, 0x03});	  // slot 1 red, 2 IR, 3 LED off
	Write(MAX30102_REG_FIFO_CONFIG, {0x00, 0x07, 0x07}); // multi-LED, 100 Hz, 411 us
	mxrt_sim_advance(sim_, kT0 + 25 * kMs);		  // 2 samples
	const auto b = Read(MAX30102_REG_FIFO_DATA, 9, kT0 + 25 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 25 * kMs), 1) << "9 bytes: one sample of 3 slots";
	EXPECT_GT(DecodeChannel(&b[0], 18), 1000u) << "red lit";
	EXPECT_GT(DecodeChannel(&b[3], 18), 1000u) << "IR lit";
	EXPECT_EQ(DecodeChannel(&b[6], 18), 0u) << "no LED: dark";
	Write(MAX30102_REG_MULTI_LED1, {0x21, 0x05}); // 101: reserved, taken as the end of the list
	mxrt_sim_advance(sim_, kT0 + 40 * kMs);
	Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 40 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_RD_PTR, kT0 + 40 * kMs), 2);
}

// FIFO_WR_PTR "can also be changed through the I2C interface when MODE[2:0] is 010, 011, or 111":
// not after a reset (000). The model took it in any mode.
TEST_F(SimTest, TheWritePointerIsWritableOnlyInASamplingMode) {
	Write(MAX30102_REG_FIFO_WR_PTR, {5});
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR), 0);
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_SHDN | MAX30102_MODE_HR});
	Write(MAX30102_REG_FIFO_WR_PTR, {5});
	EXPECT_EQ(Reg(MAX30102_REG_FIFO_WR_PTR), 5) << "HR mode, shut down";
}

// ALC_OVF "triggers when the ambient light cancellation function ... has reached its maximum
// limit, and therefore, ambient light is affecting the output of the ADC": LED light that
// saturates the ADC is not that. The model set it on every saturated sample.
TEST_F(SimTest, AnAdcSaturatedByLedLightIsNoAmbientLightOverflow) {
	Write(MAX30102_REG_LED1_PA, {0xff, 0xff});
	Write(MAX30102_REG_FIFO_CONFIG, {0x00, 0x03, 0x07}); // SpO2, 2048 nA, 100 Hz, 411 us
	Reg(MAX30102_REG_INT_STATUS1);
	mxrt_sim_advance(sim_, kT0 + 15 * kMs);
	const uint8_t st = Reg(MAX30102_REG_INT_STATUS1, kT0 + 15 * kMs);
	const auto f = Read(MAX30102_REG_FIFO_DATA, 3, kT0 + 15 * kMs);
	EXPECT_EQ(DecodeChannel(f.data(), 18), 0x3ffffu) << "saturated";
	EXPECT_EQ(st & MAX30102_INT_ALC_OVF, 0);
}

// RESET sets every register to its power-on value, TEMP_CONFIG too: a conversion under way ends,
// and TEMP_EN written after it starts one. The model ran the old one on and ignored the new
// TEMP_EN while TEMP_CONFIG read 0, so a host polling TEMP_EN read TINT 0 at once.
TEST_F(SimTest, ATemperatureConversionEndsWithAReset) {
	ASSERT_EQ(Control("temp=31.5"), 0);
	Write(MAX30102_REG_TEMP_CONFIG, {1});
	Write(MAX30102_REG_MODE_CONFIG, {MAX30102_MODE_RESET}, kT0 + 1 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 1 * kMs), 0);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_INT, kT0 + 40 * kMs), 0) << "the conversion the reset ended gave nothing";
	Write(MAX30102_REG_TEMP_CONFIG, {1}, kT0 + 41 * kMs);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 41 * kMs), 1) << "a conversion started";
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_CONFIG, kT0 + 80 * kMs), 0);
	EXPECT_EQ(Reg(MAX30102_REG_TEMP_INT, kT0 + 80 * kMs), 31);
}

TEST_F(SimTest, UnsupportedMessagesAreRefusedBeforeTheBus) {
	uint8_t b[2] = {MAX30102_REG_LED1_PA, 0x33};
	mxrt_u64 bus;
	for (uint16_t f : {MXRT_SIM_MSG_TEN, MXRT_SIM_MSG_RECV_LEN, MXRT_SIM_MSG_MANGLE}) {
		mxrt_sim_msg m{MAX30102_I2C_ADDR, f, 2, b};
		EXPECT_EQ(mxrt_sim_xfer(sim_, &m, 1, kT0, &bus), -MXRT_EOPNOTSUPP) << f;
	}
	EXPECT_EQ(Reg(MAX30102_REG_LED1_PA), 0) << "nothing reached the chip";
	EXPECT_NE(Show().find("xfers_refused=3"), std::string::npos) << Show();
}

// The adapter's limits: a message over 384 bytes, or more than 16 messages, is refused before the
// bus (a transfer is modelled under a raw spinlock with interrupts off); 384 bytes (a full FIFO of
// four multi-LED slots: 32 x 4 x 3; 256 were the limit until 2026-12-07), 16 messages pass.
static_assert(MXRT_SIM_MAX_MSG_LEN == MAX30102_FIFO_DEPTH * 4 * 3);
TEST_F(SimTest, TransfersPastTheAdaptersLimitsAreRefused) {
	std::vector<uint8_t> reg(16, MAX30102_REG_PART_ID), buf(MXRT_SIM_MAX_MSG_LEN + 1);
	mxrt_u64 bus;
	mxrt_sim_msg m[MXRT_SIM_MAX_MSGS + 1];
	m[0] = {MAX30102_I2C_ADDR, 0, 1, reg.data()};
	m[1] = {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, MXRT_SIM_MAX_MSG_LEN + 1, buf.data()};
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), -MXRT_EOPNOTSUPP) << "385 bytes";
	m[1].len = MXRT_SIM_MAX_MSG_LEN;
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, 2, kT0, &bus), 2) << "384 bytes";
	for (int i = 0; i <= MXRT_SIM_MAX_MSGS; i++)
		m[i] = {MAX30102_I2C_ADDR, 0, 1, &reg[i % 16]};
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, MXRT_SIM_MAX_MSGS + 1, kT0, &bus), -MXRT_EOPNOTSUPP) << "17 messages";
	EXPECT_EQ(mxrt_sim_xfer(sim_, m, MXRT_SIM_MAX_MSGS, kT0, &bus), MXRT_SIM_MAX_MSGS) << "16 messages";
	EXPECT_NE(Show().find("xfers_refused=2"), std::string::npos) << Show();
}

// ---- the interrupt controller: edge and level --------------------------------------------------

TEST_F(SimTest, FallingEdgeIsOneInterruptPerHighToLowTransition) {
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_EDGE_FALLING), 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_NONE)
		<< "PWR_RDY has held INT low since before: no edge";
	Config c;
	c.fifo_almost_full = 20;
	Configure(c);
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // INT goes high
	mxrt_sim_advance(sim_, kT0 + 200 * kMs); // the 20th sample: INT low
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 1), MXRT_SIM_IRQ_NONE) << "masked: kept";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_RAISE) << "at unmask";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_NONE)
		<< "INT is still low, but that is no new edge";
	mxrt_sim_advance(sim_, kT0 + 300 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 300 * kMs, 0), MXRT_SIM_IRQ_NONE);
	// the host reads the status (INT high) and drains to below the threshold: the next crossing
	// is a new edge
	Reg(MAX30102_REG_INT_STATUS1, kT0 + 300 * kMs);
	Read(MAX30102_REG_FIFO_DATA, 30 * 6, kT0 + 300 * kMs);
	mxrt_sim_advance(sim_, kT0 + 490 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 490 * kMs, 0), MXRT_SIM_IRQ_NONE);
	mxrt_sim_advance(sim_, kT0 + 500 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 500 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	// a lost edge is gone for good: the line stays low and nothing more comes
	Reg(MAX30102_REG_INT_STATUS1, kT0 + 500 * kMs);
	Read(MAX30102_REG_FIFO_DATA, 30 * 6, kT0 + 500 * kMs);
	ASSERT_EQ(mxrt_sim_control(sim_, "lose_irq=1", 10, kT0 + 500 * kMs), 0);
	mxrt_sim_advance(sim_, kT0 + 700 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 700 * kMs, 0), MXRT_SIM_IRQ_NONE);
	mxrt_sim_advance(sim_, kT0 + 900 * kMs);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 900 * kMs, 0), MXRT_SIM_IRQ_NONE);
	EXPECT_NE(Show().find("irqs_raised=2 irqs_lost=1"), std::string::npos) << Show();
}

// A transfer that finds an interrupt due only asks (the kernel glue cannot deliver one there) and
// hands the poll to hard IRQ context: asking must leave the edge latched for that poll.
TEST_F(SimTest, AskingWhetherAnInterruptIsDueConsumesNothing) {
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_EDGE_FALLING), 0);
	Config c;
	c.fifo_almost_full = 20;
	Configure(c);
	Write(MAX30102_REG_INT_ENABLE1, {MAX30102_INT_A_FULL});
	Reg(MAX30102_REG_INT_STATUS1); // INT goes high
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 0) << "no edge yet";
	mxrt_sim_advance(sim_, kT0 + 200 * kMs); // the 20th sample: INT low, an edge latched
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 1), 0) << "masked: nothing to do now";
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 1);
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 1) << "asking twice still leaves it latched";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 0) << "the poll consumed it";
	// a level stays due until the status read releases the pin; a lost one is due once (the poll
	// that drops it)
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_LEVEL_LOW), 0);
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 1);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 1) << "the pin is still low";
	ASSERT_EQ(mxrt_sim_control(sim_, "lose_irq=1", 10, kT0 + 200 * kMs), 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0 + 200 * kMs, 0), MXRT_SIM_IRQ_NONE) << "lost";
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 0) << "suppressed until the pin is released";
	Reg(MAX30102_REG_INT_STATUS1, kT0 + 200 * kMs);
	EXPECT_EQ(mxrt_sim_irq_due(sim_, 0), 0) << "released";
}

TEST_F(SimTest, StuckLineIsOneEdgeButEndlessLevel) {
	Reg(MAX30102_REG_INT_STATUS1);
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_EDGE_FALLING), 0);
	ASSERT_EQ(Control("stuck_irq=1"), 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_NONE);
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_LEVEL_LOW), 0);
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE);
}

TEST_F(SimTest, RisingEdgeAndLevelHighFollowThePin) {
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_EDGE_RISING), 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_NONE);
	Reg(MAX30102_REG_INT_STATUS1); // PWR_RDY read: INT low -> high
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE);
	ASSERT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_LEVEL_HIGH), 0);
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE) << "the idle pin is high";
}

TEST_F(SimTest, ImpossibleTriggersAreRefused) {
	EXPECT_EQ(mxrt_sim_irq_set_trigger(sim_, 0), -MXRT_EINVAL);
	EXPECT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_LEVEL_LOW | MXRT_SIM_TRIGGER_LEVEL_HIGH),
		  -MXRT_EINVAL);
	EXPECT_EQ(mxrt_sim_irq_set_trigger(sim_, MXRT_SIM_TRIGGER_LEVEL_LOW | MXRT_SIM_TRIGGER_EDGE_FALLING),
		  -MXRT_EINVAL);
	EXPECT_EQ(mxrt_sim_irq_set_trigger(sim_, 0x10), -MXRT_EINVAL);
	EXPECT_NE(Show().find("trigger=level-low"), std::string::npos) << "unchanged";
	EXPECT_EQ(mxrt_sim_irq_poll(sim_, kT0, 0), MXRT_SIM_IRQ_RAISE) << "still level: PWR_RDY";
}

// ---- replay uploads ----------------------------------------------------------------------------

constexpr const char *kHeader = "timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3\n";

std::string Csv(std::initializer_list<const char *> stamps) {
	std::string s = std::string("preamble,line\n") + kHeader;
	int i = 0;
	for (const char *t : stamps)
		s += std::string(t) + "," + std::to_string(++i) + ",0,0,0,1000.0,2000.0,5.0\n";
	return s + "stop time,1\n";
}

int ParseErr(const std::string &s) {
	int err = 1;
	mxrt_sim_replay *r = mxrt_sim_replay_parse(s.data(), s.size(), &err);
	mxrt_sim_replay_free(r);
	return err;
}

TEST_F(SimTest, ReplayRefusesTheTimestampThatWrappedTheDuration) {
	// 2^64 - 1 us after 0: the duration (last + 1) would be 0, and the sample timer divides by it
	const std::string s = Csv({"0.000", "10.000", "18446744073709551.615"});
	int err = 0;
	mxrt_sim_replay *r = mxrt_sim_replay_parse(s.data(), s.size(), &err);
	EXPECT_EQ(r, nullptr);
	EXPECT_EQ(err, -MXRT_ERANGE);
	if (r) { // what the module did with it before: must not crash the test binary either way
		mxrt_sim_replay_free(mxrt_sim_replay_swap(sim_, r, kT0));
		Configure();
		mxrt_sim_advance(sim_, kT0 + 20 * kMs);
	}
}

TEST_F(SimTest, ReplayRefusesOverflowingAndMalformedTimestamps) {
	EXPECT_EQ(ParseErr(Csv({"0", "18446744073709551.999"})), -MXRT_ERANGE) << "ms * 1000 + us wraps";
	EXPECT_EQ(ParseErr(Csv({"0", "18446744073709552"})), -MXRT_ERANGE);
	EXPECT_EQ(ParseErr(Csv({"0", "99999999999999999999999"})), -MXRT_ERANGE);
	EXPECT_EQ(ParseErr(Csv({"0", "86400000.001"})), -MXRT_ERANGE) << "over 24 h";
	EXPECT_EQ(ParseErr(Csv({"0", "86400000.000"})), 0) << "24 h exactly";
	EXPECT_EQ(ParseErr(Csv({"0", "1.123abc"})), -MXRT_EINVAL) << "junk after the digits";
	EXPECT_EQ(ParseErr(Csv({"0", "1."})), -MXRT_EINVAL);
	EXPECT_EQ(ParseErr(Csv({"0", "1.2.3"})), -MXRT_EINVAL);
	EXPECT_EQ(ParseErr(Csv({"1000", "1010.5"})), 0);
}

TEST_F(SimTest, ReplayRefusesTimestampsThatDoNotIncrease) {
	EXPECT_EQ(ParseErr(Csv({"1000", "1010", "1005"})), -MXRT_EINVAL) << "backwards";
	EXPECT_EQ(ParseErr(Csv({"1000", "1010", "1010"})), -MXRT_EINVAL) << "repeated";
	EXPECT_EQ(ParseErr(Csv({"1000", "1010.0004", "1010.0009"})), -MXRT_EINVAL)
		<< "the same microsecond";
	EXPECT_EQ(ParseErr(Csv({"1000", "999"})), -MXRT_EINVAL) << "before the first";
}

TEST_F(SimTest, ReplayOffMustBeExactlyOff) {
	for (const char *off : {"off", "off\n", "off\r\n"}) {
		int err = 1;
		EXPECT_EQ(mxrt_sim_replay_parse(off, strlen(off), &err), nullptr);
		EXPECT_EQ(err, 0) << off;
	}
	for (const char *bad : {"offset-is-not-off", "off\nx", "off\n\n", "of", "", "\n", "OFF"}) {
		SCOPED_TRACE(testing::PrintToString(std::string(bad)));
		EXPECT_EQ(ParseErr(bad), -MXRT_EINVAL);
	}
}

TEST_F(SimTest, ReplayUploadNamesTheBadLineAndSticks) {
	mxrt_sim_upload *u = mxrt_sim_upload_create();
	ASSERT_NE(u, nullptr);
	const std::string good = std::string("x\n") + kHeader + "1000,1,0,0,0,5,6,0\n";
	EXPECT_EQ(mxrt_sim_upload_feed(u, good.data(), good.size()), 0);
	EXPECT_EQ(mxrt_sim_upload_feed(u, "999,", 4), 0) << "an incomplete line waits";
	EXPECT_EQ(mxrt_sim_upload_feed(u, "2,0,0,0,5,6,0\n", 14), -MXRT_EINVAL);
	const char *why = nullptr;
	EXPECT_EQ(mxrt_sim_upload_error(u, &why), 4u);
	EXPECT_STREQ(why, "timestamp not after the previous row's");
	EXPECT_EQ(mxrt_sim_upload_feed(u, "1,", 2), -MXRT_EINVAL) << "sticky";
	mxrt_sim_replay *r = nullptr;
	EXPECT_EQ(mxrt_sim_upload_finish(u, &r), -MXRT_EINVAL);
	EXPECT_EQ(r, nullptr);
	// the outcome shows in the state, and the signal source did not change
	EXPECT_EQ(mxrt_sim_upload_apply(sim_, u, -MXRT_EINVAL, nullptr, kT0), nullptr);
	EXPECT_NE(Show().find("upload: result=rejected errno=22 line=4 reason: timestamp not after"),
		  std::string::npos) << Show();
	EXPECT_NE(Show().find("source=model"), std::string::npos);
	mxrt_sim_upload_destroy(u);
}

TEST_F(SimTest, ReplayUploadLimits) {
	std::string preamble;
	for (int i = 0; i < 64; i++)
		preamble += "no header here\n";
	EXPECT_EQ(ParseErr(preamble + kHeader), -MXRT_EINVAL) << "header after 64 lines";
	EXPECT_EQ(ParseErr(std::string("x\n") + kHeader + std::string(5000, '1') + "\n"), -MXRT_EINVAL)
		<< "a line over 4096 bytes";
	EXPECT_EQ(ParseErr(std::string("x\n") + kHeader + "1000,1,0,0,0,5,6,0\n"), -MXRT_EINVAL)
		<< "one row";
	EXPECT_EQ(ParseErr(std::string("x\n") + kHeader + "1000,1,0,0,0,5\n1010,1,0,0,0,5,6\n"),
		  -MXRT_EINVAL) << "no LEDC2 field";
	mxrt_sim_upload *u = mxrt_sim_upload_create();
	ASSERT_NE(u, nullptr);
	const std::string head = Csv({"1000", "1010"}); // then a trailer of free text
	ASSERT_EQ(mxrt_sim_upload_feed(u, head.data(), head.size()), 0);
	std::string trailer;
	for (int i = 0; i < 100000; i++)
		trailer += "trailer line\n";
	size_t fed = head.size();
	int err = 0;
	while (err == 0 && fed <= (8u << 20)) {
		err = mxrt_sim_upload_feed(u, trailer.data(), trailer.size());
		fed += trailer.size();
	}
	EXPECT_EQ(err, -MXRT_EFBIG) << "over 8 MiB";
	EXPECT_GT(fed, size_t(8u << 20));
	mxrt_sim_upload_destroy(u);
}

TEST_F(SimTest, ReplayPlaysTheRecordedValuesExactly) {
	const std::string s = std::string("x\n") + kHeader + "1000,1,0,0,0,100000,50000,0\n" +
			      "1010,2,0,0,0,100000,50000,0\nstop time,1\n";
	int err = 1;
	mxrt_sim_replay *r = mxrt_sim_replay_parse(s.data(), s.size(), &err);
	ASSERT_NE(r, nullptr);
	mxrt_sim_replay_free(mxrt_sim_replay_swap(sim_, r, kT0));
	Configure();
	mxrt_sim_advance(sim_, kT0 + 50 * kMs);
	auto b = Read(MAX30102_REG_FIFO_DATA, 5 * 6, kT0 + 50 * kMs);
	for (int i = 0; i < 5; i++) {
		EXPECT_EQ(DecodeChannel(&b[6 * i], 18), 50000u) << "red = LEDC2";
		EXPECT_EQ(DecodeChannel(&b[6 * i + 3], 18), 100000u) << "IR = LEDC1";
	}
}

std::filesystem::path SharedData() {
	for (auto p : {"../shared/data/ppg-oxiwear", "../../shared/data/ppg-oxiwear"})
		if (std::filesystem::is_directory(p))
			return p;
	if (const char *d = getenv("MXRT_SHARED"); d && *d) {
		const auto p = std::filesystem::path(d) / "data/ppg-oxiwear";
		if (std::filesystem::is_directory(p))
			return p;
	}
	return {};
}

// A line among the rows that is no data row ended them, and every row after it was dropped unsaid
// (2 rows kept of many). Blank lines are skipped; a data row after the trailer began is refused.
TEST_F(SimTest, ReplayRefusesDataRowsAfterTheTrailer) {
	const std::string head = std::string("x\n") + kHeader;
	const std::string rows = "1000,1,0,0,0,5,6,0\n1010,2,0,0,0,5,6,0\n";
	const std::string more = "1020,3,0,0,0,5,6,0\n1030,4,0,0,0,5,6,0\n";
	EXPECT_EQ(ParseErr(head + rows + "\n" + more + "stop time,1\n"), 0) << "a blank line among the rows";
	EXPECT_EQ(ParseErr(head + rows + "\r\n" + more), 0) << "a CRLF blank line";
	EXPECT_EQ(ParseErr(head + rows + ",,,,,,,\r\n" + more), 0) << "a spreadsheet's empty row";
	EXPECT_EQ(ParseErr(head + rows + " stray\n" + more), -MXRT_EINVAL);
	EXPECT_EQ(ParseErr(head + rows + ",5,6\n" + more), -MXRT_EINVAL);
	EXPECT_EQ(ParseErr(head + rows + "stop time,1\n\nmissed packet count: 0\n"), 0) << "a trailer, blank lines";
	mxrt_sim_upload *u = mxrt_sim_upload_create();
	ASSERT_NE(u, nullptr);
	const std::string bad = head + rows + "-3,1,1\n" + more;
	EXPECT_EQ(mxrt_sim_upload_feed(u, bad.data(), bad.size()), -MXRT_EINVAL);
	const char *why = nullptr;
	EXPECT_EQ(mxrt_sim_upload_error(u, &why), 6u) << "the first data row after the trailer's start";
	EXPECT_NE(std::string(why).find("a data row after the trailer"), std::string::npos) << why;
	mxrt_sim_upload_destroy(u);
}

// An upload cut short (a writer killed mid-write still closes the file) ends inside a row: a value
// such as "2" of "2000" was taken. A last data row without a line end is refused; a last trailer
// line or "off" without one is not.
TEST_F(SimTest, ReplayRefusesALastDataRowWithoutLineEnd) {
	const std::string good = std::string("x\n") + kHeader + "1000,1,0,0,0,5,6,0\n1010,2,0,0,0,5,6,0\n";
	EXPECT_EQ(ParseErr(good + "1020,3,0,0,0,5,6,2"), -MXRT_EINVAL);
	EXPECT_EQ(ParseErr(good + "1020,3,0,0,0,5,6,2000\n"), 0);
	EXPECT_EQ(ParseErr(good + "stop time,1"), 0);
	EXPECT_EQ(ParseErr("off"), 0);
}

TEST_F(SimTest, ReplayParsesTheRecordedCsvAndRejectsOtherText) {
	int err;
	const char *bad = "a,b,c\n1,2,3\n";
	EXPECT_EQ(mxrt_sim_replay_parse(bad, strlen(bad), &err), nullptr);
	EXPECT_EQ(err, -MXRT_EINVAL);
	const char *mini = "x\ntimestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3\n"
			   "1000.000,1,0,0,0,100.0,200.0,5.0\n1010.0,2,0,0,0,300.0,400.0,5.0\n";
	mxrt_sim_replay *r = mxrt_sim_replay_parse(mini, strlen(mini), &err);
	ASSERT_NE(r, nullptr);
	EXPECT_EQ(err, 0);
	mxrt_sim_replay_free(mxrt_sim_replay_swap(sim_, r, kT0));
	Configure();
	mxrt_sim_advance(sim_, kT0 + 10 * kMs); // sample at +10 ms = 5/11 of the way... interpolated
	auto b = Read(MAX30102_REG_FIFO_DATA, 6, kT0 + 10 * kMs);
	uint32_t red = DecodeChannel(b.data(), 18), ir = DecodeChannel(b.data() + 3, 18);
	EXPECT_GE(red, 200u);
	EXPECT_LE(red, 400u);
	EXPECT_GE(ir, 100u);
	EXPECT_LE(ir, 300u);

	const auto dir = SharedData();
	if (dir.empty())
		GTEST_SKIP() << "../shared/data/ppg-oxiwear is absent: the real-recording part is skipped";
	for (auto &e : std::filesystem::directory_iterator(dir)) {
		if (e.path().extension() != ".csv")
			continue;
		std::ifstream f(e.path());
		std::stringstream ss;
		ss << f.rdbuf();
		std::string s = ss.str();
		mxrt_sim_replay *rr = mxrt_sim_replay_parse(s.data(), s.size(), &err);
		EXPECT_NE(rr, nullptr) << e.path() << " err " << err;
		mxrt_sim_replay_free(rr);
	}
}

} // namespace
