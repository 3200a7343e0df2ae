// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See log.hpp.
#include "log.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

namespace mxrtd {
namespace {

enum class Sink { kPlain, kJournal, kSyslog };
Sink g_sink = Sink::kPlain;
int g_level = int(LogLevel::kInfo); // read by every thread: atomics

// JOURNAL_STREAM is "DEV:INODE" of the journal's stream; only if our stderr is still that stream.
bool StderrIsJournal() {
	const char *js = std::getenv("JOURNAL_STREAM");
	if (!js)
		return false;
	unsigned long long dev = 0, ino = 0;
	if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	struct stat st;
	return fstat(STDERR_FILENO, &st) == 0 && st.st_dev == dev && st.st_ino == ino;
}

int Priority(LogLevel l) {
	switch (l) {
	case LogLevel::kError: return LOG_ERR;
	case LogLevel::kWarning: return LOG_WARNING;
	case LogLevel::kInfo: return LOG_INFO;
	case LogLevel::kDebug: return LOG_DEBUG;
	}
	return LOG_INFO;
}

const char *Word(LogLevel l) {
	switch (l) {
	case LogLevel::kError: return "error: ";
	case LogLevel::kWarning: return "warning: ";
	default: return "";
	}
}

} // namespace

void LogInit(LogTarget target, LogLevel level) {
	LogSetLevel(level);
	if (target == LogTarget::kSyslog) {
		openlog("mxrtd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		g_sink = Sink::kSyslog;
	} else {
		g_sink = target == LogTarget::kAuto && StderrIsJournal() ? Sink::kJournal : Sink::kPlain;
	}
}

void LogSetLevel(LogLevel level) { __atomic_store_n(&g_level, int(level), __ATOMIC_RELAXED); }

void Log(LogLevel level, const char *fmt, ...) {
	if (int(level) > __atomic_load_n(&g_level, __ATOMIC_RELAXED))
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	std::vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (g_sink == Sink::kSyslog) {
		syslog(Priority(level), "%s", msg);
		return;
	}
	char line[1100];
	int n = g_sink == Sink::kJournal ? std::snprintf(line, sizeof(line), "<%d>%s%s\n", Priority(level), Word(level), msg)
					 : std::snprintf(line, sizeof(line), "mxrtd: %s%s\n", Word(level), msg);
	if (n > int(sizeof(line)) - 1)
		n = int(sizeof(line)) - 1;
	if (write(STDERR_FILENO, line, std::size_t(n)) < 0) {
		// nowhere left to say it
	}
}

} // namespace mxrtd
