// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, as a libFuzzer target (clang -fsanitize=fuzzer,address,undefined; built
// and run for a bounded number of inputs by `make -f tests/unit/unit.mk run`, seeds in
// fuzz-seeds/, tokens in sim_fuzz.dict). Coverage-guided fuzzing of the simulator's three kernel
// parsers of user input: the two its debugfs files call, and its I2C adapter's transfer:
//   first byte odd:  the rest is one control write (mxrt_sim_control) on a sampling chip; a
//                    refused write must change nothing;
//   first byte 4k+2: the rest is a program of I2C transfers, clock steps, interrupt polls and
//                    faults (xfer_program.h), which checks what every chip shows;
//   first byte 4k:   the rest is a replay upload, fed in pieces whose sizes come from the first
//                    byte, then finished, applied and replayed across a day of sample clock.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include <max30102/chip.hpp>
#include <max30102/sim/sim.h>

#include "xfer_program.h"

namespace {

using namespace mxrt::max30102;
constexpr uint64_t kT0 = 1'000'000'000, kMs = 1'000'000;

std::string ShowOf(mxrt_sim *s) {
	static char buf[4096];
	return std::string(buf, mxrt_sim_show(s, buf, sizeof(buf)));
}

void Sample(mxrt_sim *sim) { // SpO2 at 100 Hz
	const ConfigRegs c = Encode(Config{});
	uint8_t w[4] = {MAX30102_REG_FIFO_CONFIG, c.fifo_config, c.mode_config, c.spo2_config};
	mxrt_sim_msg m{MAX30102_I2C_ADDR, 0, 4, w};
	mxrt_u64 bus;
	mxrt_sim_xfer(sim, &m, 1, kT0, &bus);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	if (size == 0)
		return 0;
	const uint8_t mode = data[0];
	const char *text = reinterpret_cast<const char *>(data + 1);
	const size_t len = size - 1;
	if ((mode & 3) == 2) {
		if (!mxrt_test::RunXferProgram(data + 1, len, kT0).empty())
			abort();
		return 0;
	}
	mxrt_sim *sim = mxrt_sim_create(kT0);
	if (sim == nullptr)
		abort();
	Sample(sim);
	if (mode & 1) {
		const std::string before = ShowOf(sim);
		const int err = mxrt_sim_control(sim, text, len, kT0);
		if (err != 0 && (err != -MXRT_EINVAL || ShowOf(sim) != before))
			abort(); // a refused control write changed something
	} else {
		mxrt_sim_upload *u = mxrt_sim_upload_create();
		if (u == nullptr)
			abort();
		const size_t piece = 1 + (mode >> 1) * 7u; // 1..890 bytes
		int err = 0;
		for (size_t i = 0; i < len && err == 0; i += piece)
			err = mxrt_sim_upload_feed(u, text + i, piece < len - i ? piece : len - i);
		mxrt_sim_replay *r = nullptr;
		const int fin = mxrt_sim_upload_finish(u, &r);
		if ((err != 0 && fin != err) || (fin != 0 && r != nullptr))
			abort();
		mxrt_sim_replay_free(mxrt_sim_upload_apply(sim, u, fin, r, kT0));
		mxrt_sim_upload_destroy(u);
		for (uint64_t t : {uint64_t(kT0 + 330 * kMs), uint64_t(kT0 + 86'400'000 * kMs)})
			mxrt_sim_advance(sim, t);
	}
	mxrt_sim_destroy(sim);
	return 0;
}
