// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-vitals-eval, the unit tests, the benchmark).
//
// Simulated PPG with a known truth: a fingertip pulse waveform at a set heart rate, red and IR
// with the ratio of ratios that the estimator's calibration maps to the set SpO2, plus white
// noise, baseline wander (breathing), motion bursts, finger on/off, ADC resolution and clipping.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <max30102/vitals.h>

#include "recording.hpp"

namespace mxrt::vitals_eval {

struct SimStep {
	double at_s;	   // from this time on
	double hr_bpm;
	double spo2;	   // %
};

struct SimParams {
	double hr_bpm = 72, spo2 = 97; // the truth (until the first step)
	std::vector<SimStep> steps;
	double rate_hz = 100;	       // output rate (records per second)
	double seconds = 30;
	unsigned adc_bits = 18;
	double dc = 0.40;	       // IR level as a fraction of full scale (red: 0.85 of it)
	double perfusion = 0.02;       // IR pulse amplitude / DC (peak to peak)
	double noise = 0.03;	       // white noise per record, RMS, in units of the pulse amplitude
	double wander = 1.0;	       // breathing baseline wander (0.25 Hz), in pulse amplitudes
	double motion_per_min = 0;     // motion bursts (1.5 s each) per minute
	double motion_size = 6;	       // their size, in pulse amplitudes
	double finger_on_s = 0;	       // no finger before this
	double finger_off_s = -1;      // no finger from this time on (< 0: never)
	uint64_t seed = 1;
	uint64_t start_seq = 0, start_ns = 1'000'000'000;

	// "hr=72,spo2=97,rate=100,seconds=30,..." (the keys are the field names above, without
	// _bpm/_hz/_s; steps as step=AT:HR:SPO2, repeatable). Throws BadInput.
	static SimParams Parse(const std::string &spec);
	std::string Name() const;
	// The period of the records (1 / rate, rounded to whole ns) and how many Simulate makes.
	uint64_t PeriodNs() const;
	uint64_t Records() const;
};

// The truth at time t (seconds from the start).
SimStep TruthAt(const SimParams &p, double t_s);

// The records of a simulated recording, its reference the truth at its end.
Recording Simulate(const SimParams &p, const mxrt_vitals_config &cal);

} // namespace mxrt::vitals_eval
