// SPDX-License-Identifier: GPL-2.0
/*
 * Runs in: the VM guest, as /opt/mxrt/bin/mxrt-insmod (built static for the guest's architecture
 * by tests/vm/run.sh); tests/vm/test-env.sh makes "insmod" in guest test scripts call it.
 *
 * busybox 1.35's insmod retries a failed finit_module() with init_module(), so a module whose init
 * fails has its init run twice: the test sees two runs, and an init that fails only sometimes can
 * pass the second time and make insmod succeed. This insmod calls finit_module() once and reports
 * its errno. (busybox's modprobe still retries: load modules whose init may fail with insmod.)
 *
 * usage: insmod FILE [PARAM=VALUE...]      exit 0 = loaded, 1 = the kernel refused it, 2 = usage
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char params[4096] = "";
	size_t len = 0;
	int fd, i;

	if (argc < 2) {
		fprintf(stderr, "usage: insmod FILE [PARAM=VALUE...]\n");
		return 2;
	}
	for (i = 2; i < argc; i++) {
		/* the kernel splits parameters at spaces unless the value is quoted: name="a b" */
		const char *eq = strchr(argv[i], '=');
		int n = eq && strchr(eq, ' ') ?
			snprintf(params + len, sizeof(params) - len, "%s%.*s\"%s\"", len ? " " : "",
				 (int)(eq - argv[i] + 1), argv[i], eq + 1) :
			snprintf(params + len, sizeof(params) - len, "%s%s", len ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(params) - len) {
			fprintf(stderr, "insmod: parameters too long\n");
			return 2;
		}
		len += (size_t)n;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "insmod: cannot open '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (syscall(SYS_finit_module, fd, params, 0) != 0) {
		fprintf(stderr, "insmod: cannot insert '%s': %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
