// SPDX-License-Identifier: GPL-2.0
//
// Runs in: the VM guests (tests/vm/guest/40-mxrtd.sh). mxrt-uring-probe: how /dev/max30102-N serves
// non-blocking readers, on a file opened *without* O_NONBLOCK (as mxrtd opens it):
//   rwf_nowait=  what preadv2(RWF_NOWAIT) returns right after a read emptied the file's backlog:
//                EAGAIN when the driver honours IOCB_NOWAIT (FMODE_NOWAIT), EOPNOTSUPP when not
//   uring_reads= io_uring reads completed (READ_FIXED, each waited for, N of them)
//   iou_wrk=     io-wq worker threads this process had meanwhile (0: every read was retried from the
//                driver's wake-up in this thread; > 0: reads were handed to blocking workers)
// usage: mxrt-uring-probe DEVICE [READS]   exit 0, or 1 if something failed
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <liburing.h>
#include <string>
#include <sys/uio.h>
#include <unistd.h>

#include <mxrt/max30102.h>

static int IoWorkers() {
	int n = 0;
	if (DIR *d = opendir("/proc/self/task")) {
		while (dirent *e = readdir(d)) {
			std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/comm");
			std::string comm;
			if (std::getline(in, comm) && comm.rfind("iou-wrk", 0) == 0)
				n++;
		}
		closedir(d);
	}
	return n;
}

int main(int argc, char **argv) {
	if (argc < 2) {
		std::fprintf(stderr, "usage: mxrt-uring-probe DEVICE [READS]\n");
		return 2;
	}
	const int reads = argc > 2 ? std::atoi(argv[2]) : 50;
	const int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		std::fprintf(stderr, "mxrt-uring-probe: %s: %s\n", argv[1], std::strerror(errno));
		return 1;
	}
	static mxrt_max30102_record buf[64];
	// drain what is there, then ask without waiting: nothing new can have come within microseconds
	// at these rates only if the read right before returned a partial batch
	ssize_t n;
	do
		n = read(fd, buf, sizeof(buf));
	while (n == ssize_t(sizeof(buf)));
	iovec iov{buf, sizeof(buf)};
	const ssize_t r = preadv2(fd, &iov, 1, -1, RWF_NOWAIT);
	const char *nowait = r >= 0 ? "data" : errno == EAGAIN ? "EAGAIN" : errno == EOPNOTSUPP ? "EOPNOTSUPP" : std::strerror(errno);

	io_uring ring;
	int e = io_uring_queue_init(4, &ring, 0);
	if (e != 0) {
		std::fprintf(stderr, "mxrt-uring-probe: io_uring_queue_init: %s\n", std::strerror(-e));
		return 1;
	}
	iovec reg{buf, sizeof(buf)};
	if ((e = io_uring_register_buffers(&ring, &reg, 1)) != 0) {
		std::fprintf(stderr, "mxrt-uring-probe: io_uring_register_buffers: %s\n", std::strerror(-e));
		return 1;
	}
	int done = 0, workers = 0;
	long records = 0;
	for (int i = 0; i < reads; i++) {
		io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		io_uring_prep_read_fixed(sqe, fd, buf, sizeof(buf), std::uint64_t(-1), 0);
		io_uring_submit(&ring);
		io_uring_cqe *cqe;
		if ((e = io_uring_wait_cqe(&ring, &cqe)) != 0) {
			std::fprintf(stderr, "mxrt-uring-probe: io_uring_wait_cqe: %s\n", std::strerror(-e));
			return 1;
		}
		if (cqe->res < 0) {
			std::fprintf(stderr, "mxrt-uring-probe: read: %s\n", std::strerror(-cqe->res));
			return 1;
		}
		records += cqe->res / long(sizeof(buf[0]));
		io_uring_cqe_seen(&ring, cqe);
		done++;
		const int w = IoWorkers();
		workers = w > workers ? w : workers;
	}
	std::printf("rwf_nowait=%s uring_reads=%d uring_records=%ld iou_wrk=%d\n", nowait, done, records, workers);
	io_uring_queue_exit(&ring);
	close(fd);
	return 0;
}
