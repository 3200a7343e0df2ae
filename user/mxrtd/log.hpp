// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// The daemon's log: the system's logger. Under systemd (JOURNAL_STREAM names our stderr) every
// line goes to stderr with its syslog priority as a "<N>" prefix, which the journal turns into the
// entry's priority; with target syslog, through syslog(3) (LOG_DAEMON); otherwise plain lines on
// stderr ("mxrtd: warning: ..."). Any thread; one line per call, never interleaved (one write).
#pragma once

#include "config.hpp"

namespace mxrtd {

void LogInit(LogTarget target, LogLevel level);
void LogSetLevel(LogLevel level);
[[gnu::format(printf, 2, 3)]] void Log(LogLevel level, const char *fmt, ...);

#define LOG_E(...) ::mxrtd::Log(::mxrtd::LogLevel::kError, __VA_ARGS__)
#define LOG_W(...) ::mxrtd::Log(::mxrtd::LogLevel::kWarning, __VA_ARGS__)
#define LOG_I(...) ::mxrtd::Log(::mxrtd::LogLevel::kInfo, __VA_ARGS__)
#define LOG_D(...) ::mxrtd::Log(::mxrtd::LogLevel::kDebug, __VA_ARGS__)

} // namespace mxrtd
