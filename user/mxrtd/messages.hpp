// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd, mxrt-top; the unit tests).
//
// The daemon's outputs as bytes and text, in one place: the message-queue message (struct
// mxrtd_vitals_msg, include/uapi/mxrt/mxrtd.h), the FIFO's line, and the live view's one-shot
// JSON document (mxrt-top --json). Pure functions: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "shm.hpp"

namespace mxrtd {

// The message for one vitals update (temp may be nullptr: no reading yet).
mxrtd_vitals_msg MakeVitalsMsg(std::uint32_t device_index, const mxrtd_shm_vitals &v, const mxrtd_shm_temp *temp);
// Checks a received message: true if it is one of this ABI (version and size).
bool CheckVitalsMsg(const void *buf, std::size_t len, mxrtd_vitals_msg *out);

// "dev=max30102-0 update=12 seq=48211 t=123.456789 hr=72.0 spo2=97.0 conf=85 finger=1 temp=36.50\n"
std::string FifoLine(const std::string &device_name, const mxrtd_vitals_msg &m);

// Everything the live view shows about one device.
struct Snapshot {
	std::string device;       // /dev/max30102-0 (at most 64 bytes; control characters as '?')
	std::string shm_name;     // /mxrtd-max30102-0
	std::uint32_t pid = 0;
	std::uint32_t state = MXRTD_STATE_STOPPED;
	bool alive = false;       // the daemon holds the segment's lock
	std::uint64_t uptime_ns = 0;
	mxrtd_shm_vitals vitals{};
	mxrtd_shm_temp temp{};
	std::uint64_t temp_age_ns = 0; // how old the temperature is (with MXRTD_TEMP_VALID)
	mxrtd_shm_config config{};
	mxrtd_shm_stats stats{};
	mxrt::Log2Snapshot acq_latency{}, mon_latency{};
	double rate_hz = 0;       // samples per second, measured over the view's interval (0: not yet)
	// false: the section's writer stayed inside it for the reader's whole try (about 20 ms), so
	// its values are unknown (shown as ? or null, not as the zeros of an empty copy)
	bool vitals_known = true, temp_known = true, config_known = true;
};

// Reads a snapshot from a mapped segment (rate_hz is the caller's).
Snapshot TakeSnapshot(const Segment &seg);

// One JSON object for a snapshot (times in us, vitals in bpm and %, null where not valid).
std::string SnapshotJson(const Snapshot &s);

// Text helpers shared by the view and the FIFO.
std::string FormatMilli(std::uint32_t milli, int decimals); // 72000 -> "72.0"
const char *PolicyName(std::uint32_t policy);               // MXRTD_POLICY_* -> "SCHED_DEADLINE"
const char *IoName(std::uint32_t io);                       // MXRTD_IO_* -> "io_uring"
const char *WaitName(std::uint32_t wait);

// Vitals flags (the driver's MXRT_MAX30102_VITALS_*; repeated here so that this header does not
// depend on which UAPI revision the driver ships).
inline constexpr std::uint32_t kVitalsHrValid = 0x0001;
inline constexpr std::uint32_t kVitalsSpo2Valid = 0x0002;
inline constexpr std::uint32_t kVitalsFingerValid = 0x0004;
inline constexpr std::uint32_t kVitalsFinger = 0x0008;
inline constexpr std::uint32_t kVitalsNone = MXRTD_VITALS_NONE;

} // namespace mxrtd
