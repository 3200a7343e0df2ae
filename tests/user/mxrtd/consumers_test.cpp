// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. mxrtd's FIFO output: the daemon writes only to the FIFO it made, and never
// opens anything else. Whoever can write the FIFO's directory, or a directory above it (a fifo_dir
// in a user's home, say), can put something else at its path while the daemon runs: a symlink to a
// root-only file there had the daemon, as root, write its lines into that file, and a directory
// swapped for a link through /proc/PID/root had it open a device another user mounted there.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mxrtd/consumers.hpp>

namespace mxrtd {
namespace {

class MxrtdFifo : public ::testing::Test {
protected:
	void SetUp() override {
		char tmpl[] = "/tmp/mxrtd-fifo-test-XXXXXX";
		ASSERT_NE(mkdtemp(tmpl), nullptr);
		top_ = tmpl;
		dir_ = top_ + "/fifos";
		ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
		std::string why;
		ASSERT_EQ(MakeFifo(dir_, "max30102-0", 0644, &path_, &id_, &why), 0) << why;
		EXPECT_EQ(path_, dir_ + "/max30102-0.fifo");
		victim_ = top_ + "/victim";
		WriteFile(victim_, "secret\n");
	}
	void TearDown() override {
		CloseFifo(&id_);
		for (const char *f : {"/fifos/max30102-0.fifo", "/fifos", "/victim", "/other/max30102-0.fifo", "/other",
				      "/moved/max30102-0.fifo", "/moved"}) {
			unlink((top_ + f).c_str());
			rmdir((top_ + f).c_str());
		}
		rmdir(top_.c_str());
	}
	static void WriteFile(const std::string &p, const std::string &text) {
		const int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(write(fd, text.data(), text.size()), ssize_t(text.size()));
		close(fd);
	}
	static std::string ReadFile(const std::string &p) {
		char buf[256];
		const int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return "(unreadable)";
		const ssize_t n = read(fd, buf, sizeof(buf));
		close(fd);
		return n < 0 ? "(unreadable)" : std::string(buf, size_t(n));
	}
	// an inotify watch of the victim for every open: none may come from the daemon's calls
	int WatchOpens() {
		const int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		EXPECT_GE(in, 0);
		EXPECT_GE(inotify_add_watch(in, victim_.c_str(), IN_OPEN), 0);
		return in;
	}
	static int Opens(int in) {
		alignas(inotify_event) char buf[4096];
		int n = 0;
		for (ssize_t r; (r = read(in, buf, sizeof(buf))) > 0;)
			for (char *p = buf; p < buf + r; p += sizeof(inotify_event) + reinterpret_cast<inotify_event *>(p)->len)
				n += (reinterpret_cast<inotify_event *>(p)->mask & IN_OPEN) != 0;
		close(in);
		return n;
	}
	// the path now holds something else (the FIFO the daemon made is gone from it)
	void Swap(const char *what) {
		ASSERT_TRUE(unlink(path_.c_str()) == 0 || errno == ENOENT); // the FIFO, or nothing after Unswap
		const std::string w = what;
		if (w == "symlink") {
			ASSERT_EQ(symlink(victim_.c_str(), path_.c_str()), 0);
		} else if (w == "hardlink") {
			ASSERT_EQ(link(victim_.c_str(), path_.c_str()), 0);
		} else if (w == "file") {
			WriteFile(path_, "");
		} else if (w == "dir") {
			ASSERT_EQ(mkdir(path_.c_str(), 0755), 0);
		} else {
			ASSERT_EQ(w, "fifo");
			ASSERT_EQ(mkfifo(path_.c_str(), 0666), 0);
		}
	}
	void Unswap() {
		unlink(path_.c_str());
		rmdir(path_.c_str());
	}
	std::string top_, dir_, path_, victim_;
	FifoId id_;
};

TEST_F(MxrtdFifo, TheDaemonsOwnFifoIsOpenedWhileSomeoneReads) {
	EXPECT_EQ(FifoAtPath(id_), 0);
	EXPECT_EQ(OpenOwnFifo(id_), -ENXIO); // nobody reads it
	const int r = open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(r, 0);
	const int w = OpenOwnFifo(id_);
	ASSERT_GE(w, 0);
	ASSERT_EQ(write(w, "line\n", 5), 5);
	char buf[8] = {};
	EXPECT_EQ(read(r, buf, sizeof(buf)), 5);
	EXPECT_STREQ(buf, "line\n");
	close(w);
	close(r);
}

TEST_F(MxrtdFifo, ARemovedFifoIsSaidToBeGoneAndMovedBackIsTheDaemonsAgain) {
	ASSERT_EQ(rename(path_.c_str(), (top_ + "/victim.away").c_str()), 0);
	EXPECT_EQ(FifoAtPath(id_), -ENOENT);
	EXPECT_EQ(OpenOwnFifo(id_), -ENXIO); // still the daemon's inode, which nobody can open now
	ASSERT_EQ(rename((top_ + "/victim.away").c_str(), path_.c_str()), 0);
	EXPECT_EQ(FifoAtPath(id_), 0);
}

// Each of these, put at the path, is never opened (inotify sees no open of the victim) and never
// written: the daemon opens its own FIFO through its held descriptor, which nobody reads now.
TEST_F(MxrtdFifo, WhatIsPutInItsPlaceIsNeverOpened) {
	for (const char *what : {"symlink", "hardlink", "file", "dir", "fifo"}) {
		SCOPED_TRACE(what);
		Swap(what);
		const int in = WatchOpens();
		EXPECT_EQ(FifoAtPath(id_), -ESTALE);
		EXPECT_EQ(OpenOwnFifo(id_), -ENXIO);
		EXPECT_EQ(Opens(in), 0);
		EXPECT_EQ(ReadFile(victim_), "secret\n");
		Unswap();
	}
}

// Another FIFO at the path with a reader: whoever made it does not get the daemon's lines.
TEST_F(MxrtdFifo, AnotherFifosReaderGetsNothing) {
	Swap("fifo");
	const int r = open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(r, 0);
	EXPECT_EQ(FifoAtPath(id_), -ESTALE);
	EXPECT_EQ(OpenOwnFifo(id_), -ENXIO);
	close(r);
}

// The directory itself swapped for a symlink to another one holding a file of the FIFO's name: the
// daemon works on the directory it opened at the start, and opens nothing in the other.
TEST_F(MxrtdFifo, ADirectorySwappedForASymlinkIsNotFollowed) {
	ASSERT_EQ(mkdir((top_ + "/other").c_str(), 0755), 0);
	ASSERT_EQ(link(victim_.c_str(), (top_ + "/other/max30102-0.fifo").c_str()), 0);
	ASSERT_EQ(rename(dir_.c_str(), (top_ + "/moved").c_str()), 0);
	ASSERT_EQ(symlink((top_ + "/other").c_str(), dir_.c_str()), 0);
	const int in = WatchOpens();
	// readers of the path reach "other" now, and that is said (the FIFO itself is still in the
	// directory the daemon holds, which is now top/moved)
	EXPECT_EQ(FifoAtPath(id_), -ESTALE);
	EXPECT_EQ(OpenOwnFifo(id_), -ENXIO);
	CloseFifo(&id_); // removes the FIFO from the directory it holds, not the file in "other"
	EXPECT_EQ(Opens(in), 0);
	EXPECT_EQ(ReadFile(victim_), "secret\n");
	EXPECT_EQ(access((top_ + "/other/max30102-0.fifo").c_str(), F_OK), 0);
	EXPECT_NE(access((top_ + "/moved/max30102-0.fifo").c_str(), F_OK), 0);
	unlink(dir_.c_str());
}

// A fifo_dir moved away and another directory put at its path (with a FIFO of its own, whose
// writer readers would now take for the daemon): said, though nothing at the FIFO's own name changed.
TEST_F(MxrtdFifo, ADirectoryMovedAndReplacedIsSaid) {
	ASSERT_EQ(rename(dir_.c_str(), (top_ + "/moved").c_str()), 0);
	ASSERT_EQ(mkdir(dir_.c_str(), 0755), 0);
	ASSERT_EQ(mkfifo(path_.c_str(), 0666), 0);
	EXPECT_EQ(FifoAtPath(id_), -ESTALE);
	unlink(path_.c_str());
	rmdir(dir_.c_str());
	ASSERT_EQ(rename((top_ + "/moved").c_str(), dir_.c_str()), 0);
	EXPECT_EQ(FifoAtPath(id_), 0);
}

// The directory looked up as readers do, but without magic links: moved away and its path made a
// symlink through /proc/PID/root to it (where another user's mount namespace could show it with a
// FIFO of theirs mounted over the daemon's), it is not the daemon's; removed, it is gone.
TEST_F(MxrtdFifo, ADirectoryReachedThroughProcRootIsNotTheDaemonsAndARemovedOneIsGone) {
	ASSERT_EQ(rename(dir_.c_str(), (top_ + "/moved").c_str()), 0);
	ASSERT_EQ(symlink(("/proc/" + std::to_string(getpid()) + "/root" + top_ + "/moved").c_str(), dir_.c_str()), 0);
	struct stat st;
	ASSERT_EQ(stat(dir_.c_str(), &st), 0); // a plain stat finds the daemon's directory there
	EXPECT_EQ(FifoAtPath(id_), -ESTALE);
	ASSERT_EQ(unlink(dir_.c_str()), 0);
	EXPECT_EQ(FifoAtPath(id_), -ENOENT); // nothing at the path: gone, not "something else"
	ASSERT_EQ(rename((top_ + "/moved").c_str(), dir_.c_str()), 0);
	EXPECT_EQ(FifoAtPath(id_), 0);
}

// A fifo_dir with trailing slashes is the same directory.
TEST_F(MxrtdFifo, TrailingSlashesNameTheSameDirectory) {
	std::string p, why;
	FifoId id;
	ASSERT_EQ(MakeFifo(dir_ + "//", "max30102-0", 0644, &p, &id, &why), 0) << why;
	EXPECT_EQ(id.ino, id_.ino);
	EXPECT_EQ(FifoAtPath(id), 0);
	close(id.pin);
	close(id.dir);
}

// The fifo_dir the daemon made is removed at exit, and only that one: swapped for a symlink to an
// empty directory of someone else's, the other directory stays (root removed it by path).
TEST_F(MxrtdFifo, OnlyTheDirectoryTheDaemonMadeIsRemoved) {
	for (bool swap : {false, true}) {
		SCOPED_TRACE(swap ? "swapped" : "as made");
		const std::string made_path = top_ + "/made";
		std::string p, why;
		FifoId id;
		MadeDir made;
		ASSERT_EQ(MakeFifo(made_path, "max30102-1", 0644, &p, &id, &why, nullptr, &made), 0) << why;
		ASSERT_GE(made.parent, 0);
		if (swap) {
			ASSERT_EQ(mkdir((top_ + "/other").c_str(), 0755), 0);
			ASSERT_EQ(rename(made_path.c_str(), (top_ + "/moved").c_str()), 0);
			ASSERT_EQ(symlink((top_ + "/other").c_str(), made_path.c_str()), 0);
		}
		CloseFifo(&id);
		EXPECT_EQ(RemoveMadeDir(&made), 0);
		EXPECT_EQ(made.parent, -1);
		if (swap) {
			EXPECT_EQ(access((top_ + "/other").c_str(), F_OK), 0) << "someone else's directory removed";
			EXPECT_EQ(access((top_ + "/moved").c_str(), F_OK), 0) << "not at its name: left";
			unlink(made_path.c_str());
			rmdir((top_ + "/other").c_str());
			rmdir((top_ + "/moved").c_str());
		} else {
			EXPECT_NE(access(made_path.c_str(), F_OK), 0) << "the directory made is left";
		}
	}
}

// A fifo_dir reached through /proc/PID/root (another process's mount namespace, where another user
// can mount what they like) is refused at the start, with the reason.
TEST_F(MxrtdFifo, AFifoDirThroughProcRootIsRefused) {
	std::string p, why;
	FifoId id;
	const std::string via_proc = "/proc/" + std::to_string(getpid()) + "/root" + top_ + "/moved";
	ASSERT_EQ(mkdir((top_ + "/moved").c_str(), 0755), 0);
	EXPECT_EQ(MakeFifo(via_proc, "max30102-0", 0644, &p, &id, &why), -ELOOP);
	EXPECT_NE(why.find("/proc/PID/root"), std::string::npos) << why;
	EXPECT_TRUE(p.empty());
	EXPECT_EQ(id.pin, -1);
	EXPECT_NE(access((top_ + "/moved/max30102-0.fifo").c_str(), F_OK), 0);
}

// A FIFO the daemon reuses (a crashed daemon's, of its user) is the one it then writes, with the
// mode set now.
TEST_F(MxrtdFifo, AReusedFifoIsTheOneWrittenWithTheModeSetNow) {
	std::string again, why;
	FifoId id2;
	ASSERT_EQ(MakeFifo(dir_, "max30102-0", 0600, &again, &id2, &why), 0) << why;
	EXPECT_EQ(again, path_);
	EXPECT_EQ(id2.ino, id_.ino);
	struct stat st;
	ASSERT_EQ(stat(path_.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 0777, 0600u);
	EXPECT_EQ(OpenOwnFifo(id2), -ENXIO);
	close(id2.pin);
	close(id2.dir);
}

// A FIFO of the daemon's user with another name too (a hard link to a service's FIFO, which
// fs.protected_hardlinks = 0 lets anyone make) is not taken over: not chmod'ed, not written.
TEST_F(MxrtdFifo, AHardLinkedFifoIsNotTakenOver) {
	CloseFifo(&id_);
	const std::string service = top_ + "/victim.fifo";
	ASSERT_EQ(mkfifo(service.c_str(), 0600), 0);
	ASSERT_EQ(link(service.c_str(), path_.c_str()), 0);
	std::string p, why;
	long replaced = -2;
	ASSERT_EQ(MakeFifo(dir_, "max30102-0", 0644, &p, &id_, &why, &replaced), 0) << why;
	struct stat svc, ours;
	ASSERT_EQ(stat(service.c_str(), &svc), 0);
	ASSERT_EQ(stat(path_.c_str(), &ours), 0);
	EXPECT_NE(svc.st_ino, ours.st_ino);
	EXPECT_EQ(svc.st_mode & 0777, 0600u);
	EXPECT_EQ(replaced, long(geteuid()));
	unlink(service.c_str());
}

// At exit the FIFO is removed only if it is still the daemon's: something else at the path stays.
TEST_F(MxrtdFifo, AtExitOnlyTheDaemonsOwnFifoIsRemoved) {
	Swap("symlink");
	CloseFifo(&id_);
	struct stat st;
	EXPECT_EQ(lstat(path_.c_str(), &st), 0);
	EXPECT_TRUE(S_ISLNK(st.st_mode));
	EXPECT_EQ(ReadFile(victim_), "secret\n");
}

} // namespace
} // namespace mxrtd
