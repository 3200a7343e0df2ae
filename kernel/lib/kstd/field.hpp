// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests).
//
// A register bit field named by its mask, as the kernel's FIELD_PREP/FIELD_GET/GENMASK do in C:
//
//   using AdcRange = Field<u8, MAX30102_SPO2_ADC_RGE>;   // mask 0x60: bits [6:5]
//   u8 reg = AdcRange::Prep(3) | SampleRate::Prep(sr);
//   u32 range = AdcRange::Get(reg);
//
// The shift comes from the mask, so a field is written down once (in the register header, shared
// with the C glue, which uses FIELD_PREP/FIELD_GET on the same masks).
#pragma once

#include <lib/kstd/kstd.hpp>

namespace kstd {

template <typename T, T kMask> struct Field {
	static_assert(kMask != 0, "an empty field");
	static_assert(((kMask >> __builtin_ctzll(kMask)) & ((kMask >> __builtin_ctzll(kMask)) + 1)) == 0,
		      "a field is one run of set bits");
	static constexpr u32 kShift = u32(__builtin_ctzll(kMask));
	static constexpr T kMax = T(kMask >> kShift);

	// The field's value in a register value.
	static constexpr T Get(T reg) { return T((reg & kMask) >> kShift); }
	// A register value with only this field set to v (bits of v beyond the field are dropped;
	// Fits() tells whether there were any).
	static constexpr T Prep(u64 v) { return T((v << kShift) & kMask); }
	static constexpr bool Fits(u64 v) { return v <= kMax; }
	// reg with this field replaced by v.
	static constexpr T Set(T reg, u64 v) { return T((reg & ~kMask) | Prep(v)); }
};

// Bits [h:l], as the kernel's GENMASK (for C++ code that defines its own masks).
constexpr u64 GenMask(u32 h, u32 l) { return (~0ull >> (63 - h)) & (~0ull << l); }

} // namespace kstd
