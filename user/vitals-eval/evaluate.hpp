// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-vitals-eval, the unit tests, the benchmark).
//
// Runs the estimator (kernel/max30102/vitals.cpp, the code the driver runs) over a recording and
// scores it: what it reported over time, the file's estimate, and summary statistics.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <max30102/vitals.h>

#include "recording.hpp"

namespace mxrt::vitals_eval {

struct Output { // the estimator's values after one record
	double t_s;		      // from the recording's first record (by seq, at each segment's period)
	std::optional<double> hr, spo2; // when valid
	unsigned confidence;
	unsigned flags;
};

struct Beat {
	double t_s;
	bool accepted;
};

struct Estimates {
	std::vector<Output> outputs; // one per record
	std::vector<Beat> beats;
	// per internal sample (with Trace::kYes): time, band-passed IR and the beat threshold
	std::vector<double> trace_t, trace_ir, trace_threshold, trace_slope;
	// The file's estimate: the last valid value in the file (what a user read last).
	std::optional<double> hr, spo2;
	std::optional<double> ratio;	     // R behind that SpO2
	double valid_share = 0;		     // records with both HR and SpO2 valid / records
	std::optional<double> first_valid_s; // first record with both valid
	int rejected = 0;		     // records the estimator refused (-EINVAL)
	// Every distinct output in order, as mxrt_vitals_get gave it (what the driver can publish:
	// it publishes the output after a burst whenever it moved).
	std::vector<mxrt_vitals_out> published;
};

enum class Trace { kNo, kYes };

Estimates Evaluate(const Recording &rec, const mxrt_vitals_config &cal, Trace trace = Trace::kNo);

// The recording's own pulse rate in bpm, found without the estimator: the lag at which the
// band-passed IR (red in HR mode) of the whole recording best repeats itself (autocorrelation),
// in floating point over every sample at once. It says how far the estimator's HR is from the
// pulse in the file, apart from how far the file's reference is from it (docs/vitals.md, "The
// recordings"). None without 1.5 s of finger (cal's thresholds) and a pulse that repeats
// (correlation >= 0.5). A recording at several rates: its segment with the most records.
std::optional<double> OwnPulseRate(const Recording &rec, const mxrt_vitals_config &cal);

// Error statistics of estimates against references (pairs with both present).
struct Stats {
	size_t n = 0, missing = 0; // scored pairs; references without an estimate
	double mae = 0, bias = 0, within = 0; // within: share with |error| <= the tolerance
};
Stats Score(const std::vector<std::optional<double>> &est, const std::vector<std::optional<double>> &ref,
	    double tolerance);

// SpO2 = a - b R fitted by least squares to (R, reference) pairs.
struct Line {
	double a = 0, b = 0;
};
std::optional<Line> FitLine(const std::vector<double> &r, const std::vector<double> &spo2);
// The same with a fixed: only the slope b is fitted.
std::optional<Line> FitSlope(const std::vector<double> &r, const std::vector<double> &spo2, double a);

} // namespace mxrt::vitals_eval
