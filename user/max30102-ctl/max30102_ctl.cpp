// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, the VM guests' tests). mxrt-max30102-ctl: the MAX30102 driver's
// ioctl interface (include/uapi/mxrt/max30102.h) on the command line.
//
// usage: mxrt-max30102-ctl [-d DEV] [--json] [--lock-timeout MS] COMMAND
//   info                 driver and chip: versions, part and revision ID, interrupt or polling
//   get                  the configuration
//   set OPTION...        change the configuration at once (all the options given, one ioctl):
//                        --mode hr|spo2|multi --sample-rate HZ --pulse-width US --adc-range NA
//                        --average N --almost-full N --red-current UA --ir-current UA
//   stats                the driver's counters and this open file's
//   vitals               the latest heart rate and SpO2 ("none yet" until there is a value)
//   temp                 the die temperature, read now
//   flush                discard what this open file has not read (only useful to show the count)
//   lock-timeout         this open file's lock timeout (--lock-timeout sets it for this run)
// -d: the device (default /dev/max30102-0); --json: one JSON object instead of "name: value" lines;
// --lock-timeout: how long this run's calls wait for the device lock, 0..60000 ms (default 1000).
// Numbers are decimal. Exit: 0 ok, 1 the driver refused or failed (with the reason; also `set` whose
// change was applied but could not be read back, which it says), 2 usage or a value the chip does
// not have (nothing is sent to the driver then). `set` opens the device for
// writing (root, as the node is 0444).
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include <max30102/chip.hpp>
#include <mxrt/max30102.h>

#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/text.hpp"
#include "../lib/stdout_check.hpp"

// kstd's contract checks (chip.hpp's Result) end up here in user space.
extern "C" void mxrt_contract_failed(const char *what) noexcept {
	std::fprintf(stderr, "mxrt-max30102-ctl: internal error: %s\n", what);
	std::abort();
}

namespace {

namespace chip = mxrt::max30102;

std::string dev = "/dev/max30102-0";
uint32_t lock_timeout_ms = MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS; // this run's file's, once set
uint64_t call_started_ns; // of the last Call(): an ETIMEDOUT sooner than the lock timeout is the bus's

uint64_t NowNs() {
	timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return uint64_t(t.tv_sec) * 1000000000u + uint64_t(t.tv_nsec);
}

// ioctl(), timed for Why(): 0 or errno.
int Call(int fd, unsigned long cmd, void *arg) {
	call_started_ns = NowNs();
	return ioctl(fd, cmd, arg) == 0 ? 0 : errno;
}
bool json = false;

[[noreturn]] void Usage(const std::string &why) {
	std::fprintf(stderr,
		     "mxrt-max30102-ctl: %s\n"
		     "usage: mxrt-max30102-ctl [-d DEV] [--json] [--lock-timeout MS] info | get | set OPTION... |\n"
		     "       stats | vitals | temp | flush | lock-timeout\n"
		     "set options: --mode hr|spo2|multi --sample-rate HZ --pulse-width US --adc-range NA\n"
		     "             --average N --almost-full N --red-current UA --ir-current UA\n",
		     why.c_str());
	std::exit(2);
}

[[noreturn]] void Fail(const std::string &why) {
	std::fprintf(stderr, "mxrt-max30102-ctl: %s\n", why.c_str());
	std::exit(1);
}

// A decimal number that fits 32 bits, or nothing. Leading zeros of any length, as the driver's
// sysfs files take them (a length limit refused "00000000100").
bool Decimal(const std::string &s, uint32_t *v) {
	unsigned long long x;
	if (!mxrt::cli::Decimal(s, 0, 0xffffffffull, &x))
		return false;
	*v = uint32_t(x);
	return true;
}

template <size_t N> std::string List(const uint32_t (&t)[N]) {
	std::string s;
	for (size_t i = 0; i < N; i++)
		s += (i ? ", " : "") + std::to_string(t[i]);
	return s;
}

const char *ModeName(uint32_t m) {
	switch (m) {
	case MXRT_MAX30102_MODE_HR: return "hr";
	case MXRT_MAX30102_MODE_SPO2: return "spo2";
	case MXRT_MAX30102_MODE_MULTI: return "multi";
	}
	return "?";
}

// What an errno from the driver means for this command.
std::string Why(int err, const std::string &what) {
	switch (err) {
	case ETIMEDOUT: {
		// The driver says ETIMEDOUT for a lock that stayed busy for the whole lock timeout, for a
		// bus transfer that timed out and (temp) for a conversion that never finished: a call that
		// failed sooner than the timeout was not the lock's (the lock waits alone take that long).
		// The call's time, read once, decides and is said.
		const uint64_t ms = (NowNs() - call_started_ns) / 1000000u;
		if (ms >= lock_timeout_ms)
			return what + ": the device lock stayed busy longer than the lock timeout (--lock-timeout), or a "
				      "transfer on the I2C bus timed out (see the status file in sysfs, and dmesg)";
		if (what == "temp")
			return what + ": a transfer on the I2C bus timed out, or the chip never finished the "
				      "conversion (or was reset during each one: temp_voided in debugfs), after " +
			       std::to_string(ms) +
			       " ms (see dmesg, and the device's status file in sysfs)";
		return what + ": a transfer on the I2C bus timed out, after " + std::to_string(ms) +
		       " ms (the chip or the adapter did not answer: see dmesg, and the device's status file in sysfs)";
	}
	case EINTR: return what + ": interrupted by a signal";
	case ENODEV: return what + ": the device is gone (unbound)";
	case ENOTTY: return what + ": " + dev + " does not answer MAX30102 ioctls (not an mxrt_max30102 device?)";
	case EBADF: return what + ": the device must be open for writing";
	case EIO:
	case ENXIO: return what + ": I2C error talking to the chip (it is retried: see the status file in sysfs)";
	}
	return what + ": " + std::strerror(err);
}

// O_NONBLOCK only for open(): a FIFO (or a tty waiting for its carrier) given as -d would block
// open() until a writer came, and the run would hang instead of saying it is not the device. The
// ioctls then run as without it (the driver's ioctls do not look at it today; they must not start).
int Open(int flags) {
	const int fd = open(dev.c_str(), flags | O_NONBLOCK);
	if (fd >= 0) {
		const int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0)
			Fail(dev + ": " + std::strerror(errno));
		return fd;
	}
	const int err = errno;
	if (err == ENOENT)
		Fail(dev + ": no such device (is mxrt_max30102 loaded and the chip found? dmesg | grep max30102)");
	if (err == EACCES && (flags & O_ACCMODE) != O_RDONLY)
		Fail(dev + ": changing the configuration needs write access (root)");
	Fail(dev + ": " + std::strerror(err));
}

void Ioctl(int fd, unsigned long cmd, void *arg, const std::string &what) {
	if (const int err = Call(fd, cmd, arg))
		Fail(Why(err, what));
}

// Output: "name: value" lines, or one JSON object with the same names.
class Out {
public:
	void Num(const char *k, unsigned long long v) { Add(k, std::to_string(v), false); }
	void SNum(const char *k, long long v) { Add(k, std::to_string(v), false); }
	void Str(const char *k, const std::string &v) { Add(k, v, true); }
	void Bool(const char *k, bool v) { Add(k, v ? "true" : "false", false, v ? "yes" : "no"); }
	void Print() const {
		if (!json) {
			for (const auto &f : fields_)
				std::printf("%s: %s\n", f.key.c_str(), f.text.c_str());
			return;
		}
		std::printf("{");
		for (size_t i = 0; i < fields_.size(); i++)
			std::printf("%s\"%s\": %s", i ? ", " : "", fields_[i].key.c_str(), fields_[i].json.c_str());
		std::printf("}\n");
	}

private:
	struct Field {
		std::string key, text, json;
	};
	void Add(const char *k, const std::string &v, bool quote, const std::string &text = "") {
		fields_.push_back({k, text.empty() ? v : text, quote ? mxrt::cli::JsonString(v) : v});
	}
	std::vector<Field> fields_;
};

void PrintConfig(const mxrt_max30102_ioc_config &c) {
	Out o;
	o.Str("mode", ModeName(c.mode));
	o.Num("sample_rate_hz", c.sample_rate_hz);
	o.Num("pulse_width_us", c.pulse_width_us);
	o.Num("adc_range_na", c.adc_range_na);
	o.Num("sample_average", c.sample_average);
	o.Num("fifo_almost_full", c.fifo_almost_full);
	o.Num("red_current_ua", c.red_current_ua);
	o.Num("ir_current_ua", c.ir_current_ua);
	o.Print();
}

// what: the command it is done for, which its error message names
mxrt_max30102_ioc_config GetConfig(int fd, const char *what) {
	mxrt_max30102_ioc_config c{};
	c.size = sizeof(c);
	Ioctl(fd, MXRT_MAX30102_IOC_GET_CONFIG, &c, what);
	return c;
}

// `set`: every option is checked before the device is opened; then one SET_CONFIG with all of them
// on top of the current configuration.
// Each value with its option: given or not is the option's count(), so that an empty value
// (--mode "") is refused like any other value the chip does not have, not taken for "not given".
struct SetValue {
	std::string text;
	const CLI::Option *opt = nullptr;
	bool Given() const { return opt != nullptr && opt->count() > 0; }
};
struct SetOptions {
	SetValue mode, rate, pw, range, avg, afull, red, ir;
};
using Changes = std::vector<std::pair<uint32_t mxrt_max30102_ioc_config::*, uint32_t>>;

Changes ParseSet(const SetOptions &s) {
	Changes ch;
	if (s.mode.Given()) {
		uint32_t m = 0;
		if (s.mode.text == "hr")
			m = MXRT_MAX30102_MODE_HR;
		else if (s.mode.text == "spo2")
			m = MXRT_MAX30102_MODE_SPO2;
		else if (s.mode.text == "multi")
			m = MXRT_MAX30102_MODE_MULTI;
		else
			Usage("set: --mode is hr, spo2 or multi, not '" + s.mode.text + "'");
		ch.push_back({&mxrt_max30102_ioc_config::mode, m});
	}
	auto number = [&](const SetValue &value, const char *opt, auto ok, const std::string &allowed,
			  uint32_t mxrt_max30102_ioc_config::*field) {
		if (!value.Given())
			return;
		uint32_t v;
		if (!Decimal(value.text, &v) || !ok(v))
			Usage(std::string("set: ") + opt + " takes " + allowed + ", not '" + value.text + "'");
		ch.push_back({field, v});
	};
	number(s.rate, "--sample-rate", [](uint32_t v) { return chip::SampleRateCode(v) >= 0; },
	       List(chip::kSampleRates) + " (Hz)", &mxrt_max30102_ioc_config::sample_rate_hz);
	number(s.pw, "--pulse-width", [](uint32_t v) { return chip::PulseWidthCode(v) >= 0; },
	       List(chip::kPulseWidths) + " (us)", &mxrt_max30102_ioc_config::pulse_width_us);
	number(s.range, "--adc-range", [](uint32_t v) { return chip::AdcRangeCode(v) >= 0; },
	       List(chip::kAdcRanges) + " (nA)", &mxrt_max30102_ioc_config::adc_range_na);
	number(s.avg, "--average", [](uint32_t v) { return chip::AverageCode(v) >= 0; }, "1, 2, 4, 8, 16, 32",
	       &mxrt_max30102_ioc_config::sample_average);
	number(s.afull, "--almost-full", [](uint32_t v) { return v >= 17 && v <= 32; }, "17..32 (samples)",
	       &mxrt_max30102_ioc_config::fifo_almost_full);
	number(s.red, "--red-current", chip::LedCurrentValid, "0..51000 in steps of 200 (uA)",
	       &mxrt_max30102_ioc_config::red_current_ua);
	number(s.ir, "--ir-current", chip::LedCurrentValid, "0..51000 in steps of 200 (uA)",
	       &mxrt_max30102_ioc_config::ir_current_ua);
	if (ch.empty())
		Usage("set: nothing to set (--mode, --sample-rate, --pulse-width, ...)");
	return ch;
}

// The current configuration with the changes, in one SET_CONFIG (a writer that changes the
// configuration between the two calls is overwritten for the fields given, not for the others).
int Set(int fd, const Changes &ch) {
	mxrt_max30102_ioc_config c = GetConfig(fd, "set"); // its failure is set's: nothing changed
	for (const auto &[field, v] : ch)
		c.*field = v;
	c.size = sizeof(c);
	c.flags = 0;
	if (const int err = Call(fd, MXRT_MAX30102_IOC_SET_CONFIG, &c)) {
		if (err == EINVAL)
			Fail("set: the driver refused " + std::to_string(c.sample_rate_hz) + " Hz with " +
			     std::to_string(c.pulse_width_us) + " us in " + ModeName(c.mode) +
			     " mode: the chip does not allow that pair (docs/max30102.md, sysfs); nothing changed");
		Fail(Why(err, "set"));
	}
	// The change is made: a failing read-back must not look like a refused set. Still exit 1, as
	// the configuration this command prints is missing (a script that parses it gets nothing).
	mxrt_max30102_ioc_config now{};
	now.size = sizeof(now);
	if (const int err = Call(fd, MXRT_MAX30102_IOC_GET_CONFIG, &now))
		Fail(Why(err, "set: the configuration was applied, but reading it back failed"));
	PrintConfig(now);
	return 0;
}

int Info(int fd) {
	mxrt_max30102_ioc_info i{};
	i.size = sizeof(i);
	Ioctl(fd, MXRT_MAX30102_IOC_GET_INFO, &i, "info");
	char hex[8];
	Out o;
	o.Str("device", dev);
	o.Str("driver_version", std::string(i.driver_version, strnlen(i.driver_version, sizeof(i.driver_version))));
	o.Num("abi_version", i.abi_version);
	std::snprintf(hex, sizeof(hex), "0x%02x", i.part_id);
	o.Str("part_id", hex);
	std::snprintf(hex, sizeof(hex), "0x%02x", i.revision_id);
	o.Str("revision_id", hex);
	o.Num("device_index", i.device_index);
	o.Bool("interrupt", i.flags & MXRT_MAX30102_INFO_IRQ);
	o.Print();
	return 0;
}

int Stats(int fd) {
	mxrt_max30102_ioc_stats s{};
	s.size = sizeof(s);
	Ioctl(fd, MXRT_MAX30102_IOC_GET_STATS, &s, "stats");
	static const char *const states[] = {"suspended", "running", "retrying"};
	static const char *const irq[] = {"polling", "irq", "irq-stuck-polling"};
	Out o;
	o.Str("chip", s.chip_state < 3 ? states[s.chip_state] : "?");
	o.Str("interrupt", s.irq_mode < 3 ? irq[s.irq_mode] : "?");
	const std::pair<const char *, unsigned long long> n[] = {
		{"samples", s.samples},
		{"bursts", s.bursts},
		{"fifo_overflows", s.fifo_overflows},
		{"fifo_lost", s.fifo_lost},
		{"fifo_lost_estimated", s.fifo_lost_estimated},
		{"reanchors", s.reanchors},
		{"max_backlog", s.max_backlog},
		{"next_seq", s.next_seq},
		{"irqs", s.irqs},
		{"irq_spurious", s.irq_spurious},
		{"irq_missed", s.irq_missed},
		{"irq_stuck", s.irq_stuck},
		{"polls", s.polls},
		{"i2c_errors", s.i2c_errors},
		{"boosts", s.boosts},
		{"temp_reads", s.temp_reads},
		{"system_suspends", s.system_suspends},
		{"system_resumes", s.system_resumes},
		{"ring_size", s.ring_size},
		{"ring_head", s.ring_head},
		{"ring_resizes", s.ring_resizes},
		{"ring_syncs", s.ring_syncs},
		{"ring_last_sync_ns", s.ring_last_sync_ns},
		{"readers", s.readers},
		{"reader_overruns_closed", s.reader_overruns_closed},
		{"reader_lost_closed", s.reader_lost_closed},
		{"latency_count", s.latency_count},
		{"latency_p50_ns", s.latency_p50_ns},
		{"latency_p99_ns", s.latency_p99_ns},
		{"latency_max_ns", s.latency_max_ns},
		{"file_overruns", s.file_overruns},
		{"file_lost", s.file_lost},
		{"file_flushes", s.file_flushes},
		{"file_flushed", s.file_flushed},
		{"bus_stuck", s.bus_stuck},
		{"bus_recoveries", s.bus_recoveries},
		{"bus_reinits", s.bus_reinits},
		{"irq_watchdog_expiries", s.irq_watchdog_expiries},
	};
	for (const auto &[k, v] : n)
		o.Num(k, v);
	if (s.size >= MXRT_MAX30102_STATS_SIZE_VER1) // an older driver does not count them: not shown
		o.Num("chip_resets", s.chip_resets);
	o.Print();
	return 0;
}

std::string Milli(long long v) {
	char b[32];
	std::snprintf(b, sizeof(b), "%s%lld.%03lld", v < 0 ? "-" : "", (v < 0 ? -v : v) / 1000, (v < 0 ? -v : v) % 1000);
	return b;
}

int Vitals(int fd) {
	mxrt_max30102_ioc_vitals v{};
	v.size = sizeof(v);
	Ioctl(fd, MXRT_MAX30102_IOC_GET_VITALS, &v, "vitals");
	const bool none = v.flags & MXRT_MAX30102_VITALS_NONE;
	if (!json) {
		if (none) {
			std::printf("none yet\n");
			return 0;
		}
		std::printf("hr %s bpm%s, spo2 %s %%%s, confidence %u, finger %s%s%s%s, at seq %" PRIu64 "\n",
			    Milli(v.hr_mbpm).c_str(), v.flags & MXRT_MAX30102_VITALS_HR_VALID ? "" : " (not valid)",
			    Milli(v.spo2_mpct).c_str(), v.flags & MXRT_MAX30102_VITALS_SPO2_VALID ? "" : " (not valid)",
			    v.confidence,
			    !(v.flags & MXRT_MAX30102_VITALS_FINGER_VALID) ? "unknown"
			    : v.flags & MXRT_MAX30102_VITALS_FINGER	    ? "on"
								    : "off",
			    v.flags & MXRT_MAX30102_VITALS_MOTION ? ", motion" : "",
			    v.flags & MXRT_MAX30102_VITALS_CLIPPING ? ", clipping" : "",
			    v.flags & MXRT_MAX30102_VITALS_LOW_RATE ? ", rate too low" : "", uint64_t(v.seq));
		return 0;
	}
	Out o;
	o.Bool("none", none);
	o.Num("flags", v.flags);
	o.Bool("hr_valid", v.flags & MXRT_MAX30102_VITALS_HR_VALID);
	o.Num("hr_mbpm", v.hr_mbpm);
	o.Bool("spo2_valid", v.flags & MXRT_MAX30102_VITALS_SPO2_VALID);
	o.Num("spo2_mpct", v.spo2_mpct);
	o.Num("confidence", v.confidence);
	o.Num("seq", v.seq);
	o.Num("timestamp_ns", v.timestamp_ns);
	o.Print();
	return 0;
}

int Temp(int fd) {
	mxrt_max30102_ioc_temp t{};
	t.size = sizeof(t);
	Ioctl(fd, MXRT_MAX30102_IOC_GET_TEMP, &t, "temp");
	if (!json) {
		std::printf("%s C\n", Milli(t.millicelsius).c_str());
		return 0;
	}
	Out o;
	o.SNum("millicelsius", t.millicelsius);
	o.Num("timestamp_ns", t.timestamp_ns);
	o.Print();
	return 0;
}

} // namespace

namespace {

int Main(int argc, char **argv) {
	CLI::App app{"mxrt-max30102-ctl: the MAX30102 driver's configuration, statistics, vitals and temperature"};
	app.set_help_flag("-h,--help", "this help");
	std::string timeout;
	app.add_option("-d,--device", dev, "the device")->capture_default_str();
	app.add_flag("--json", json, "one JSON object instead of name: value lines");
	const CLI::Option *timeout_opt =
		app.add_option("--lock-timeout", timeout, "ms this run's calls wait for the device lock (0..60000)");
	app.require_subcommand(0, 1);
	app.fallthrough(false);
	SetOptions so;
	CLI::App *info = app.add_subcommand("info", "driver and chip: versions, IDs, interrupt");
	CLI::App *get = app.add_subcommand("get", "the configuration");
	CLI::App *set = app.add_subcommand("set", "change the configuration, all options at once");
	so.mode.opt = set->add_option("--mode", so.mode.text, "hr, spo2 or multi");
	so.rate.opt = set->add_option("--sample-rate", so.rate.text, "Hz");
	so.pw.opt = set->add_option("--pulse-width", so.pw.text, "us");
	so.range.opt = set->add_option("--adc-range", so.range.text, "nA full scale");
	so.avg.opt = set->add_option("--average", so.avg.text, "samples averaged");
	so.afull.opt = set->add_option("--almost-full", so.afull.text, "unread samples that raise the interrupt");
	so.red.opt = set->add_option("--red-current", so.red.text, "uA");
	so.ir.opt = set->add_option("--ir-current", so.ir.text, "uA");
	CLI::App *stats = app.add_subcommand("stats", "the driver's counters and this open file's");
	CLI::App *vitals = app.add_subcommand("vitals", "the latest heart rate and SpO2");
	CLI::App *temp = app.add_subcommand("temp", "the die temperature");
	CLI::App *flush = app.add_subcommand("flush", "discard what this open file has not read");
	CLI::App *lock_timeout = app.add_subcommand("lock-timeout", "this open file's lock timeout (ms)");
	for (CLI::App *sub : app.get_subcommands({}))
		sub->set_help_flag("-h,--help", "this help");
	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::ExtrasError &e) {
		// what CLI11 could not place: an unknown command, an option the command does not have (a
		// global one given after it too), or one argument too many
		if (app.get_subcommands().empty())
			Usage("unknown command or wrong arguments: " + std::string(e.what()));
		const CLI::App *sub = app.get_subcommands()[0];
		const std::vector<std::string> rest = sub->remaining();
		if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-')
			Usage(sub->get_name() + ": unknown option '" + rest[0] +
			      "' (the global options -d, --json and --lock-timeout go before the command)");
		Usage(sub->get_name() + ": too many arguments");
	} catch (const CLI::ParseError &e) {
		Usage(e.what());
	}
	if (app.get_subcommands().empty())
		Usage("no command");
	if (dev.empty())
		Usage("-d takes a device path, not ''");
	uint32_t ms = MXRT_MAX30102_LOCK_TIMEOUT_DEFAULT_MS;
	const bool timeout_given = timeout_opt->count() > 0; // --lock-timeout "" is refused, not ignored
	if (timeout_given && (!Decimal(timeout, &ms) || ms > MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS))
		Usage("--lock-timeout takes 0.." + std::to_string(MXRT_MAX30102_LOCK_TIMEOUT_MAX_MS) + " (ms), not '" +
		      timeout + "'");
	const CLI::App *cmd = app.get_subcommands()[0];
	Changes changes;
	if (cmd == set)
		changes = ParseSet(so);
	const int fd = Open(cmd == set ? O_RDWR : O_RDONLY);
	if (timeout_given) {
		Ioctl(fd, MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT, &ms, "--lock-timeout");
		lock_timeout_ms = ms;
	}
	if (cmd == info)
		return Info(fd);
	if (cmd == get) {
		PrintConfig(GetConfig(fd, "get"));
		return 0;
	}
	if (cmd == set)
		return Set(fd, changes);
	if (cmd == stats)
		return Stats(fd);
	if (cmd == vitals)
		return Vitals(fd);
	if (cmd == temp)
		return Temp(fd);
	if (cmd == flush) {
		uint64_t n = 0;
		Ioctl(fd, MXRT_MAX30102_IOC_FLUSH, &n, "flush");
		Out o;
		o.Num("flushed", n);
		o.Print();
		return 0;
	}
	if (cmd == lock_timeout) {
		uint32_t now = 0;
		Ioctl(fd, MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT, &now, "lock-timeout");
		Out o;
		o.Num("lock_timeout_ms", now);
		o.Print();
		return 0;
	}
	Usage("no command");
}

} // namespace

int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-max30102-ctl", Main(argc, argv)); }
