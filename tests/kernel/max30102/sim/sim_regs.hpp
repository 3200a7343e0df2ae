// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the unit tests). One register write, and a read of @len registers from
// @reg, through the simulator's C ABI as the adapter's transfer (the register address, then a
// read message): the tests that drive the acquisition core against the simulator share these.
#pragma once

#include <cstdint>

#include <lib/abi.h>
#include <max30102/regs.h>
#include <max30102/sim/sim.h>

namespace mxrt::max30102::test {

// 0, or -MXRT_EIO when the simulator refused the message (a NAK fault)
inline int SimWriteReg(mxrt_sim *sim, uint8_t reg, uint8_t val, uint64_t now) {
	uint8_t b[2] = {reg, val};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 2, b};
	mxrt_u64 bus;
	return mxrt_sim_xfer(sim, &m, 1, now, &bus) == 1 ? 0 : -MXRT_EIO;
}

// what mxrt_sim_xfer returned: 2 for a read that went through
inline int SimReadRegs(mxrt_sim *sim, uint8_t reg, uint8_t *out, uint16_t len, uint64_t now) {
	mxrt_sim_msg m[2] = {{MAX30102_I2C_ADDR, 0, 1, &reg}, {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, len, out}};
	mxrt_u64 bus;
	return mxrt_sim_xfer(sim, m, 2, now, &bus);
}

} // namespace mxrt::max30102::test
