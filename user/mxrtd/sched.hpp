// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// Scheduling the calling thread (sched_setattr(2): glibc 2.36 has no wrapper), CPU affinity,
// locking memory, and the cgroup v2 cpuset partition that lets a SCHED_DEADLINE thread be pinned.
//
// A SCHED_DEADLINE thread may only run on a whole root domain (the kernel's admission control is
// per root domain): pinning one to a CPU subset fails (EPERM at sched_setattr, EBUSY at
// sched_setaffinity) unless those CPUs are a root domain of their own: an exclusive cpuset
// partition, or CPUs isolated at boot (isolcpus=domain,N). DescribeRefusal says which applies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <pthread.h>
#include <string>
#include <vector>

#include "config.hpp"

namespace mxrtd {

// 0 or -errno. SCHED_FLAG_DL_OVERRUN: SIGXCPU when the thread overruns its runtime.
int SetDeadline(std::uint64_t runtime_ns, std::uint64_t deadline_ns, std::uint64_t period_ns, bool overrun_signal);
int SetFifo(std::uint32_t priority);
int SetOther();
// The calling thread's CPUs: 0, or -errno (-EINVAL also when the kernel would leave out some of
// them: offline, or outside the cpuset). Empty: the CPUs the daemon started with, as
// RememberInheritedAffinity() saw them (call it at start, before any thread moves).
int SetAffinity(const std::vector<int> &cpus);
void RememberInheritedAffinity();
// One line: why SetAffinity refused `cpus`.
std::string DescribeAffinityRefusal(int err, const std::vector<int> &cpus);
// The calling thread's policy, as MXRTD_POLICY_*.
std::uint32_t CurrentPolicy();

// One line: why the kernel refused SCHED_DEADLINE (err from SetDeadline).
std::string DescribeDeadlineRefusal(int err, const std::vector<int> &cpus);

// mlockall(MCL_CURRENT | MCL_FUTURE): 0 or -errno, with *why saying what to change.
int LockMemory(std::string *why);

// The stack of every thread created after this call (std::thread included): kThreadStackBytes
// instead of glibc's default, RLIMIT_STACK (8 MiB on Debian). Under MCL_FUTURE a new thread's
// stack is faulted in whole by the thread that creates it; 8 MiB took about 90 ms under QEMU while
// a real-time consumer spun behind it on the other CPU, which kept the driver's interrupt thread
// off the CPUs long enough to overflow the sensor's FIFO at 1 kHz (docs/daemon.md, "Memory").
// 0 or -errno.
// Inline: the wake-up benchmark (bench/daemon/wake_bench.cpp) uses it without the rest of this
// file.
inline constexpr std::size_t kThreadStackBytes = 256 * 1024;
inline int SetThreadStacks() {
	pthread_attr_t a;
	int r = pthread_attr_init(&a);
	if (r == 0) {
		r = pthread_attr_setstacksize(&a, kThreadStackBytes);
		if (r == 0)
			r = pthread_setattr_default_np(&a); // GNU: every later pthread_create without attributes
		pthread_attr_destroy(&a);
	}
	return -r;
}

// The kernel's io_uring switch (/proc/sys/kernel/io_uring_disabled, 6.6+): -1 if absent.
int IoUringDisabledSysctl();
// Whether capability @cap is in the effective set (CapEff of /proc/self/status).
bool Capable(int cap);

// A cpuset partition /sys/fs/cgroup/<name> holding exactly `cpus` (made if needed), with this whole
// process moved into it: 0 or -errno, *why saying what failed. A cgroup of that name that holds
// processes or cgroups is someone else's: -EBUSY, and nothing is written anywhere. An empty one is
// taken. RemoveCpusetPartition undoes it (the process goes back to the cgroup it came from, and
// the cgroup is removed).
int MakeCpusetPartition(const std::string &name, const std::vector<int> &cpus, std::string *why);
void RemoveCpusetPartition(const std::string &name);

} // namespace mxrtd
