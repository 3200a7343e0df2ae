// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20: driver and simulator) and user space (tests).
//
// MAX30102 facts as code: the encodings of the configuration fields, the datasheet's table of
// allowed sample-rate x pulse-width combinations, and the FIFO sample format. The driver validates
// user and device-tree input with these; the simulator decodes registers with the same tables, so
// the two can only disagree with the datasheet, not with each other (the unit tests pin the tables).
#pragma once

#include <max30102/regs.h>
#include <lib/kstd/field.hpp>
#include <lib/kstd/kstd.hpp>
#include <lib/kstd/result.hpp>

namespace mxrt::max30102 {

// The kstd names this header and its users spell unqualified. Not `using namespace kstd`: files
// that say `using namespace mxrt::max30102` would then also see kstd::Field, and the simulator
// has a CSV helper of that name.
using kstd::Error;
using kstd::Max;
using kstd::Min;
using kstd::Result;
using kstd::s32;
using kstd::s64;
using kstd::u16;
using kstd::u32;
using kstd::u64;
using kstd::u8;
using kstd::usize;

// The register fields (regs.h names them by mask; the C glue uses FIELD_PREP/FIELD_GET on the same).
using FifoPtr = kstd::Field<u8, MAX30102_FIFO_PTR>;
using SmpAve = kstd::Field<u8, MAX30102_FIFO_SMP_AVE>;
using AFull = kstd::Field<u8, MAX30102_FIFO_A_FULL>;
using ModeBits = kstd::Field<u8, MAX30102_MODE>;
using AdcRge = kstd::Field<u8, MAX30102_SPO2_ADC_RGE>;
using SampleRate = kstd::Field<u8, MAX30102_SPO2_SR>;
using LedPw = kstd::Field<u8, MAX30102_SPO2_LED_PW>;
using SlotOdd = kstd::Field<u8, MAX30102_MULTI_SLOT_ODD>;
using SlotEven = kstd::Field<u8, MAX30102_MULTI_SLOT_EVEN>;
using TempFrac = kstd::Field<u8, MAX30102_TEMP_FRAC>;
// One FIFO channel: 18 data bits, left-justified, in a 24-bit big-endian word.
using ChannelData = kstd::Field<u32, 0x3ffff>;

inline constexpr u32 kSampleRates[8] = {50, 100, 200, 400, 800, 1000, 1600, 3200}; // Hz
inline constexpr u32 kPulseWidths[4] = {69, 118, 215, 411};                       // us
inline constexpr u32 kAdcRanges[4] = {2048, 4096, 8192, 16384};                   // nA full scale
inline constexpr u32 kLedStepUa = 200;                                            // per LSB
inline constexpr u32 kLedMaxUa = 255 * kLedStepUa;                                // 51 mA

// Index of `v` in `table`, or -1.
template <usize N> constexpr int IndexOf(const u32 (&table)[N], u32 v) {
	for (usize i = 0; i < N; i++)
		if (table[i] == v)
			return static_cast<int>(i);
	return -1;
}

constexpr int SampleRateCode(u32 hz) { return IndexOf(kSampleRates, hz); }
constexpr int PulseWidthCode(u32 us) { return IndexOf(kPulseWidths, us); }
constexpr int AdcRangeCode(u32 na) { return IndexOf(kAdcRanges, na); }
// SMP_AVE: 1,2,4,8,16,32 -> 0..5 (6 and 7 also mean 32 on the chip).
constexpr int AverageCode(u32 n) {
	for (int c = 0; c <= 5; c++)
		if ((1u << c) == n)
			return c;
	return -1;
}
constexpr u32 AverageFromCode(u32 code) { return 1u << (code > 5 ? 5 : code); }
constexpr u32 AdcBits(u32 pw_code) { return 15 + LedPw::Get(u8(pw_code)); }

// Datasheet tables 11 (SpO2 mode) and 12 (HR mode): the fastest rate each pulse width allows. The
// conversions of all active LEDs must fit in one sample period. Multi-LED follows the SpO2 table.
// SpO2 needs both pulses in one period, and table 14 puts the IR pulse's rising edge 427..1107 us
// after the red one's (69..411 us): so no SpO2 at 3200 Hz (312.5 us), nor 118 us at 1600 Hz
// (625 us). A pair the chip does not allow is not refused by it: "the highest possible sample
// rate is programmed instead into the register" (DS, SPO2_SR), and every timestamp and loss
// estimate would be wrong, silently.
constexpr u32 MaxSampleRateCode(u32 mode, u32 pw_code) {
	constexpr u8 kMaxSrSpo2[4] = {6, 5, 4, 3}; // 69us: 1600, 118: 1000, 215: 800, 411: 400
	constexpr u8 kMaxSrHr[4] = {7, 6, 6, 5};   // 69us: 3200, 118: 1600, 215: 1600, 411: 1000
	return (mode == MAX30102_MODE_HR ? kMaxSrHr : kMaxSrSpo2)[pw_code & 3];
}
constexpr bool RateAllowed(u32 mode, u32 sr_code, u32 pw_code) {
	if (sr_code > 7 || pw_code > 3)
		return false;
	return sr_code <= MaxSampleRateCode(mode, pw_code);
}

// Channels per FIFO sample for a MODE_CONFIG mode and the multi-LED slot registers: HR = red,
// SpO2 = red then IR, multi-LED = the slots up to the first empty one. 0 = not a sampling mode.
// DS table 9: 000 disables the slot; 011 and 100 are slots with no LED ("None, N/A (Off)"), each
// 3 bytes of the sample like any other; 101..111 are reserved (taken as empty here).
constexpr u32 SlotOf(u8 multi1, u8 multi2, u32 i) {
	const u8 r = i < 2 ? multi1 : multi2;
	const u32 s = (i & 1) ? SlotEven::Get(r) : SlotOdd::Get(r);
	return s <= MAX30102_SLOT_LED_OFF_B ? s : MAX30102_SLOT_NONE;
}
constexpr u32 Channels(u32 mode, u8 multi1, u8 multi2) {
	switch (mode) {
	case MAX30102_MODE_HR:
		return 1;
	case MAX30102_MODE_SPO2:
		return 2;
	case MAX30102_MODE_MULTI: {
		u32 n = 0;
		while (n < 4 && SlotOf(multi1, multi2, n) != MAX30102_SLOT_NONE)
			n++;
		return n;
	}
	default:
		return 0;
	}
}

// One channel of a FIFO sample: 3 bytes, MSB first, 18 bits left-justified whatever the ADC
// resolution (bits below it read 0). Returns the right-justified count.
constexpr u32 DecodeChannel(const u8 *p, u32 adc_bits) {
	const u32 raw = ChannelData::Get((u32(p[0]) << 16) | (u32(p[1]) << 8) | p[2]);
	return raw >> (18 - adc_bits);
}

// Unread samples from the pointers. wr == rd is both "empty" and "full"; the chip's OVF_COUNTER or
// a pending A_FULL with a threshold of 32 tells them apart (FifoKnownFull).
constexpr u32 FifoUnread(u8 wr, u8 rd, bool known_full) {
	const u32 n = FifoPtr::Get(u8(wr - rd));
	return n == 0 && known_full ? MAX30102_FIFO_DEPTH : n;
}
// Whether wr == rd means a full FIFO: samples overflowed since the last pop (OVF_COUNTER > 0), or
// A_FULL fired with a threshold of 32 unread (INT_STATUS1 read with the pointers).
constexpr bool FifoKnownFull(u8 ovf, u8 status1, u32 almost_full) {
	return FifoPtr::Get(ovf) > 0 || ((status1 & MAX30102_INT_A_FULL) && almost_full == MAX30102_FIFO_DEPTH);
}

// The die temperature from TEMP_INT (two's complement degrees) and TEMP_FRAC (1/16 degree), in
// m°C rounded down: -128000 .. 127937.
constexpr s32 TemperatureMilliC(u8 tint, u8 tfrac) {
	const s32 whole = tint >= 0x80 ? s32(tint) - 256 : s32(tint);
	return whole * 1000 + s32(TempFrac::Get(tfrac)) * 625 / 10;
}

// What the driver (and user) configures, in user units.
struct Config {
	u32 mode = MAX30102_MODE_SPO2;
	u32 sample_rate_hz = 100;
	u32 pulse_width_us = 411;
	u32 adc_range_na = 16384;
	u32 sample_average = 1;
	u32 fifo_almost_full = 17; // unread samples that raise A_FULL: 17..32
	u32 red_current_ua = 6400;
	u32 ir_current_ua = 6400;
};

// The register image of a Config.
struct ConfigRegs {
	u8 fifo_config, mode_config, spo2_config, led1_pa, led2_pa, multi1, multi2;
};

constexpr bool LedCurrentValid(u32 ua) { return ua <= kLedMaxUa && ua % kLedStepUa == 0; }

// Every field a value the chip has and the combination allowed, else -MXRT_EINVAL. LED currents
// must be multiples of 200 uA up to 51000 (the chip has nothing in between).
constexpr Result<void> Validate(const Config &c) {
	const int sr = SampleRateCode(c.sample_rate_hz), pw = PulseWidthCode(c.pulse_width_us);
	if (c.mode != MAX30102_MODE_HR && c.mode != MAX30102_MODE_SPO2 && c.mode != MAX30102_MODE_MULTI)
		return Error(-MXRT_EINVAL);
	if (sr < 0 || pw < 0 || AdcRangeCode(c.adc_range_na) < 0 || AverageCode(c.sample_average) < 0)
		return Error(-MXRT_EINVAL);
	if (!RateAllowed(c.mode, u32(sr), u32(pw)))
		return Error(-MXRT_EINVAL);
	if (c.fifo_almost_full < 17 || c.fifo_almost_full > MAX30102_FIFO_DEPTH)
		return Error(-MXRT_EINVAL);
	if (!LedCurrentValid(c.red_current_ua) || !LedCurrentValid(c.ir_current_ua))
		return Error(-MXRT_EINVAL);
	return {};
}

// Register values for a valid Config. Multi-LED mode uses slot 1 = red, slot 2 = IR.
constexpr ConfigRegs Encode(const Config &c) {
	ConfigRegs r{};
	r.fifo_config = u8(SmpAve::Prep(u32(AverageCode(c.sample_average))) |
			   AFull::Prep(MAX30102_FIFO_DEPTH - c.fifo_almost_full));
	r.mode_config = ModeBits::Prep(c.mode);
	r.spo2_config = u8(AdcRge::Prep(u32(AdcRangeCode(c.adc_range_na))) |
			   SampleRate::Prep(u32(SampleRateCode(c.sample_rate_hz))) |
			   LedPw::Prep(u32(PulseWidthCode(c.pulse_width_us))));
	r.led1_pa = u8(c.red_current_ua / kLedStepUa);
	r.led2_pa = u8(c.ir_current_ua / kLedStepUa);
	r.multi1 = u8(SlotOdd::Prep(MAX30102_SLOT_RED) | SlotEven::Prep(MAX30102_SLOT_IR));
	r.multi2 = 0;
	return r;
}

// The time between two FIFO samples: `average` ADC conversions at `sample_rate_hz`. The one place
// the driver and the simulator compute it (the driver's poll and watchdog intervals derive from it).
constexpr u64 SamplePeriodNs(u32 sample_rate_hz, u32 average) {
	return u64(average) * 1000000000ull / sample_rate_hz;
}

} // namespace mxrt::max30102
