// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See log.hpp.
#include "log.hpp"

#include <pthread.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

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

// msg as the sink wants it (syslog: as it is; the journal: "<N>" first; plain: "mxrtd: "), at most
// size - 1 bytes; its length.
int Format(LogLevel level, const char *msg, char *line, std::size_t size) {
	int n;
	if (g_sink == Sink::kSyslog)
		n = std::snprintf(line, size, "%s", msg);
	else if (g_sink == Sink::kJournal)
		n = std::snprintf(line, size, "<%d>%s%s\n", Priority(level), Word(level), msg);
	else
		n = std::snprintf(line, size, "mxrtd: %s%s\n", Word(level), msg);
	return n > int(size) - 1 ? int(size) - 1 : n;
}

// One formatted line, written (or passed to syslog) as it is: by the caller before the writer
// runs, else by the writer thread.
void Emit(int priority, const char *line, int n) {
	if (g_sink == Sink::kSyslog) {
		syslog(priority, "%s", line);
		return;
	}
	if (write(STDERR_FILENO, line, std::size_t(n)) < 0) {
		// nowhere left to say it
	}
}

// The writer: lines queue here (a PI mutex, a copy: no caller waits for stderr or syslog), and
// one thread of no real-time priority writes them. A queue the log's reader does not drain
// fills, and further lines are dropped and counted, said where they are missing.
constexpr int kQueued = 128;
struct Queued {
	int priority, len;
	char text[1100];
};
struct Writer {
	pthread_mutex_t lock;
	pthread_cond_t more, drained;
	Queued q[kQueued];
	unsigned head = 0, tail = 0; // q[tail % kQueued] .. q[head % kQueued]: waiting to be written
	unsigned long long dropped = 0;
	bool running = false, stopping = false, writing = false;
} g_writer;

// The notice of the lines dropped so far, queued (w->lock held, room for it made sure).
void QueueDropNotice(Writer *w) {
	char msg[128];
	std::snprintf(msg, sizeof(msg), "%llu log lines dropped: the log's reader did not keep up", w->dropped);
	Queued &q = w->q[w->head % kQueued];
	q.priority = Priority(LogLevel::kWarning);
	q.len = Format(LogLevel::kWarning, msg, q.text, sizeof(q.text));
	w->head++;
	w->dropped = 0;
}

void *WriterMain(void *) {
	Writer &w = g_writer;
	static Queued line; // the writer's own copy, written without the lock
	pthread_mutex_lock(&w.lock);
	for (;;) {
		while (w.head == w.tail && w.dropped == 0 && !w.stopping)
			pthread_cond_wait(&w.more, &w.lock);
		if (w.head == w.tail && w.dropped == 0)
			break; // stopping, and all written
		if (w.head == w.tail) // lines were dropped and none came since: the notice now
			QueueDropNotice(&w);
		line = w.q[w.tail % kQueued];
		w.tail++;
		w.writing = true;
		pthread_mutex_unlock(&w.lock);
		Emit(line.priority, line.text, line.len);
		pthread_mutex_lock(&w.lock);
		w.writing = false;
		if (w.head == w.tail && w.dropped == 0)
			pthread_cond_broadcast(&w.drained);
	}
	pthread_cond_broadcast(&w.drained);
	pthread_mutex_unlock(&w.lock);
	return nullptr;
}

} // namespace

int LogStartWriter() {
	Writer &w = g_writer;
	pthread_mutexattr_t ma;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setprotocol(&ma, PTHREAD_PRIO_INHERIT); // real-time callers take it
	pthread_mutex_init(&w.lock, &ma);
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.more, &ca);
	pthread_cond_init(&w.drained, &ca);
	pthread_condattr_destroy(&ca);
	w.head = w.tail = 0;
	w.dropped = 0;
	w.stopping = w.writing = false;
	pthread_t t;
	if (const int r = pthread_create(&t, nullptr, WriterMain, nullptr))
		return -r; // the callers write themselves, as before
	pthread_setname_np(t, "mxrtd-log");
	pthread_detach(t); // LogStopWriter does not wait for a write stuck in a full pipe
	pthread_mutex_lock(&w.lock);
	__atomic_store_n(&w.running, true, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&w.lock);
	return 0;
}

bool LogStopWriter(int timeout_ms) {
	Writer &w = g_writer;
	if (!__atomic_load_n(&w.running, __ATOMIC_ACQUIRE))
		return true;
	timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += long(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&w.lock);
	w.stopping = true;
	pthread_cond_signal(&w.more);
	bool drained = true;
	while (w.head != w.tail || w.dropped != 0 || w.writing)
		if (pthread_cond_timedwait(&w.drained, &w.lock, &until) == ETIMEDOUT) {
			drained = false;
			break;
		}
	__atomic_store_n(&w.running, false, __ATOMIC_RELEASE); // from now on callers write themselves
	pthread_mutex_unlock(&w.lock);
	return drained;
}

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
	char line[1100];
	const int n = Format(level, msg, line, sizeof(line));
	Writer &w = g_writer;
	if (__atomic_load_n(&w.running, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&w.lock);
		if (w.running) {
			// After a drop the notice goes first, where the gap is (the line needs room
			// for both); the writer says it itself if the queue empties before a line comes.
			const unsigned room = unsigned(kQueued) - (w.head - w.tail);
			if (room >= (w.dropped ? 2u : 1u)) {
				if (w.dropped)
					QueueDropNotice(&w);
				Queued &q = w.q[w.head % kQueued];
				q.priority = Priority(level);
				q.len = n;
				std::memcpy(q.text, line, std::size_t(n) + 1);
				w.head++;
			} else {
				w.dropped++;
			}
			pthread_cond_signal(&w.more);
			pthread_mutex_unlock(&w.lock);
			return;
		}
		pthread_mutex_unlock(&w.lock);
	}
	Emit(Priority(level), line, n);
}

} // namespace mxrtd
