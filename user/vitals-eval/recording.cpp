// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrt-vitals-eval and the unit tests). Implements recording.hpp.
#include "recording.hpp"
#include "../lib/decimal.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <strings.h>

namespace mxrt::vitals_eval {
namespace {

constexpr uint64_t kOxiwearPeriodNs = 15'625'000; // 64 Hz
constexpr uint32_t kCsvAdcBits = 18;  // the records': the estimator's full scale
constexpr uint32_t kChipAdcBits = 19; // the recordings' chip, MAXM86161
constexpr double kMaxSampleNum = 9007199254740992.0; // 2^53: every whole number up to it is exact
constexpr double kMaxTimestampMs = 9.2e12;	     // x 1e6 still fits an int64 (llround), year 2261

std::string Trim(std::string s) {
	while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
		s.pop_back();
	size_t i = 0;
	while (i < s.size() && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return s.substr(i);
}

// fn(i, cell) for each cell of a CSV line (trimmed) in order, while it returns true; the count of
// cells ("" has none, "a," two). No cell is kept: a line of a billion commas (a file well under
// the 1 GiB limit) must not become a billion strings, 32 bytes a byte of input.
template <typename Fn> size_t ForEachCell(const std::string &line, Fn fn) {
	if (line.empty())
		return 0;
	size_t n = 0, start = 0;
	bool more = true;
	for (;;) {
		const size_t comma = line.find(',', start);
		if (more)
			more = fn(n, Trim(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
		n++;
		if (comma == std::string::npos)
			return n;
		start = comma + 1;
	}
}

// The first `keep` cells of a line in out; the count of all of them.
size_t Cells(const std::string &line, size_t keep, std::vector<std::string> &out) {
	out.clear();
	return ForEachCell(line, [&](size_t, std::string cell) {
		out.push_back(std::move(cell));
		return out.size() < keep;
	});
}

// A decimal number, all of the cell; nullopt otherwise.
std::optional<double> Number(const std::string &cell) {
	double v = 0;
	if (!mxrt::cli::DecimalReal(Trim(cell), &v))
		return std::nullopt;
	return v;
}

[[noreturn]] void Fail(const std::string &path, const std::string &why) { throw BadInput(path + ": " + why); }

// A recording is a file (or a pipe, read until its writer closes it) of at most kMaxFileBytes: a
// device would be read for ever (/dev/zero filling the memory; /dev/max30102-N never ending).
// kMaxRecords records are 369 MB as a record stream, about 1 GB as CSV.
constexpr size_t kMaxFileBytes = size_t(1) << 30;

std::string ReadAll(const std::string &path) {
	std::error_code ec;
	const auto st = std::filesystem::status(path, ec);
	if (std::filesystem::is_directory(st))
		Fail(path, "a directory, not a recording");
	if (std::filesystem::is_character_file(st) || std::filesystem::is_block_file(st))
		Fail(path, "a device, not a recording: save its records first "
			   "(mxrt-max30102-read -n 4000 -o capture.bin /dev/max30102-0)");
	std::ifstream f(path, std::ios::binary);
	if (!f)
		Fail(path, std::strerror(errno));
	auto too_big = [&] { Fail(path, "more than 1 GiB: not a recording this tool holds (cut it into parts)"); };
	std::string out;
	if (std::filesystem::is_regular_file(st)) { // known size: refused before anything is read
		const auto size = std::filesystem::file_size(path, ec);
		if (!ec && size > kMaxFileBytes)
			too_big();
		if (!ec)
			out.reserve(size_t(size));
	}
	char buf[1 << 16];
	while (f.read(buf, sizeof(buf)) || f.gcount() > 0) {
		if (out.size() + size_t(f.gcount()) > kMaxFileBytes) // checked before the string grows
			too_big();
		out.append(buf, size_t(f.gcount()));
	}
	if (f.bad())
		Fail(path, "read error");
	return out;
}

// A CSV is read at 64 Hz unless --rate says otherwise. A file whose timestamps say another rate
// would be read at 64 Hz without a word, every heart rate off by the ratio: refused. Two readings
// of kMinIntervals or more increasing timestamps, and the file passes if either is within
// kRateTolerance: the median interval (per sample, across seq gaps; the recordings read
// 15.6..15.8 ms, single intervals 11..120 ms), and the whole span over the samples it covers. The
// timestamps are when the samples reached the recording host, in bursts: the first seconds of
// 1355 and 1553 come 11.1 ms apart with 120 ms gaps (a median of 90 Hz, a span of 66.6 Hz), and a
// file that short was refused though it is 64 Hz.
constexpr size_t kMinIntervals = 8;
constexpr double kRateTolerance = 0.1;

void CheckTimestamps(const std::string &path, const std::vector<mxrt_max30102_record> &recs) {
	std::vector<double> iv;
	for (size_t i = 1; i < recs.size(); i++)
		if (recs[i].timestamp_ns > recs[i - 1].timestamp_ns)
			iv.push_back(double(recs[i].timestamp_ns - recs[i - 1].timestamp_ns) / double(recs[i].seq - recs[i - 1].seq));
	if (iv.size() < kMinIntervals)
		return; // too few to tell (equal or backward timestamps carry no rate)
	std::nth_element(iv.begin(), iv.begin() + iv.size() / 2, iv.end());
	const double median = iv[iv.size() / 2];
	auto near = [](double period) { return std::fabs(period / double(kOxiwearPeriodNs) - 1) <= kRateTolerance; };
	if (near(median))
		return;
	// the span: from the first record to the last whose timestamp is later, over their seqs
	size_t last = recs.size() - 1;
	while (last > 0 && recs[last].timestamp_ns <= recs[0].timestamp_ns)
		last--;
	if (last > 0 && recs[last].seq > recs[0].seq &&
	    near(double(recs[last].timestamp_ns - recs[0].timestamp_ns) / double(recs[last].seq - recs[0].seq)))
		return;
	char why[160];
	std::snprintf(why, sizeof(why), "the timestamps (ms) say a sample every %.3f ms (%.1f Hz), not %.3f ms (%.0f Hz): give --rate "
		      "if that is the file's rate", median * 1e-6, 1e9 / median, kOxiwearPeriodNs * 1e-6, 1e9 / kOxiwearPeriodNs);
	Fail(path, why);
}

} // namespace

std::string RecordingName(const std::string &path) {
	const auto slash = path.find_last_of('/');
	const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
	return base.empty() ? path : base; // "data/": the path names it
}

Reference ReferenceFromName(const std::string &base_name) {
	// <time>-<SpO2>-<HR>, then any '-'/'_', then an optional .extension
	std::string s = base_name;
	if (const auto dot = s.find_last_of('.'); dot != std::string::npos && dot > 0)
		s.resize(dot);
	while (!s.empty() && (s.back() == '-' || s.back() == '_'))
		s.pop_back();
	std::vector<std::string> parts;
	std::istringstream in(s);
	for (std::string p; std::getline(in, p, '-');)
		parts.push_back(p);
	auto decimal = [](const std::string &p, bool whole) {
		bool digit = false, dot = false;
		for (const char c : p) {
			if (c >= '0' && c <= '9')
				digit = true;
			else if (c == '.' && !dot && !whole && digit)
				dot = true;
			else
				return false;
		}
		return digit && p.back() != '.';
	};
	Reference r;
	if (parts.size() == 3 && decimal(parts[0], true) && decimal(parts[1], false) && decimal(parts[2], false)) {
		// strtod, not stod: a name is anyone's, and 400 digits must not throw out_of_range
		const double spo2 = std::strtod(parts[1].c_str(), nullptr), hr = std::strtod(parts[2].c_str(), nullptr);
		// A reading a pulse oximeter can give: SpO2 0..100 %, HR 1..400 bpm. Anything else is
		// no reference (a name such as 1600-99999999999999999999999-73 would otherwise make the
		// summaries' MAE whatever it says).
		if (spo2 >= 0 && spo2 <= 100 && hr >= 1 && hr <= 400) {
			r.spo2 = spo2;
			r.hr = hr;
			r.spo2_text = parts[1];
			r.hr_text = parts[2];
		}
	}
	return r;
}

Recording ReadCsv(const std::string &path, uint64_t period_ns) {
	const std::string text = ReadAll(path);
	if (text.empty())
		Fail(path, "empty file");
	Recording rec;
	rec.name = RecordingName(path);
	rec.ref = ReferenceFromName(rec.name);
	rec.period_ns = period_ns ? period_ns : kOxiwearPeriodNs;

	std::string line;
	std::vector<std::string> cells; // the row's cells up to the last column read
	size_t lineno = 0, pos = 0;
	int c_ts = -1, c_num = -1, c_ir = -1, c_red = -1, need = 0;
	bool header = false;
	size_t trailer = 0; // the line the trailer begins at
	uint64_t next_seq = 0;
	while (pos < text.size()) {
		const size_t nl = text.find('\n', pos);
		line.assign(text, pos, nl == std::string::npos ? std::string::npos : nl - pos);
		pos = nl == std::string::npos ? text.size() : nl + 1;
		lineno++;
		// a UTF-8 byte order mark, as editors and spreadsheets save, is not part of the first cell
		if (lineno == 1 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
			line.erase(0, 3);
		line = Trim(std::move(line)); // CRLF
		if (!header) {
			if (Cells(line, 1, cells) == 0 || cells[0] != "timestamp")
				continue;
			ForEachCell(line, [&](size_t i, const std::string &c) {
				if (c == "timestamp") c_ts = int(i);
				else if (c == "sampleNum") c_num = int(i);
				else if (c == "LEDC1") c_ir = int(i);
				else if (c == "LEDC2") c_red = int(i);
				return true;
			});
			if (c_num < 0 || c_ir < 0 || c_red < 0)
				Fail(path, "line " + std::to_string(lineno) +
					   ": the column row lacks sampleNum, LEDC1 (IR) or LEDC2 (red)");
			need = std::max({c_ts, c_num, c_ir, c_red});
			header = true;
			continue;
		}
		// Blank lines carry nothing; the trailer ("elapsed capture time", ...) ends the samples.
		// A sample after it would be dropped without a word, so it is an error.
		// A row of empty cells only (",,,,": how a spreadsheet saves an empty row) is blank too.
		if (line.find_first_not_of(", \t\r") == std::string::npos)
			continue;
		const size_t count = Cells(line, size_t(need) + 1, cells);
		if (!Number(cells[0])) {
			// The trailer's rows are short ("stop time,1596741385181"). A row with every column and
			// numbers for sampleNum, LEDC1 and LEDC2 is a sample whose timestamp is broken: as the
			// trailer's start it was dropped without a word when it was the last one
			if (int(count) > need && Number(cells[c_num]) && Number(cells[c_ir]) && Number(cells[c_red]))
				Fail(path, "line " + std::to_string(lineno) + ": a sample row with a timestamp that is not a number");
			trailer = trailer ? trailer : lineno;
			continue;
		}
		if (trailer)
			Fail(path, "line " + std::to_string(lineno) + ": a sample row after the trailer that begins at line " +
				   std::to_string(trailer));
		if (int(count) <= need)
			Fail(path, "line " + std::to_string(lineno) + ": " + std::to_string(count) +
				   " columns, the header names " + std::to_string(need + 1) + " or more");
		const auto ts = Number(cells[c_ts]), num = Number(cells[c_num]), ir = Number(cells[c_ir]),
			   red = Number(cells[c_red]);
		if (!ts || !num || !ir || !red)
			Fail(path, "line " + std::to_string(lineno) + ": a timestamp, sampleNum, LEDC1 or LEDC2 cell is not a number");
		// The recordings' MAXM86161 has a 19-bit ADC; the estimator takes 18-bit codes (the
		// MAX30102's). A code past 18 bits is a valid sample (it refused the whole file): taken at
		// the estimator's full scale, where it reads as clipping (motion), and counted
		const double max_code = double((1u << kCsvAdcBits) - 1), max_chip = double((1u << kChipAdcBits) - 1);
		if (*ir < 0 || *red < 0 || *ir > max_chip || *red > max_chip)
			Fail(path, "line " + std::to_string(lineno) + ": LEDC1/LEDC2 outside 0.." +
				   std::to_string(uint32_t(max_chip)) + " (the MAXM86161's 19-bit codes)");
		rec.clipped += (*ir > max_code) + (*red > max_code);
		// Both become u64 (seq, timestamp_ns): a value past what that holds is undefined there
		if (*num < 1 || *num != std::floor(*num) || *num > kMaxSampleNum)
			Fail(path, "line " + std::to_string(lineno) + ": sampleNum must be a whole number from 1 to 2^53");
		if (*ts < 0 || *ts > kMaxTimestampMs)
			Fail(path, "line " + std::to_string(lineno) + ": timestamp must be in 0..9.2e12 ms");
		const uint64_t seq = uint64_t(*num) - 1;
		if (!rec.records.empty() && seq < next_seq)
			Fail(path, "line " + std::to_string(lineno) + ": sampleNum goes backwards");
		mxrt_max30102_record r = {};
		r.seq = seq;
		r.timestamp_ns = uint64_t(std::llround(*ts * 1e6));
		r.red = uint32_t(std::lround(std::min(*red, max_code)));
		r.ir = uint32_t(std::lround(std::min(*ir, max_code)));
		r.adc_bits = kCsvAdcBits;
		if (rec.records.empty()) {
			r.flags = MXRT_MAX30102_REC_RESTART;
		} else if (seq > next_seq) { // missed samples
			r.flags = MXRT_MAX30102_REC_FIFO_OVERFLOW;
			r.lost = uint32_t(std::min<uint64_t>(seq - next_seq, UINT32_MAX));
		}
		next_seq = seq + 1;
		if (rec.records.size() >= kMaxRecords)
			Fail(path, "line " + std::to_string(lineno) + ": more than " + std::to_string(kMaxRecords) +
				   " samples, the most one run holds (an hour at 3200 Hz)");
		rec.records.push_back(r);
	}
	if (!header)
		Fail(path, "no column row starting with 'timestamp' (not an OxiWear CSV)");
	if (rec.records.empty())
		Fail(path, "no samples after the column row");
	if (!period_ns)
		CheckTimestamps(path, rec.records);
	return rec;
}

Recording ReadRecords(const std::string &path, uint64_t period_ns) {
	const std::string bytes = ReadAll(path);
	if (bytes.empty())
		Fail(path, "empty file");
	if (bytes.size() % sizeof(mxrt_max30102_record) != 0)
		Fail(path, std::to_string(bytes.size()) + " bytes is not a whole number of " +
			   std::to_string(sizeof(mxrt_max30102_record)) + "-byte records");
	if (bytes.size() / sizeof(mxrt_max30102_record) > kMaxRecords)
		Fail(path, std::to_string(bytes.size() / sizeof(mxrt_max30102_record)) + " records, more than the " +
			   std::to_string(kMaxRecords) + " one run holds (an hour at 3200 Hz)");
	Recording rec;
	rec.name = RecordingName(path);
	rec.ref = ReferenceFromName(rec.name);
	rec.records.resize(bytes.size() / sizeof(mxrt_max30102_record));
	std::memcpy(rec.records.data(), bytes.data(), bytes.size());
	// the spacing of the stamps in each run between RESTART records (a restart can change the rate)
	std::vector<std::vector<double>> periods(1);
	std::vector<size_t> firsts{0};
	for (size_t i = 0; i < rec.records.size(); i++) {
		const auto &r = rec.records[i];
		const std::string at = "record " + std::to_string(i) + " (seq " + std::to_string(r.seq) + ")";
		if (r.adc_bits < 15 || r.adc_bits > 18)
			Fail(path, at + ": adc_bits " + std::to_string(r.adc_bits) + " is not 15..18 (not a record stream?)");
		if ((r.red >> r.adc_bits) != 0 || (r.ir >> r.adc_bits) != 0)
			Fail(path, at + ": a value wider than adc_bits");
		if (i > 0) {
			const auto &p = rec.records[i - 1];
			if (r.seq <= p.seq)
				Fail(path, at + ": seq does not increase");
			if (r.flags & MXRT_MAX30102_REC_RESTART) {
				periods.emplace_back();
				firsts.push_back(i);
			} else if (r.timestamp_ns > p.timestamp_ns) {
				periods.back().push_back(double(r.timestamp_ns - p.timestamp_ns) / double(r.seq - p.seq));
			}
		}
	}
	if (period_ns) {
		rec.period_ns = period_ns;
		return rec;
	}
	std::vector<uint64_t> found(periods.size(), 0);
	for (size_t k = 0; k < periods.size(); k++) {
		auto &p = periods[k];
		if (p.empty())
			continue;
		std::nth_element(p.begin(), p.begin() + p.size() / 2, p.end());
		const double median = p[p.size() / 2];
		// the rates --rate takes, 1..3200 Hz: timestamps 0 ns apart, or 2^64 - 1 (llround out
		// of range), were scored as a file without a value
		if (!(median >= 1e9 / 3200 && median <= 1e9)) {
			char why[200];
			std::snprintf(why, sizeof(why), "the timestamps give a sample period of %.6g ms from record %zu, not one "
							"of a rate in 1..3200 Hz: give --rate", median * 1e-6, firsts[k]);
			Fail(path, why);
		}
		found[k] = uint64_t(std::llround(median));
	}
	if (std::all_of(found.begin(), found.end(), [](uint64_t p) { return p == 0; }))
		Fail(path, "too few records to tell the sample period: give --rate");
	// a run too short to tell: the period of the run before it, or for the first, of the next told
	for (size_t k = 1; k < found.size(); k++)
		if (!found[k])
			found[k] = found[k - 1];
	for (size_t k = found.size(); k-- > 0;)
		if (!found[k])
			found[k] = found[k + 1];
	for (size_t k = 0; k < found.size(); k++)
		if (rec.segments.empty() || rec.segments.back().period_ns != found[k])
			rec.segments.push_back({firsts[k], found[k]});
	rec.period_ns = rec.segments.front().period_ns;
	if (rec.segments.size() == 1)
		rec.segments.clear();
	return rec;
}

std::vector<Segment> SegmentsOf(const Recording &rec) {
	if (!rec.segments.empty())
		return rec.segments;
	return {Segment{0, rec.period_ns}};
}

Recording Read(const std::string &path, uint64_t period_ns) {
	// .csv in any case (1515-97-74.CSV, as a copy from another system may be named, was read as
	// a record stream and refused)
	const bool csv = path.size() >= 4 && strcasecmp(path.c_str() + path.size() - 4, ".csv") == 0;
	return csv ? ReadCsv(path, period_ns) : ReadRecords(path, period_ns);
}

} // namespace mxrt::vitals_eval
