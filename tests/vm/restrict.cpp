// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (tests/vm/guest/40-mxrtd.sh). mxrt-restrict: runs a command the way a
// machine that lacks something would, so that mxrtd's fallbacks can be tested on the guests' 6.12
// kernels:
//   --drop-cap sys_nice|ipc_lock|bpf|perfmon|sys_admin
//                                  drops the capability from the bounding set (so a root command
//                                  exec'd from here does not have it: SCHED_DEADLINE is refused;
//                                  without bpf and sys_admin, loading BPF is: mxrt-contention)
//   --unit-caps                    keeps only what mxrtd.service's CapabilityBoundingSet= keeps
//                                  (CAP_SYS_NICE CAP_IPC_LOCK; user/mxrtd/mxrtd.service.in)
//   --rtprio N, --memlock KIB      RLIMIT_RTPRIO / RLIMIT_MEMLOCK (what systemd's LimitRTPRIO= and
//                                  LimitMEMLOCK= set)
//   --enosys futex_waitv|io_uring_setup
//                                  a seccomp filter answers that system call with ENOSYS, as a
//                                  kernel without it would (futex_waitv: older than 5.16)
//   --uid N                        runs the command as user N (gid N too), without capabilities
//   --flock PATH                   opens PATH read-only (as that user) and holds flock(LOCK_EX) on
//                                  it while the command runs: a local user holding the lock
//                                  mxrtd once took on the device node
// usage: mxrt-restrict [OPTIONS] -- COMMAND [ARGS...]
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <vector>

#if defined(__x86_64__)
#define MXRT_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define MXRT_AUDIT_ARCH AUDIT_ARCH_AARCH64
#else
#error "mxrt-restrict: add this architecture's AUDIT_ARCH"
#endif

static int Usage() {
	std::fprintf(stderr, "usage: mxrt-restrict [--drop-cap sys_nice|ipc_lock|bpf|perfmon|sys_admin] [--unit-caps] [--rtprio N] [--memlock KIB] "
			     "[--enosys futex_waitv|io_uring_setup] [--uid N] [--flock PATH] -- COMMAND [ARGS...]\n");
	return 2;
}

int main(int argc, char **argv) {
	std::vector<int> caps, nrs;
	const char *lock_path = nullptr;
	long uid = -1;
	int i = 1;
	for (; i < argc; i++) {
		const char *a = argv[i];
		if (!std::strcmp(a, "--"))
			break;
		if (!std::strcmp(a, "--unit-caps")) { // every capability but the unit's two
			int last = CAP_LAST_CAP;
			if (FILE *f = std::fopen("/proc/sys/kernel/cap_last_cap", "r")) {
				if (std::fscanf(f, "%d", &last) != 1)
					last = CAP_LAST_CAP;
				std::fclose(f);
			}
			for (int c = 0; c <= last; c++)
				if (c != CAP_SYS_NICE && c != CAP_IPC_LOCK)
					caps.push_back(c);
			continue;
		}
		if (i + 1 >= argc)
			return Usage();
		const char *v = argv[++i];
		if (!std::strcmp(a, "--drop-cap")) {
			if (!std::strcmp(v, "sys_nice"))
				caps.push_back(CAP_SYS_NICE);
			else if (!std::strcmp(v, "ipc_lock"))
				caps.push_back(CAP_IPC_LOCK);
			else if (!std::strcmp(v, "bpf"))
				caps.push_back(CAP_BPF);
			else if (!std::strcmp(v, "perfmon"))
				caps.push_back(CAP_PERFMON);
			else if (!std::strcmp(v, "sys_admin"))
				caps.push_back(CAP_SYS_ADMIN);
			else
				return Usage();
		} else if (!std::strcmp(a, "--rtprio") || !std::strcmp(a, "--memlock")) {
			const bool rt = a[2] == 'r';
			rlimit rl;
			rl.rlim_cur = rl.rlim_max = std::strtoull(v, nullptr, 10) * (rt ? 1 : 1024);
			if (setrlimit(rt ? RLIMIT_RTPRIO : RLIMIT_MEMLOCK, &rl) != 0) {
				std::perror("mxrt-restrict: setrlimit");
				return 1;
			}
		} else if (!std::strcmp(a, "--uid")) {
			char *end;
			uid = std::strtol(v, &end, 10);
			if (*end || uid < 0)
				return Usage();
		} else if (!std::strcmp(a, "--flock")) {
			lock_path = v;
		} else if (!std::strcmp(a, "--enosys")) {
			if (!std::strcmp(v, "futex_waitv"))
				nrs.push_back(449); // the same number on x86_64 and the generic table (arm64)
			else if (!std::strcmp(v, "io_uring_setup"))
				nrs.push_back(SYS_io_uring_setup);
			else
				return Usage();
		} else {
			return Usage();
		}
	}
	if (i + 1 >= argc)
		return Usage();
	if (uid >= 0 && (setgroups(0, nullptr) != 0 || setgid(gid_t(uid)) != 0 || setuid(uid_t(uid)) != 0)) {
		std::perror("mxrt-restrict: setuid");
		return 1;
	}
	if (lock_path) {
		const int fd = open(lock_path, O_RDONLY); // kept across exec: the lock with it
		if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) != 0) {
			std::fprintf(stderr, "mxrt-restrict: flock %s: %s\n", lock_path, std::strerror(errno));
			return 1;
		}
	}
	for (int c : caps)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
			std::perror("mxrt-restrict: PR_CAPBSET_DROP");
			return 1;
		}
	if (!nrs.empty()) {
		std::vector<sock_filter> f = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MXRT_AUDIT_ARCH, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
		};
		for (int nr : nrs) {
			f.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, unsigned(nr), 0, 1));
			f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)));
		}
		f.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
		sock_fprog prog{static_cast<unsigned short>(f.size()), f.data()};
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
			std::perror("mxrt-restrict: seccomp");
			return 1;
		}
	}
	execvp(argv[i + 1], argv + i + 1);
	std::fprintf(stderr, "mxrt-restrict: %s: %s\n", argv[i + 1], std::strerror(errno));
	return 127;
}
