// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd; the unit tests).
//
// mxrtd's configuration: what a TOML file (toml++) and the command line (CLI11) say, merged
// (built-in defaults < the file < flags) and validated before anything is touched. A value that
// is not allowed is refused with a message naming the key (and, for the file, its line), and
// nothing is applied. The example config (user/mxrtd/mxrtd.toml) lists every key.
//
//   Config c;
//   std::string err;
//   if (!ParseToml(text, "mxrtd.toml", &c, &err) || !Validate(c, &err)) { print err; exit 2; }
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "futex.hpp"

namespace mxrtd {

enum class Policy { kOther, kFifo, kDeadline };
enum class IoMethod { kUring, kPoll, kRead };
enum class LockMemory { kRequired, kTry, kOff };
enum class LogTarget { kAuto, kStderr, kSyslog };
enum class LogLevel { kError, kWarning, kInfo, kDebug };

// What to do when the configured method is not available: use this one instead (saying so), or
// exit non-zero (kNone).
enum class SchedFallback { kNone, kFifo };
enum class IoFallback { kNone, kPoll, kRead };
enum class WaitFallback { kNone, kFutex };

// A device and the settings to apply to it; unset fields keep what the driver has.
struct DeviceSettings {
	std::string path; // /dev/max30102-N
	std::optional<std::uint32_t> mode; // MXRT_MAX30102_MODE_*-style: 2 hr, 3 spo2, 7 multi
	std::optional<std::uint32_t> sample_rate_hz, pulse_width_us, adc_range_na, sample_average, fifo_almost_full;
	std::optional<std::uint32_t> red_current_ua, ir_current_ua;
	bool AnySet() const {
		return mode || sample_rate_hz || pulse_width_us || adc_range_na || sample_average || fifo_almost_full ||
		       red_current_ua || ir_current_ua;
	}
	bool operator==(const DeviceSettings &) const = default;
};

struct Config {
	std::vector<DeviceSettings> devices;

	// [acquisition]
	Policy policy = Policy::kDeadline;
	std::uint64_t runtime_ns = 1000000, deadline_ns = 2000000, period_ns = 2000000;
	std::uint32_t priority = 80; // SCHED_FIFO (the policy, or the fallback)
	std::vector<int> cpus;       // empty: not pinned
	std::string cpuset_partition; // cgroup v2 partition to make for the pinned CPUs ("" none)
	SchedFallback sched_fallback = SchedFallback::kFifo;
	IoMethod io = IoMethod::kUring;
	IoFallback io_fallback = IoFallback::kPoll;
	std::uint32_t batch = 64; // records per read (the driver returns at most 64)

	// [consumers]
	WaitMethod wait = WaitMethod::kFutexWaitv;
	WaitFallback wait_fallback = WaitFallback::kFutex;
	std::uint32_t consumer_priority = 70; // SCHED_FIFO; 0: SCHED_OTHER
	std::vector<int> consumer_cpus;

	// [memory]
	LockMemory lock_memory = LockMemory::kRequired;

	// [outputs]
	std::string shm_prefix = "mxrtd";
	std::uint32_t shm_mode = 0644;
	std::uint32_t ring_records = 8192;
	bool mqueue = true;
	std::uint32_t mqueue_maxmsg = 10;
	bool fifo = true;
	std::string fifo_dir = "/run/mxrtd";
	std::uint32_t temp_interval_ms = 1000; // 0: never read the temperature

	// [log]
	LogTarget log_target = LogTarget::kAuto;
	LogLevel log_level = LogLevel::kInfo;
};

// The file's settings over *c (which holds the defaults, or what came before). On error: false,
// *err = "FILE:LINE:COL: message", *c unchanged.
bool ParseToml(const std::string &text, const std::string &file, Config *c, std::string *err);
// Reads and parses a file (ENOENT and friends are errors too). Only a regular file of at most
// kMaxConfigBytes: a directory, a FIFO, a device or a socket is refused at once (never waited on).
constexpr long kMaxConfigBytes = 1 << 20;
bool LoadTomlFile(const std::string &path, Config *c, std::string *err);

// Every value in range, every combination allowed (the MAX30102's rate/pulse-width table where a
// device sets both). false and *err if not.
bool Validate(const Config &c, std::string *err);

// A CPU list ("1", "0-3", "1,3-4"): true and the sorted, distinct CPUs; false for anything else.
bool ParseCpuList(const std::string &s, std::vector<int> *cpus);
std::string FormatCpuList(const std::vector<int> &cpus);

// Names, as the file and the flags spell them.
const char *Name(Policy p);
const char *Name(IoMethod m);
const char *Name(WaitMethod m);
const char *Name(LockMemory m);
const char *ModeName(std::uint32_t mode); // "hr", "spo2", "multi"
bool ParseMode(const std::string &s, std::uint32_t *mode);

// The keys whose change a reload (SIGHUP) cannot apply while running, changed from `running` to
// `loaded` ("[outputs] shm_mode", ...): the outputs, I/O, waiting, memory locking, the partition,
// the consumers' scheduling and the log target. Devices and the acquisition thread's scheduling,
// the temperature interval and the log level are applied; they are not listed.
std::vector<std::string> RestartOnlyChanges(const Config &running, const Config &loaded);

// Whether a reload's device paths are other devices than the running ones (which takes a restart):
// the same paths in another order are not (each device's keys are matched by its path; the order
// is read at the start only).
bool DeviceListChanged(std::vector<std::string> running, std::vector<std::string> loaded);

// The effective configuration as a TOML document (mxrtd --check-config prints it); parsing it
// again gives the same Config.
std::string ToToml(const Config &c);

// ---- the command line ----------------------------------------------------------------------------

// What the flags say; every field unset unless given.
struct CommandLine {
	std::string config_file;
	bool check_config = false;
	std::vector<std::string> devices;
	// device settings for every device (the file's and the command line's)
	DeviceSettings device;
	std::optional<std::string> policy, io, wait, lock_memory, log_target, log_level, cpus, consumer_cpus;
	std::optional<std::string> cpuset_partition, shm_prefix, fifo_dir;
	std::optional<std::uint64_t> runtime_us, deadline_us, period_us;
	std::optional<std::uint32_t> priority, consumer_priority, batch, ring_records, temp_interval_ms, mqueue_maxmsg;
	std::optional<std::string> sched_fallback, io_fallback, wait_fallback;
	bool strict = false;
	bool no_mqueue = false, no_fifo = false;
};

// Parses argv. Returns -1 to go on; otherwise the exit status (0 after --help/--version, 2 after a
// usage error, with the message in *out_text).
int ParseCommandLine(int argc, char **argv, CommandLine *cl, std::string *out_text);
// The flags over a configuration (after the file). false and *err for a value that is not one.
bool ApplyCommandLine(const CommandLine &cl, Config *c, std::string *err);

} // namespace mxrtd
