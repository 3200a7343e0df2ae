// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the build host, or a Raspberry Pi). mxrt-vitals-eval: runs the driver's
// heart-rate and SpO2 estimator (kernel/max30102/vitals.cpp, compiled in) over recordings or
// simulated signals and scores it against the references. docs/vitals.md has the walkthrough.
//
//   mxrt-vitals-eval FILE...             per file: estimate vs reference; then MAE, bias, within
//   mxrt-vitals-eval --csv FILE...       file,ref_spo2,ref_hr,spo2,hr,valid_share (for scripts)
//   mxrt-vitals-eval --plot P.png FILE...  signal, beats, HR and SpO2 over time (gnuplot)
//   mxrt-vitals-eval --fit FILE...       the least-squares calibration line, and leave-one-out
//   mxrt-vitals-eval --timeline FILE...  every change of the output
//   mxrt-vitals-eval --published FILE... every distinct output, in the driver's debugfs format
//   mxrt-vitals-eval --sim hr=72,spo2=97,rate=400,seconds=30   a simulated recording
//   mxrt-vitals-eval --sweep             the simulated benchmark grid (bench/vitals/run.sh)
// FILE: *.csv in the OxiWear format (reference from the name <time>-<SpO2>-<HR>.csv), anything
// else a stream of struct mxrt_max30102_record as read from /dev/max30102-N.
// Exit: 0 done, 1 a file could not be used or stdout not written (the message says why), 2 usage.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/stdout_check.hpp"
#include "../lib/text.hpp"
#include "evaluate.hpp"
#include "ppg_sim.hpp"
#include "recording.hpp"

using namespace mxrt::vitals_eval;

namespace {

std::string Cell(const std::optional<double> &v, int decimals) {
	if (!v)
		return "";
	char b[32];
	std::snprintf(b, sizeof(b), "%.*f", decimals, *v);
	return b;
}

std::string Field(const std::optional<double> &v, int decimals) {
	const std::string c = Cell(v, decimals);
	return c.empty() ? "-" : c;
}

struct Scored {
	Recording rec;
	Estimates run;
	bool unreadable = false; // the file could not be read (said on stderr): no records, no value
};

void PrintTable(const std::vector<Scored> &all, const mxrt_vitals_config &cal) {
	std::printf("%-22s %8s %6s %7s %6s %6s %6s %6s %6s %11s %8s\n", "file", "ref_spo2", "ref_hr", "spo2", "err",
		    "hr", "err", "own_hr", "R", "valid_share", "first_s");
	std::vector<std::optional<double>> es, rs, eh, rh, own;
	for (const auto &s : all) {
		auto err = [](const std::optional<double> &e, const std::optional<double> &r) {
			return e && r ? std::optional<double>(*e - *r) : std::nullopt;
		};
		own.push_back(s.unreadable ? std::nullopt : OwnPulseRate(s.rec, cal));
		char share[16] = "-";
		if (!s.unreadable)
			std::snprintf(share, sizeof(share), "%.2f", s.run.valid_share);
		std::printf("%-22s %8s %6s %7s %6s %6s %6s %6s %6s %11s %8s\n", mxrt::cli::Printable(s.rec.name).c_str(),
			    Field(s.rec.ref.spo2, 1).c_str(), Field(s.rec.ref.hr, 1).c_str(), Field(s.run.spo2, 1).c_str(),
			    Field(err(s.run.spo2, s.rec.ref.spo2), 1).c_str(), Field(s.run.hr, 1).c_str(),
			    Field(err(s.run.hr, s.rec.ref.hr), 1).c_str(), Field(own.back(), 1).c_str(),
			    Field(s.run.ratio, 3).c_str(), share, Field(s.run.first_valid_s, 2).c_str());
		es.push_back(s.run.spo2);
		rs.push_back(s.rec.ref.spo2);
		eh.push_back(s.run.hr);
		rh.push_back(s.rec.ref.hr);
	}
	auto line = [&](const char *name, const Stats &st, const char *unit, const char *within, const char *extra) {
		if (st.n == 0) { // nothing scored: no figure (0.00 read as a perfect score)
			std::printf("%s files=%zu scored=0 no_value=%zu%s MAE=- %s bias=- %s %s=- %%\n", name, all.size(),
				    st.missing, extra, unit, unit, within);
			return;
		}
		std::printf("%s files=%zu scored=%zu no_value=%zu%s MAE=%.2f %s bias=%+.2f %s %s=%.0f %%\n", name,
			    all.size(), st.n, st.missing, extra, st.mae, unit, st.bias, unit, within, st.within * 100);
	};
	line("spo2:", Score(es, rs, 2), "%", "within_2%", "");
	line("hr:  ", Score(eh, rh, 3), "bpm", "within_3bpm", "");
	// The two halves of the HR error: the estimator against the pulse in the file, and the
	// file's pulse against its reference (own_hr: OwnPulseRate, which does not use the estimator)
	const size_t no_own = size_t(std::count(own.begin(), own.end(), std::nullopt));
	const std::string own_missing = " no_own_pulse=" + std::to_string(no_own);
	line("hr_vs_own_pulse:", Score(eh, own, 3), "bpm", "within_3bpm", own_missing.c_str());
	line("own_pulse_vs_ref:", Score(own, rh, 3), "bpm", "within_3bpm", "");
}

// Every change of the estimator's output, per recording.
void PrintTimeline(const std::vector<Scored> &all) {
	for (const auto &s : all) {
		if (s.unreadable)
			continue;
		std::printf("# %s\n# t_s hr_bpm spo2_pct confidence flags\n", mxrt::cli::Printable(s.rec.name).c_str());
		const Output *last = nullptr;
		for (const auto &o : s.run.outputs) {
			if (last && last->hr == o.hr && last->spo2 == o.spo2 && last->confidence == o.confidence &&
			    last->flags == o.flags)
				continue;
			std::printf("%.3f %s %s %u 0x%02x%s%s%s%s\n", o.t_s, Field(o.hr, 2).c_str(), Field(o.spo2, 2).c_str(),
				    o.confidence, o.flags, o.flags & MXRT_VITALS_FINGER ? " finger" : "",
				    o.flags & MXRT_VITALS_MOTION ? " motion" : "", o.flags & MXRT_VITALS_CLIPPING ? " clipping" : "",
				    o.flags & MXRT_VITALS_LOW_RATE ? " low-rate" : "");
			last = &o;
		}
	}
}

// Every distinct output, exactly as the driver's debugfs "vitals:" line prints a published one
// (the end-to-end test looks the driver's lines up in this list).
void PrintPublished(const std::vector<Scored> &all) {
	for (const auto &s : all) {
		if (s.unreadable)
			continue;
		std::printf("# %s\n", mxrt::cli::Printable(s.rec.name).c_str());
		for (const auto &o : s.run.published)
			std::printf("vitals: present=1 seq=%llu timestamp_ns=%llu hr_mbpm=%u spo2_mpct=%u confidence=%u flags=0x%x\n",
				    (unsigned long long)o.seq, (unsigned long long)o.timestamp_ns, o.hr_mbpm, o.spo2_mpct,
				    o.confidence, o.flags);
	}
}

// A CSV field (RFC 4180): as it is, or in double quotes (doubled inside) when it holds a comma,
// a quote or a line break, so that any file name stays one cell of one row.
std::string CsvField(const std::string &v) {
	if (v.find_first_of(",\"\r\n") == std::string::npos)
		return v;
	std::string q = "\"";
	for (const char c : v)
		q += c == '"' ? std::string("\"\"") : std::string(1, c);
	return q + "\"";
}

// A reference cell: one decimal, or as many as the file name gave (95.25 stays 95.25, 97 is 97.0).
std::string RefCell(const std::optional<double> &v, const std::string &text) {
	const auto dot = text.find('.');
	const int given = dot == std::string::npos ? 0 : int(text.size() - dot - 1);
	return Cell(v, given > 1 ? (given < 6 ? given : 6) : 1);
}

void PrintCsv(const std::vector<Scored> &all) {
	std::printf("file,ref_spo2,ref_hr,spo2,hr,valid_share\n");
	for (const auto &s : all) // an unreadable file's row: its name and reference, empty cells
		std::printf("%s,%s,%s,%s,%s,%s\n", CsvField(s.rec.name).c_str(), RefCell(s.rec.ref.spo2, s.rec.ref.spo2_text).c_str(),
			    RefCell(s.rec.ref.hr, s.rec.ref.hr_text).c_str(), Cell(s.run.spo2, 1).c_str(), Cell(s.run.hr, 1).c_str(),
			    s.unreadable ? "" : Cell(s.run.valid_share, 3).c_str());
}

// The calibration line from the files' ratios and references, and how it does on a file it was
// not fitted to (leave-one-out): a free line SpO2 = a - b R, and a line through the configured
// intercept with only b fitted (how the built-in calibration was made: docs/vitals.md).
int PrintFit(const std::vector<Scored> &all, const mxrt_vitals_config &cal) {
	std::vector<double> r, y;
	std::vector<const Scored *> used;
	for (const auto &s : all)
		if (s.run.ratio && s.rec.ref.spo2) {
			r.push_back(*s.run.ratio);
			y.push_back(*s.rec.ref.spo2);
			used.push_back(&s);
		}
	const double a = cal.spo2_a_milli / 1000.0;
	const auto line = FitLine(r, y);
	const auto slope = FitSlope(r, y, a);
	if (!line || !slope || r.size() < 3) {
		std::fprintf(stderr, "mxrt-vitals-eval: --fit needs 3 or more files with a ratio and a reference SpO2\n");
		return 1;
	}
	std::printf("%-22s %6s %8s %9s %6s %8s %6s %9s %6s\n", "file", "R", "ref_spo2", "fit_spo2", "err", "loo_spo2",
		    "err", "loo_fix_a", "err");
	std::vector<std::optional<double>> fit, loo, loo_a, ref;
	for (size_t i = 0; i < r.size(); i++) {
		std::vector<double> r2, y2;
		for (size_t j = 0; j < r.size(); j++)
			if (j != i) {
				r2.push_back(r[j]);
				y2.push_back(y[j]);
			}
		// without file i the rest can have no line (all one R): that file has no leave-one-out
		// estimate ("-"), and the leave-one-out scores are over the files that have one
		const auto l = FitLine(r2, y2), la = FitSlope(r2, y2, a);
		const double f = std::min(100.0, line->a - line->b * r[i]);
		std::optional<double> o, oa;
		if (l)
			o = std::min(100.0, l->a - l->b * r[i]);
		if (la)
			oa = std::min(100.0, la->a - la->b * r[i]);
		fit.push_back(f);
		loo.push_back(o);
		loo_a.push_back(oa);
		ref.push_back(y[i]);
		auto cell = [&](const std::optional<double> &v, int width) {
			char b[64];
			if (v)
				std::snprintf(b, sizeof(b), "%*.2f %+6.2f", width, *v, *v - y[i]);
			else
				std::snprintf(b, sizeof(b), "%*s %6s", width, "-", "-");
			return std::string(b);
		};
		std::printf("%-22s %6.3f %8.1f %9.2f %+6.2f %s %s\n", mxrt::cli::Printable(used[i]->rec.name).c_str(), r[i], y[i], f, f - y[i],
			    cell(o, 8).c_str(), cell(oa, 9).c_str());
	}
	const Stats fs = Score(fit, ref, 2), ls = Score(loo, ref, 2), las = Score(loo_a, ref, 2);
	std::printf("fit: SpO2 = %.2f - %.2f R on %zu files: MAE=%.2f %% bias=%+.2f %% within_2%%=%.0f %%\n", line->a,
		    line->b, r.size(), fs.mae, fs.bias, fs.within * 100);
	auto without = [](const Stats &st) {
		return st.missing ? " (" + std::to_string(st.missing) + " without a leave-one-out line: the others share one R)" : std::string();
	};
	std::printf("leave-one-out: MAE=%.2f %% bias=%+.2f %% within_2%%=%.0f %%%s\n", ls.mae, ls.bias, ls.within * 100,
		    without(ls).c_str());
	std::printf("fit through a = %.2f: SpO2 = %.2f - %.2f R\n", a, a, slope->b);
	std::printf("leave-one-out through a = %.2f: MAE=%.2f %% bias=%+.2f %% within_2%%=%.0f %%%s\n", a, las.mae,
		    las.bias, las.within * 100, without(las).c_str());
	std::printf("configured: SpO2 = %.2f - %.2f R\n", a, cal.spo2_b_milli / 1000.0);
	return 0;
}

// s as the text of a gnuplot single-quoted string: a quote is doubled (a file named "a'b.csv"
// must neither break the script nor add commands to it); line breaks, which no string can hold,
// are shown as '?' (only names are passed here: the PNG's path is refused with one).
std::string GpQuoted(const std::string &s) {
	std::string q = "'";
	for (const char c : s) {
		if (c == '\'')
			q += "''";
		else
			q += (c == '\n' || c == '\r') ? '?' : c;
	}
	return q + "'";
}

// The most recordings one --plot draws: a row is 260 pixels, and cairo makes no image taller
// than 32767 (gnuplot then fails).
constexpr size_t kPlotRowPx = 260, kMaxPlotRows = 32767 / kPlotRowPx;

// The PNG gnuplot drew, to where --plot says (a file, /dev/stdout, a pipe): only once it is made,
// so that a plot that fails leaves what was there.
// A regular file (or a new one) is written beside it and renamed over it, so that a copy that
// fails half-way (ENOSPC) leaves the old PNG, not a truncated one: through a symlink, beside its
// target; with the old file's mode. Anything else (/dev/stdout, a pipe), or a directory where no
// file can be made beside it, is written to directly, as before.
mode_t CurrentUmask() {
	const mode_t m = umask(0);
	umask(m);
	return m;
}

// All of @from into @fd. false with *err set (0: a read error, "write error").
bool CopyInto(const std::filesystem::path &from, int fd, int *err) {
	std::ifstream in(from, std::ios::binary);
	char buf[1 << 16];
	*err = 0;
	if (!in) {
		*err = errno;
		return false;
	}
	while (in) {
		in.read(buf, sizeof(buf));
		for (std::streamsize done = 0, n = in.gcount(); done < n;) {
			const ssize_t w = write(fd, buf + done, size_t(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				*err = w < 0 ? errno : EIO;
				return false;
			}
			done += w;
		}
	}
	return !in.bad();
}

bool CopyOut(const std::filesystem::path &from, const std::string &to) {
	std::fflush(stdout); // --plot /dev/stdout: after what was printed
	struct stat st;
	const bool exists = stat(to.c_str(), &st) == 0;
	std::string target = to, tmp;
	if (exists ? S_ISREG(st.st_mode) : errno == ENOENT) {
		std::error_code ec;
		if (exists) {
			const auto real = std::filesystem::canonical(to, ec);
			if (!ec)
				target = real.string();
		}
		tmp = target + ".tmp-XXXXXX";
	}
	int err = 0;
	// A name of its own, made with O_EXCL (mkstemp), and written through that descriptor: a
	// predictable one (".tmp-<pid>") truncated whatever was there, or followed a symlink planted
	// in a shared directory. The mode comes last, so that a read-only old PNG is replaced too.
	const int tfd = tmp.empty() ? -1 : mkstemp(tmp.data());
	if (tfd >= 0) {
		bool ok = CopyInto(from, tfd, &err);
		if (ok && fchmod(tfd, exists ? st.st_mode & 07777 : 0666 & ~CurrentUmask()) != 0) {
			err = errno;
			ok = false;
		}
		if (close(tfd) != 0 && ok) {
			err = errno;
			ok = false;
		}
		if (ok && std::rename(tmp.c_str(), target.c_str()) == 0)
			return true;
		if (ok)
			err = errno;
		std::remove(tmp.c_str());
	} else {
		// anything but a regular file (/dev/stdout, a pipe), or no file can be made beside it
		const int fd = open(to.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			err = errno;
		} else {
			bool ok = CopyInto(from, fd, &err);
			if (close(fd) != 0 && ok) {
				err = errno;
				ok = false;
			}
			if (ok)
				return true;
		}
	}
	std::fprintf(stderr, "mxrt-vitals-eval: --plot %s: %s\n", to.c_str(), err ? std::strerror(err) : "write error");
	return false;
}

// gnuplot, fed a script on stdin; the data and the PNG in a temporary directory.
int Plot(const std::vector<Scored> &all, const std::string &png) {
	char tmpl[] = "/tmp/mxrt-vitals-plot.XXXXXX";
	if (!mkdtemp(tmpl)) {
		std::perror("mxrt-vitals-eval: mkdtemp");
		return 1;
	}
	const std::filesystem::path dir(tmpl);
	std::ostringstream gp;
	const size_t rows = all.size();
	// gnuplot writes into the directory: its stdout is the pipe its messages come back on (a PNG
	// to /dev/stdout was lost there), a failed plot had already emptied the file at the path, and
	// a name starting with '|' is a command to gnuplot
	const auto drawn = dir / "plot.png";
	gp << "set terminal pngcairo size 1400," << std::max<size_t>(300, kPlotRowPx * rows) << " font 'sans,9'\n"
	   << "set output " << GpQuoted(drawn.string()) << "\n"
	   << "set multiplot layout " << rows << ",2\n"
	   << "set key top left horizontal\nset grid\n";
	for (size_t i = 0; i < rows; i++) {
		const auto &s = all[i];
		const auto sig = dir / ("sig" + std::to_string(i)), beats = dir / ("beats" + std::to_string(i)),
			   vals = dir / ("vals" + std::to_string(i));
		{
			std::ofstream f(sig);
			for (size_t k = 0; k < s.run.trace_t.size(); k++)
				f << s.run.trace_t[k] << ' ' << s.run.trace_ir[k] << ' ' << s.run.trace_slope[k] << ' '
				  << s.run.trace_threshold[k] << '\n';
			std::ofstream b(beats);
			for (const auto &bt : s.run.beats)
				b << bt.t_s << ' ' << (bt.accepted ? 1 : 0) << '\n';
			std::ofstream v(vals);
			for (const auto &o : s.run.outputs)
				v << o.t_s << ' ' << Cell(o.hr, 2).c_str() << (o.hr ? "" : "NaN") << ' '
				  << Cell(o.spo2, 2).c_str() << (o.spo2 ? "" : "NaN") << '\n';
			f.close();
			b.close();
			v.close();
			if (!f || !b || !v) { // a full /tmp: gnuplot would draw what was cut off
				std::filesystem::remove_all(dir);
				std::fprintf(stderr, "mxrt-vitals-eval: --plot: writing the data in %s failed\n", tmpl);
				return 1;
			}
		}
		gp << "set title " << GpQuoted(s.rec.name + ": band-passed IR, its falling slope, the beat threshold and the beats")
		   << " noenhanced\n"
		   << "set xlabel 's'\nset ylabel 'codes'\nset y2label 'codes per sample'\nset y2tics\nset ytics nomirror\n";
		// gnuplot refuses a plot with no defined point: what has none is left out, with a note
		if (s.run.trace_t.empty()) { // every record refused (say, a rate the chip does not have)
			gp << "set label 1 'no record reached the filters' at graph 0.5,0.5 center\n"
			   << "plot [0:1][0:1] NaN t ''\nunset label 1\n";
		} else {
			gp << "plot '" << sig.string() << "' u 1:2 w l lc rgb '#1f77b4' t 'IR (band-passed)', '"
			   << sig.string() << "' u 1:3 axes x1y2 w l lc rgb '#aec7e8' t 'slope', '"
			   << sig.string() << "' u 1:4 axes x1y2 w l dt 2 lc rgb '#ff7f0e' t 'threshold'";
			if (!s.run.beats.empty())
				gp << ", '" << beats.string()
				   << "' u 1:(0):($2>0?7:6) w p pt var ps 1.2 lc rgb '#d62728' t 'beats (open: interval rejected)'";
			gp << "\n";
		}
		gp << "set title " << GpQuoted(s.rec.name + ": estimates" + (s.rec.ref.hr ? " (dashed: reference)" : ""))
		   << " noenhanced\nset ylabel 'bpm'\nset y2label '%'\nset y2tics\nset ytics nomirror\n";
		// a file with no valid HR or SpO2 is worth a look: its panel spans the file's time
		const auto has = [&](std::optional<double> Output::*v) {
			return std::any_of(s.run.outputs.begin(), s.run.outputs.end(), [v](const Output &o) { return (o.*v).has_value(); });
		};
		const bool any_hr = has(&Output::hr), any_spo2 = has(&Output::spo2);
		if (!any_hr || !any_spo2)
			gp << "set label 1 '" << (any_hr ? "no valid SpO2" : any_spo2 ? "no valid HR" : "no valid HR or SpO2")
			   << "' at graph 0.5,0.5 center\n";
		gp << "plot ";
		if (!any_hr && !any_spo2)
			gp << "[0:" << (s.run.outputs.empty() ? 1.0 : std::max(s.run.outputs.back().t_s, 0.1)) << "]"
			   << (s.rec.ref.hr ? "" : "[0:1]") << " ";
		const char *sep = "";
		if (any_hr) {
			gp << "'" << vals.string() << "' u 1:2 w l lw 2 lc rgb '#2ca02c' t 'HR'";
			sep = ", ";
		}
		if (any_spo2) {
			gp << sep << "'" << vals.string() << "' u 1:3 axes x1y2 w l lw 2 lc rgb '#9467bd' t 'SpO2'";
			sep = ", ";
		}
		if (s.rec.ref.hr) {
			gp << sep << *s.rec.ref.hr << " w l dt 2 lc rgb '#2ca02c' t '', " << *s.rec.ref.spo2
			   << " axes x1y2 w l dt 2 lc rgb '#9467bd' t ''";
			sep = ", ";
		}
		if (!*sep)
			gp << "NaN t ''";
		gp << "\nunset label 1";
		gp << "\nset ytics mirror\n";
	}
	gp << "unset multiplot\n";
	const auto script = dir / "plot.gp";
	std::ofstream sf(script);
	sf << gp.str();
	sf.close();
	if (!sf) {
		std::filesystem::remove_all(dir);
		std::fprintf(stderr, "mxrt-vitals-eval: --plot: writing the gnuplot script in %s failed\n", tmpl);
		return 1;
	}
	const std::string cmd = "gnuplot '" + script.string() + "' 2>&1";
	FILE *p = popen(cmd.c_str(), "r");
	std::string msg;
	if (p) {
		char buf[256];
		while (std::fgets(buf, sizeof(buf), p))
			msg += buf;
	}
	const int st = p ? pclose(p) : -1;
	if (st != 0) {
		std::filesystem::remove_all(dir);
		std::fprintf(stderr, "mxrt-vitals-eval: gnuplot failed (is gnuplot-nox installed? scripts/setup.sh installs it)%s%s\n",
			     msg.empty() ? "" : ": ", msg.c_str());
		return 1;
	}
	const bool copied = CopyOut(drawn, png);
	std::filesystem::remove_all(dir);
	return copied ? 0 : 1;
}

// --- the simulated benchmark grid ---------------------------------------------------------

struct SweepResult {
	double hr_err = 0, spo2_err = 0; // mean |error| over the settled part, per run
	double valid = 0;		 // share of the settled part with both valid
};

SweepResult Settled(const SimParams &p, const Estimates &run, double from_s) {
	SweepResult r;
	size_t n = 0, nh = 0, ns = 0;
	double next = from_s;
	for (const auto &o : run.outputs) {
		if (o.t_s < next)
			continue;
		next += 1; // once a second
		n++;
		const SimStep truth = TruthAt(p, o.t_s);
		if (o.hr) {
			r.hr_err += std::fabs(*o.hr - truth.hr_bpm);
			nh++;
		}
		if (o.spo2) {
			r.spo2_err += std::fabs(*o.spo2 - truth.spo2);
			ns++;
		}
		r.valid += o.hr && o.spo2;
	}
	r.hr_err = nh ? r.hr_err / double(nh) : NAN;
	r.spo2_err = ns ? r.spo2_err / double(ns) : NAN;
	r.valid = n ? r.valid / double(n) : 0;
	return r;
}

double Percentile(std::vector<double> v, double q) {
	if (v.empty())
		return NAN;
	std::sort(v.begin(), v.end());
	return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

int Sweep(const mxrt_vitals_config &cal, double seconds, unsigned seeds, bool verbose) {
	const double rates[] = {50, 100, 400, 1000};
	const double hrs[] = {40, 50, 60, 72, 85, 100, 120, 140, 160, 180, 200};
	const double spo2s[] = {80, 85, 90, 95, 100};
	double worst_hr = 0, worst_spo2 = 0;
	uint64_t seed = 1;
	std::vector<double> first_valid, finger_off;
	size_t never_valid = 0, never_cleared = 0, early_wrong = 0, grid_wrong = 0, grid_runs = 0;
	std::map<double, std::vector<double>> by_hr; // first-valid times per heart rate
	for (const double rate : rates) {
		double hr_sum = 0, spo2_sum = 0, valid_sum = 0;
		size_t runs = 0, hr_runs = 0, spo2_runs = 0;
		for (unsigned rep = 0; rep < seeds; rep++)
		for (const double hr : hrs)
			for (const double spo2 : spo2s) {
				SimParams p;
				p.hr_bpm = hr;
				p.spo2 = spo2;
				p.rate_hz = rate;
				p.seconds = seconds;
				p.noise = 0.05;
				p.wander = 1.0;
				p.motion_per_min = 2;
				p.seed = seed++;
				const Estimates run = Evaluate(Simulate(p, cal), cal);
				const SweepResult r = Settled(p, run, 10);
				bool wrong = false;
				for (const auto &o : run.outputs)
					wrong |= o.hr && std::fabs(*o.hr - hr) > 0.1 * hr;
				grid_wrong += wrong;
				grid_runs++;
				if (verbose && wrong)
					std::printf("# grid run rate=%g hr=%g spo2=%g seed=%llu: an HR more than 10 %% off\n", rate, hr,
						    spo2, (unsigned long long)p.seed);
				if (verbose)
					std::printf("# run rate=%g hr=%g spo2=%g seed=%llu: hr_err=%.2f spo2_err=%.2f valid=%.2f end_hr=%s end_spo2=%s\n",
						    rate, hr, spo2, (unsigned long long)p.seed, r.hr_err, r.spo2_err, r.valid,
						    Field(run.hr, 1).c_str(), Field(run.spo2, 1).c_str());
				runs++;
				valid_sum += r.valid;
				if (!std::isnan(r.hr_err)) {
					hr_sum += r.hr_err;
					hr_runs++;
				}
				if (!std::isnan(r.spo2_err)) {
					spo2_sum += r.spo2_err;
					spo2_runs++;
				}
			}
		const double hr_mae = hr_runs ? hr_sum / double(hr_runs) : NAN, spo2_mae = spo2_runs ? spo2_sum / double(spo2_runs) : NAN;
		std::printf("sweep: rate=%g Hz runs=%zu hr_mae=%.2f bpm spo2_mae=%.2f %% valid=%.0f %% (noise 0.05, wander 1, 2 motion bursts/min; after 10 s)\n",
			    rate, runs, hr_mae, spo2_mae, 100 * valid_sum / double(runs));
		worst_hr = std::max(worst_hr, std::isnan(hr_mae) ? 1e9 : hr_mae);
		worst_spo2 = std::max(worst_spo2, std::isnan(spo2_mae) ? 1e9 : spo2_mae);
		// finger on at 3 s, off at 20 s, no motion: how soon values come and go
		for (unsigned rep = 0; rep < seeds; rep++)
		for (const double hr : hrs) {
			SimParams p;
			p.hr_bpm = hr;
			p.spo2 = 95;
			p.rate_hz = rate;
			p.seconds = 24;
			p.noise = 0.05;
			p.finger_on_s = 3;
			p.finger_off_s = 20;
			p.seed = seed++;
			const Estimates run = Evaluate(Simulate(p, cal), cal);
			std::optional<double> on, off;
			bool wrong = false;
			for (const auto &o : run.outputs) {
				wrong |= o.t_s >= 3 && o.t_s < 20 && o.hr && std::fabs(*o.hr - hr) > 0.1 * hr;
				if (!on && o.t_s >= 3 && o.hr && o.spo2)
					on = o.t_s - 3;
				if (!off && o.t_s >= 20 && !(o.flags & MXRT_VITALS_FINGER) && !o.hr && !o.spo2)
					off = o.t_s - 20;
			}
			early_wrong += wrong;
			if (verbose)
				std::printf("# finger-on run rate=%g hr=%g seed=%llu: first_valid=%s cleared=%s\n", rate, hr,
					    (unsigned long long)p.seed, on ? std::to_string(*on).c_str() : "-",
					    off ? std::to_string(*off).c_str() : "-");
			if (verbose && wrong)
				std::printf("# finger-on run rate=%g hr=%g seed=%llu: an HR more than 10 %% off\n", rate, hr,
					    (unsigned long long)p.seed);
			if (on) {
				first_valid.push_back(*on);
				by_hr[hr].push_back(*on);
			}
			else
				never_valid++;
			if (off)
				finger_off.push_back(*off);
			else
				never_cleared++;
		}
	}
	std::printf("# first valid HR+SpO2 after finger-on (all rates, HR 40..200): p50=%.2f s p90=%.2f s max=%.2f s, never: %zu\n",
		    Percentile(first_valid, 0.5), Percentile(first_valid, 0.9), Percentile(first_valid, 1.0), never_valid);
	std::printf("# runs with an HR more than 10 %% off the truth at any time: %zu of %zu (grid), %zu of %zu (finger-on)\n",
		    grid_wrong, grid_runs, early_wrong, first_valid.size() + never_valid);
	std::printf("# first valid, worst of the rates, per heart rate:");
	for (const auto &[hr, v] : by_hr)
		std::printf(" %g bpm %.2f s%s", hr, Percentile(v, 1.0), hr == by_hr.rbegin()->first ? "\n" : ",");
	std::printf("# finger-off cleared: p50=%.2f s max=%.2f s, never: %zu\n", Percentile(finger_off, 0.5),
		    Percentile(finger_off, 1.0), never_cleared);
	std::printf("bench: vitals_sim_hr_mae_worst_rate = %.2f bpm (goal <= 1)\n", worst_hr);
	std::printf("bench: vitals_sim_spo2_mae_worst_rate = %.2f %% (goal <= 1)\n", worst_spo2);
	std::printf("bench: vitals_first_valid_after_finger_on_p90 = %.2f s (goal <= 2.5)\n", Percentile(first_valid, 0.9));
	std::printf("bench: vitals_finger_off_cleared_max = %.2f s (goal <= 1)\n",
		    never_cleared ? 1e9 : Percentile(finger_off, 1.0));
	return 0;
}

int Main(int argc, char **argv) {
	CLI::App app{"mxrt-vitals-eval: the driver's heart-rate and SpO2 estimator on recordings or simulated signals",
		     "mxrt-vitals-eval"};
	std::vector<std::string> files, sims;
	bool csv = false, fit = false, sweep = false, verbose = false, timeline = false, published = false;
	std::string plot;
	double rate = 0, sweep_seconds = 60;
	unsigned sweep_seeds = 1;
	std::string cal_ab, finger;
	app.add_option("files", files, "recordings: OxiWear *.csv, or record streams saved from /dev/max30102-N");
	app.add_flag("--csv", csv, "print file,ref_spo2,ref_hr,spo2,hr,valid_share (one row per file)");
	app.add_option("--plot", plot, "draw every recording's signal, beats, HR and SpO2 into this PNG (gnuplot)")
		->check([](const std::string &p) {
			if (p.empty())
				return std::string("an empty path");
			return p.find_first_of("\n\r") == std::string::npos ? std::string() : std::string("a line break in the path");
		});
	app.add_flag("--timeline", timeline, "print every change of the output (time, HR, SpO2, confidence, flags)");
	app.add_flag("--published", published, "print every distinct output as the driver's debugfs 'vitals:' line");
	app.add_flag("--fit", fit, "fit SpO2 = a - b R to the files' references and show leave-one-out errors");
	app.add_option("--rate", rate, "sample rate of the files in Hz (CSV: 64; record streams: from the timestamps)")
		->check(mxrt::cli::FiniteNumber(1, false, 3200, "a rate", "[1, 3200] Hz", "in [1, 3200] Hz"));
	app.add_option("--cal", cal_ab, "calibration A,B: SpO2 = A - B R (default: the built-in line)");
	app.add_option("--finger", finger, "finger thresholds ON,OFF in 18-bit IR codes (default 16384,8192; the "
					   "driver's: its debugfs vitals_config line)");
	app.add_option("--sim", sims, "a simulated recording: hr=72,spo2=97,rate=100,seconds=30,noise=0.03,"
				      "wander=1,motion=0,bits=18,perfusion=0.02,finger_on=0,finger_off=S,step=AT:HR:SPO2,seed=1");
	app.add_flag("--sweep", sweep, "the simulated benchmark: HR 40..200 x SpO2 80..100 x 50/100/400/1000 Hz");
	auto *sweep_seconds_opt = app.add_option("--sweep-seconds", sweep_seconds, "length of each sweep run")->check(mxrt::cli::FiniteNumber(12, false, 3600, "a number of seconds", "[12, 3600]", "in [12, 3600] s"));
	auto *sweep_seeds_opt = app.add_option("--sweep-seeds", sweep_seeds, "--sweep: runs per grid point, each with its own noise, phase and motion")->transform(mxrt::cli::DecimalDigits())->check(CLI::Range(1, 1000));
	auto *verbose_opt = app.add_flag("-v,--verbose", verbose, "--sweep: a line per run");
	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::ParseError &e) {
		const int rc = app.exit(e);
		return rc == 0 ? 0 : 2;
	}

	// given empty (an unset shell variable) is no "not given": the defaults would run unsaid
	const std::pair<const char *, bool> empties[] = {
		{"--cal", cal_ab.empty()},
		{"--finger", finger.empty()},
		{"--sim", std::find(sims.begin(), sims.end(), "") != sims.end()},
	};
	for (const auto &[opt, empty] : empties)
		if (app.count(opt) && empty) {
			std::fprintf(stderr, "mxrt-vitals-eval: %s: an empty value\n", opt);
			return 2;
		}
	mxrt_vitals_config cal;
	mxrt_vitals_config_default(&cal);
	if (app.count("--cal")) {
		double ab[2];
		// decimal and finite only: lround(NaN) is undefined (the range check below would see
		// whatever it gives), and sscanf took hex floats and blanks
		if (!mxrt::cli::DecimalReals(cal_ab, ',', 2, ab)) {
			std::fprintf(stderr, "mxrt-vitals-eval: --cal takes A,B (SpO2 = A - B R), not '%s'\n", cal_ab.c_str());
			return 2;
		}
		cal.spo2_a_milli = int32_t(std::lround(std::clamp(ab[0], -1e6, 1e6) * 1000));
		cal.spo2_b_milli = int32_t(std::lround(std::clamp(ab[1], -1e6, 1e6) * 1000));
		if (mxrt_vitals_config_validate(&cal) != 0) {
			std::fprintf(stderr, "mxrt-vitals-eval: --cal: A must be in 50..200 and B in 0.001..100\n");
			return 2;
		}
	}
	if (app.count("--finger")) {
		// decimal digits only (%lu took "-5" as 2^64 - 5), each checked before the cut to 32 bits
		// (4294967346 was taken as 50)
		unsigned long long on = 0, off = 0;
		const size_t comma = finger.find(',');
		if (comma == std::string::npos || !mxrt::cli::Decimal(finger.substr(0, comma), 0, ~0ull, &on) ||
		    !mxrt::cli::Decimal(finger.substr(comma + 1), 0, ~0ull, &off)) {
			std::fprintf(stderr, "mxrt-vitals-eval: --finger takes ON,OFF (decimal IR codes), not '%s'\n",
				     finger.c_str());
			return 2;
		}
		cal.finger_on_level = uint32_t(std::min(on, 1ull << 19)); // above 2^18: refused below
		cal.finger_off_level = uint32_t(std::min(off, 1ull << 19));
		if (mxrt_vitals_config_validate(&cal) != 0) {
			std::fprintf(stderr, "mxrt-vitals-eval: --finger: ON must be at most 262144 and OFF below ON\n");
			return 2;
		}
	}
	// what would be dropped without a word: --sweep makes its own runs and prints its own lines
	if (sweep && (!files.empty() || !sims.empty() || csv || fit || timeline || published || !plot.empty())) {
		std::fprintf(stderr, "mxrt-vitals-eval: --sweep runs the simulated grid alone: no FILE, --sim, --csv, --fit, "
				     "--timeline, --published or --plot with it\n");
		return 2;
	}
	if (!sweep && (sweep_seconds_opt->count() || sweep_seeds_opt->count() || verbose_opt->count())) {
		std::fprintf(stderr, "mxrt-vitals-eval: --sweep-seconds, --sweep-seeds and -v are for --sweep\n");
		return 2;
	}
	if (sweep)
		return Sweep(cal, sweep_seconds, sweep_seeds, verbose);
	if (files.empty() && sims.empty()) {
		std::fprintf(stderr, "mxrt-vitals-eval: no FILE and no --sim\n%s", app.help().c_str());
		return 2;
	}
	// --rate is the files' rate: a --sim has its own (rate=), and it was ignored without a word
	if (app.count("--rate") && files.empty()) {
		std::fprintf(stderr, "mxrt-vitals-eval: --rate is the rate of the FILEs, and there is none (a --sim takes "
				     "rate=HZ)\n");
		return 2;
	}
	if (!plot.empty() && files.size() + sims.size() > kMaxPlotRows) {
		std::fprintf(stderr, "mxrt-vitals-eval: --plot: %zu recordings, more than the %zu one PNG holds (%zu pixels "
			     "each, at most 32767): plot them in parts\n", files.size() + sims.size(), kMaxPlotRows, kPlotRowPx);
		return 2;
	}
	if (int(csv) + int(fit) + int(timeline) + int(published) > 1) {
		std::fprintf(stderr, "mxrt-vitals-eval: --csv, --fit, --timeline and --published print different tables: choose one\n");
		return 2;
	}
	// A --sim that cannot be parsed stops everything before any output; a file that cannot be
	// read is said on stderr and scored as a file without a value, as grep or md5sum go on past
	// a bad file (one torn file must not cost the rows of all the others), and the exit is 1.
	// All runs together hold at most kMaxRecords records (each is kept, with its output).
	uint64_t held = 0;
	std::vector<SimParams> sim_params;
	try { // every --sim checked before any is made
		for (const auto &s : sims) {
			sim_params.push_back(SimParams::Parse(s));
			held += sim_params.back().Records();
			if (held > kMaxRecords)
				throw BadInput("--sim: the runs together would hold " + std::to_string(held) +
					       " records, more than " + std::to_string(kMaxRecords) + " (an hour at 3200 Hz)");
		}
	} catch (const BadInput &e) { // an option, so exit 2 as for any other bad option
		std::fprintf(stderr, "mxrt-vitals-eval: %s\n", mxrt::cli::Printable(e.what()).c_str());
		return 2;
	}
	std::vector<Scored> all;
	int rc = 0;
	for (const auto &f : files) {
		try {
			Recording rec = Read(f, rate > 0 ? uint64_t(std::llround(1e9 / rate)) : 0);
			const uint64_t n = rec.records.size();
			if (held + n > kMaxRecords)
				throw BadInput(f + ": " + std::to_string(n) + " records, which would bring this run to " +
					       std::to_string(held + n) + ", more than the " + std::to_string(kMaxRecords) +
					       " it holds (an hour at 3200 Hz): evaluate it in another run");
			held += n;
			if (rec.clipped)
				std::fprintf(stderr, "mxrt-vitals-eval: %s: %llu sample%s past 18 bits (262143) taken as 262143, clipped\n",
					     mxrt::cli::Printable(f).c_str(), (unsigned long long)rec.clipped, rec.clipped == 1 ? "" : "s");
			all.push_back({std::move(rec), {}});
		} catch (const BadInput &e) {
			std::fprintf(stderr, "mxrt-vitals-eval: %s\n", mxrt::cli::Printable(e.what()).c_str());
			Scored bad;
			bad.rec.name = RecordingName(f);
			bad.rec.ref = ReferenceFromName(bad.rec.name);
			bad.unreadable = true;
			all.push_back(std::move(bad));
			rc = 1;
		}
	}
	for (const auto &p : sim_params)
		all.push_back({Simulate(p, cal), {}});
	for (auto &s : all) {
		if (s.unreadable)
			continue;
		s.run = Evaluate(s.rec, cal, plot.empty() ? Trace::kNo : Trace::kYes);
		if (s.run.rejected > 0)
			std::fprintf(stderr, "mxrt-vitals-eval: %s: %d records refused by the estimator\n",
				     mxrt::cli::Printable(s.rec.name).c_str(),
				     s.run.rejected);
	}
	if (csv)
		PrintCsv(all);
	else if (timeline)
		PrintTimeline(all);
	else if (published)
		PrintPublished(all);
	else if (fit)
		rc = PrintFit(all, cal) ? 1 : rc;
	else
		PrintTable(all, cal);
	if (!plot.empty()) { // the files that were read
		std::vector<Scored> shown;
		for (auto &s : all)
			if (!s.unreadable)
				shown.push_back(std::move(s));
		if (shown.empty())
			std::fprintf(stderr, "mxrt-vitals-eval: --plot: no file could be read, nothing drawn\n");
		else if (Plot(shown, plot) != 0)
			rc = 1;
	}
	return rc;
}

} // namespace

// Rows that never reached stdout (a full disk, a closed pipe with SIGPIPE ignored) are exit 1
int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-vitals-eval", Main(argc, argv)); }
