// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. See messages.hpp.
#include "messages.hpp"

#include "futex.hpp"
#include "../lib/text.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <ctime>

namespace mxrtd {

#ifdef MXRT_MAX30102_VITALS_NONE
static_assert(kVitalsHrValid == MXRT_MAX30102_VITALS_HR_VALID && kVitalsSpo2Valid == MXRT_MAX30102_VITALS_SPO2_VALID &&
	      kVitalsFingerValid == MXRT_MAX30102_VITALS_FINGER_VALID && kVitalsFinger == MXRT_MAX30102_VITALS_FINGER &&
	      kVitalsNone == MXRT_MAX30102_VITALS_NONE, "the driver's vitals flags");
#endif

mxrtd_vitals_msg MakeVitalsMsg(std::uint32_t device_index, const mxrtd_shm_vitals &v, const mxrtd_shm_temp *temp) {
	mxrtd_vitals_msg m{};
	m.version = MXRTD_MSG_VERSION;
	m.size = sizeof(m);
	m.device_index = device_index;
	m.update = v.updates;
	m.sample_seq = v.sample_seq;
	m.timestamp_ns = v.timestamp_ns;
	m.flags = v.flags;
	m.hr_mbpm = v.flags & kVitalsHrValid ? v.hr_mbpm : 0;
	m.spo2_mpct = v.flags & kVitalsSpo2Valid ? v.spo2_mpct : 0;
	m.confidence = v.confidence;
	if (temp && (temp->flags & MXRTD_TEMP_VALID)) {
		m.temp_millicelsius = temp->millicelsius;
		m.msg_flags |= MXRTD_MSG_TEMP_VALID;
	}
	return m;
}

bool CheckVitalsMsg(const void *buf, std::size_t len, mxrtd_vitals_msg *out) {
	if (len < MXRTD_MSG_SIZE)
		return false;
	std::memcpy(out, buf, sizeof(*out));
	return out->version == MXRTD_MSG_VERSION && out->size >= MXRTD_MSG_SIZE && out->size <= len;
}

std::string FormatMilli(std::uint32_t milli, int decimals) {
	char b[32];
	if (decimals == 1)
		std::snprintf(b, sizeof(b), "%u.%u", milli / 1000, (milli % 1000) / 100);
	else
		std::snprintf(b, sizeof(b), "%u.%02u", milli / 1000, (milli % 1000) / 10);
	return b;
}

static std::string Celsius(std::int32_t mc) {
	char b[32];
	const std::int64_t v = mc;
	const std::int64_t a = v < 0 ? -v : v;
	std::snprintf(b, sizeof(b), "%s%" PRId64 ".%02" PRId64, v < 0 ? "-" : "", a / 1000, (a % 1000) / 10);
	return b;
}

std::string FifoLine(const std::string &device_name, const mxrtd_vitals_msg &m) {
	char t[48];
	std::snprintf(t, sizeof(t), "%" PRIu64 ".%06" PRIu64, std::uint64_t(m.timestamp_ns / 1000000000ull),
		      std::uint64_t(m.timestamp_ns % 1000000000ull / 1000));
	std::string s = "dev=" + device_name + " update=" + std::to_string(m.update) + " seq=" + std::to_string(m.sample_seq) +
			" t=" + t;
	s += " hr=" + (m.flags & kVitalsHrValid ? FormatMilli(m.hr_mbpm, 1) : std::string("-"));
	s += " spo2=" + (m.flags & kVitalsSpo2Valid ? FormatMilli(m.spo2_mpct, 1) : std::string("-"));
	s += " conf=" + std::to_string(m.confidence);
	s += " finger=" + std::string(!(m.flags & kVitalsFingerValid) ? "-" : (m.flags & kVitalsFinger) ? "1" : "0");
	s += " temp=" + (m.msg_flags & MXRTD_MSG_TEMP_VALID ? Celsius(m.temp_millicelsius) : std::string("-"));
	return s + "\n";
}

const char *PolicyName(std::uint32_t p) {
	switch (p) {
	case MXRTD_POLICY_DEADLINE: return "SCHED_DEADLINE";
	case MXRTD_POLICY_FIFO: return "SCHED_FIFO";
	default: return "SCHED_OTHER";
	}
}

const char *IoName(std::uint32_t io) {
	switch (io) {
	case MXRTD_IO_URING: return "io_uring";
	case MXRTD_IO_POLL: return "poll";
	case MXRTD_IO_READ: return "read";
	default: return "?";
	}
}

const char *WaitName(std::uint32_t w) {
	switch (w) {
	case MXRTD_WAIT_FUTEX_WAITV: return "futex_waitv";
	case MXRTD_WAIT_FUTEX: return "futex";
	default: return "?";
	}
}

Snapshot TakeSnapshot(const Segment &seg) {
	Snapshot s;
	const mxrtd_shm *shm = seg.shm();
	// Bounded and printable: a segment is anyone's to write (a hand-made one need not end the
	// name with a NUL, and the view prints it to a terminal, where ESC would be a command).
	s.device = mxrt::cli::Printable(std::string(shm->device, strnlen(shm->device, sizeof(shm->device))));
	s.shm_name = seg.name();
	s.pid = shm->pid;
	s.state = LoadWord(&shm->events.state.value);
	s.alive = seg.OwnerAlive();
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	const std::uint64_t now = std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
	s.uptime_ns = now > shm->started_ns ? now - shm->started_ns : 0;
	// A section whose writer stayed inside it (ReadVitals etc. false) is shown as unknown, not as
	// the torn copy (it showed new flags beside old values: a valid SpO2 of 0 %).
	// (The empty copy's zeros showed as a confidence of 0, SCHED_OTHER, 0 Hz and a vitals_updates
	// count gone back to 0.)
	if (!ReadVitals(shm, &s.vitals)) {
		s.vitals = {};
		s.vitals.flags = kVitalsNone;
		s.vitals_known = false;
	}
	if (!ReadTemp(shm, &s.temp)) {
		s.temp = {};
		s.temp_known = false;
	}
	s.temp_age_ns = now > s.temp.timestamp_ns ? now - s.temp.timestamp_ns : 0;
	if (!ReadConfig(shm, &s.config)) {
		s.config = {};
		s.config_known = false;
	}
	s.stats = ReadStats(shm);
	s.acq_latency = ReadLatency(shm->acq_latency);
	s.mon_latency = ReadLatency(shm->mon_latency);
	return s;
}

static std::string Us(std::uint64_t ns) {
	char b[32];
	std::snprintf(b, sizeof(b), "%.1f", double(ns) / 1000.0);
	return b;
}

static std::string LatencyJson(const mxrt::Log2Snapshot &h) {
	if (h.count == 0)
		return "{\"count\":0,\"p50_us\":null,\"p99_us\":null,\"max_us\":null}";
	return "{\"count\":" + std::to_string(h.count) + ",\"p50_us\":" + Us(mxrt::Log2Percentile(h, 500)) +
	       ",\"p99_us\":" + Us(mxrt::Log2Percentile(h, 990)) + ",\"max_us\":" + Us(h.max) + "}";
}

using mxrt::cli::JsonString;

std::string SnapshotJson(const Snapshot &s) {
	const mxrtd_shm_vitals &v = s.vitals;
	const mxrtd_shm_stats &st = s.stats;
	const bool none = v.flags & kVitalsNone;
	std::string j = "{";
	j += "\"device\":" + JsonString(s.device);
	j += ",\"shm\":" + JsonString(s.shm_name);
	j += ",\"pid\":" + std::to_string(s.pid);
	j += ",\"running\":" + std::string(s.alive && s.state == MXRTD_STATE_RUNNING ? "true" : "false");
	j += ",\"uptime_s\":" + std::to_string(s.uptime_ns / 1000000000ull);
	j += ",\"hr_bpm\":" + (!none && (v.flags & kVitalsHrValid) ? FormatMilli(v.hr_mbpm, 1) : std::string("null"));
	j += ",\"spo2_pct\":" + (!none && (v.flags & kVitalsSpo2Valid) ? FormatMilli(v.spo2_mpct, 1) : std::string("null"));
	j += ",\"confidence\":" + (none ? std::string("null") : std::to_string(v.confidence));
	j += ",\"finger\":" + std::string(none || !(v.flags & kVitalsFingerValid) ? "null" : (v.flags & kVitalsFinger) ? "true" : "false");
	j += ",\"vitals_updates\":" + (s.vitals_known ? std::to_string(v.updates) : std::string("null"));
	j += ",\"temp_c\":" + (s.temp.flags & MXRTD_TEMP_VALID ? Celsius(s.temp.millicelsius) : std::string("null"));
	// a reading that fails leaves the last good one: its age and the failures tell it is stale
	char age[32];
	std::snprintf(age, sizeof(age), "%.1f", double(s.temp_age_ns) / 1e9);
	j += ",\"temp_age_s\":" + std::string(s.temp.flags & MXRTD_TEMP_VALID ? age : "null");
	j += ",\"temp_errors\":" + (s.temp_known ? std::to_string(s.temp.errors) : std::string("null"));
	char rate[32];
	std::snprintf(rate, sizeof(rate), "%.1f", s.rate_hz);
	j += ",\"sample_rate_hz\":" + std::string(s.rate_hz > 0 ? rate : "null");
	const std::string unknown = "null";
	j += ",\"configured_rate_hz\":" + (s.config_known ? std::to_string(s.config.sample_rate_hz) : unknown);
	// records per second the configuration delivers (sample averaging: one per N samples)
	char rec_rate[32];
	std::snprintf(rec_rate, sizeof(rec_rate), "%.1f",
		      double(s.config.sample_rate_hz) / (s.config.sample_average > 1 ? s.config.sample_average : 1));
	j += ",\"configured_record_rate_hz\":" + (s.config_known ? std::string(rec_rate) : unknown);
	j += ",\"records\":" + std::to_string(st.acq_records);
	j += ",\"lost\":" + std::to_string(st.acq_lost);
	j += ",\"fifo_overflows\":" + std::to_string(st.acq_fifo_overflows);
	j += ",\"overruns\":" + std::to_string(st.acq_overruns);
	j += ",\"violations\":" + std::to_string(st.acq_violations);
	j += ",\"consumer_overruns\":" + std::to_string(st.mon_overruns);
	j += ",\"consumer_lost\":" + std::to_string(st.mon_lost);
	j += ",\"mq_sent\":" + std::to_string(st.mq_sent) + ",\"mq_dropped\":" + std::to_string(st.mq_dropped);
	j += ",\"fifo_lines\":" + std::to_string(st.fifo_lines) + ",\"fifo_dropped\":" + std::to_string(st.fifo_dropped) +
	     ",\"fifo_no_reader\":" + std::to_string(st.fifo_no_reader);
	j += ",\"dl_overruns\":" + std::to_string(st.dl_overruns);
	j += ",\"policy\":" + (s.config_known ? JsonString(PolicyName(s.config.sched_policy)) : unknown);
	j += ",\"io\":" + (s.config_known ? JsonString(IoName(s.config.io_method)) : unknown);
	j += ",\"wait\":" + (s.config_known ? JsonString(WaitName(s.config.wait_method)) : unknown);
	j += ",\"acq_latency\":" + LatencyJson(s.acq_latency);
	j += ",\"wakeup_latency\":" + LatencyJson(s.mon_latency);
	return j + "}";
}

} // namespace mxrtd
