// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the unit variants and the libFuzzer target sim_fuzz.cpp). Interprets bytes
// as a program of I2C transfers, clock steps, interrupt polls and fault injections against one
// simulated chip, following the protocol the glue follows (mxrt_sim_bus_wait before a transfer,
// mxrt_sim_hang_ended after a hang). The transfers are what any client of the simulator's adapter
// can send: i2c-dev gives root every message layout the glue passes on, so mxrt_sim_xfer is a
// kernel parser of untrusted input. Beyond "no crash, no out-of-bounds access, no undefined
// behaviour" (the sanitizers), RunXferProgram checks what holds whatever was sent:
//  - a transfer returns its message count or one of the documented errors, and one the adapter
//    does not do (too many messages, a message too long, a flag it does not support) is refused
//    before it reaches the chip;
//  - with no fault armed, a plain transfer to the chip's address succeeds and one to any other
//    address is NAKed;
//  - the FIFO pointers and OVF_COUNTER stay 5-bit (the datasheet's bits 7:5 read 0), PART_ID
//    reads 0x15 unless the part_id fault says otherwise, and reads do not change the configuration
//    registers.
#ifndef MXRT_TESTS_SIM_XFER_PROGRAM_H
#define MXRT_TESTS_SIM_XFER_PROGRAM_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>

#include <max30102/regs.h>
#include <max30102/sim/sim.h>

namespace mxrt_test {

struct XferCursor {
	const uint8_t *p;
	size_t n;
	uint8_t Next() {
		if (n == 0)
			return 0;
		n--;
		return *p++;
	}
};

// What a program reached, so that a test can show its generator reaches the interesting cases.
struct XferReach {
	unsigned done, refused, nak, timed_out, hung, fifo_reads, checks;
};

// What was wrong ("" when every check held).
inline std::string RunXferProgram(const uint8_t *data, size_t size, uint64_t t0, XferReach *reach = nullptr) {
	XferReach unused{};
	XferReach &r = reach ? *reach : unused;
	constexpr uint64_t kMs = 1'000'000;
	// Fault words a program can arm, and the words that disarm them all.
	static const char *const kFaults[] = {"nak=1", "timeout=1", "hang=1", "taken_fail=1", "fault_after=2 nak=1",
					      "recovery_fails=1", "storm=3", "lose_irq=2", "stuck_irq=1", "overflow=31",
					      "part_id=0", "bus_khz=100", "bus_khz=400", "busy_ms=1", "late_us=500 late_every=2",
					      "finger=0", "finger=1", "motion=1", "hr=240", "power_on=1", "temp=-40", "temp=85"};
	static const char kClear[] = "nak=0 timeout=0 hang=0 taken_fail=0 fault_after=0 recovery_fails=0 storm=0 "
				     "lose_irq=0 stuck_irq=0 part_id=21 bus_khz=0 busy_ms=0 late_us=0 late_every=0";
	mxrt_sim *sim = mxrt_sim_create(t0);
	if (sim == nullptr)
		return "out of memory";
	std::string why;
	XferCursor in{data, size};
	uint64_t now = t0;
	bool armed = false; // a fault may change what a transfer returns
	int part_id = MAX30102_PART_ID_VALUE;
	static uint8_t bufs[MXRT_SIM_MAX_MSGS + 2][MXRT_SIM_MAX_MSG_LEN + 64];
	mxrt_sim_msg msgs[MXRT_SIM_MAX_MSGS + 2];
	auto fail = [&](const std::string &w) {
		if (why.empty())
			why = w;
	};
	auto read_reg = [&](uint8_t reg, uint8_t *v) {
		uint8_t r = reg;
		mxrt_sim_msg m[2] = {{MAX30102_I2C_ADDR, 0, 1, &r}, {MAX30102_I2C_ADDR, MXRT_SIM_MSG_READ, 1, v}};
		mxrt_u64 bus = 0;
		return mxrt_sim_xfer(sim, m, 2, now, &bus);
	};
	for (int steps = 0; in.n > 0 && steps < 4096 && why.empty(); steps++) {
		const uint8_t op = in.Next();
		switch (op % 10) {
		case 0:
		case 1:
		case 2:
		case 3: { // a transfer: mostly 1..3 messages, now and then up to 18 (16 is the adapter's limit)
			const uint8_t count = in.Next();
			const int n = 1 + ((count & 0xe0) == 0xe0 ? count % (MXRT_SIM_MAX_MSGS + 2) : count % 3);
			bool unsupported = n > MXRT_SIM_MAX_MSGS;
			bool foreign = false;
			for (int i = 0; i < n; i++) {
				const uint8_t shape = in.Next();
				// mostly what a driver sends: a register write, or a register address then a read
				// (of the FIFO, half of the time); now and then anything
				uint16_t flags = 0, len = 1;
				uint8_t reg = 0;
				switch (shape & 7) {
				case 0:
				case 1: // register address, then a read in the next message
					flags = 0, len = 1;
					reg = shape & 8 ? MAX30102_REG_FIFO_DATA : uint8_t(in.Next() % 0x24);
					break;
				case 2:
				case 3: // a read: a few registers or part of the FIFO
					flags = MXRT_SIM_MSG_READ, len = uint16_t(1 + in.Next() % (shape & 8 ? 200 : 6));
					break;
				case 4:
				case 5: // a register write of 1..4 values
					len = uint16_t(2 + in.Next() % 4), reg = uint8_t(in.Next() % 0x24);
					break;
				case 6: // anything within the adapter's limits, or a zero-length message
					flags = in.Next() & 1 ? MXRT_SIM_MSG_READ : 0, len = in.Next() % 8;
					reg = in.Next();
					break;
				case 7: { // past the adapter's limits, a flag it does not do, or another address
					const uint8_t how = in.Next();
					len = uint16_t(1 + in.Next());
					if (how & 1)
						len = uint16_t(len + MXRT_SIM_MAX_MSG_LEN - 128 + (how & 2 ? 64 : 0));
					if (how & 4)
						flags |= uint16_t(MXRT_SIM_MSG_TEN << (in.Next() % 3));
					if (how & 8)
						flags |= MXRT_SIM_MSG_READ;
					reg = in.Next();
					break;
				}
				}
				const uint16_t addr = (shape & 7) == 7 && (shape & 0x10) ? uint16_t(in.Next() & 0x7f)
											 : MAX30102_I2C_ADDR;
				unsupported |= (flags & ~uint16_t(MXRT_SIM_MSG_READ)) != 0 || len > MXRT_SIM_MAX_MSG_LEN;
				foreign |= addr != MAX30102_I2C_ADDR;
				uint8_t *b = bufs[i];
				if (!(flags & MXRT_SIM_MSG_READ) && len <= sizeof(bufs[i]))
					for (uint16_t k = 0; k < len; k++) // long writes: a few bytes, then a pattern
						b[k] = k == 0 ? reg : k < 8 ? in.Next() : uint8_t(k * 37);
				// a zero-length message carries no buffer (i2c-dev passes ZERO_SIZE_PTR), and one
				// past the limits none either: it must be refused unread
				msgs[i] = {addr, flags, len, len > 0 && len <= sizeof(bufs[i]) ? b : nullptr};
			}
			const uint64_t wait = mxrt_sim_bus_wait(sim, msgs, n);
			now += wait;
			mxrt_u64 bus = 0;
			const int rc = mxrt_sim_xfer(sim, msgs, n, now, &bus);
			r.done += rc == n;
			r.refused += rc == -MXRT_EOPNOTSUPP;
			r.nak += rc == -MXRT_ENXIO;
			r.timed_out += rc == -MXRT_ETIMEDOUT;
			r.hung += bus == MXRT_SIM_BUS_HANG;
			for (int i = 0; i + 1 < n && rc == n; i++)
				r.fifo_reads += !(msgs[i].flags & MXRT_SIM_MSG_READ) && msgs[i].len > 0 &&
						msgs[i].buf[msgs[i].len - 1] == MAX30102_REG_FIFO_DATA &&
						(msgs[i + 1].flags & MXRT_SIM_MSG_READ) && msgs[i + 1].len >= 3;
			if (unsupported && rc != -MXRT_EOPNOTSUPP)
				fail("a transfer the adapter does not do was not refused: " + std::to_string(rc));
			else if (!unsupported && rc != n && rc != -MXRT_ENXIO && rc != -MXRT_ETIMEDOUT)
				fail("a transfer returned " + std::to_string(rc) + " of " + std::to_string(n));
			else if (!unsupported && !armed && rc != (foreign ? -MXRT_ENXIO : n))
				fail("with no fault armed a transfer returned " + std::to_string(rc) +
				     (foreign ? " (to another address)" : ""));
			if (bus == MXRT_SIM_BUS_HANG) {
				const bool recovered = in.Next() & 1;
				if (recovered)
					mxrt_sim_bus_recovery(sim);
				if (mxrt_sim_hang_ended(sim, recovered) != -MXRT_ETIMEDOUT)
					fail("a hung transfer did not end in a timeout");
			} else {
				now += bus;
			}
			break;
		}
		case 4: { // the clock moves: 0 .. about 4 s, mostly less than 100 ms, now and then a day
			const uint8_t b = in.Next();
			now += b == 0xff ? 86'400'000 * kMs : uint64_t(b) * uint64_t(b) / 16 * kMs / (b & 1 ? 1 : 40) +
							      in.Next() * 1000ull;
			mxrt_sim_advance(sim, now);
			break;
		}
		case 5: { // the interrupt source polls, masked or not
			const int masked = in.Next() & 1;
			mxrt_sim_advance(sim, now);
			const int due = mxrt_sim_irq_due(sim, masked);
			const mxrt_sim_irq_action a = mxrt_sim_irq_poll(sim, now, masked);
			if (due == 0 && a == MXRT_SIM_IRQ_RAISE)
				fail("irq_poll raised what irq_due said was not due");
			const uint64_t next = mxrt_sim_next_event(sim, now, masked);
			if (next != MXRT_SIM_NEVER && next < now)
				fail("the next event is in the past");
			break;
		}
		case 6: { // a fault, or all cleared
			const uint8_t f = in.Next();
			if (f >= std::size(kFaults) * 2) {
				if (mxrt_sim_control(sim, kClear, sizeof(kClear) - 1, now) != 0)
					fail("the clearing words were refused");
				armed = false;
				part_id = MAX30102_PART_ID_VALUE;
				break;
			}
			const char *w = kFaults[f % std::size(kFaults)];
			if (mxrt_sim_control(sim, w, strlen(w), now) == 0) {
				armed |= strncmp(w, "finger", 6) && strncmp(w, "motion", 6) && strncmp(w, "hr=", 3) &&
					 strncmp(w, "temp", 4) && strncmp(w, "power_on", 8) && strncmp(w, "overflow", 8);
				if (!strcmp(w, "part_id=0"))
					part_id = 0;
			}
			break;
		}
		case 7: { // the interrupt controller's sense changes
			static const uint32_t kTriggers[] = {MXRT_SIM_TRIGGER_LEVEL_LOW, MXRT_SIM_TRIGGER_EDGE_FALLING,
							     MXRT_SIM_TRIGGER_EDGE_BOTH, MXRT_SIM_TRIGGER_LEVEL_HIGH, 0,
							     MXRT_SIM_TRIGGER_LEVEL_LOW | MXRT_SIM_TRIGGER_EDGE_RISING};
			const uint32_t t = kTriggers[in.Next() % std::size(kTriggers)];
			const int err = mxrt_sim_irq_set_trigger(sim, t);
			const bool bad = t == 0 || ((t & MXRT_SIM_TRIGGER_EDGE_BOTH) && (t & ~MXRT_SIM_TRIGGER_EDGE_BOTH));
			if (err != (bad ? -MXRT_EINVAL : 0))
				fail("irq_set_trigger(" + std::to_string(t) + ") returned " + std::to_string(err));
			break;
		}
		case 8:
		case 9: { // what every chip shows, whatever was sent
			if (armed)
				break; // a read may be NAKed or hang
			r.checks++;
			uint8_t conf[3], conf2[3], v = 0;
			for (int i = 0; i < 3; i++)
				conf[i] = mxrt_sim_peek(sim, uint8_t(MAX30102_REG_FIFO_CONFIG + i));
			static const uint8_t kPtrs[] = {MAX30102_REG_FIFO_WR_PTR, MAX30102_REG_OVF_COUNTER,
							MAX30102_REG_FIFO_RD_PTR};
			for (uint8_t r : kPtrs)
				if (read_reg(r, &v) != 2 || v > 31)
					fail("register " + std::to_string(r) + " read " + std::to_string(v));
			if (read_reg(MAX30102_REG_PART_ID, &v) != 2 || v != part_id)
				fail("PART_ID read " + std::to_string(v));
			for (int i = 0; i < 3; i++)
				conf2[i] = mxrt_sim_peek(sim, uint8_t(MAX30102_REG_FIFO_CONFIG + i));
			if (memcmp(conf, conf2, 3) != 0 && !(conf[1] & MAX30102_MODE_RESET))
				fail("reading registers changed the configuration");
			break;
		}
		}
	}
	mxrt_sim_destroy(sim);
	return why;
}

} // namespace mxrt_test

#endif
