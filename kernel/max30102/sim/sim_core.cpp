// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (under the simulator module's raw spinlock; the sample timer calls it in hard IRQ
// context) and user space (tests). Implements kernel/max30102/sim/sim.h.
//
// A MAX30102 as the datasheet describes it, as seen from its I2C pins and its INT pin:
//  - registers with their reset values, read-only and write masks, clear-on-read status;
//  - the 32-sample FIFO: write/read pointers, overflow counter (saturates at 31, cleared when a
//    sample is popped), rollover, almost-full threshold, FIFO_DATA reads that pop one byte at a
//    time without advancing the register address (every other register auto-increments);
//  - sampling in real time: one FIFO sample per SMP_AVE ADC conversions at SPO2_SR, 15..18-bit
//    values left-justified in 18 bits, nothing while shut down or in a reserved mode or with a rate
//    the datasheet does not allow for the pulse width (counted);
//  - die temperature: TEMP_EN starts a 29 ms conversion, then TINT/TFRAC and DIE_TEMP_RDY;
//  - interrupts: status bits latch when their enable is set (PWR_RDY always), INT is asserted
//    while any latched bit is set. A_FULL latches when the unread count reaches 32 - FIFO_A_FULL.
// Where the datasheet is silent the choice is stated at the code (e.g. reading an empty FIFO).
//
// The signal is a physiological PPG model or a recorded file; faults are injected at run time.
#include <max30102/chip.hpp>
#include <max30102/sim/sim.h>
#include <lib/platform/platform.hpp>

namespace mxrt::max30102 {
namespace {

constexpr u64 kNever = MXRT_SIM_NEVER;
constexpr u64 kTempConversionNs = 29'000'000; // datasheet: TTEMP typ 29 ms
constexpr u64 kStormPeriodNs = 20'000;          // an interrupt storm: 50 kHz
constexpr u64 kTimeoutNs = 25'000'000;          // an injected bus timeout holds the bus this long
constexpr u8 kRevId = 0x03;
constexpr u32 kMaxCatchUp = 64; // samples generated per advance; older ones count as overflow

// One cardiac cycle of a fingertip PPG (absorbance, per mille): a fast systolic upstroke, the
// dicrotic notch at ~40 % of the cycle, a small diastolic wave, an exponential-looking run-off.
constexpr u16 kPulse[64] = {0,   60,  160, 300, 460, 620, 760, 870, 950, 990, 1000, 985, 950,
			    900, 840, 775, 710, 645, 585, 530, 480, 440, 410, 390, 380,  382, 390,
			    398, 402, 400, 392, 380, 365, 348, 330, 311, 292, 273, 254,  236, 218,
			    201, 185, 169, 154, 140, 127, 114, 102, 91,  80,  70,  61,   52,  44,
			    37,  30,  24,  18,  13,  9,   5,   2,   0};

// Triangle wave in [-1000, 1000] per mille from a 32-bit phase.
constexpr s64 Triangle(u32 phase) {
	const s64 p = phase >> 16; // 0..65535
	return p < 32768 ? -1000 + p * 2000 / 32768 : 1000 - (p - 32768) * 2000 / 32768;
}

// Integer parsing for the control words ------------------------------------------------------

bool ParseU64(const char *s, usize n, u64 *out) {
	u64 v = 0;
	u32 base = 10;
	usize i = 0;
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		u32 d;
		const char c = s[i];
		if (c >= '0' && c <= '9')
			d = u32(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = u32(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = u32(c - 'A' + 10);
		else
			return false;
		if (v > (~0ull - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

// "12", "-3.25", "97.5": a decimal with up to three fraction digits, in thousandths.
bool ParseMilli(const char *s, usize n, s64 *out) {
	bool neg = false;
	if (n > 0 && s[0] == '-') {
		neg = true;
		s++;
		n--;
	}
	usize dot = 0;
	while (dot < n && s[dot] != '.')
		dot++;
	u64 ip = 0, fp = 0;
	if (dot == 0 && (n == 0 || n == 1))
		return false;
	if (dot > 0 && !ParseU64(s, dot, &ip))
		return false;
	if (dot < n) {
		const usize fl = n - dot - 1;
		if (fl == 0 || fl > 3 || !ParseU64(s + dot + 1, fl, &fp) || s[dot + 1] == 'x')
			return false;
		for (usize k = fl; k < 3; k++)
			fp *= 10;
	}
	if (ip > 1'000'000'000'000ull)
		return false;
	const s64 v = s64(ip * 1000 + fp);
	*out = neg ? -v : v;
	return true;
}

bool Eq(const char *s, usize n, const char *lit) {
	usize i = 0;
	for (; i < n; i++)
		if (lit[i] == '\0' || lit[i] != s[i])
			return false;
	return lit[i] == '\0';
}

} // namespace

// A recorded PPG, as 18-bit codes at millisecond timestamps from the file's first sample.
struct Replay {
	u32 n;
	u64 duration_us;
	u64 *t_us;
	u32 *ir, *red;
};

struct SignalParams {
	s64 hr_milli = 72'000;       // beats per minute
	s64 spo2_milli = 97'000;     // %
	s64 perfusion_milli = 2'000; // AC/DC of the IR channel, %
	s64 noise_milli = 100;       // uniform noise, % of DC (peak)
	s64 wander_milli = 500;      // baseline wander, % of DC (peak), 0.125 Hz
	s64 temp_milli = 30'500;     // die temperature, degrees C
	bool finger = true;
	bool motion = false;
};

struct Faults {
	u64 nak = 0, timeout = 0;     // next N transfers
	u64 storm = 0, lose_irq = 0;  // next N interrupts
	bool stuck_irq = false;
	u64 overflow = 0;             // hold the interrupt until this many samples overflowed
	u64 part_id = MAX30102_PART_ID_VALUE;
	u64 bus_khz = 0;              // 0: transfers take no time
};

struct Counters {
	u64 xfers, xfer_bytes, naks, timeouts, samples, fifo_overflows, irqs_raised, irqs_lost,
		irqs_storm, invalid_config, empty_fifo_reads, temp_conversions;
};

class Sim : Pinned {
public:
	explicit Sim(u64 now) { PowerOn(now); }
	~Sim() { mxrt_sim_replay_free(reinterpret_cast<mxrt_sim_replay *>(replay_)); }

	void PowerOn(u64 now) {
		for (u8 &r : reg_)
			r = 0;
		reg_[MAX30102_REG_INT_STATUS1] = MAX30102_INT_PWR_RDY;
		ResetFifo();
		sampling_ = false;
		temp_done_ = kNever;
		reg_ptr_ = 0;
		UpdateSampling(now);
	}

	int Xfer(mxrt_sim_msg *msgs, int n, u64 now, u64 *bus_ns) {
		*bus_ns = 0;
		Advance(now);
		u64 bits = 0;
		for (int i = 0; i < n; i++)
			bits += 9ull * (msgs[i].len + 1) + 2; // address byte, data bytes, ACKs, start/stop
		if (faults_.bus_khz != 0)
			*bus_ns = bits * 1'000'000ull / faults_.bus_khz;
		for (int i = 0; i < n; i++) {
			if (msgs[i].addr != MAX30102_I2C_ADDR) {
				return -MXRT_ENXIO; // nobody answers: NAK on the address byte
			}
		}
		cnt_.xfers++;
		if (faults_.nak != 0) {
			faults_.nak--;
			cnt_.naks++;
			return -MXRT_ENXIO;
		}
		if (faults_.timeout != 0) {
			faults_.timeout--;
			cnt_.timeouts++;
			*bus_ns = kTimeoutNs;
			return -MXRT_ETIMEDOUT;
		}
		for (int i = 0; i < n; i++) {
			mxrt_sim_msg &m = msgs[i];
			cnt_.xfer_bytes += m.len;
			if (m.flags & MXRT_SIM_MSG_READ) {
				for (u16 k = 0; k < m.len; k++)
					m.buf[k] = ReadByte(now);
			} else if (m.len > 0) {
				reg_ptr_ = m.buf[0]; // a write sets the register pointer, then data
				for (u16 k = 1; k < m.len; k++)
					WriteByte(m.buf[k], now);
			}
		}
		if (!LineAsserted())
			suppressed_ = false; // INT went high: the next assertion is a new one
		return n;
	}

	void Advance(u64 now) {
		if (temp_done_ != kNever && now >= temp_done_)
			FinishTemperature();
		if (!sampling_ || now < next_sample_)
			return;
		u64 due = (now - next_sample_) / period_ + 1;
		if (due > kMaxCatchUp) {
			// Far behind (the timer was held off): older samples would have been pushed out.
			const u64 skipped = due - kMaxCatchUp;
			Overflowed(skipped);
			next_sample_ += skipped * period_;
			due = kMaxCatchUp;
		}
		for (u64 i = 0; i < due; i++) {
			PushSample(next_sample_);
			next_sample_ += period_;
		}
	}

	bool LineAsserted() const {
		const u8 st1 = reg_[MAX30102_REG_INT_STATUS1], st2 = reg_[MAX30102_REG_INT_STATUS2];
		return faults_.stuck_irq || st1 != 0 || st2 != 0;
	}

	mxrt_sim_irq_action IrqPoll(u64 now, bool masked) {
		if (faults_.storm != 0) {
			if (masked)
				return MXRT_SIM_IRQ_NONE;
			faults_.storm--;
			cnt_.irqs_storm++;
			cnt_.irqs_raised++;
			return MXRT_SIM_IRQ_RAISE;
		}
		const bool asserted = LineAsserted();
		if (!asserted) {
			suppressed_ = false; // a new assertion can be delivered (or lost) again
			return MXRT_SIM_IRQ_NONE;
		}
		if (hold_until_samples_ != 0 && cnt_.samples < hold_until_samples_)
			return MXRT_SIM_IRQ_NONE; // overflow fault: the host does not hear INT for a while
		hold_until_samples_ = 0;
		if (suppressed_ || masked)
			return MXRT_SIM_IRQ_NONE;
		if (faults_.lose_irq != 0) {
			faults_.lose_irq--;
			cnt_.irqs_lost++;
			suppressed_ = true; // this assertion never reaches the host
			return MXRT_SIM_IRQ_NONE;
		}
		cnt_.irqs_raised++;
		return MXRT_SIM_IRQ_RAISE;
	}

	u64 NextEvent(u64 now) const {
		u64 next = temp_done_;
		if (faults_.storm != 0)
			next = Min(next, now + kStormPeriodNs);
		if (sampling_)
			next = Min(next, NextSampleEvent());
		return next;
	}

	u8 Peek(u8 reg) const {
		switch (reg) {
		case MAX30102_REG_FIFO_WR_PTR: return wr_;
		case MAX30102_REG_FIFO_RD_PTR: return rd_;
		case MAX30102_REG_OVF_COUNTER: return ovf_;
		case MAX30102_REG_REV_ID: return kRevId;
		case MAX30102_REG_PART_ID: return u8(faults_.part_id);
		default: return reg_[reg];
		}
	}

	int Control(const char *text, usize len, u64 now);
	usize Show(char *buf, usize size) const;

	Replay *SwapReplay(Replay *r, u64 now) {
		Replay *old = replay_;
		replay_ = r;
		replay_start_ = now;
		return old;
	}

	// Public to the control table below; nothing outside this file sees the class.
	// The chip's registers. FIFO pointers and counters live in the members below.
	u8 reg_[256];
	u8 fifo_[MAX30102_FIFO_DEPTH][MAX30102_MAX_CHANNELS * 3];
	u8 wr_ = 0, rd_ = 0, ovf_ = 0;
	u32 count_ = 0;    // unread samples (0..32): the pointers alone cannot tell full from empty
	u32 byte_pos_ = 0; // bytes of the oldest sample already read through FIFO_DATA
	u8 reg_ptr_ = 0;
	bool sampling_ = false;
	u64 period_ = 0, next_sample_ = kNever, temp_done_ = kNever;
	u32 channels_ = 0, adc_bits_ = 18;
	bool suppressed_ = false;
	u64 hold_until_samples_ = 0;
	u32 heart_phase_ = 0, wander_phase_ = 0;
	u64 last_signal_t_ = 0;
	u32 rng_ = 0x2545f491;
	s64 motion_offset_ = 0;
	SignalParams sig_;
	Faults faults_;
	Counters cnt_{};
	Replay *replay_ = nullptr;
	u64 replay_start_ = 0;

	void ResetFifo() {
		wr_ = rd_ = ovf_ = 0;
		count_ = byte_pos_ = 0;
	}

	u32 Threshold() const { return 32 - (reg_[MAX30102_REG_FIFO_CONFIG] & MAX30102_FIFO_A_FULL_MASK); }

	u64 NextSampleEvent() const {
		const u8 en = reg_[MAX30102_REG_INT_ENABLE1];
		if (en & MAX30102_INT_PPG_RDY || en & MAX30102_INT_ALC_OVF || hold_until_samples_ != 0)
			return next_sample_;
		if (en & MAX30102_INT_A_FULL && count_ < Threshold())
			return next_sample_ + (Threshold() - count_ - 1) * period_;
		return kNever;
	}

	// Re-derives whether and how fast the chip samples after a configuration write.
	void UpdateSampling(u64 now) {
		const u8 mode = reg_[MAX30102_REG_MODE_CONFIG];
		const u8 spo2 = reg_[MAX30102_REG_SPO2_CONFIG];
		const u32 sr = (spo2 >> MAX30102_SPO2_SR_SHIFT) & 7, pw = spo2 & MAX30102_SPO2_LED_PW_MASK;
		const u32 avg = AverageFromCode(reg_[MAX30102_REG_FIFO_CONFIG] >> MAX30102_FIFO_SMP_AVE_SHIFT);
		const u32 m = mode & MAX30102_MODE_MASK;
		const u32 ch = Channels(m, reg_[MAX30102_REG_MULTI_LED1], reg_[MAX30102_REG_MULTI_LED2]);
		bool on = !(mode & MAX30102_MODE_SHDN) && ch != 0;
		if (on && !RateAllowed(m, sr, pw)) {
			cnt_.invalid_config++;
			on = false;
		}
		const u64 period = SamplePeriodNs(kSampleRates[sr], avg);
		if (on && (!sampling_ || period != period_ || ch != channels_))
			next_sample_ = now + period; // a new configuration starts a new sample
		if (!on)
			next_sample_ = kNever;
		sampling_ = on;
		period_ = period;
		channels_ = ch;
		adc_bits_ = AdcBits(pw);
	}

	void Overflowed(u64 n) {
		cnt_.fifo_overflows += n;
		ovf_ = u8(Min<u64>(31, ovf_ + n));
	}

	void PushSample(u64 t) {
		cnt_.samples++;
		u32 code[2];
		bool alc = Measure(t, code);
		if (count_ == MAX30102_FIFO_DEPTH) {
			Overflowed(1);
			if (!(reg_[MAX30102_REG_FIFO_CONFIG] & MAX30102_FIFO_ROLLOVER_EN))
				return; // the new sample is lost, the FIFO keeps the old ones
			rd_ = (rd_ + 1) & 31; // rollover: the oldest sample is overwritten
			count_--;
			byte_pos_ = 0;
		}
		u8 *s = fifo_[wr_];
		for (u32 c = 0; c < channels_; c++) {
			const u32 slot = (reg_[MAX30102_REG_MODE_CONFIG] & 7) == MAX30102_MODE_MULTI ?
				SlotOf(reg_[MAX30102_REG_MULTI_LED1], reg_[MAX30102_REG_MULTI_LED2], c) :
				c + 1;
			u32 v = code[slot == MAX30102_SLOT_IR ? 1 : 0];
			v &= 0x3ffffu & ~((1u << (18 - adc_bits_)) - 1); // left-justified at the resolution
			s[3 * c] = u8(v >> 16);
			s[3 * c + 1] = u8(v >> 8);
			s[3 * c + 2] = u8(v);
		}
		wr_ = (wr_ + 1) & 31;
		count_++;
		const u8 en = reg_[MAX30102_REG_INT_ENABLE1];
		u8 &st = reg_[MAX30102_REG_INT_STATUS1];
		if (en & MAX30102_INT_PPG_RDY)
			st |= MAX30102_INT_PPG_RDY;
		if (en & MAX30102_INT_A_FULL && count_ == Threshold())
			st |= MAX30102_INT_A_FULL;
		if (alc && en & MAX30102_INT_ALC_OVF)
			st |= MAX30102_INT_ALC_OVF;
	}

	u32 NextRandom() { // xorshift32
		rng_ ^= rng_ << 13;
		rng_ ^= rng_ >> 17;
		rng_ ^= rng_ << 5;
		return rng_;
	}

	// The ADC codes (18-bit) of red [0] and IR [1] at time t. Returns true when the signal
	// saturates the ADC (reported as ALC overflow).
	bool Measure(u64 t, u32 code[2]) {
		if (replay_ != nullptr && replay_->n > 1) {
			const u64 us = ((t > replay_start_ ? t - replay_start_ : 0) / 1000) % replay_->duration_us;
			u32 lo = 0, hi = replay_->n - 1;
			while (hi - lo > 1) { // the last sample at or before us
				const u32 mid = (lo + hi) / 2;
				(replay_->t_us[mid] <= us ? lo : hi) = mid;
			}
			const u64 t0 = replay_->t_us[lo], t1 = replay_->t_us[hi];
			const u64 f = t1 > t0 ? (Min(us, t1) - Min(us, t0)) * 1024 / (t1 - t0) : 0;
			code[0] = u32((s64(replay_->red[lo]) * s64(1024 - f) + s64(replay_->red[hi]) * s64(f)) / 1024);
			code[1] = u32((s64(replay_->ir[lo]) * s64(1024 - f) + s64(replay_->ir[hi]) * s64(f)) / 1024);
			return false;
		}
		// Advance the phases by the time since the previous sample (at most 1 s).
		const u64 dt = Min<u64>(last_signal_t_ == 0 ? 0 : t - last_signal_t_, 1'000'000'000);
		last_signal_t_ = t;
		// cycles/ns = bpm / 60e9; phase is 2^32 per cycle
		heart_phase_ += u32((u64(sig_.hr_milli) * 71582ull / 1000) * dt / 1'000'000ull);
		wander_phase_ += u32(dt * 537ull / 1000ull); // 0.125 Hz: 2^32 x 0.125e-9 per ns
		const u32 idx = heart_phase_ >> 26, frac = (heart_phase_ >> 10) & 0xffff;
		const s64 shape = (s64(kPulse[idx]) * (65536 - frac) + s64(kPulse[(idx + 1) & 63]) * frac) >> 16;

		const u32 led_red = reg_[MAX30102_REG_LED1_PA] * kLedStepUa;
		const u32 led_ir = reg_[MAX30102_REG_LED2_PA] * kLedStepUa;
		// DC photocurrent in pA: 1 nA per uA of LED current for IR through a finger, 0.8 for red;
		// without a finger only a little light comes back.
		s64 dc_ir = s64(led_ir) * (sig_.finger ? 1000 : 20);
		s64 dc_red = s64(led_red) * (sig_.finger ? 800 : 15);
		// R = (AC/DC)red / (AC/DC)ir from the empirical SpO2 = 110 - 25 R (in thousandths)
		const s64 r_milli = (110'000 - sig_.spo2_milli) / 25;
		s64 ac_ir = sig_.finger ? dc_ir * sig_.perfusion_milli / 100'000 : 0;
		s64 ac_red = sig_.finger ? dc_red * sig_.perfusion_milli / 100'000 * r_milli / 1000 : 0;
		const s64 wander = Triangle(wander_phase_) * sig_.wander_milli / 100; // ppm
		const s64 noise = s64(NextRandom() % 2001) - 1000;
		if (sig_.motion && (NextRandom() & 31) == 0)
			motion_offset_ = (s64(NextRandom() % 2001) - 1000) * 30; // steps of up to 3 % x 10
		else if (!sig_.motion)
			motion_offset_ = 0;
		const s64 mod = 1'000'000 + wander + noise * sig_.noise_milli / 100 + motion_offset_; // ppm
		const s64 i_ir = (dc_ir - ac_ir * shape / 1000) * mod / 1'000'000;
		const s64 i_red = (dc_red - ac_red * shape / 1000) * mod / 1'000'000;
		const u32 rge = (reg_[MAX30102_REG_SPO2_CONFIG] >> MAX30102_SPO2_ADC_RGE_SHIFT) & 3;
		const s64 full_scale_pa = s64(kAdcRanges[rge]) * 1000;
		bool sat = false;
		const s64 in[2] = {i_red, i_ir};
		for (int c = 0; c < 2; c++) {
			s64 v = in[c] * 262144 / full_scale_pa;
			if (v > 262143) {
				v = 262143;
				sat = true;
			}
			code[c] = u32(v < 0 ? 0 : v);
		}
		return sat;
	}

	void FinishTemperature() {
		temp_done_ = kNever;
		cnt_.temp_conversions++;
		s64 t = sig_.temp_milli;
		s64 whole = t >= 0 ? t / 1000 : -((-t + 999) / 1000); // floor
		reg_[MAX30102_REG_TEMP_INT] = u8(s32(whole));
		reg_[MAX30102_REG_TEMP_FRAC] = u8(((t - whole * 1000) * 16 / 1000) & 0x0f);
		reg_[MAX30102_REG_TEMP_CONFIG] = 0;
		if (reg_[MAX30102_REG_INT_ENABLE2] & MAX30102_INT_DIE_TEMP_RDY)
			reg_[MAX30102_REG_INT_STATUS2] |= MAX30102_INT_DIE_TEMP_RDY;
	}

	u8 ReadByte(u64 now) {
		const u8 r = reg_ptr_;
		u8 v;
		if (r == MAX30102_REG_FIFO_DATA) {
			// The only register that does not advance the pointer: each byte pops FIFO data.
			reg_[MAX30102_REG_INT_STATUS1] &= u8(~MAX30102_INT_PPG_RDY);
			if (count_ == 0) {
				// Datasheet-silent: an empty FIFO reads as zeros and the pointers stay put.
				cnt_.empty_fifo_reads++;
				return 0;
			}
			v = fifo_[rd_][byte_pos_++];
			if (byte_pos_ == 3 * channels_) {
				byte_pos_ = 0;
				rd_ = (rd_ + 1) & 31;
				count_--;
				ovf_ = 0; // a popped sample clears OVF_COUNTER
			}
			return v;
		}
		v = Peek(r);
		if (r == MAX30102_REG_INT_STATUS1 || r == MAX30102_REG_INT_STATUS2)
			reg_[r] = 0;
		if (r == MAX30102_REG_TEMP_FRAC)
			reg_[MAX30102_REG_INT_STATUS2] &= u8(~MAX30102_INT_DIE_TEMP_RDY);
		reg_ptr_ = u8(r + 1);
		return v;
	}

	void WriteByte(u8 v, u64 now) {
		const u8 r = reg_ptr_;
		reg_ptr_ = r == MAX30102_REG_FIFO_DATA ? r : u8(r + 1);
		switch (r) {
		case MAX30102_REG_INT_ENABLE1:
			reg_[r] = v & (MAX30102_INT_A_FULL | MAX30102_INT_PPG_RDY | MAX30102_INT_ALC_OVF);
			return;
		case MAX30102_REG_INT_ENABLE2:
			reg_[r] = v & MAX30102_INT_DIE_TEMP_RDY;
			return;
		case MAX30102_REG_FIFO_WR_PTR:
			wr_ = v & 31;
			break;
		case MAX30102_REG_FIFO_RD_PTR:
			rd_ = v & 31;
			break;
		case MAX30102_REG_OVF_COUNTER:
			ovf_ = v & 31;
			return;
		case MAX30102_REG_FIFO_CONFIG:
		case MAX30102_REG_SPO2_CONFIG:
		case MAX30102_REG_MULTI_LED1:
		case MAX30102_REG_MULTI_LED2:
			reg_[r] = v & (r == MAX30102_REG_SPO2_CONFIG ? 0x7f :
				       r == MAX30102_REG_FIFO_CONFIG ? 0xff : 0x77);
			UpdateSampling(now);
			return;
		case MAX30102_REG_MODE_CONFIG:
			if (v & MAX30102_MODE_RESET) {
				// Every register to its power-on value; the bit clears itself. PWR_RDY is
				// a power-up event, not a reset one.
				const u64 keep_temp = temp_done_;
				PowerOn(now);
				reg_[MAX30102_REG_INT_STATUS1] = 0;
				temp_done_ = keep_temp;
				return;
			}
			reg_[r] = v & (MAX30102_MODE_SHDN | MAX30102_MODE_MASK);
			UpdateSampling(now);
			return;
		case MAX30102_REG_LED1_PA:
		case MAX30102_REG_LED2_PA:
			reg_[r] = v;
			return;
		case MAX30102_REG_TEMP_CONFIG:
			if ((v & 1) && temp_done_ == kNever) {
				reg_[r] = 1;
				temp_done_ = now + kTempConversionNs;
			}
			return;
		default:
			return; // read-only or reserved: ignored
		}
		// A pointer write: the FIFO holds what lies between the pointers.
		count_ = FifoUnread(wr_, rd_, false);
		byte_pos_ = 0;
	}

};

// One control key: where it goes and its range.
struct ControlWord {
	const char *key;
	s64 min, max; // in thousandths for fixed-point keys, units otherwise
	bool milli;
	void (*apply)(Sim &, s64 v, u64 now);
};

#define MXRT_SIG(field) [](Sim &s, s64 v, u64) { s.sig_.field = v; }
#define MXRT_FAULT(field) [](Sim &s, s64 v, u64) { s.faults_.field = u64(v); }
static const ControlWord kControls[] = {
	{"hr", 20'000, 250'000, true, MXRT_SIG(hr_milli)},
	{"spo2", 50'000, 100'000, true, MXRT_SIG(spo2_milli)},
	{"perfusion", 0, 20'000, true, MXRT_SIG(perfusion_milli)},
	{"noise", 0, 10'000, true, MXRT_SIG(noise_milli)},
	{"wander", 0, 10'000, true, MXRT_SIG(wander_milli)},
	{"temp", -40'000, 85'000, true, MXRT_SIG(temp_milli)},
	{"finger", 0, 1, false, [](Sim &s, s64 v, u64) { s.sig_.finger = v != 0; }},
	{"motion", 0, 1, false, [](Sim &s, s64 v, u64) { s.sig_.motion = v != 0; }},
	{"nak", 0, 1'000'000, false, MXRT_FAULT(nak)},
	{"timeout", 0, 1'000, false, MXRT_FAULT(timeout)},
	{"storm", 0, 1'000'000, false, MXRT_FAULT(storm)},
	{"lose_irq", 0, 1'000'000, false, MXRT_FAULT(lose_irq)},
	{"stuck_irq", 0, 1, false, [](Sim &s, s64 v, u64) { s.faults_.stuck_irq = v != 0; }},
	{"overflow", 0, 31, false,
	 [](Sim &s, s64 v, u64 now) {
		 // The FIFO fills and v samples overflow at once, as if the host had not read it
		 // for 32 - unread + v sample periods (a long bus stall, a lost interrupt and a
		 // late watchdog, ...): OVF_COUNTER = v, INT asserted by A_FULL if enabled.
		 s.faults_.overflow = u64(v);
		 const u64 n = v ? 32 - s.count_ + u64(v) : 0;
		 for (u64 i = 0; i < n && s.sampling_; i++)
			 s.PushSample(now);
	 }},
	{"part_id", 0, 255, false, MXRT_FAULT(part_id)},
	{"bus_khz", 0, 3400, false, MXRT_FAULT(bus_khz)},
	{"power_on", 1, 1, false, [](Sim &s, s64, u64 now) { s.PowerOn(now); }},
};
#undef MXRT_SIG
#undef MXRT_FAULT

int Sim::Control(const char *text, usize len, u64 now) {
	// Two passes: validate every word, then apply, so a bad word changes nothing.
	for (int pass = 0; pass < 2; pass++) {
		usize i = 0;
		while (i < len) {
			while (i < len && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '\0'))
				i++;
			if (i == len)
				break;
			const usize start = i;
			while (i < len && text[i] != ' ' && text[i] != '\n' && text[i] != '\t' && text[i] != '\0')
				i++;
			usize eq = start;
			while (eq < i && text[eq] != '=')
				eq++;
			if (eq == i)
				return -MXRT_EINVAL;
			const ControlWord *w = nullptr;
			for (const ControlWord &c : kControls)
				if (Eq(text + start, eq - start, c.key))
					w = &c;
			if (w == nullptr)
				return -MXRT_EINVAL;
			s64 v;
			u64 u;
			if (w->milli) {
				if (!ParseMilli(text + eq + 1, i - eq - 1, &v))
					return -MXRT_EINVAL;
			} else {
				if (!ParseU64(text + eq + 1, i - eq - 1, &u) || u > 1'000'000'000ull)
					return -MXRT_EINVAL;
				v = s64(u);
			}
			if (v < w->min || v > w->max)
				return -MXRT_EINVAL;
			if (pass == 1)
				w->apply(*this, v, now);
		}
	}
	return 0;
}

usize Sim::Show(char *buf, usize size) const {
	usize n = 0;
#define OUT(...) n += usize(mxrt_shim_scnprintf(buf + n, size - n, __VA_ARGS__))
	OUT("registers:");
	static const u8 kShown[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x09, 0x0a,
				    0x0c, 0x0d, 0x11, 0x12, 0x1f, 0x20, 0x21, 0xfe, 0xff};
	for (u8 r : kShown)
		OUT(" %02x=%02x", r, Peek(r));
	OUT("\nfifo: unread=%u sampling=%d period_ns=%llu channels=%u adc_bits=%u\n", count_,
	    sampling_ ? 1 : 0, sampling_ ? period_ : 0ull, channels_, adc_bits_);
	OUT("signal: source=%s hr=%lld.%03lld spo2=%lld.%03lld perfusion=%lld.%03lld noise=%lld.%03lld "
	    "wander=%lld.%03lld temp=%lld.%03lld finger=%d motion=%d\n",
	    replay_ ? "replay" : "model", sig_.hr_milli / 1000, sig_.hr_milli % 1000,
	    sig_.spo2_milli / 1000, sig_.spo2_milli % 1000, sig_.perfusion_milli / 1000,
	    sig_.perfusion_milli % 1000, sig_.noise_milli / 1000, sig_.noise_milli % 1000,
	    sig_.wander_milli / 1000, sig_.wander_milli % 1000, sig_.temp_milli / 1000,
	    (sig_.temp_milli < 0 ? -sig_.temp_milli : sig_.temp_milli) % 1000, sig_.finger ? 1 : 0,
	    sig_.motion ? 1 : 0);
	OUT("faults: nak=%llu timeout=%llu storm=%llu lose_irq=%llu stuck_irq=%d overflow=%llu "
	    "part_id=0x%02llx bus_khz=%llu\n",
	    faults_.nak, faults_.timeout, faults_.storm, faults_.lose_irq, faults_.stuck_irq ? 1 : 0,
	    faults_.overflow, faults_.part_id, faults_.bus_khz);
	OUT("counters: xfers=%llu xfer_bytes=%llu naks=%llu timeouts=%llu samples=%llu "
	    "fifo_overflows=%llu irqs_raised=%llu irqs_lost=%llu irqs_storm=%llu invalid_config=%llu "
	    "empty_fifo_reads=%llu temp_conversions=%llu\n",
	    cnt_.xfers, cnt_.xfer_bytes, cnt_.naks, cnt_.timeouts, cnt_.samples, cnt_.fifo_overflows,
	    cnt_.irqs_raised, cnt_.irqs_lost, cnt_.irqs_storm, cnt_.invalid_config,
	    cnt_.empty_fifo_reads, cnt_.temp_conversions);
#undef OUT
	return n;
}

namespace {

// CSV replay parsing ---------------------------------------------------------------------------

// The next line [*pos, end of line); advances *pos past it.
bool NextLine(const char *t, usize len, usize *pos, const char **line, usize *n) {
	if (*pos >= len)
		return false;
	usize i = *pos;
	while (i < len && t[i] != '\n')
		i++;
	*line = t + *pos;
	*n = i - *pos;
	if (*n > 0 && (*line)[*n - 1] == '\r')
		(*n)--;
	*pos = i + 1;
	return true;
}

// Field k (0-based) of a comma-separated line.
bool Field(const char *line, usize n, u32 k, const char **f, usize *fn) {
	usize i = 0;
	for (u32 c = 0; c < k; c++) {
		while (i < n && line[i] != ',')
			i++;
		if (i == n)
			return false;
		i++;
	}
	usize j = i;
	while (j < n && line[j] != ',')
		j++;
	*f = line + i;
	*fn = j - i;
	return true;
}

// "79054.000000" -> 79054; "1596743748639.657700" with scale 1000 -> microseconds.
bool ParseDecimal(const char *s, usize n, u64 scale, u64 *out) {
	usize dot = 0;
	while (dot < n && s[dot] != '.')
		dot++;
	u64 ip, fp = 0, div = 1;
	if (dot == 0 || !ParseU64(s, dot, &ip))
		return false;
	for (usize k = 0; k < dot; k++)
		if (s[k] < '0' || s[k] > '9')
			return false; // no hex here
	for (usize k = dot + 1; k < n && div < scale; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		fp = fp * 10 + u64(s[k] - '0');
		div *= 10;
	}
	if (ip > ~0ull / (scale ? scale : 1))
		return false;
	*out = ip * scale + (div < scale ? fp * (scale / div) : fp);
	return true;
}

} // namespace

} // namespace mxrt::max30102

using mxrt::max30102::Replay;
using mxrt::max30102::Sim;

static Sim *S(mxrt_sim *s) { return reinterpret_cast<Sim *>(s); }

extern "C" {

mxrt_sim *mxrt_sim_create(mxrt_u64 now) noexcept {
	auto r = mxrt::New<Sim>(mxrt::Gfp::kKernel, now);
	return r.Ok() ? reinterpret_cast<mxrt_sim *>(r.Value()) : nullptr;
}

void mxrt_sim_destroy(mxrt_sim *sim) noexcept { mxrt::Delete(S(sim)); }

int mxrt_sim_xfer(mxrt_sim *sim, mxrt_sim_msg *msgs, int n, mxrt_u64 now, mxrt_u64 *bus_ns) noexcept {
	return S(sim)->Xfer(msgs, n, now, bus_ns);
}

void mxrt_sim_advance(mxrt_sim *sim, mxrt_u64 now) noexcept { S(sim)->Advance(now); }

mxrt_sim_irq_action mxrt_sim_irq_poll(mxrt_sim *sim, mxrt_u64 now, int masked) noexcept {
	return S(sim)->IrqPoll(now, masked != 0);
}

mxrt_u64 mxrt_sim_next_event(mxrt_sim *sim, mxrt_u64 now) noexcept { return S(sim)->NextEvent(now); }

int mxrt_sim_control(mxrt_sim *sim, const char *text, mxrt_size len, mxrt_u64 now) noexcept {
	return S(sim)->Control(text, len, now);
}

mxrt_size mxrt_sim_show(mxrt_sim *sim, char *buf, mxrt_size size) noexcept {
	return size ? S(sim)->Show(buf, size) : 0;
}

mxrt_u8 mxrt_sim_peek(mxrt_sim *sim, mxrt_u8 reg) noexcept { return S(sim)->Peek(reg); }

mxrt_sim_replay *mxrt_sim_replay_parse(const char *text, mxrt_size len, int *err) noexcept {
	using namespace mxrt::max30102;
	*err = -MXRT_EINVAL;
	// Find the header row and the LEDC1 (IR) / LEDC2 (red) / timestamp columns.
	usize pos = 0, n;
	const char *line;
	int c_ts = -1, c_ir = -1, c_red = -1;
	while (NextLine(text, len, &pos, &line, &n)) {
		const char *f;
		usize fn;
		for (u32 k = 0; Field(line, n, k, &f, &fn); k++) {
			if (Eq(f, fn, "timestamp"))
				c_ts = int(k);
			else if (Eq(f, fn, "LEDC1"))
				c_ir = int(k);
			else if (Eq(f, fn, "LEDC2"))
				c_red = int(k);
		}
		if (c_ts == 0 && c_ir > 0 && c_red > 0)
			break;
		c_ts = c_ir = c_red = -1;
	}
	if (c_ts != 0)
		return nullptr;
	// Data rows start with a timestamp; the trailer (stop time, counts) ends them.
	auto is_row = [](const char *l, usize ln) { return ln > 0 && l[0] >= '0' && l[0] <= '9'; };
	const usize data = pos;
	u32 rows = 0;
	while (NextLine(text, len, &pos, &line, &n) && is_row(line, n))
		rows++;
	if (rows < 2 || rows > 1'000'000)
		return nullptr;
	const usize bytes = sizeof(Replay) + rows * (sizeof(u64) + 2 * sizeof(u32));
	auto *r = static_cast<Replay *>(mxrt_shim_zalloc(bytes, MXRT_GFP_KERNEL, -1));
	if (r == nullptr) {
		*err = -MXRT_ENOMEM;
		return nullptr;
	}
	r->t_us = reinterpret_cast<u64 *>(r + 1);
	r->ir = reinterpret_cast<u32 *>(r->t_us + rows);
	r->red = r->ir + rows;
	pos = data;
	u64 t0 = 0;
	while (r->n < rows && NextLine(text, len, &pos, &line, &n)) {
		const char *f;
		usize fn;
		u64 t, ir, red;
		if (!Field(line, n, 0, &f, &fn) || !ParseDecimal(f, fn, 1000, &t) ||
		    !Field(line, n, u32(c_ir), &f, &fn) || !ParseDecimal(f, fn, 1, &ir) ||
		    !Field(line, n, u32(c_red), &f, &fn) || !ParseDecimal(f, fn, 1, &red)) {
			mxrt_shim_free(r);
			return nullptr;
		}
		if (r->n == 0)
			t0 = t;
		if (t < t0 || (r->n > 0 && t - t0 <= r->t_us[r->n - 1])) {
			rows--; // a repeated timestamp: keep the first sample of it
			continue;
		}
		r->t_us[r->n] = t - t0;
		r->ir[r->n] = u32(Min<u64>(ir, 0x3ffff));
		r->red[r->n] = u32(Min<u64>(red, 0x3ffff));
		r->n++;
	}
	if (r->n < 2) {
		mxrt_shim_free(r);
		return nullptr;
	}
	r->duration_us = r->t_us[r->n - 1] + 1;
	*err = 0;
	return reinterpret_cast<mxrt_sim_replay *>(r);
}

void mxrt_sim_replay_free(mxrt_sim_replay *r) noexcept { mxrt_shim_free(r); }

mxrt_sim_replay *mxrt_sim_replay_swap(mxrt_sim *sim, mxrt_sim_replay *r, mxrt_u64 now) noexcept {
	return reinterpret_cast<mxrt_sim_replay *>(
		S(sim)->SwapReplay(reinterpret_cast<Replay *>(r), now));
}

} // extern "C"
