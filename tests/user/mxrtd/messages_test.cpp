// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. mxrtd's message formats: the message queue's binary message, the FIFO's
// text line (exact, every "not valid" case), and mxrt-top's JSON object.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <unistd.h>

#include <mxrtd/messages.hpp>

namespace mxrtd {
namespace {

mxrtd_shm_vitals Vitals() {
	mxrtd_shm_vitals v{};
	v.updates = 12;
	v.sample_seq = 48211;
	v.timestamp_ns = 123456789012ull;
	v.flags = kVitalsHrValid | kVitalsSpo2Valid | kVitalsFingerValid | kVitalsFinger;
	v.hr_mbpm = 72049;
	v.spo2_mpct = 97512;
	v.confidence = 85;
	return v;
}

TEST(MxrtdMessages, TheQueueMessage) {
	mxrtd_shm_temp t{};
	t.flags = MXRTD_TEMP_VALID;
	t.millicelsius = 36500;
	const mxrtd_vitals_msg m = MakeVitalsMsg(2, Vitals(), &t);
	EXPECT_EQ(m.version, MXRTD_MSG_VERSION);
	EXPECT_EQ(m.size, MXRTD_MSG_SIZE);
	EXPECT_EQ(m.device_index, 2u);
	EXPECT_EQ(m.update, 12u);
	EXPECT_EQ(m.sample_seq, 48211u);
	EXPECT_EQ(m.hr_mbpm, 72049u);
	EXPECT_EQ(m.temp_millicelsius, 36500);
	EXPECT_EQ(m.msg_flags, u32(MXRTD_MSG_TEMP_VALID));
	mxrtd_vitals_msg back;
	EXPECT_TRUE(CheckVitalsMsg(&m, sizeof(m), &back));
	EXPECT_EQ(std::memcmp(&back, &m, sizeof(m)), 0);
	EXPECT_FALSE(CheckVitalsMsg(&m, sizeof(m) - 1, &back)); // short
	mxrtd_vitals_msg bad = m;
	bad.version = 9;
	EXPECT_FALSE(CheckVitalsMsg(&bad, sizeof(bad), &back));
	// values that are not valid are 0 in the message, whatever the driver left in them
	mxrtd_shm_vitals v = Vitals();
	v.flags = kVitalsFingerValid;
	const mxrtd_vitals_msg n = MakeVitalsMsg(0, v, nullptr);
	EXPECT_EQ(n.hr_mbpm, 0u);
	EXPECT_EQ(n.spo2_mpct, 0u);
	EXPECT_EQ(n.msg_flags, 0u);
}

TEST(MxrtdMessages, TheFifoLine) {
	mxrtd_shm_temp t{};
	t.flags = MXRTD_TEMP_VALID;
	t.millicelsius = 36506;
	EXPECT_EQ(FifoLine("max30102-0", MakeVitalsMsg(0, Vitals(), &t)),
		  "dev=max30102-0 update=12 seq=48211 t=123.456789 hr=72.0 spo2=97.5 conf=85 finger=1 temp=36.50\n");
	mxrtd_shm_vitals v = Vitals();
	v.flags = kVitalsFingerValid; // finger off: no values
	v.confidence = 0;
	EXPECT_EQ(FifoLine("max30102-1", MakeVitalsMsg(1, v, nullptr)),
		  "dev=max30102-1 update=12 seq=48211 t=123.456789 hr=- spo2=- conf=0 finger=0 temp=-\n");
	v.flags = kVitalsHrValid; // not known yet whether a finger is there
	t.millicelsius = -5250;
	EXPECT_EQ(FifoLine("x", MakeVitalsMsg(1, v, &t)),
		  "dev=x update=12 seq=48211 t=123.456789 hr=72.0 spo2=- conf=0 finger=- temp=-5.25\n");
	EXPECT_EQ(FormatMilli(100000, 1), "100.0");
	EXPECT_EQ(FormatMilli(999, 1), "0.9");
	EXPECT_EQ(FormatMilli(36506, 2), "36.50");
}

TEST(MxrtdMessages, TheLiveViewsJson) {
	Snapshot s;
	s.device = "/dev/max30102-0";
	s.shm_name = "/mxrtd-max30102-0";
	s.pid = 77;
	s.alive = true;
	s.state = MXRTD_STATE_RUNNING;
	s.uptime_ns = 65ull * 1000000000ull;
	s.vitals = Vitals();
	s.temp.flags = MXRTD_TEMP_VALID;
	s.temp.millicelsius = 36500;
	s.temp.errors = 3;
	s.temp_age_ns = 2500000000;
	s.config.sample_rate_hz = 400;
	s.config.sched_policy = MXRTD_POLICY_DEADLINE;
	s.config.io_method = MXRTD_IO_URING;
	s.config.wait_method = MXRTD_WAIT_FUTEX_WAITV;
	s.stats.acq_records = 1000;
	s.stats.mon_overruns = 2;
	s.stats.fifo_lines = 5;
	s.stats.fifo_dropped = 6;
	s.stats.fifo_no_reader = 7; // the view shows it, and so does --json
	s.rate_hz = 399.96;
	s.mon_latency.count = 3;
	s.mon_latency.min = 100000;
	s.mon_latency.max = 300000;
	s.mon_latency.bucket[16] = 1; // 65536..131071
	s.mon_latency.bucket[17] = 1;
	s.mon_latency.bucket[18] = 1;
	s.acq_latency.min = ~0ull;
	const std::string j = SnapshotJson(s);
	for (const char *want :
	     {"{\"device\":\"/dev/max30102-0\",\"shm\":\"/mxrtd-max30102-0\",\"pid\":77,\"running\":true,\"uptime_s\":65,",
	      "\"hr_bpm\":72.0,\"spo2_pct\":97.5,\"confidence\":85,\"finger\":true,\"vitals_updates\":12,",
	      "\"temp_c\":36.50,\"temp_age_s\":2.5,\"temp_errors\":3,\"sample_rate_hz\":400.0,\"configured_rate_hz\":400,"
	      "\"configured_record_rate_hz\":400.0,\"records\":1000,",
	      "\"consumer_overruns\":2,", "\"fifo_lines\":5,\"fifo_dropped\":6,\"fifo_no_reader\":7,", "\"policy\":\"SCHED_DEADLINE\",\"io\":\"io_uring\",\"wait\":\"futex_waitv\",",
	      "\"acq_latency\":{\"count\":0,\"p50_us\":null,\"p99_us\":null,\"max_us\":null}",
	      "\"wakeup_latency\":{\"count\":3,", "\"max_us\":300.0}}"})
		EXPECT_NE(j.find(want), std::string::npos) << want << "\nin " << j;
	// with sample averaging: a record per 4 samples, the rate to compare sample_rate_hz with
	s.config.sample_average = 4;
	EXPECT_NE(SnapshotJson(s).find("\"configured_rate_hz\":400,\"configured_record_rate_hz\":100.0,"), std::string::npos);
	s.config.sample_average = 1;
	// nothing measured yet: nulls, not zeros
	s.vitals.flags = kVitalsNone;
	s.temp.flags = 0;
	s.rate_hz = 0;
	s.alive = false;
	const std::string n = SnapshotJson(s);
	for (const char *want : {"\"running\":false", "\"hr_bpm\":null", "\"spo2_pct\":null", "\"confidence\":null",
				 "\"finger\":null", "\"temp_c\":null", "\"temp_age_s\":null", "\"sample_rate_hz\":null"})
		EXPECT_NE(n.find(want), std::string::npos) << want << "\nin " << n;
	// a device path that needs escaping stays one JSON string
	s.device = "/dev/a\"b\\c";
	EXPECT_NE(SnapshotJson(s).find("\"device\":\"/dev/a\\\"b\\\\c\""), std::string::npos);
}

// A daemon's segment of 16 records (w, initialised) and a reader's mapping of it (r).
void WriterAndReader(const std::string &name, Segment *w, Segment *r) {
	int err = 1;
	*w = Segment::Create(name, 16, 0644, &err);
	ASSERT_EQ(err, 0);
	InitHeader(w->shm(), 16, 1, 0, "/dev/max30102-0");
	*r = Segment::Open(name, &err);
	ASSERT_EQ(err, 0);
}

// The device name as a segment holds it: a hand-made segment need not end it with a NUL (the
// view read on into the fields after it, and past the mapping if nothing stopped it), and may put
// terminal escapes into it that the live view would print.
TEST(MxrtdMessages, TheSnapshotsDeviceNameIsBoundedAndPrintable) {
	const std::string name = "/mxrtd-test-" + std::to_string(getpid()) + "-snapdev";
	Segment w, r;
	WriterAndReader(name, &w, &r);
	if (HasFatalFailure())
		return;
	std::memset(w.shm()->device, 'A', sizeof(w.shm()->device));
	std::memset(static_cast<void *>(w.shm()->pad0), 'B', sizeof(w.shm()->pad0));
	EXPECT_EQ(TakeSnapshot(r).device, std::string(64, 'A'));
	std::strcpy(w.shm()->device, "/dev/\x1b]2;owned\x07\x1b[2J\x7f\n");
	EXPECT_EQ(TakeSnapshot(r).device, "/dev/?]2;owned??[2J??");
	r.Close();
	w.Shutdown();
}

// A section whose writer stays inside it is shown as unknown, not as the torn copy: an update
// paused after its flags (HR and SpO2 valid) but before its SpO2 showed a valid SpO2 of 0 %.
TEST(MxrtdMessages, ASectionItsWriterStaysInsideIsUnknownNotTorn) {
	const std::string name = "/mxrtd-test-" + std::to_string(getpid()) + "-torn";
	Segment w, r;
	WriterAndReader(name, &w, &r);
	if (HasFatalFailure())
		return;
	mxrtd_shm_vitals *v = &w.shm()->vitals;
	__atomic_store_n(&v->seq, 1, __ATOMIC_RELEASE); // inside, never finished
	v->flags = MXRT_MAX30102_VITALS_HR_VALID | MXRT_MAX30102_VITALS_SPO2_VALID;
	v->hr_mbpm = 80000;
	v->spo2_mpct = 0;
	Snapshot s = TakeSnapshot(r);
	EXPECT_FALSE(s.vitals_known);
	EXPECT_EQ(s.vitals.flags, kVitalsNone);
	EXPECT_EQ(s.vitals.hr_mbpm, 0u);
	EXPECT_EQ(SnapshotJson(s).find("\"spo2_pct\":0"), std::string::npos) << SnapshotJson(s);
	// the empty copy's zeros are not shown either: a confidence of 0, a vitals_updates count gone
	// back to 0; nor the configuration's (SCHED_OTHER, 0 Hz) or the temperature's (0 failures)
	__atomic_store_n(&w.shm()->config.seq, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&w.shm()->temp.seq, 1, __ATOMIC_RELEASE);
	s = TakeSnapshot(r);
	EXPECT_FALSE(s.config_known);
	EXPECT_FALSE(s.temp_known);
	const std::string j = SnapshotJson(s);
	for (const char *want : {"\"confidence\":null", "\"vitals_updates\":null", "\"temp_errors\":null",
				 "\"configured_rate_hz\":null,\"configured_record_rate_hz\":null,",
				 "\"policy\":null,\"io\":null,\"wait\":null,"})
		EXPECT_NE(j.find(want), std::string::npos) << want << "\nin " << j;
	// once the writer is out again, the values are shown
	__atomic_store_n(&w.shm()->config.seq, 2, __ATOMIC_RELEASE);
	__atomic_store_n(&w.shm()->temp.seq, 2, __ATOMIC_RELEASE);
	__atomic_store_n(&v->seq, 2, __ATOMIC_RELEASE);
	s = TakeSnapshot(r);
	EXPECT_TRUE(s.config_known && s.temp_known && s.vitals_known);
	EXPECT_NE(SnapshotJson(s).find("\"policy\":\"SCHED_OTHER\""), std::string::npos) << SnapshotJson(s);
	r.Close();
	w.Shutdown();
}

} // namespace
} // namespace mxrtd
