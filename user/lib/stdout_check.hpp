// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, the command-line tools (user/*/). Whether what a tool printed reached its
// standard output: printf's errors are only remembered by the stream (a full disk, /dev/full, a
// closed pipe with SIGPIPE ignored), so without this a tool whose output was lost exits 0.
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace mxrt::cli {

// The exit status for `rc` once stdout is flushed: rc, or 1 (after saying why on stderr) when
// stdout could not be written. Call as main's last step:
//   int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-lat", Main(argc, argv)); }
// A closed pipe with SIGPIPE's default action ends the tool before it gets here, as it should.
inline int StdoutChecked(const char *tool, int rc) {
	errno = 0;
	const bool flushed = std::fflush(stdout) == 0;
	const int err = errno;
	if (flushed && !std::ferror(stdout))
		return rc;
	// after an earlier failed write errno is no longer that write's: only fflush's own is reported
	std::fprintf(stderr, "%s: standard output: %s\n", tool, !flushed && err ? std::strerror(err) : "write error");
	return 1;
}

} // namespace mxrt::cli
