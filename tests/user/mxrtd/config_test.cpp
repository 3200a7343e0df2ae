// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. mxrtd's configuration: the example file, every kind of bad value refused
// with the key (and line) named and nothing changed, the combinations Validate checks, the
// command line over the file, and the effective configuration printed back as TOML that parses to
// the same thing.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

#include <max30102/regs.h>
#include <mxrtd/config.hpp>

namespace mxrtd {
namespace {

Config Parse(const std::string &text) {
	Config c;
	std::string err;
	EXPECT_TRUE(ParseToml(text, "t.toml", &c, &err)) << err;
	return c;
}

// The error of a text that must be refused; the config passed in must not change.
std::string Refused(const std::string &text) {
	Config c;
	c.devices.push_back({.path = "/dev/keep"});
	const std::string before = ToToml(c);
	std::string err;
	EXPECT_FALSE(ParseToml(text, "t.toml", &c, &err)) << text;
	EXPECT_EQ(ToToml(c), before) << "a refused file changed the configuration";
	return err;
}

std::string Invalid(const Config &c) {
	std::string err;
	EXPECT_FALSE(Validate(c, &err));
	return err;
}

Config OneDevice() {
	Config c;
	c.devices.push_back({.path = "/dev/max30102-0"});
	return c;
}

TEST(MxrtdConfig, DefaultsAreTheIssuesAndValid) {
	Config c = OneDevice();
	std::string err;
	EXPECT_TRUE(Validate(c, &err)) << err;
	EXPECT_EQ(c.policy, Policy::kDeadline);
	EXPECT_EQ(c.runtime_ns, 1000000u);
	EXPECT_EQ(c.deadline_ns, 2000000u);
	EXPECT_EQ(c.period_ns, 2000000u);
	EXPECT_EQ(c.io, IoMethod::kUring);
	EXPECT_EQ(c.wait, WaitMethod::kFutexWaitv);
	EXPECT_EQ(c.lock_memory, LockMemory::kRequired);
}

TEST(MxrtdConfig, TheExampleFileParsesAndValidates) {
	Config c;
	std::string err;
	ASSERT_TRUE(LoadTomlFile("user/mxrtd/mxrtd.toml", &c, &err)) << err;
	ASSERT_TRUE(Validate(c, &err)) << err;
	ASSERT_EQ(c.devices.size(), 1u);
	EXPECT_EQ(c.devices[0].path, "/dev/max30102-0");
	EXPECT_EQ(c.devices[0].mode, MAX30102_MODE_SPO2);
	EXPECT_EQ(c.devices[0].sample_rate_hz, 400u);
	EXPECT_EQ(c.devices[0].pulse_width_us, 411u);
	EXPECT_FALSE(c.devices[0].adc_range_na.has_value()); // commented out: the driver's stays
	EXPECT_EQ(c.shm_mode, 0644u);
	EXPECT_EQ(c.ring_records, 8192u);
	// the example states the defaults: the same as an empty file apart from the device
	Config d = OneDevice();
	d.devices = c.devices;
	EXPECT_EQ(ToToml(c), ToToml(d));
}

// Only a regular file is read: a device reads as an empty file (the defaults, taken without a
// word) or never ends (/dev/zero), a FIFO without a writer never opens; a huge file is no
// configuration either. The configuration passed in is left as it was.
TEST(MxrtdConfig, OnlyARegularFileIsAConfigFile) {
	Config c = OneDevice();
	c.ring_records = 1024;
	const std::string before = ToToml(c);
	std::string err;
	EXPECT_FALSE(LoadTomlFile("/dev/null", &c, &err));
	EXPECT_NE(err.find("/dev/null: not a regular file"), std::string::npos) << err;
	err.clear();
	EXPECT_FALSE(LoadTomlFile("/dev/zero", &c, &err));
	EXPECT_NE(err.find("/dev/zero: not a regular file"), std::string::npos) << err;
	char dir[] = "/tmp/mxrtd-config-test-XXXXXX";
	ASSERT_NE(mkdtemp(dir), nullptr);
	const std::string fifo = std::string(dir) + "/fifo.toml", big = std::string(dir) + "/big.toml";
	ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
	err.clear();
	EXPECT_FALSE(LoadTomlFile(fifo, &c, &err)); // at once: nobody writes it
	EXPECT_NE(err.find("fifo.toml: not a regular file"), std::string::npos) << err;
	err.clear();
	EXPECT_FALSE(LoadTomlFile(dir, &c, &err));
	EXPECT_NE(err.find("a directory, not a config file"), std::string::npos) << err;
	{
		std::FILE *f = std::fopen(big.c_str(), "w");
		ASSERT_NE(f, nullptr);
		const std::string comment(1023, '#');
		for (int i = 0; i < 1025; i++) // 1 MiB + 1 KiB of comments: a valid TOML file
			std::fprintf(f, "%s\n", comment.c_str());
		std::fclose(f);
	}
	err.clear();
	EXPECT_FALSE(LoadTomlFile(big, &c, &err));
	EXPECT_NE(err.find("big.toml: larger than 1 MiB"), std::string::npos) << err;
	EXPECT_EQ(ToToml(c), before);
	unlink(fifo.c_str());
	unlink(big.c_str());
	rmdir(dir);
}

TEST(MxrtdConfig, EveryKeyIsRead) {
	Config c = Parse(R"(
[[device]]
path = "/dev/max30102-1"
mode = "hr"
sample_rate = 1600
pulse_width = 118
adc_range = 8192
sample_average = 4
fifo_almost_full = 20
led_red_ua = 7000
led_ir_ua = 0
[[device]]
path = "/dev/max30102-2"
[acquisition]
policy = "fifo"
runtime_us = 500
deadline_us = 900
period_us = 1000
priority = 42
cpus = "1,3-4"
cpuset_partition = "rt"
fallback = "none"
io = "poll"
io_fallback = "read"
batch = 16
[consumers]
wait = "futex"
wait_fallback = "none"
priority = 0
cpus = "0"
[memory]
lock = "try"
[outputs]
shm_prefix = "test"
shm_mode = "0600"
ring_records = 1024
mqueue = false
mqueue_maxmsg = 4
fifo = false
fifo_dir = "/tmp/x"
temp_interval_ms = 0
[log]
target = "syslog"
level = "debug"
)");
	ASSERT_EQ(c.devices.size(), 2u);
	const DeviceSettings &d = c.devices[0];
	EXPECT_EQ(d.mode, MAX30102_MODE_HR);
	EXPECT_EQ(d.sample_rate_hz, 1600u);
	EXPECT_EQ(d.pulse_width_us, 118u);
	EXPECT_EQ(d.adc_range_na, 8192u);
	EXPECT_EQ(d.sample_average, 4u);
	EXPECT_EQ(d.fifo_almost_full, 20u);
	EXPECT_EQ(d.red_current_ua, 7000u);
	EXPECT_EQ(d.ir_current_ua, 0u);
	EXPECT_FALSE(c.devices[1].AnySet());
	EXPECT_EQ(c.policy, Policy::kFifo);
	EXPECT_EQ(c.runtime_ns, 500000u);
	EXPECT_EQ(c.deadline_ns, 900000u);
	EXPECT_EQ(c.period_ns, 1000000u);
	EXPECT_EQ(c.priority, 42u);
	EXPECT_EQ(c.cpus, (std::vector<int>{1, 3, 4}));
	EXPECT_EQ(c.cpuset_partition, "rt");
	EXPECT_EQ(c.sched_fallback, SchedFallback::kNone);
	EXPECT_EQ(c.io, IoMethod::kPoll);
	EXPECT_EQ(c.io_fallback, IoFallback::kRead);
	EXPECT_EQ(c.batch, 16u);
	EXPECT_EQ(c.wait, WaitMethod::kFutex);
	EXPECT_EQ(c.wait_fallback, WaitFallback::kNone);
	EXPECT_EQ(c.consumer_priority, 0u);
	EXPECT_EQ(c.consumer_cpus, (std::vector<int>{0}));
	EXPECT_EQ(c.lock_memory, LockMemory::kTry);
	EXPECT_EQ(c.shm_prefix, "test");
	EXPECT_EQ(c.shm_mode, 0600u);
	EXPECT_EQ(c.ring_records, 1024u);
	EXPECT_FALSE(c.mqueue);
	EXPECT_EQ(c.mqueue_maxmsg, 4u);
	EXPECT_FALSE(c.fifo);
	EXPECT_EQ(c.fifo_dir, "/tmp/x");
	EXPECT_EQ(c.temp_interval_ms, 0u);
	EXPECT_EQ(c.log_target, LogTarget::kSyslog);
	EXPECT_EQ(c.log_level, LogLevel::kDebug);
	std::string err;
	EXPECT_TRUE(Validate(c, &err)) << err;
	// printed back and parsed again: the same configuration
	Config again;
	ASSERT_TRUE(ParseToml(ToToml(c), "again.toml", &again, &err)) << err << "\n" << ToToml(c);
	EXPECT_EQ(ToToml(again), ToToml(c));
	EXPECT_EQ(again.devices, c.devices);
}

TEST(MxrtdConfig, BadFilesAreRefusedWithTheKeyAndLine) {
	struct Case {
		const char *text, *want;
	} cases[] = {
		{"[[device]]\npath = \"/dev/x\"\nsample_rate = 123\n", "t.toml:3:15: sample_rate must be one of 50, 100"},
		{"[[device]]\npath = \"/dev/x\"\npulse_width = 400\n", "pulse_width must be one of 69, 118, 215, 411"},
		{"[[device]]\npath = \"/dev/x\"\nadc_range = 1000\n", "adc_range must be one of"},
		{"[[device]]\npath = \"/dev/x\"\nsample_average = 3\n", "sample_average must be one of 1, 2, 4"},
		{"[[device]]\npath = \"/dev/x\"\nfifo_almost_full = 33\n", "fifo_almost_full must be in [17, 32]"},
		{"[[device]]\npath = \"/dev/x\"\nled_red_ua = 6500\n", "led_red_ua must be a multiple of 200"},
		{"[[device]]\npath = \"/dev/x\"\nled_ir_ua = 60000\n", "led_ir_ua must be in [0, 51000]"},
		{"[[device]]\npath = \"/dev/x\"\nmode = \"red\"\n", "mode must be hr, spo2 or multi"},
		{"[[device]]\npath = \"/dev/x\"\nsample_rat = 400\n", "t.toml:3:1: unknown key 'sample_rat' in [[device]]"},
		{"[[device]]\nmode = \"hr\"\n", "t.toml:1:1: a [[device]] without path"},
		{"[outputs]\nfifo = true\nfifo_dir = \"run/mxrtd\"\n", "t.toml:3:12: fifo_dir must be an absolute directory (with fifo = true), not 'run/mxrtd'"},
		{"[[device]]\npath = 3\n", "path must be a string"},
		{"[[device]]\npath = \"max30102-0\"\n", "t.toml:2:8: device path must be absolute (/dev/max30102-N)"},
		{"[[device]]\npath = \"\"\n", "t.toml:2:8: device path must be absolute"},
		{"[[device]]\npath = \"/dev/x\"\n[[device]]\npath = \"/dev/x\"\n", "t.toml:4:8: device /dev/x is named twice"},
		{"[outputs]\nshm_prefix = \"/mxrtd\"\n", "t.toml:2:14: shm_prefix must be 1..64 letters"},
		{"[outputs]\nshm_prefix = \"\"\n", "t.toml:2:14: shm_prefix must be 1..64 letters"},
		{"[acquisition]\ncpuset_partition = \"a/b\"\n", "t.toml:2:20: cpuset_partition is a cgroup name"},
		{"[acquisition]\ncpuset_partition = \"..\"\n", "t.toml:2:20: cpuset_partition is a cgroup name"},
		{"[[device]]\npath = \"/dev/null\\u0000x\"\n", "t.toml:2:8: path must not contain a NUL character"},
		{"[outputs]\nfifo_dir = \"/run\\u0000/x\"\n", "t.toml:2:12: fifo_dir must not contain a NUL"},
		{"[acquisition]\ncpuset_partition = \"a\\u0000\"\n", "cpuset_partition must not contain a NUL"},
		{"[[device]]\npath = \"/dev/x\"\nsample_rate = 400.0\n", "sample_rate must be a whole number"},
		{"device = \"/dev/x\"\n", "device must be an array of tables"},
		{"[acquisition]\npolicy = \"rr\"\n", "policy must be one of deadline, fifo, other, not 'rr'"},
		{"[acquisition]\nruntime_us = 0\n", "runtime_us must be in [1, 4000000]"},
		{"[acquisition]\npriority = 100\n", "priority must be in [1, 99]"},
		{"[acquisition]\ncpus = \"1-\"\n", "cpus must be a CPU list"},
		{"[acquisition]\ncpus = \"3-1\"\n", "cpus must be a CPU list"},
		{"[acquisition]\nfallback = \"other\"\n", "fallback must be one of fifo, none"},
		{"[acquisition]\nio = \"aio\"\n", "io must be one of uring, poll, read"},
		{"[acquisition]\nio_fallback = \"uring\"\n", "io_fallback must be one of poll, read, none"},
		{"[acquisition]\nbatch = 65\n", "batch must be in [1, 64]"},
		{"[consumers]\nwait = \"epoll\"\n", "wait must be one of futex_waitv, futex"},
		{"[consumers]\npriority = -1\n", "priority must be in [0, 99]"},
		{"[memory]\nlock = \"yes\"\n", "lock must be one of required, try, off"},
		{"[memory]\nlocked = true\n", "unknown key 'locked' in [memory]"},
		{"[outputs]\nshm_mode = \"0999\"\n", "shm_mode must be an octal mode"},
		{"[outputs]\nshm_mode = \"0666\"\n", "t.toml:2:12: shm_mode must not let the group or others write"},
		{"[outputs]\nshm_mode = \"0620\"\n", "t.toml:2:12: shm_mode must not let the group or others write"},
		{"[outputs]\nring_records = 8\n", "ring_records must be in [16, 1048576]"},
		{"[outputs]\nmqueue = \"yes\"\n", "mqueue must be true or false"},
		{"[log]\nlevel = \"trace\"\n", "level must be one of error, warning, info, debug"},
		{"[daemon]\n", "unknown key 'daemon' in [top level]"},
		{"acquisition = 1\n", "[acquisition] must be a table"},
		{"[acquisition\npolicy = \"fifo\"\n", "t.toml:1:"}, // TOML syntax: toml++'s message, with the place
	};
	for (const Case &k : cases) {
		const std::string err = Refused(k.text);
		EXPECT_NE(err.find(k.want), std::string::npos) << "text:\n" << k.text << "error: " << err;
	}
}

// Keys nested deeper than any setting are refused before toml++ parses them: a key of 150 000
// dotted parts (300 KB, under the 1 MiB limit) overflowed the stack in toml++'s parser, killing
// the daemon at its start and at a SIGHUP. Deep nesting inside strings and comments is text.
TEST(MxrtdConfig, KeysDeeperThanAnySettingAreRefusedBeforeParsing) {
	auto chain = [](unsigned parts, const std::string &part = "a", const std::string &dot = ".") {
		std::string s = part;
		for (unsigned i = 1; i < parts; i++)
			s += dot + part;
		return s;
	};
	auto nested = [](unsigned depth) { // x = {a = {a = ... 1}}
		std::string s = "x = ";
		for (unsigned i = 0; i < depth; i++)
			s += "{a = ";
		return s + "1" + std::string(depth, '}') + "\n";
	};
	const std::string deep = "dotted key or table name of more than 16 parts: not parsed";
	struct Case {
		std::string text, want;
	} cases[] = {
		{chain(150000) + " = 1\n", "t.toml:1:1: a " + deep},
		{"# a comment\n[outputs]\n" + chain(17) + " = 1\n", "t.toml:3:1: a " + deep},
		{"[" + chain(17) + "]\n", "t.toml:1:2: a " + deep},
		{"[[" + chain(17, "b", " . ") + "]]\n", "t.toml:1:3: a " + deep},
		{chain(17, "\"q\"") + " = 1\n", deep},
		{chain(17, "'q'") + " = 1\n", deep},
		{"x = \"\"\"\nline\n\"\"\"\ny = {" + chain(17) + " = 1}\n", "t.toml:4:6: a " + deep},
		{nested(17), "t.toml:1:"},
		{nested(17), "inline tables nested more than 16 deep"},
	};
	for (const Case &k : cases) {
		const std::string err = Refused(k.text);
		EXPECT_NE(err.find(k.want), std::string::npos) << "text: " << k.text.substr(0, 200) << "\nerror: " << err;
	}
	// 16 parts, 16 inline tables: the parser's own answer (an unknown key), not the depth's
	for (const std::string &text : {chain(16) + " = 1\n", nested(16)}) {
		const std::string err = Refused(text);
		EXPECT_NE(err.find("unknown key"), std::string::npos) << text << "\nerror: " << err;
	}
	// dots in strings, comments and numbers are no key parts
	const std::string text = "# " + chain(100) + "\n[log]\nlevel = \"debug\" # " + chain(40) +
				 "\n[outputs]\nfifo_dir = \"/run/" + chain(40, "x") + "\"\nshm_prefix = 'p_p'\n" +
				 "temp_interval_ms = 1_000\n";
	std::string err;
	Config c;
	EXPECT_TRUE(ParseToml(text, "t.toml", &c, &err)) << err;
	EXPECT_EQ(c.fifo_dir, "/run/" + chain(40, "x"));
	const std::string multi = "[outputs]\nfifo_dir = \"\"\"/run/\\\n  " + chain(40, "x") +
				  "\"\"\"\nshm_prefix = '''p_p'''\n";
	c = Config{};
	EXPECT_TRUE(ParseToml(multi, "t.toml", &c, &err)) << err;
	EXPECT_EQ(c.fifo_dir, "/run/" + chain(40, "x"));
	// columns count characters, as toml++'s do: "é" is two bytes and one column
	EXPECT_NE(Refused("x = \"\u00e9\u00e9\" # \u00e9\ny = {z = \"\u00e9\", " + chain(17) + " = 1}\n")
			  .find("t.toml:2:15: a " + deep), // (16 in bytes)
		  std::string::npos);
	// the line count goes on through multi-line strings and their line-ending backslashes
	EXPECT_NE(Refused(multi + chain(17) + " = 1\n").find("t.toml:5:1: a " + deep), std::string::npos);
}

TEST(MxrtdConfig, ValidateChecksTheCombinations) {
	Config c = OneDevice();
	c.devices[0].sample_rate_hz = 1000;
	c.devices[0].pulse_width_us = 411; // SpO2 at 411 us: 400 Hz at most
	c.devices[0].mode = MAX30102_MODE_SPO2;
	EXPECT_NE(Invalid(c).find("1000 Hz with 411 us pulses is not allowed in spo2 mode"), std::string::npos);
	c.devices[0].mode = MAX30102_MODE_HR; // HR mode allows 1000 Hz at 411 us
	std::string err;
	EXPECT_TRUE(Validate(c, &err)) << err;
	// no mode: the device keeps its own, which may be hr: left to the driver (it was refused as
	// if the device were in spo2 mode)
	c.devices[0].mode.reset();
	EXPECT_TRUE(Validate(c, &err)) << err;
	c.devices[0].sample_rate_hz = 1600; // no mode allows it at 411 us
	EXPECT_NE(Invalid(c).find("1600 Hz with 411 us pulses is not allowed in either mode"), std::string::npos);
	c.devices[0].mode = MAX30102_MODE_HR;
	EXPECT_NE(Invalid(c).find("not allowed in hr mode"), std::string::npos);

	c = OneDevice();
	c.runtime_ns = 3000000; // > deadline
	EXPECT_NE(Invalid(c).find("runtime <= deadline <= period"), std::string::npos);
	c.runtime_ns = 1000000;
	c.deadline_ns = 3000000; // > period
	EXPECT_NE(Invalid(c).find("runtime <= deadline <= period"), std::string::npos);
	c.policy = Policy::kFifo; // deadline parameters do not matter then
	EXPECT_TRUE(Validate(c, &err)) << err;

	c = Config();
	EXPECT_NE(Invalid(c).find("no device"), std::string::npos);
	c = OneDevice();
	c.devices.push_back(c.devices[0]);
	EXPECT_NE(Invalid(c).find("named twice"), std::string::npos);
	// two devices of one base name would share one segment, queue and FIFO
	c = OneDevice();
	c.devices.push_back(c.devices[0]);
	c.devices[1].path = "/dev/other/" + c.devices[0].path.substr(c.devices[0].path.find_last_of('/') + 1);
	EXPECT_NE(Invalid(c).find("have the same name"), std::string::npos) << c.devices[1].path;
	for (const char *nameless : {"/dev/", "/dev/.", "/dev/..", "/"}) {
		c = OneDevice();
		c.devices[0].path = nameless;
		EXPECT_NE(Invalid(c).find("has no file name"), std::string::npos) << nameless;
	}
	c = OneDevice();
	c.devices[0].path = "max30102-0";
	EXPECT_NE(Invalid(c).find("device path must be absolute"), std::string::npos);
	c = OneDevice();
	c.ring_records = 1000;
	EXPECT_NE(Invalid(c).find("power of two"), std::string::npos);
	// a batch is published at once: the ring holds two (16 took every batch of 64 short by 48)
	c = OneDevice();
	c.ring_records = 64;
	c.batch = 64;
	EXPECT_NE(Invalid(c).find("ring_records (64) must hold two batches (batch = 64): at least 128"), std::string::npos)
		<< Invalid(c);
	c.batch = 32;
	EXPECT_TRUE(Validate(c, &err)) << err;
	c = OneDevice();
	c.shm_mode = 0646;
	const std::string werr = Invalid(c);
	EXPECT_NE(werr.find("shm_mode must not let the group or others write"), std::string::npos) << werr;
	EXPECT_NE(werr.find("not '0646'"), std::string::npos) << werr;
	c.shm_mode = 0640; // the group reads, nobody else
	EXPECT_TRUE(Validate(c, &err)) << err;
	c = OneDevice();
	c.shm_prefix = "a/b";
	EXPECT_NE(Invalid(c).find("shm_prefix"), std::string::npos);
	c = OneDevice();
	c.fifo_dir = "run";
	EXPECT_NE(Invalid(c).find("fifo_dir must be an absolute directory"), std::string::npos);
	c = OneDevice();
	c.cpuset_partition = "rt";
	EXPECT_NE(Invalid(c).find("cpuset_partition needs cpus"), std::string::npos);
	c.cpus = {1};
	EXPECT_TRUE(Validate(c, &err)) << err;
	c.cpuset_partition = "a/b";
	EXPECT_NE(Invalid(c).find("a cgroup name"), std::string::npos);
}

TEST(MxrtdConfig, CpuLists) {
	std::vector<int> v;
	ASSERT_TRUE(ParseCpuList("3", &v));
	EXPECT_EQ(v, (std::vector<int>{3}));
	ASSERT_TRUE(ParseCpuList("4,0-2,2", &v));
	EXPECT_EQ(v, (std::vector<int>{0, 1, 2, 4}));
	EXPECT_EQ(FormatCpuList(v), "0-2,4");
	EXPECT_EQ(FormatCpuList({}), "");
	for (const char *bad : {"", ",", "1,", "a", "-1", "2-1", "1-2-3", "0x1", "1024", " 1"})
		EXPECT_FALSE(ParseCpuList(bad, &v)) << bad;
}

// argv from a list of words (CLI11 wants char **)
struct Argv {
	explicit Argv(std::vector<std::string> w) : words(std::move(w)) {
		for (std::string &s : words)
			ptrs.push_back(s.data());
	}
	int argc() { return int(ptrs.size()); }
	char **argv() { return ptrs.data(); }
	std::vector<std::string> words;
	std::vector<char *> ptrs;
};

TEST(MxrtdConfig, CommandLineOverridesTheFile) {
	Config c = Parse("[[device]]\npath = \"/dev/max30102-0\"\nsample_rate = 400\npulse_width = 411\n"
			 "[acquisition]\npolicy = \"deadline\"\nruntime_us = 800\n");
	Argv a({"mxrtd", "--rate", "1000", "--pulse-width", "118", "--policy", "fifo", "--priority", "60", "--cpus",
		"1", "--io", "read", "--strict", "--no-fifo", "--ring", "256"});
	CommandLine cl;
	std::string text, err;
	ASSERT_EQ(ParseCommandLine(a.argc(), a.argv(), &cl, &text), -1) << text;
	ASSERT_TRUE(ApplyCommandLine(cl, &c, &err)) << err;
	ASSERT_TRUE(Validate(c, &err)) << err;
	EXPECT_EQ(c.devices[0].sample_rate_hz, 1000u);
	EXPECT_EQ(c.devices[0].pulse_width_us, 118u);
	EXPECT_EQ(c.policy, Policy::kFifo);
	EXPECT_EQ(c.priority, 60u);
	EXPECT_EQ(c.runtime_ns, 800000u); // the file's, not overridden
	EXPECT_EQ(c.cpus, (std::vector<int>{1}));
	EXPECT_EQ(c.io, IoMethod::kRead);
	EXPECT_EQ(c.sched_fallback, SchedFallback::kNone); // --strict
	EXPECT_EQ(c.io_fallback, IoFallback::kNone);
	EXPECT_EQ(c.wait_fallback, WaitFallback::kNone);
	EXPECT_FALSE(c.fifo);
	EXPECT_EQ(c.ring_records, 256u);
}

TEST(MxrtdConfig, DevicesOnTheCommandLineReplaceTheFilesButKeepTheirSettings) {
	Config c = Parse("[[device]]\npath = \"/dev/max30102-0\"\nsample_rate = 200\n"
			 "[[device]]\npath = \"/dev/max30102-1\"\n");
	Argv a({"mxrtd", "/dev/max30102-0", "/dev/max30102-7"});
	CommandLine cl;
	std::string text, err;
	ASSERT_EQ(ParseCommandLine(a.argc(), a.argv(), &cl, &text), -1) << text;
	ASSERT_TRUE(ApplyCommandLine(cl, &c, &err)) << err;
	ASSERT_EQ(c.devices.size(), 2u);
	EXPECT_EQ(c.devices[0].path, "/dev/max30102-0");
	EXPECT_EQ(c.devices[0].sample_rate_hz, 200u);
	EXPECT_EQ(c.devices[1].path, "/dev/max30102-7");
	EXPECT_FALSE(c.devices[1].AnySet());
}

TEST(MxrtdConfig, BadFlagsAreRefused) {
	struct Case {
		std::vector<std::string> words;
		int status;    // ParseCommandLine's (-1: parsed, then ApplyCommandLine refuses)
		const char *want;
	} cases[] = {
		{{"mxrtd", "--frobnicate"}, 2, "usage: mxrtd"},
		{{"mxrtd", "--rate", "fast"}, 2, "usage: mxrtd"},
		{{"mxrtd", "--mode", "red"}, 2, "--mode must be hr, spo2 or multi"},
		{{"mxrtd", "--mode", ""}, 2, "--mode must be hr, spo2 or multi, not ''"}, // was ignored
		{{"mxrtd", "--policy", "rr"}, -1, "--policy must be one of deadline, fifo, other"},
		{{"mxrtd", "--io", "aio"}, -1, "--io must be one of uring, poll, read"},
		{{"mxrtd", "--rate", "123"}, -1, "--rate 123 is not a value the MAX30102 has"},
		{{"mxrtd", "--led-red-ua", "6500"}, -1, "--led-red-ua must be a multiple of 200"},
		{{"mxrtd", "--almost-full", "16"}, -1, "--almost-full must be in [17, 32]"},
		{{"mxrtd", "--cpus", "x"}, -1, "--cpus must be a CPU list"},
		{{"mxrtd", "--runtime-us", "0"}, -1, "--runtime-us must be in [1, 4000000] us"},
		{{"mxrtd", "--sched-fallback", "rr"}, -1, "--sched-fallback must be one of fifo, none"},
	};
	for (Case &k : cases) {
		Argv a(k.words);
		CommandLine cl;
		std::string text, err;
		const int st = ParseCommandLine(a.argc(), a.argv(), &cl, &text);
		ASSERT_EQ(st, k.status) << k.words[1] << ": " << text;
		if (st == -1) {
			Config c = OneDevice();
			const std::string before = ToToml(c);
			EXPECT_FALSE(ApplyCommandLine(cl, &c, &err)) << k.words[1];
			EXPECT_NE(err.find(k.want), std::string::npos) << err;
			EXPECT_EQ(ToToml(c), before) << "a refused flag changed the configuration";
		} else {
			EXPECT_NE(text.find(k.want), std::string::npos) << text;
		}
	}
	// Flags whose range the file's reader checks: Validate checks them whatever their source (the
	// flags were taken unchecked: --mqueue-maxmsg 0 failed only at mq_open).
	for (const auto &[words, want] : {std::pair{std::vector<std::string>{"mxrtd", "--mqueue-maxmsg", "0"},
						    "mqueue_maxmsg must be in [1, 65536], not 0"},
					  std::pair{std::vector<std::string>{"mxrtd", "--temp-interval-ms", "3600001"},
						    "temp_interval_ms must be in [0, 3600000] (0: never), not 3600001"}}) {
		Argv a(words);
		CommandLine cl;
		std::string text, err;
		ASSERT_EQ(ParseCommandLine(a.argc(), a.argv(), &cl, &text), -1) << text;
		Config c = OneDevice();
		ASSERT_TRUE(ApplyCommandLine(cl, &c, &err)) << err;
		EXPECT_EQ(Invalid(c), want);
	}
	Argv help({"mxrtd", "--help"});
	CommandLine cl;
	std::string text;
	EXPECT_EQ(ParseCommandLine(help.argc(), help.argv(), &cl, &text), 0);
	EXPECT_NE(text.find("--policy"), std::string::npos);
}

// The printed configuration parses back to itself, whatever bytes a path or name holds: TOML
// strings take no raw control characters (a device path with a line break printed a file that
// did not parse).
TEST(MxrtdConfig, PrintedStringsWithControlCharactersParseBack) {
	Config c = OneDevice();
	c.devices[0].path = std::string("/dev/max\n30102-\x01\x7f\"0\\");
	c.fifo_dir = "/run/\tmxrtd";
	c.cpus = {1};
	c.cpuset_partition = "rt\r";
	const std::string printed = ToToml(c);
	EXPECT_EQ(printed.find('\n' + std::string("30102")), std::string::npos) << printed;
	Config back;
	std::string err;
	ASSERT_TRUE(ParseToml(printed, "printed.toml", &back, &err)) << err << "\n" << printed;
	EXPECT_EQ(back.devices, c.devices);
	EXPECT_EQ(back.fifo_dir, c.fifo_dir);
	EXPECT_EQ(back.cpuset_partition, c.cpuset_partition);
	EXPECT_EQ(ToToml(back), printed);
}

// A reload names every setting it cannot apply while running, and only those.
TEST(MxrtdConfig, RestartOnlyChangesNameEveryKeptSetting) {
	const Config a = OneDevice();
	EXPECT_TRUE(RestartOnlyChanges(a, a).empty());
	Config b = a; // what a reload applies: not listed
	b.policy = Policy::kFifo;
	b.priority = 50;
	b.cpus = {1};
	b.temp_interval_ms = 0;
	b.log_level = LogLevel::kDebug;
	b.devices[0].sample_rate_hz = 200;
	EXPECT_TRUE(RestartOnlyChanges(a, b).empty());
	Config k = a; // what it cannot: each listed (six of these used to go unsaid)
	k.shm_mode = 0600;
	k.mqueue_maxmsg = 20;
	k.consumer_priority = 10;
	k.consumer_cpus = {0};
	k.wait_fallback = WaitFallback::kNone;
	k.io_fallback = IoFallback::kRead;
	k.log_target = LogTarget::kSyslog;
	k.ring_records = 1024;
	EXPECT_EQ(RestartOnlyChanges(a, k),
		  (std::vector<std::string>{"[acquisition] io_fallback", "[consumers] wait_fallback", "[consumers] priority",
					    "[consumers] cpus", "[outputs] shm_mode", "[outputs] ring_records",
					    "[outputs] mqueue_maxmsg", "[log] target"}));
}

// The same devices in another order are no change of the list (a reload warned that it took a
// restart, which stops every device); another path, one more or one fewer is.
TEST(MxrtdConfig, DeviceListChangedIgnoresTheOrder) {
	const std::vector<std::string> two = {"/dev/max30102-0", "/dev/max30102-1"};
	EXPECT_FALSE(DeviceListChanged(two, two));
	EXPECT_FALSE(DeviceListChanged(two, {"/dev/max30102-1", "/dev/max30102-0"}));
	EXPECT_TRUE(DeviceListChanged(two, {"/dev/max30102-0"}));
	EXPECT_TRUE(DeviceListChanged(two, {"/dev/max30102-0", "/dev/max30102-1", "/dev/max30102-2"}));
	EXPECT_TRUE(DeviceListChanged(two, {"/dev/max30102-0", "/dev/max30102-2"}));
	EXPECT_TRUE(DeviceListChanged(two, {"/dev/max30102-0", "/dev/max30102-0"}));
}

} // namespace
} // namespace mxrtd
