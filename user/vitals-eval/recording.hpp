// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-vitals-eval and the unit tests).
//
// A recording as the estimator sees it: records (struct mxrt_max30102_record, as the driver
// delivers them) at a sample period, with the reference values when there are some. Read from
// the OxiWear CSV format (../shared/data/ppg-oxiwear/README.md) or from a stream of records saved
// from /dev/max30102-N.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mxrt/max30102.h>

namespace mxrt::vitals_eval {

struct Reference {
	std::optional<double> spo2; // %
	std::optional<double> hr;   // bpm
	std::string spo2_text, hr_text; // as the name spells them (--csv keeps their decimals)
};

// A run of records at one sample period: a record stream saved across a reconfiguration holds
// one per RESTART record that changed the rate or the averaging (the driver feeds its estimator
// each record with the period it was taken at, so the evaluator must too).
struct Segment {
	size_t first = 0; // index of its first record
	uint64_t period_ns = 0;
};

struct Recording {
	std::string name; // the file's base name
	Reference ref;
	uint64_t period_ns = 0; // the first segment's
	std::vector<mxrt_max30102_record> records;
	uint64_t clipped = 0; // CSV: LEDC1/LEDC2 cells past 18 bits, taken as 262143 (ReadCsv)
	// in order, the first at record 0; empty means one segment at period_ns
	std::vector<Segment> segments;
};

// The segments of rec, never empty for a recording with records.
std::vector<Segment> SegmentsOf(const Recording &rec);

// The most records one run of the tool holds, all recordings and simulations together: an hour
// at 3200 Hz. It keeps every record and every output (about 80 bytes a record), so this is about
// 1 GB; a day at 3200 Hz would be 22 GB.
constexpr uint64_t kMaxRecords = 3600ull * 3200;

// What a bad file gets: the message names the file and, where it helps, the line.
struct BadInput : std::runtime_error {
	using std::runtime_error::runtime_error;
};

// The name a recording is shown and scored by: the file's base name (the path as given when it
// has none, as for "data/"). A file that cannot be read keeps it too.
std::string RecordingName(const std::string &path);

// "<time>-<SpO2>-<HR>[_-]*.<ext>" (the OxiWear naming) -> the reference; anything else -> none.
Reference ReferenceFromName(const std::string &base_name);

// The OxiWear CSV: header rows, then a row naming the columns (timestamp, sampleNum, LEDC1 = IR,
// LEDC2 = red are required), then one row per sample, then a trailer. The ADC values are the
// MAXM86161's 19-bit codes, taken as 18-bit ones (the estimator's): a value past 18 bits is taken
// as 262143 and counted in `clipped`. period_ns 0 means the recordings' 64 Hz (the timestamps
// must agree). Throws BadInput.
Recording ReadCsv(const std::string &path, uint64_t period_ns = 0);

// Records as read() returns them from /dev/max30102-N (32 bytes each, host byte order), e.g.
// saved with `dd if=/dev/max30102-0 of=FILE bs=32 count=N`. period_ns 0: from the timestamps, for
// each run between RESTART records of its own (the median spacing; a run with no two stamps to
// tell it takes the period of the run before it, or else after it); otherwise period_ns for all.
// Throws BadInput.
Recording ReadRecords(const std::string &path, uint64_t period_ns = 0);

// By the name: *.csv (any case: *.CSV too) is CSV, anything else a record stream.
Recording Read(const std::string &path, uint64_t period_ns = 0);

} // namespace mxrt::vitals_eval
