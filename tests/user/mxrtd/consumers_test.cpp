// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space. mxrtd's FIFO output: the daemon writes only to the FIFO it made. Whoever can
// write the FIFO's directory (a fifo_dir in a user's home, say) can put something else at its path
// while the daemon runs; a symlink to /etc/shadow there had the daemon, as root, write its lines
// into that file.
#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
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
		dir_ = tmpl;
		std::string why;
		ASSERT_EQ(MakeFifo(dir_, "max30102-0", 0644, &path_, &id_, &why), 0) << why;
		victim_ = dir_ + "/victim";
		WriteFile(victim_, "secret\n");
	}
	void TearDown() override {
		close(id_.pin);
		unlink(path_.c_str());
		unlink(victim_.c_str());
		unlink((dir_ + "/other.fifo").c_str());
		rmdir(dir_.c_str());
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
	// the path now holds something else (the FIFO the daemon made is gone)
	void Swap(const char *what) {
		ASSERT_EQ(unlink(path_.c_str()), 0);
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
	std::string dir_, path_, victim_;
	FifoId id_;
};

TEST_F(MxrtdFifo, TheDaemonsOwnFifoIsOpenedWhileSomeoneReads) {
	EXPECT_TRUE(IsOwnFifo(path_, id_));
	EXPECT_EQ(OpenOwnFifo(path_, id_), -ENXIO); // nobody reads it
	const int r = open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(r, 0);
	const int w = OpenOwnFifo(path_, id_);
	ASSERT_GE(w, 0);
	ASSERT_EQ(write(w, "line\n", 5), 5);
	char buf[8] = {};
	EXPECT_EQ(read(r, buf, sizeof(buf)), 5);
	EXPECT_STREQ(buf, "line\n");
	close(w);
	close(r);
}

TEST_F(MxrtdFifo, ARemovedFifoIsSaidToBeGone) {
	ASSERT_EQ(unlink(path_.c_str()), 0);
	EXPECT_EQ(OpenOwnFifo(path_, id_), -ENOENT);
	EXPECT_FALSE(IsOwnFifo(path_, id_));
}

// Each of these, put at the path, is refused before a byte is written: the victim keeps its text.
TEST_F(MxrtdFifo, ASymlinkPutInItsPlaceIsNeverFollowed) {
	Swap("symlink");
	EXPECT_EQ(OpenOwnFifo(path_, id_), -ESTALE);
	EXPECT_FALSE(IsOwnFifo(path_, id_));
	EXPECT_EQ(ReadFile(victim_), "secret\n");
}

TEST_F(MxrtdFifo, AHardLinkOrFileOrDirectoryPutInItsPlaceIsNotWritten) {
	for (const char *what : {"hardlink", "file", "dir"}) {
		SCOPED_TRACE(what);
		Swap(what);
		EXPECT_EQ(OpenOwnFifo(path_, id_), -ESTALE);
		EXPECT_FALSE(IsOwnFifo(path_, id_));
		EXPECT_EQ(ReadFile(victim_), "secret\n");
		if (std::string(what) == "dir")
			rmdir(path_.c_str());
		else
			unlink(path_.c_str());
		ASSERT_EQ(mkfifo(path_.c_str(), 0644), 0); // for the next Swap to remove
	}
}

// Another FIFO: whoever made it would read the daemon's lines, or readers would take its writer's
// lines for the daemon's. Refused with a reader (it opens) and without one (ENXIO).
TEST_F(MxrtdFifo, AnotherFifoAtThePathIsNotTheDaemons) {
	Swap("fifo");
	EXPECT_EQ(OpenOwnFifo(path_, id_), -ESTALE);
	const int r = open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(r, 0);
	EXPECT_EQ(OpenOwnFifo(path_, id_), -ESTALE);
	char buf[8];
	EXPECT_LE(read(r, buf, sizeof(buf)), 0); // nothing was written (end of file, or EAGAIN)
	close(r);
}

// A FIFO the daemon reuses (a crashed daemon's, of its user) is the one it then writes.
TEST_F(MxrtdFifo, AReusedFifoIsTheOneWritten) {
	std::string again;
	FifoId id2;
	std::string why;
	ASSERT_EQ(MakeFifo(dir_, "max30102-0", 0644, &again, &id2, &why), 0) << why;
	EXPECT_EQ(again, path_);
	EXPECT_EQ(id2.ino, id_.ino);
	EXPECT_EQ(id2.dev, id_.dev);
	EXPECT_EQ(OpenOwnFifo(again, id2), -ENXIO);
	close(id2.pin);
}

} // namespace
} // namespace mxrtd
