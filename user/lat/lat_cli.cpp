// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, the VM guests' tests), as root. mxrt-lat: the command line of the
// per-PID latency tracer (mxrt_lat.ko), over its debugfs files (/sys/kernel/debug/mxrt_lat).
//
// usage: mxrt-lat [-d DIR] COMMAND
//   track PID...             track these threads
//   track -g TGID            track every thread of a process, also threads it creates later
//   untrack ID               stop tracking a thread, or a tracked process (final report in dmesg)
//   slo METRIC NS|off [PID]  SLO bound for wakeup|response|relief|irqthread (all tasks, or PID)
//   capture on|all|off       worst-case traces: for metrics with an SLO (default), all, none
//   reset [PID]              zero the statistics
//   clear                    forget finished tasks
//   show [PID]               the table (microseconds), tracked and finished tasks
//   hist [PID]               log2 histograms
//   traces [PID]             worst-case traces
//   status                   slots, memory, counters
//   run [-s METRIC=NS]... -- COMMAND [ARGS...]
//                            runs COMMAND with every thread of it tracked, prints its table when
//                            it exits, and exits with its status
// Exit: 0 ok, 1 the tracer refused or is missing (with the reason), 2 usage.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string dir = "/sys/kernel/debug/mxrt_lat";
const char *const kMetrics[] = {"wakeup", "response", "relief", "irqthread"};

[[noreturn]] void Usage(const std::string &why) {
	std::fprintf(stderr,
		     "mxrt-lat: %s\n"
		     "usage: mxrt-lat [-d DIR] track PID... | track -g TGID | untrack ID |\n"
		     "       slo METRIC NS|off [PID] | capture on|all|off | reset [PID] | clear |\n"
		     "       show [PID] | hist [PID] | traces [PID] | status |\n"
		     "       run [-s METRIC=NS]... -- COMMAND [ARGS...]\n"
		     "METRIC: wakeup, response, relief, irqthread\n",
		     why.c_str());
	std::exit(2);
}

[[noreturn]] void Fail(const std::string &why) {
	std::fprintf(stderr, "mxrt-lat: %s\n", why.c_str());
	std::exit(1);
}

bool IsNumber(const std::string &s, bool allow_zero = false) {
	if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
		return false;
	return allow_zero || std::strtoull(s.c_str(), nullptr, 10) > 0;
}

bool IsMetric(const std::string &m) {
	for (const char *k : kMetrics)
		if (m == k)
			return true;
	return false;
}

void CheckLoaded() {
	if (access((dir + "/control").c_str(), F_OK) != 0)
		Fail(dir + " not found: load mxrt_lat.ko and mount debugfs (mount -t debugfs none /sys/kernel/debug)");
}

// One command per write, as the module wants; its errno explained.
void Control(const std::string &cmd) {
	CheckLoaded();
	const int fd = open((dir + "/control").c_str(), O_WRONLY);
	if (fd < 0)
		Fail(dir + "/control: " + std::strerror(errno));
	const ssize_t n = write(fd, cmd.data(), cmd.size());
	const int err = errno;
	close(fd);
	if (n == ssize_t(cmd.size()))
		return;
	std::string why = std::strerror(err);
	switch (err) {
	case ESRCH: why = "no such process"; break;
	case EEXIST: why = "already tracked"; break;
	case ENOENT: why = "not tracked"; break;
	case ENOSPC: why = "no free task slot (max_tasks; 'mxrt-lat clear' forgets finished tasks)"; break;
	case EINVAL: why = "refused as invalid"; break;
	}
	Fail("'" + cmd + "': " + why);
}

std::vector<std::string> Lines(const std::string &file) {
	CheckLoaded();
	std::ifstream in(dir + "/" + file);
	if (!in)
		Fail(dir + "/" + file + ": " + std::strerror(errno));
	std::vector<std::string> out;
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	return out;
}

std::vector<std::string> Fields(const std::string &line) {
	std::istringstream in(line);
	std::vector<std::string> f;
	for (std::string w; in >> w;)
		f.push_back(w);
	return f;
}

// ns -> "123.4" us, "-" stays
std::string Us(const std::string &ns) {
	if (!IsNumber(ns, true))
		return ns;
	char b[32];
	std::snprintf(b, sizeof(b), "%.1f", std::strtoull(ns.c_str(), nullptr, 10) / 1000.0);
	return b;
}

// The stats table, for one pid or tgid (0: all): "pid tgid comm metric count min max avg p50 p99 slo violations"
int Show(long id) {
	std::vector<std::string> states;
	for (const auto &l : Lines("tasks")) {
		auto f = Fields(l);
		if (f.size() >= 4 && f[0][0] != '#')
			states.push_back(f[0] + " " + f[3]);
	}
	std::printf("%7s %7s %-15s %-9s %-9s %8s %10s %10s %10s %10s %10s %10s %6s\n", "PID", "TGID", "COMM",
		    "STATE", "METRIC", "COUNT", "MIN_us", "AVG_us", "P50_us", "P99_us", "MAX_us", "SLO_us", "VIOL");
	int rows = 0;
	for (const auto &l : Lines("stats")) {
		auto f = Fields(l);
		if (f.size() != 12 || f[0][0] == '#')
			continue;
		if (id && std::to_string(id) != f[0] && std::to_string(id) != f[1])
			continue;
		std::string state = "?";
		for (const auto &s : states)
			if (s.compare(0, f[0].size() + 1, f[0] + " ") == 0)
				state = s.substr(f[0].size() + 1);
		std::printf("%7s %7s %-15s %-9s %-9s %8s %10s %10s %10s %10s %10s %10s %6s\n", f[0].c_str(),
			    f[1].c_str(), f[2].c_str(), state.c_str(), f[3].c_str(), f[4].c_str(), Us(f[5]).c_str(),
			    Us(f[7]).c_str(), Us(f[8]).c_str(), Us(f[9]).c_str(), Us(f[6]).c_str(),
			    Us(f[10]).c_str(), f[11].c_str());
		rows++;
	}
	if (rows == 0)
		std::printf("(no tracked or finished task%s)\n", id ? " with that id" : "");
	return 0;
}

// hist and traces: blocks that start with "# pid N ..."; keep those of one pid (0: all).
int Blocks(const char *file, long id, bool bars) {
	bool keep = false;
	unsigned long long peak = 1;
	auto lines = Lines(file);
	for (const auto &l : lines) {
		auto f = Fields(l);
		if (bars && f.size() == 3 && l[0] != '#')
			peak = std::max(peak, std::strtoull(f[2].c_str(), nullptr, 10));
	}
	for (const auto &l : lines) {
		if (l.rfind("# pid ", 0) == 0) {
			keep = id == 0 || Fields(l)[2] == std::to_string(id);
			std::string head = l.substr(2);
			const size_t ns = head.find("lo_ns hi_ns count");
			if (bars && ns != std::string::npos) // the bars print microseconds
				head.replace(ns, std::string::npos, "from .. below (us), count");
			if (keep)
				std::printf("%s\n", head.c_str());
			continue;
		}
		if (!keep)
			continue;
		auto f = Fields(l);
		if (bars && f.size() == 3) {
			const unsigned long long n = std::strtoull(f[2].c_str(), nullptr, 10);
			std::printf("  %12s .. %-12s %10llu %s\n", Us(f[0]).c_str(),
				    f[1] == "18446744073709551615" ? "inf" : Us(f[1]).c_str(), n,
				    std::string(size_t(1 + n * 40 / peak), '#').c_str());
		} else {
			std::printf("  %s\n", l.c_str());
		}
	}
	return 0;
}

long Id(const std::string &s) {
	if (!IsNumber(s))
		Usage("'" + s + "' is not a pid");
	return std::strtol(s.c_str(), nullptr, 10);
}

int Run(std::vector<std::string> args) {
	std::vector<std::string> slos;
	size_t i = 0;
	for (; i < args.size() && args[i] != "--"; i++) {
		if (args[i] != "-s" || i + 1 >= args.size())
			Usage("run: expected -s METRIC=NS or --, not '" + args[i] + "'");
		const std::string &kv = args[++i];
		const size_t eq = kv.find('=');
		if (eq == std::string::npos || !IsMetric(kv.substr(0, eq)) || !IsNumber(kv.substr(eq + 1)))
			Usage("run: -s wants METRIC=NS, not '" + kv + "'");
		slos.push_back("slo " + kv.substr(0, eq) + " " + kv.substr(eq + 1));
	}
	if (i + 1 >= args.size())
		Usage("run: no command after --");
	CheckLoaded();
	for (const auto &s : slos)
		Control(s); // for tasks tracked from now on
	int go[2];
	if (pipe(go) != 0)
		Fail(std::string("pipe: ") + std::strerror(errno));
	const pid_t child = fork();
	if (child < 0)
		Fail(std::string("fork: ") + std::strerror(errno));
	if (child == 0) { // waits until it is tracked, then becomes the command
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		std::vector<char *> argv;
		for (size_t k = i + 1; k < args.size(); k++)
			argv.push_back(args[k].data());
		argv.push_back(nullptr);
		execvp(argv[0], argv.data());
		std::fprintf(stderr, "mxrt-lat: %s: %s\n", argv[0], std::strerror(errno));
		_exit(127);
	}
	close(go[0]);
	Control("tgid " + std::to_string(child));
	if (write(go[1], "g", 1) != 1)
		Fail("cannot start the command");
	close(go[1]);
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
	}
	Show(child);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

} // namespace

int main(int argc, char **argv) {
	std::vector<std::string> a(argv + 1, argv + argc);
	if (a.size() >= 2 && a[0] == "-d") {
		dir = a[1];
		a.erase(a.begin(), a.begin() + 2);
	}
	if (a.empty())
		Usage("no command");
	const std::string cmd = a[0];
	const size_t n = a.size() - 1;
	auto opt_id = [&]() -> long { return n == 0 ? 0 : n == 1 ? Id(a[1]) : (Usage(cmd + ": too many arguments"), 0); };
	if (cmd == "track") {
		if (n == 2 && a[1] == "-g") {
			Control("tgid " + std::to_string(Id(a[2])));
			return 0;
		}
		if (n == 0)
			Usage("track: which pid?");
		for (size_t k = 1; k <= n; k++)
			Id(a[k]); // all valid before the first is tracked
		for (size_t k = 1; k <= n; k++)
			Control("pid " + a[k]);
		return 0;
	}
	if (cmd == "untrack" && n == 1) {
		Control("untrack " + std::to_string(Id(a[1])));
		return 0;
	}
	if (cmd == "slo" && (n == 2 || n == 3)) {
		if (!IsMetric(a[1]))
			Usage("slo: unknown metric '" + a[1] + "'");
		if (a[2] != "off" && !IsNumber(a[2]))
			Usage("slo: bound must be a positive number of ns or 'off', not '" + a[2] + "'");
		Control("slo " + a[1] + " " + a[2] + (n == 3 ? " " + std::to_string(Id(a[3])) : ""));
		return 0;
	}
	if (cmd == "capture" && n == 1) {
		if (a[1] != "on" && a[1] != "all" && a[1] != "off")
			Usage("capture: on (worst-case traces for metrics with an SLO), all or off");
		Control("capture " + a[1]);
		return 0;
	}
	if (cmd == "reset") {
		const long id = opt_id();
		Control(id ? "reset " + std::to_string(id) : "reset");
		return 0;
	}
	if (cmd == "clear" && n == 0) {
		Control("clear");
		return 0;
	}
	if (cmd == "show")
		return Show(opt_id());
	if (cmd == "hist")
		return Blocks("hist", opt_id(), true);
	if (cmd == "traces")
		return Blocks("traces", opt_id(), false);
	if (cmd == "status" && n == 0) {
		for (const auto &l : Lines("status"))
			std::printf("%s\n", l.c_str());
		return 0;
	}
	if (cmd == "run")
		return Run(std::vector<std::string>(a.begin() + 1, a.end()));
	Usage("unknown command or wrong arguments: '" + cmd + "'");
}
