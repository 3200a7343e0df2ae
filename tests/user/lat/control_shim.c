// SPDX-License-Identifier: GPL-2.0
//
// Runs on: the build host, preloaded into mxrt-lat by tests/user/lat/cli.sh. A stand-in for the
// tracer's refusals, which a plain control file cannot give: every write to a file named
// ".../control" is appended to $MXRT_LAT_LOG as one line, and the write of exactly
// $MXRT_LAT_REFUSE fails with ESRCH (logged as "refused <command>"), as the module refuses a
// pid that names no task; a $MXRT_LAT_REFUSE ending in '*' refuses every write starting with
// what comes before it ("tgid *": a pid not known in advance). $MXRT_LAT_ERRNO (a number) gives
// another errno for the refusal.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	char link[64], path[4096];
	const char *log = getenv("MXRT_LAT_LOG"), *refuse = getenv("MXRT_LAT_REFUSE");
	ssize_t len;
	int refused, out;

	if (!real)
		real = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	len = readlink(link, path, sizeof(path) - 1);
	if (!log || len < 8 || memcmp(path + len - 8, "/control", 8) != 0)
		return real(fd, buf, n);
	if (refuse && strlen(refuse) > 0 && refuse[strlen(refuse) - 1] == '*')
		refused = n >= strlen(refuse) - 1 && memcmp(refuse, buf, strlen(refuse) - 1) == 0;
	else
		refused = refuse && strlen(refuse) == n && memcmp(refuse, buf, n) == 0;
	out = open(log, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (out >= 0) {
		if (refused)
			real(out, "refused ", 8);
		real(out, buf, n);
		real(out, "\n", 1);
		close(out);
	}
	if (refused) {
		errno = getenv("MXRT_LAT_ERRNO") ? atoi(getenv("MXRT_LAT_ERRNO")) : ESRCH;
		return -1;
	}
	return real(fd, buf, n);
}
