// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// The daemon's log: the system's logger. Under systemd (JOURNAL_STREAM names our stderr) every
// line goes to stderr with its syslog priority as a "<N>" prefix, which the journal turns into the
// entry's priority; with target syslog, through syslog(3) (LOG_DAEMON); otherwise plain lines on
// stderr ("mxrtd: warning: ..."). Any thread; one line per call, never interleaved (one write).
// Once LogStartWriter ran, no caller writes: lines are queued (a copy under a priority-inheriting
// mutex) and a thread of its own writes them, so a stderr nobody drains (a paused pager, a
// stalled journal) or a slow syslog never blocks the real-time threads or the main thread's
// stop. A full queue (128 lines) drops lines and counts them, said where they are missing.
#pragma once

#include "config.hpp"

namespace mxrtd {

void LogInit(LogTarget target, LogLevel level);
void LogSetLevel(LogLevel level);
// The writer thread (after the thread stack size and memory locking are set: it is a thread like
// the others); -errno if it could not be made, and callers then write themselves, as before it.
int LogStartWriter();
// Waits up to timeout_ms for the queued lines to be written (false: some were not, the writer
// stuck in a write), then callers write themselves again.
bool LogStopWriter(int timeout_ms);
[[gnu::format(printf, 2, 3)]] void Log(LogLevel level, const char *fmt, ...);

#define LOG_E(...) ::mxrtd::Log(::mxrtd::LogLevel::kError, __VA_ARGS__)
#define LOG_W(...) ::mxrtd::Log(::mxrtd::LogLevel::kWarning, __VA_ARGS__)
#define LOG_I(...) ::mxrtd::Log(::mxrtd::LogLevel::kInfo, __VA_ARGS__)
#define LOG_D(...) ::mxrtd::Log(::mxrtd::LogLevel::kDebug, __VA_ARGS__)

} // namespace mxrtd
