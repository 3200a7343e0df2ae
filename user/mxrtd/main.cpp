// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, as a systemd service; the VM guests' tests, the demo and the
// benchmark). mxrtd: the real-time daemon. docs/daemon.md is its manual.
//
//   mxrtd [OPTIONS] [DEVICE...]          (mxrtd --help lists the options)
//   mxrtd -c /etc/mxrtd/mxrtd.toml
//
// Start: configuration (file, then flags) validated -> memory locked -> per device: opened,
// locked against a second daemon, configured, its segment, message queue and FIFO made -> the
// consumer threads -> one acquisition thread per device, scheduled and reading -> the segments
// RUNNING, READY=1 to systemd. Then the main thread waits for signals and reads the temperature
// every temp_interval_ms. SIGHUP reloads the configuration file; SIGINT/SIGTERM stop: the
// acquisition threads end, the segments go STOPPED (which wakes every consumer), and the
// segments, queues and FIFOs are removed. Nothing is left in /dev/shm or /dev/mqueue.
//
// Exit status: 0 after SIGINT/SIGTERM; 1 an error (a device, a resource); 2 a bad configuration
// or command line; 3 something configured is unavailable (SCHED_DEADLINE, io_uring, futex_waitv,
// locked memory) and no fallback is allowed; 4 another mxrtd serves one of the devices.
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <optional>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "acquire.hpp"
#include "config.hpp"
#include "consumers.hpp"
#include "device.hpp"
#include "futex.hpp"
#include "log.hpp"
#include "messages.hpp"
#include "sched.hpp"
#include "shm.hpp"
#include "../lib/stdout_check.hpp"

namespace mxrtd {
namespace {

// systemd's readiness protocol (sd_notify(3)): one datagram to $NOTIFY_SOCKET, when set.
void Notify(const char *state) {
	const char *path = std::getenv("NOTIFY_SOCKET");
	if (!path || (path[0] != '/' && path[0] != '@') || std::strlen(path) >= sizeof(sockaddr_un::sun_path))
		return;
	const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	sockaddr_un sa{};
	sa.sun_family = AF_UNIX;
	std::strcpy(sa.sun_path, path);
	if (path[0] == '@')
		sa.sun_path[0] = 0; // abstract namespace
	const socklen_t len = socklen_t(offsetof(sockaddr_un, sun_path) + std::strlen(path));
	if (sendto(fd, state, std::strlen(state), MSG_NOSIGNAL, reinterpret_cast<sockaddr *>(&sa), len) < 0)
		LOG_D("sd_notify: %s", std::strerror(errno));
	close(fd);
}

std::uint64_t NowNs() {
	timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return std::uint64_t(ts.tv_sec) * 1000000000ull + std::uint64_t(ts.tv_nsec);
}

// One device: its file, segment, outputs and acquisition thread.
struct Pipeline {
	DeviceSettings settings;
	Device dev;
	Segment seg;
	Outputs out;
	std::string mq_name;
	std::unique_ptr<Acquisition> acq;
	std::uint64_t reloads = 0;
	bool temp_failing = false;        // the last temperature reading failed
	bool temp_failing_said = false;   // ... and that was said (so its end is said too)
	std::uint64_t temp_said_ns = 0;   // when failures were last said to begin (once a minute at most)
	std::uint32_t published_policy = MXRTD_POLICY_OTHER; // what the segment says
	std::uint64_t published_sched_gen = 0;               // ... as of this reschedule attempt
	std::uint64_t published_restarts = 0;                // ... and as of this many RESTART records
	// the driver's configuration before ConfigureDevice changed it: put back if the start fails
	std::optional<DeviceSettings> before;
};

class Daemon {
public:
	Daemon(const CommandLine &cl, const Config &cfg) : cl_(cl), cfg_(cfg) {}
	~Daemon() { Shutdown(); }
	int Start();
	int Run(); // until SIGINT/SIGTERM (0) or a failed device (1)

private:
	int OpenDevice(Pipeline *p);
	int ConfigureDevice(Pipeline *p);
	int FailStart(int code);
	void PublishConfig(Pipeline *p);
	void ReadTemperatures();
	void Reload();
	void StopThreads();
	void Shutdown();

	CommandLine cl_;
	Config cfg_;
	std::vector<std::unique_ptr<Pipeline>> pipes_;
	Consumers consumers_;
	bool mlocked_ = false;
	bool partition_ = false;
	bool shut_ = false;
	MadeDir fifo_dir_made_; // made by OpenDevice: removed at exit (if it is empty then)
};

int Daemon::OpenDevice(Pipeline *p) {
	std::string err;
	if (p->dev.Open(p->settings.path, &err) != 0) {
		LOG_E("%s", err.c_str());
		return 1;
	}
	int holder = 0;
	std::string warn;
	const int lr = p->dev.LockExclusive(&holder, &warn);
	if (!warn.empty())
		LOG_W("%s: %s", p->dev.path().c_str(), warn.c_str());
	if (lr == -EBUSY && holder == getpid()) { // this daemon's own lock: one device under two names
		LOG_E("%s is a device this mxrtd already serves under another name: name each device once",
		      p->dev.path().c_str());
		return 2;
	}
	if (lr == -EBUSY) {
		LOG_E("%s is already served by another mxrtd%s: not starting a second instance", p->dev.path().c_str(),
		      holder ? (" (pid " + std::to_string(holder) + ")").c_str() : "");
		return 4;
	}
	if (lr != 0) {
		LOG_E("%s: the lock against a second daemon: %s", p->dev.path().c_str(), std::strerror(-lr));
		return 1;
	}
	const std::string name = ShmNameFor(cfg_.shm_prefix, p->dev.path());
	if (name.empty()) {
		LOG_E("%s: no device name to name the shared memory after", p->dev.path().c_str());
		return 1;
	}
	Segment::Found found;
	std::uint32_t owner = 0, owner_uid = 0;
	int e = 0;
	p->seg = Segment::Create(name, cfg_.ring_records, cfg_.shm_mode, &e, &found, &owner, &owner_uid);
	if (e == -EBUSY) {
		LOG_E("/dev/shm%s is held by a running process%s: not starting a second instance", name.c_str(),
		      owner ? (" (pid " + std::to_string(owner) + ")").c_str() : "");
		return 4;
	}
	if (e != 0 && found == Segment::Found::kForeign) {
		LOG_E("/dev/shm%s belongs to another user (uid %u) and cannot be replaced: %s", name.c_str(), owner_uid,
		      std::strerror(-e));
		return 1;
	}
	if (e != 0) {
		LOG_E("shared memory /dev/shm%s: %s", name.c_str(), std::strerror(-e));
		return 1;
	}
	if (found == Segment::Found::kForeign && owner_uid == geteuid())
		LOG_W("/dev/shm%s was not a regular file (no daemon's segment): replaced", name.c_str());
	else if (found == Segment::Found::kForeign)
		LOG_W("/dev/shm%s belonged to another user (uid %u), not to a daemon of this one: replaced", name.c_str(),
		      owner_uid);
	if (found == Segment::Found::kStale)
		LOG_W("/dev/shm%s was left by a daemon that is no longer running%s: replaced", name.c_str(),
		      owner ? (" (pid " + std::to_string(owner) + ")").c_str() : "");
	InitHeader(p->seg.shm(), cfg_.ring_records, std::uint32_t(getpid()), p->dev.index(), p->dev.path());
	p->out.device_name = p->dev.name();
	p->out.device_index = p->dev.index();
	p->out.seg = &p->seg;
	if (cfg_.mqueue) {
		p->mq_name = name;
		const int qe = OpenMessageQueue(name, cfg_.mqueue_maxmsg, cfg_.shm_mode, &p->out.mq, &err);
		if (qe != 0) {
			LOG_E("%s", err.c_str());
			// a depth this system does not give the daemon: a restart would fail the same way
			return qe == -EINVAL || qe == -EMFILE ? 3 : 1;
		}
	}
	long foreign = -1;
	MadeDir made;
	const int fr = cfg_.fifo ? MakeFifo(cfg_.fifo_dir, p->dev.name(), cfg_.shm_mode, &p->out.fifo_path,
					    &p->out.fifo_id, &err, &foreign, &made)
				 : 0;
	// the first device's start makes it; another one only if that was moved away meanwhile, which
	// is not the daemon's to remove (its descriptor is let go)
	if (made.parent >= 0 && fifo_dir_made_.parent < 0)
		fifo_dir_made_ = made;
	else if (made.parent >= 0)
		close(made.parent);
	if (fr != 0) {
		LOG_E("%s", err.c_str());
		return 1;
	}
	if (foreign >= 0)
		LOG_W("%s was a FIFO of uid %ld, who could write lines into it as the daemon's: replaced",
		      p->out.fifo_path.c_str(), foreign);
	return 0;
}

// The device's configuration, once every device's outputs are made (OpenDevice): a start that fails
// there (a device served by another daemon, a segment held, a queue or FIFO that cannot be made)
// has reconfigured no device.
int Daemon::ConfigureDevice(Pipeline *p) {
	std::string err;
	DeviceSettings before;
	if (p->settings.AnySet() && p->dev.ReadSettings(&before) == 0)
		p->before = before; // (a device whose configuration cannot be read fails in Apply, which reads it too)
	if (const int r = p->dev.Apply(p->settings, &err)) {
		LOG_E("%s", err.c_str());
		return r == -EINVAL ? 2 : 1; // a configuration the chip does not allow, or a device error
	}
	if (!p->dev.HasVitals())
		LOG_W("%s: the driver offers no vitals interface (MXRT_MAX30102_IOC_GET_VITALS): publishing samples and "
		      "temperature only, no vitals messages",
		      p->dev.path().c_str());
	return 0;
}

// A start that fails after ConfigureDevice changed a device (an earlier device's configuration,
// the consumers' CPUs or priority refused, an acquisition thread's scheduling refused with no
// fallback, a first read failing) puts back what each device had, as a start that fails earlier
// changes nothing: exit @code.
int Daemon::FailStart(int code) {
	StopThreads(); // no thread reads, publishes or is woken while the devices change under it
	for (auto it = pipes_.rbegin(); it != pipes_.rend(); ++it) {
		Pipeline &p = **it;
		if (!p.before)
			continue;
		std::string err;
		if (p.dev.Apply(*p.before, &err) == 0)
			LOG_I("%s: the start failed: its configuration is back as it was", p.dev.path().c_str());
		else
			LOG_E("%s: the start failed, and its configuration could not be put back: %s", p.dev.path().c_str(),
			      err.c_str());
		p.before.reset();
	}
	return code;
}

void Daemon::PublishConfig(Pipeline *p) {
	// counted before the read-back: a RESTART read after it is a configuration this one may miss
	if (p->acq)
		p->published_restarts = p->acq->Restarts();
	mxrtd_shm_config c{};
	if (p->dev.ReadConfig(&c) != 0)
		LOG_W("%s: cannot read the driver's configuration back", p->dev.path().c_str());
	// the scheduling the thread runs under, not the last reload's: a refused one is not in force
	if (p->acq)
		p->published_sched_gen = p->acq->SchedGen();
	const Config run = p->acq ? p->acq->Running() : cfg_;
	c.sched_policy = p->acq ? p->acq->policy() : MXRTD_POLICY_OTHER;
	c.sched_priority = c.sched_policy == MXRTD_POLICY_FIFO ? run.priority : 0;
	if (c.sched_policy == MXRTD_POLICY_DEADLINE) {
		c.runtime_ns = run.runtime_ns;
		c.deadline_ns = run.deadline_ns;
		c.period_ns = run.period_ns;
	}
	for (int cpu : run.cpus)
		if (cpu < 64)
			c.cpus |= 1ull << cpu;
	const IoMethod io = p->acq ? p->acq->io() : cfg_.io;
	c.io_method = io == IoMethod::kUring ? MXRTD_IO_URING : io == IoMethod::kPoll ? MXRTD_IO_POLL : MXRTD_IO_READ;
	c.wait_method = consumers_.method() == WaitMethod::kFutexWaitv ? MXRTD_WAIT_FUTEX_WAITV : MXRTD_WAIT_FUTEX;
	c.mlocked = mlocked_;
	c.batch = cfg_.batch;
	c.reloads = p->reloads;
	p->published_policy = c.sched_policy;
	ShmWriter(p->seg.shm()).PublishConfig(c);
}

int Daemon::Start() {
	RememberInheritedAffinity(); // what "not pinned" means, before any thread is moved
	// Small stacks before the first thread: under MCL_FUTURE each is faulted in at creation.
	if (const int r = SetThreadStacks())
		LOG_W("threads keep glibc's default stack size (%s): each is locked whole at creation",
		      std::strerror(-r));
	// Memory first: everything after this (threads' stacks, buffers, the segments) is locked.
	if (cfg_.lock_memory != LockMemory::kOff) {
		std::string why;
		if (LockMemory(&why) == 0) {
			mlocked_ = true;
		} else if (cfg_.lock_memory == LockMemory::kRequired) {
			LOG_E("%s; memory locking is required (lock = \"required\"): exiting", why.c_str());
			return 3;
		} else {
			LOG_W("%s; running with memory that can be paged out (lock = \"try\")", why.c_str());
		}
	}
	// From here no thread writes the log itself (a stderr nobody drains blocked the real-time
	// threads, and then the stop that joins them)
	if (const int r = LogStartWriter())
		LOG_W("the log's writer thread: %s: every thread writes its own lines", std::strerror(-r));
	if (!cfg_.cpuset_partition.empty()) {
		std::string why;
		if (MakeCpusetPartition(cfg_.cpuset_partition, cfg_.cpus, &why) != 0) {
			LOG_E("cpuset partition %s: %s", cfg_.cpuset_partition.c_str(), why.c_str());
			return 1;
		}
		partition_ = true;
		LOG_I("CPUs %s are the cpuset partition /sys/fs/cgroup/%s, with the daemon in it", FormatCpuList(cfg_.cpus).c_str(),
		      cfg_.cpuset_partition.c_str());
	}
	for (const DeviceSettings &s : cfg_.devices) {
		auto p = std::make_unique<Pipeline>();
		p->settings = s;
		pipes_.push_back(std::move(p));
		if (const int r = OpenDevice(pipes_.back().get()))
			return r;
	}
	for (auto &p : pipes_)
		if (const int r = ConfigureDevice(p.get()))
			return FailStart(r);
	std::vector<Outputs *> outs;
	for (auto &p : pipes_)
		outs.push_back(&p->out);
	if (const int r = consumers_.Start(outs, cfg_))
		return FailStart(r);
	for (auto &p : pipes_) {
		p->acq = std::make_unique<Acquisition>(&p->dev, &p->seg, cfg_);
		if (const int r = p->acq->Start()) {
			p->acq.reset();
			return FailStart(r);
		}
	}
	for (auto &p : pipes_)
		if (p->acq->Failed()) // its first read failed already (said above): not "running"
			return FailStart(1);
	for (auto &p : pipes_)
		p->before.reset(); // running: the configuration stays
	for (auto &p : pipes_) {
		PublishConfig(p.get());
		StoreAndWake(&p->seg.shm()->events.state.value, MXRTD_STATE_RUNNING);
		Bump(&p->seg.shm()->events.any.value);
		mxrtd_shm_config c{};
		ReadConfig(p->seg.shm(), &c);
		LOG_I("%s: running (%s %u Hz, configured through %s; shared memory /dev/shm%s%s%s%s%s%s)", p->dev.path().c_str(),
		      ModeName(c.mode), c.sample_rate_hz, p->dev.ConfigInterface(), p->seg.name().c_str(),
		      p->out.mq != mqd_t(-1) ? ", message queue " : "", p->out.mq != mqd_t(-1) ? p->mq_name.c_str() : "",
		      p->out.fifo_path.empty() ? "" : ", FIFO ", p->out.fifo_path.c_str(), mlocked_ ? ", memory locked" : "");
	}
	if (cfg_.temp_interval_ms) // 0: never (a conversion takes the chip about 30 ms)
		ReadTemperatures();
	Notify("READY=1\nSTATUS=reading");
	return 0;
}

void Daemon::ReadTemperatures() {
	for (auto &p : pipes_) {
		std::int32_t mc = 0;
		const int r = p->dev.ReadTemp(&mc);
		mxrtd_shm_temp t{};
		ReadTemp(p->seg.shm(), &t);
		if (r == 0) {
			t.millicelsius = mc;
			t.flags |= MXRTD_TEMP_VALID;
			t.timestamp_ns = NowNs();
			if (p->temp_failing_said)
				LOG_I("%s: reading the temperature works again (%llu failed since the start)",
				      p->dev.path().c_str(), static_cast<unsigned long long>(t.errors));
			p->temp_failing = p->temp_failing_said = false;
		} else {
			// said when failures begin, at most once a minute (a bus that fails every other
			// reading would say it at every reading); the count is in temp_errors either way
			const std::uint64_t now = NowNs();
			if (!p->temp_failing && (p->temp_said_ns == 0 || now - p->temp_said_ns >= 60000000000ull)) {
				LOG_W("%s: reading the temperature (%s): %s; %s", p->dev.path().c_str(), p->dev.TempInterface(),
				      std::strerror(-r),
				      t.flags & MXRTD_TEMP_VALID ? "the last good value is kept, with its age" : "no value yet");
				p->temp_failing_said = true;
				p->temp_said_ns = now;
			}
			p->temp_failing = true;
			t.errors++;
		}
		ShmWriter(p->seg.shm()).PublishTemp(t);
		Bump(&p->seg.shm()->events.temp.value);
		Bump(&p->seg.shm()->events.any.value);
	}
}

void Daemon::Reload() {
	Notify("RELOADING=1");
	Config c;
	std::string err;
	// a reload refused, whatever refused it: said, and nothing of it applied
	auto keep_running = [&err] {
		LOG_E("reload: %s: keeping the running configuration", err.c_str());
		Notify("READY=1");
	};
	// With the memory locked (mlockall(MCL_FUTURE)) under a finite RLIMIT_MEMLOCK, every
	// allocation counts against that limit, and a large file's parse can run out of it:
	// std::bad_alloc, which reached std::terminate and left every output behind.
	try {
		if (!cl_.config_file.empty() && !LoadTomlFile(cl_.config_file, &c, &err))
			return keep_running();
		if (!ApplyCommandLine(cl_, &c, &err) || !Validate(c, &err))
			return keep_running();
	} catch (const std::bad_alloc &) {
		err = (cl_.config_file.empty() ? std::string("the command line") : cl_.config_file) +
		      ": out of memory reading it (the daemon's memory is locked: RLIMIT_MEMLOCK, LimitMEMLOCK= "
		      "in a unit, leaves too little for this file)";
		return keep_running();
	}
	std::string changed;
	// What needs a restart is said, not half-done.
	std::vector<std::string> now, want;
	for (auto &p : pipes_)
		now.push_back(p->settings.path);
	for (const DeviceSettings &d : c.devices)
		want.push_back(d.path);
	if (DeviceListChanged(now, want))
		LOG_W("reload: the list of devices changed: that takes a restart (systemctl restart mxrtd)");
	if (const std::vector<std::string> kept = RestartOnlyChanges(cfg_, c); !kept.empty()) {
		std::string keys;
		for (const std::string &k : kept)
			keys += (keys.empty() ? "" : ", ") + k;
		LOG_W("reload: %s changed: that takes a restart; kept as it is", keys.c_str());
	}
	// All or nothing, as at start: every device's new settings checked against what its driver
	// has before any is written. One refused (a rate the pulse width it keeps does not allow, a
	// configuration that cannot be read) left the others, the scheduling and the log level
	// changed under "reloaded the configuration".
	// The file's device keys against what each driver has now, not against the last file: a value
	// changed through sysfs since is put back by a reload of the same file (it was left as it
	// was, under "reloaded the configuration"). Writing what is in force changes nothing.
	struct Change {
		Pipeline *p;
		const DeviceSettings *to;
		DeviceSettings before;
		bool wrote = false;  // Apply changed the driver's configuration (all or part of it)
		bool needed = false; // the file says something the driver does not have
	};
	std::vector<Change> todo;
	for (auto &p : pipes_)
		for (const DeviceSettings &d : c.devices)
			if (d.path == p->settings.path && (d.AnySet() || !(d == p->settings)))
				todo.push_back({p.get(), &d, {}, false, false});
	const auto differs = [](const std::optional<std::uint32_t> &want, const std::optional<std::uint32_t> &has) {
		return want && (!has || *want != *has);
	};
	for (Change &ch : todo) {
		int r = ch.p->dev.Check(*ch.to, &err);
		if (r == 0 && (r = ch.p->dev.ReadSettings(&ch.before)) != 0)
			err = ch.p->dev.path() + ": cannot read the driver's configuration: " + std::strerror(-r);
		if (r != 0)
			return keep_running();
		const DeviceSettings &t = *ch.to, &b = ch.before;
		ch.needed = differs(t.mode, b.mode) || differs(t.sample_rate_hz, b.sample_rate_hz) ||
			    differs(t.pulse_width_us, b.pulse_width_us) || differs(t.adc_range_na, b.adc_range_na) ||
			    differs(t.sample_average, b.sample_average) || differs(t.fifo_almost_full, b.fifo_almost_full) ||
			    differs(t.red_current_ua, b.red_current_ua) || differs(t.ir_current_ua, b.ir_current_ua);
	}
	for (std::size_t i = 0; i < todo.size(); i++) {
		if (!todo[i].needed || todo[i].p->dev.Apply(*todo[i].to, &err, &todo[i].wrote) == 0)
			continue;
		// a write failed (I/O, or the driver changed meanwhile): the devices written so far, this
		// one too where part of it was (sysfs writes one value at a time), go back to what they had
		// (READY=1 once they are back)
		LOG_E("reload: %s: keeping the running configuration", err.c_str());
		for (std::size_t k = i + 1; k-- > 0;) {
			std::string back_err;
			if (todo[k].wrote && todo[k].p->dev.Apply(todo[k].before, &back_err) != 0)
				LOG_E("reload: %s: its configuration could not be put back: %s", todo[k].p->dev.path().c_str(),
				      back_err.c_str());
		}
		Notify("READY=1");
		return;
	}
	for (Change &ch : todo) {
		ch.p->settings = *ch.to;
		if (ch.needed)
			changed += " " + ch.p->dev.name();
	}
	// Each thread's scheduling against what it will run under: a reload it has not tried yet, or
	// what runs now (a reload it refused left the one before: the same file again tries again,
	// it is not taken for "nothing changed"; one put back before the thread tried a pending one
	// replaces that)
	bool resched = false;
	for (auto &p : pipes_) {
		Config next = p->acq->Wanted();
		if (c.policy != next.policy || c.runtime_ns != next.runtime_ns || c.deadline_ns != next.deadline_ns ||
		    c.period_ns != next.period_ns || c.priority != next.priority || c.cpus != next.cpus ||
		    c.sched_fallback != next.sched_fallback) {
			next.policy = c.policy;
			next.runtime_ns = c.runtime_ns;
			next.deadline_ns = c.deadline_ns;
			next.period_ns = c.period_ns;
			next.priority = c.priority;
			next.cpus = c.cpus;
			next.sched_fallback = c.sched_fallback;
			p->acq->Reschedule(next);
			resched = true;
		}
	}
	cfg_.policy = c.policy;
	cfg_.runtime_ns = c.runtime_ns;
	cfg_.deadline_ns = c.deadline_ns;
	cfg_.period_ns = c.period_ns;
	cfg_.priority = c.priority;
	cfg_.cpus = c.cpus;
	cfg_.sched_fallback = c.sched_fallback;
	cfg_.temp_interval_ms = c.temp_interval_ms;
	cfg_.log_level = c.log_level;
	LogSetLevel(c.log_level);
	for (auto &p : pipes_) {
		p->reloads++;
		PublishConfig(p.get()); // the device's now; the scheduling once the thread has tried it
	}
	LOG_I("reloaded the configuration%s%s%s", cl_.config_file.empty() ? "" : (" from " + cl_.config_file).c_str(),
	      changed.empty() ? "" : ": applied to", changed.c_str());
	if (resched)
		LOG_I("reload: the acquisition threads reschedule themselves at their next wake-up");
	Notify("READY=1");
}

int Daemon::Run() {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	std::uint64_t next_temp = cfg_.temp_interval_ms ? NowNs() + cfg_.temp_interval_ms * 1000000ull : 0;
	for (;;) {
		// at most 200 ms, so that a device that went away is noticed
		std::uint64_t wait_ns = 200000000;
		const std::uint64_t now = NowNs();
		if (next_temp && next_temp > now && next_temp - now < wait_ns)
			wait_ns = next_temp - now;
		timespec ts{time_t(wait_ns / 1000000000ull), long(wait_ns % 1000000000ull)};
		const int sig = sigtimedwait(&set, nullptr, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			LOG_I("%s: stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
			return 0;
		}
		if (sig == SIGHUP) {
			Reload();
			next_temp = cfg_.temp_interval_ms ? NowNs() + cfg_.temp_interval_ms * 1000000ull : 0;
		}
		for (auto &p : pipes_) {
			if (p->acq && p->acq->Failed())
				return 1;
			if (p->acq && (p->acq->policy() != p->published_policy || p->acq->SchedGen() != p->published_sched_gen))
				PublishConfig(p.get()); // the thread rescheduled itself, or kept its scheduling (SIGHUP)
			else if (p->acq && p->acq->Restarts() != p->published_restarts)
				PublishConfig(p.get()); // the device was configured anew: by a reload, or through sysfs
		}
		if (next_temp && NowNs() >= next_temp) {
			ReadTemperatures();
			next_temp = NowNs() + cfg_.temp_interval_ms * 1000000ull;
		}
	}
}

// The acquisition threads stopped, the consumers woken by STOPPED and joined. Again is harmless.
void Daemon::StopThreads() {
	for (auto &p : pipes_)
		if (p->acq)
			p->acq->Stop();
	// STOPPED wakes every consumer, ours and other programs'
	for (auto &p : pipes_)
		if (p->seg.valid()) {
			StoreAndWake(&p->seg.shm()->events.state.value, MXRTD_STATE_STOPPED);
			Bump(&p->seg.shm()->events.any.value);
		}
	consumers_.Join();
}

void Daemon::Shutdown() {
	if (shut_)
		return;
	shut_ = true;
	Notify("STOPPING=1");
	StopThreads();
	for (auto &p : pipes_) {
		if (p->out.mq != mqd_t(-1)) {
			mq_close(p->out.mq);
			mq_unlink(p->mq_name.c_str());
		}
		if (p->out.fifo_fd >= 0)
			close(p->out.fifo_fd);
		// only the daemon's own: whatever another user put at the path is theirs
		CloseFifo(&p->out.fifo_id);
		p->seg.Shutdown();
	}
	pipes_.clear();
	// only if nothing else was put there meanwhile (rmdir refuses a directory that is not empty)
	const std::string made_path = fifo_dir_made_.path;
	if (const int r = RemoveMadeDir(&fifo_dir_made_); r != 0 && r != -ENOTEMPTY && r != -EEXIST)
		LOG_W("rmdir %s (made at the start): %s", made_path.c_str(), std::strerror(-r));
	if (partition_)
		RemoveCpusetPartition(cfg_.cpuset_partition);
}

} // namespace
} // namespace mxrtd

int main(int argc, char **argv) {
	using namespace mxrtd;
	CommandLine cl;
	std::string text;
	const int pr = ParseCommandLine(argc, argv, &cl, &text);
	if (pr >= 0) {
		std::fputs(text.c_str(), pr == 0 ? stdout : stderr);
		return mxrt::cli::StdoutChecked("mxrtd", pr); // --help, --version: lost output is an error
	}
	Config cfg;
	std::string err;
	if ((!cl.config_file.empty() && !LoadTomlFile(cl.config_file, &cfg, &err)) || !ApplyCommandLine(cl, &cfg, &err) ||
	    !Validate(cfg, &err)) {
		std::fprintf(stderr, "mxrtd: %s\n", err.c_str());
		return 2;
	}
	if (cl.check_config) {
		// valid, but this system's default limit refuses it to the shipped unit: said, exit 0
		if (cfg.mqueue)
			if (const std::string note = MessageQueueDepthNote(cfg.mqueue_maxmsg); !note.empty())
				std::fprintf(stderr, "mxrtd: note: %s\n", note.c_str());
		std::fputs(ToToml(cfg).c_str(), stdout);
		return mxrt::cli::StdoutChecked("mxrtd", 0); // a script must not take a lost print for a valid file
	}
	LogInit(cfg.log_target, cfg.log_level);
	// Every thread inherits this mask: INT/TERM/HUP are the main thread's (sigtimedwait), SIGUSR1
	// and SIGXCPU the acquisition threads' (they unblock them), SIGPIPE nobody's (a FIFO reader
	// that goes away is an EPIPE).
	sigset_t set;
	sigemptyset(&set);
	for (int s : {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGXCPU})
		sigaddset(&set, s);
	pthread_sigmask(SIG_BLOCK, &set, nullptr);
	signal(SIGPIPE, SIG_IGN);
	InstallAcquisitionSignals();

	int status;
	{
		Daemon d(cl, cfg);
		status = d.Start();
		if (status == 0)
			status = d.Run();
	}
	LOG_I("stopped%s", status ? (" (exit status " + std::to_string(status) + ")").c_str() : "");
	LogStopWriter(1000); // the last lines out, unless stderr stays blocked: then exit anyway
	return status;
}
