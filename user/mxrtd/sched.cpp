// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See sched.hpp.
#include "sched.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sched.h>
#include <sstream>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mxrt/mxrtd.h>

// struct sched_attr (sched_setattr(2); <linux/sched/types.h> clashes with glibc's <sched.h>)
struct sched_attr {
	std::uint32_t size, sched_policy;
	std::uint64_t sched_flags;
	std::int32_t sched_nice;
	std::uint32_t sched_priority;
	std::uint64_t sched_runtime, sched_deadline, sched_period;
	std::uint32_t sched_util_min, sched_util_max;
};

#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif
#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif
#ifndef SCHED_FLAG_DL_OVERRUN
#define SCHED_FLAG_DL_OVERRUN 0x04
#endif

namespace mxrtd {

static int SetAttr(const sched_attr &a) {
	sched_attr attr = a;
	attr.size = sizeof(attr);
	return syscall(SYS_sched_setattr, 0, &attr, 0u) == 0 ? 0 : -errno;
}

int SetDeadline(std::uint64_t runtime_ns, std::uint64_t deadline_ns, std::uint64_t period_ns, bool overrun_signal) {
	sched_attr a{};
	a.sched_policy = SCHED_DEADLINE;
	// RESET_ON_FORK: a deadline task may not fork, and io_uring may create io-wq workers from it
	// (then they run as SCHED_OTHER)
	a.sched_flags = SCHED_FLAG_RESET_ON_FORK | (overrun_signal ? SCHED_FLAG_DL_OVERRUN : 0);
	a.sched_runtime = runtime_ns;
	a.sched_deadline = deadline_ns;
	a.sched_period = period_ns;
	return SetAttr(a);
}

int SetFifo(std::uint32_t priority) {
	sched_attr a{};
	a.sched_policy = SCHED_FIFO;
	a.sched_priority = priority;
	return SetAttr(a);
}

int SetOther() {
	sched_attr a{};
	a.sched_policy = SCHED_OTHER;
	return SetAttr(a);
}

namespace {
cpu_set_t g_inherited; // the daemon's CPUs at start (taskset, systemd's CPUAffinity=)
bool g_have_inherited = false;
} // namespace

void RememberInheritedAffinity() {
	CPU_ZERO(&g_inherited);
	g_have_inherited = sched_getaffinity(0, sizeof(g_inherited), &g_inherited) == 0;
}

int SetAffinity(const std::vector<int> &cpus) {
	cpu_set_t set;
	if (cpus.empty()) {
		// Not pinned: the CPUs the daemon started with, so that a reload dropping `cpus` unpins.
		if (!g_have_inherited)
			return 0;
		set = g_inherited;
	} else {
		CPU_ZERO(&set);
		for (int c : cpus)
			CPU_SET(c, &set);
	}
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -errno;
	if (cpus.empty())
		return 0;
	// The kernel drops CPUs that are offline or outside the cpuset as long as one is left: the
	// thread would run where it was not asked to.
	cpu_set_t got;
	CPU_ZERO(&got);
	if (sched_getaffinity(0, sizeof(got), &got) != 0)
		return -errno;
	return CPU_EQUAL(&got, &set) ? 0 : -EINVAL;
}

std::string DescribeAffinityRefusal(int err, const std::vector<int> &cpus) {
	std::ifstream in("/sys/devices/system/cpu/online");
	std::string online;
	std::getline(in, online);
	return "CPUs " + FormatCpuList(cpus) + " refused (" + std::strerror(-err) +
	       "): each must be online and in the daemon's cpuset" + (online.empty() ? "" : " (online: " + online + ")");
}

std::uint32_t CurrentPolicy() {
	sched_attr a{};
	if (syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0u) != 0)
		return MXRTD_POLICY_OTHER;
	switch (a.sched_policy) {
	case SCHED_DEADLINE: return MXRTD_POLICY_DEADLINE;
	case SCHED_FIFO: return MXRTD_POLICY_FIFO;
	default: return MXRTD_POLICY_OTHER;
	}
}

bool Capable(int cap) {
	// CapEff of /proc/self/status (no libcap needed)
	std::ifstream in("/proc/self/status");
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind("CapEff:", 0) == 0) {
			unsigned long long v = std::stoull(line.substr(7), nullptr, 16);
			return (v >> cap) & 1;
		}
	}
	return false;
}

std::string DescribeDeadlineRefusal(int err, const std::vector<int> &cpus) {
	std::string s = "SCHED_DEADLINE refused (" + std::string(std::strerror(-err)) + "): ";
	if (err == -EPERM && !Capable(23 /* CAP_SYS_NICE */))
		return s + "the daemon lacks CAP_SYS_NICE (run it as root or with AmbientCapabilities=CAP_SYS_NICE)";
	if ((err == -EPERM || err == -EBUSY) && !cpus.empty())
		return s + "a deadline thread must be allowed on a whole root domain, and CPUs " + FormatCpuList(cpus) +
		       " are not one: make them a cpuset partition (cpuset_partition) or isolate them at boot (isolcpus=domain," +
		       FormatCpuList(cpus) + "), or do not pin (cpus = \"\")";
	if (err == -EBUSY)
		return s + "the kernel's admission control has no bandwidth left for runtime/period on these CPUs "
			   "(other deadline tasks, or /proc/sys/kernel/sched_rt_runtime_us)";
	if (err == -EINVAL)
		return s + "the kernel refused runtime/deadline/period (see /proc/sys/kernel/sched_deadline_period_{min,max}_us)";
	if (err == -ENOSYS)
		return s + "this kernel has no sched_setattr";
	return s + "see sched_setattr(2)";
}

int LockMemory(std::string *why) {
	if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0)
		return 0;
	const int err = errno;
	rlimit rl{};
	getrlimit(RLIMIT_MEMLOCK, &rl);
	if (err == ENOMEM || err == EPERM)
		*why = "mlockall: " + std::string(std::strerror(err)) + " (RLIMIT_MEMLOCK is " +
		       (rl.rlim_cur == RLIM_INFINITY ? std::string("unlimited") : std::to_string(rl.rlim_cur / 1024) + " KiB") +
		       "; give the daemon CAP_IPC_LOCK or LimitMEMLOCK=infinity)";
	else
		*why = "mlockall: " + std::string(std::strerror(err));
	return -err;
}

int IoUringDisabledSysctl() {
	std::ifstream in("/proc/sys/kernel/io_uring_disabled");
	int v = -1;
	if (in >> v)
		return v;
	return -1;
}

// ---- cpuset partition ------------------------------------------------------------------------------

static const char kCgroupRoot[] = "/sys/fs/cgroup";

static int WriteFile(const std::string &path, const std::string &value) {
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, value.data(), value.size());
	int err = n == ssize_t(value.size()) ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return err;
}

static std::string ReadFile(const std::string &path) {
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	std::string s = ss.str();
	while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
		s.pop_back();
	return s;
}

static std::string g_origin_cgroup; // where the process was before it moved into the partition

int MakeCpusetPartition(const std::string &name, const std::vector<int> &cpus, std::string *why) {
	const std::string root = kCgroupRoot, dir = root + "/" + name;
	if (access((root + "/cgroup.subtree_control").c_str(), W_OK) != 0) {
		*why = "no writable cgroup v2 hierarchy at " + root + " (mount -t cgroup2 none " + root + ")";
		return -ENOENT;
	}
	// A cgroup of that name with processes or cgroups in it is someone's: making it a partition
	// would confine its processes to the daemon's CPUs, beside the real-time thread. An empty one
	// (a killed daemon's, or made for it) is taken, and removed at exit like one made here.
	struct stat st;
	if (stat(dir.c_str(), &st) == 0) {
		const std::string procs = ReadFile(dir + "/cgroup.procs"), stat_text = ReadFile(dir + "/cgroup.stat");
		const bool children = stat_text.find("nr_descendants 0") == std::string::npos;
		if (!S_ISDIR(st.st_mode) || !procs.empty() || children) {
			*why = dir + (!S_ISDIR(st.st_mode) ? " is not a cgroup"
				      : !procs.empty()   ? " holds processes (pid " + procs.substr(0, procs.find('\n')) + " and maybe more)"
							 : " holds cgroups") +
			       ": someone else's, not the daemon's to make a partition of; name another cpuset_partition";
			return -EBUSY;
		}
	}
	// the process's cgroup, to go back to at exit ("0::/path")
	std::string self = ReadFile("/proc/self/cgroup");
	const std::size_t p = self.find("0::");
	g_origin_cgroup = p == std::string::npos ? "/" : self.substr(p + 3);
	// The root's cpuset controller, enabled here if it was not: a start that cannot have the
	// partition turns it off again, so that a refused start changes nothing. Once the daemon runs
	// it stays on at exit: other cgroups may have come to use it by then.
	const std::string controllers = " " + ReadFile(root + "/cgroup.subtree_control") + " ";
	const bool enabled = controllers.find(" cpuset ") == std::string::npos;
	int err = enabled ? WriteFile(root + "/cgroup.subtree_control", "+cpuset") : 0;
	if (err) {
		*why = "cannot enable the cpuset controller in " + root + ": " + std::strerror(-err);
		return err;
	}
	bool made = true;
	// Nothing this call made or enabled is left behind when the partition cannot be had.
	auto fail = [&](int e, const std::string &msg) {
		*why = msg;
		if (made)
			rmdir(dir.c_str());
		if (enabled)
			WriteFile(root + "/cgroup.subtree_control", "-cpuset");
		return e;
	};
	if (mkdir(dir.c_str(), 0755) != 0) {
		made = false; // an empty one (checked above): left as it is if the partition cannot be had
		if (errno != EEXIST) {
			err = -errno;
			return fail(err, "mkdir " + dir + ": " + std::strerror(-err));
		}
	}
	const std::string list = FormatCpuList(cpus);
	if ((err = WriteFile(dir + "/cpuset.cpus", list)) != 0)
		return fail(err, "cpuset.cpus " + list + " of " + dir + ": " + std::strerror(-err));
	if ((err = WriteFile(dir + "/cpuset.cpus.partition", "root")) != 0)
		return fail(err, "cpuset.cpus.partition of " + dir + ": " + std::strerror(-err));
	const std::string state = ReadFile(dir + "/cpuset.cpus.partition");
	if (state != "root")
		return fail(-EINVAL, dir + " is not a valid partition (" + state + "): CPUs " + list +
					     " must be free of other partitions and not all of the parent's");
	if ((err = WriteFile(dir + "/cgroup.procs", std::to_string(getpid()))) != 0)
		return fail(err, "moving the daemon into " + dir + ": " + std::strerror(-err));
	return 0;
}

void RemoveCpusetPartition(const std::string &name) {
	const std::string dir = std::string(kCgroupRoot) + "/" + name;
	WriteFile(std::string(kCgroupRoot) + (g_origin_cgroup == "/" ? "" : g_origin_cgroup) + "/cgroup.procs",
		  std::to_string(getpid()));
	rmdir(dir.c_str());
}

} // namespace mxrtd
