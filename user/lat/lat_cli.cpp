// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (the Pi, the VM guests' tests), as root. mxrt-lat: the command line of the
// per-PID latency tracer (mxrt_lat.ko), over its debugfs files (/sys/kernel/debug/mxrt_lat).
//
// usage: mxrt-lat [-d DIR] COMMAND
//   track PID...             track these threads (all or none: the tracer refusing one untracks
//                            those this command tracked before it)
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
//                            it exits, and exits with its status (128 + N when signal N killed
//                            it); Ctrl-C and Ctrl-\ go to COMMAND, mxrt-lat waits for it
//                            -s METRIC=NS is `slo METRIC NS` before COMMAND starts: a global SLO
//                            (every tracked task, and later ones), still set after the run
// Numbers as the module takes them: a pid 1..2147483647, NS 1..2^64-1 (decimal, no sign), every one
// checked before the first command is written.
// Exit: 0 ok, 1 the tracer refused or is missing (with the reason), 2 usage. The command line is
// parsed with CLI11 (Debian's libcli11-dev); --help lists the commands.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../lib/cli_number.hpp"
#include "../lib/cli_parse.hpp"
#include "../lib/stdout_check.hpp"

namespace {

constexpr const char *kDefaultDir = "/sys/kernel/debug/mxrt_lat";
std::string dir = kDefaultDir;
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

// What the module takes (kernel/lat/lat_table.cpp, ParsePid): a pid is 1..2^31-1.
constexpr unsigned long long kMaxPid = 2147483647;

// Numbers as the module's ParseU64 reads them: decimal digits only, min..max.
using mxrt::cli::Decimal;

bool IsMetric(const std::string &m) {
	for (const char *k : kMetrics)
		if (m == k)
			return true;
	return false;
}

// Says which of the two is missing: "-d /tmp" (a directory without the tracer's files) was "/tmp
// not found", and "-d ''" printed an empty name.
void CheckLoaded() {
	if (access((dir + "/control").c_str(), F_OK) == 0)
		return;
	if (errno == EACCES) // debugfs is mode 0700 on most systems: the module may well be loaded
		Fail(dir + ": " + std::strerror(errno) + " (debugfs is root's: run mxrt-lat as root)");
	if (access(dir.c_str(), F_OK) == 0)
		Fail(dir + " has no control file: not the tracer's directory (the default is " + kDefaultDir + ")");
	Fail(dir + " not found: load mxrt_lat.ko and mount debugfs (mount -t debugfs none /sys/kernel/debug)");
}

// A "name: N" line of the status file (0 if it is not there).
unsigned long long StatusNumber(const char *name);

// Why a tgid command got ENOSPC when it is the group limit (status: "groups:" lists as many as
// "max_groups"); "" when it is not.
std::string GroupsFull() {
	std::ifstream in(dir + "/status");
	for (std::string l; std::getline(in, l);) {
		if (l.rfind("groups:", 0) != 0)
			continue;
		std::istringstream words(l.substr(7));
		unsigned long long n = 0;
		for (std::string w; words >> w;)
			n++;
		const unsigned long long max = StatusNumber("max_groups");
		if (max == 0 || n < max)
			return "";
		return "the tracer tracks " + std::to_string(max) +
		       " groups at most, and all are in use ('mxrt-lat untrack TGID' ends one)";
	}
	return "";
}

// Why a tgid command got EINVAL when its number is a thread, not a process (/proc/N/status
// names another Tgid); "" when it is not.
std::string NotAProcess(const std::string &id) {
	std::ifstream in("/proc/" + id + "/status");
	for (std::string l; std::getline(in, l);) {
		if (l.rfind("Tgid:", 0) != 0)
			continue;
		const std::string tgid = l.substr(l.find_first_not_of(" \t", 5));
		if (tgid == id)
			return "";
		return id + " is a thread of process " + tgid + ", not a process ('mxrt-lat track -g " + tgid +
		       "' tracks the process, 'mxrt-lat track " + id + "' this thread)";
	}
	return "";
}

// One command per write, as the module wants: "" once written, else why not (its errno explained).
std::string TryControl(const std::string &cmd) {
	CheckLoaded();
	const int fd = open((dir + "/control").c_str(), O_WRONLY);
	if (fd < 0)
		Fail(dir + "/control: " + std::strerror(errno));
	errno = 0;
	const ssize_t n = write(fd, cmd.data(), cmd.size());
	const int err = errno;
	close(fd);
	if (n == ssize_t(cmd.size()))
		return {};
	std::string why = err ? std::strerror(err) : "short write";
	const bool group = cmd.rfind("tgid ", 0) == 0;
	switch (err) {
	case ESRCH: why = "no such process"; break;
	case EEXIST: why = "already tracked"; break;
	case ENOENT: why = "not tracked"; break;
	case ENOSPC: why = group ? GroupsFull() : "";
		if (why.empty())
			why = "no free task slot (max_tasks; 'mxrt-lat clear' forgets finished tasks)";
		break;
	case EINVAL: why = group ? NotAProcess(cmd.substr(5)) : "";
		if (why.empty())
			why = "refused as invalid";
		break;
	case EPERM: why = "refused: only a process in the initial pid namespace may write commands (pids are the host's)"; break;
	}
	return "'" + cmd + "': " + why;
}

void Control(const std::string &cmd) {
	const std::string why = TryControl(cmd);
	if (!why.empty())
		Fail(why);
}

// A "name: N" line of the status file (0 if it is not there).
unsigned long long StatusNumber(const char *name) {
	std::ifstream in(dir + "/status");
	const std::string prefix = std::string(name) + ": ";
	for (std::string l; std::getline(in, l);)
		if (l.rfind(prefix, 0) == 0)
			return std::strtoull(l.c_str() + prefix.size(), nullptr, 10);
	return 0;
}

std::vector<std::string> Lines(const std::string &file) {
	CheckLoaded();
	std::ifstream in(dir + "/" + file);
	if (!in)
		Fail(dir + "/" + file + ": " + std::strerror(errno));
	std::vector<std::string> out;
	errno = 0;
	for (std::string l; std::getline(in, l);)
		out.push_back(l);
	// a read that fails (the file gone with the module, EIO) ends getline as the end of the file
	// would: without this, what was read so far (often nothing) is shown as the whole table, exit 0
	if (in.bad())
		Fail(dir + "/" + file + ": " + (errno ? std::strerror(errno) : "read error"));
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
	unsigned long long v;
	if (!Decimal(ns, 0, ~0ull, &v))
		return ns;
	char b[32];
	std::snprintf(b, sizeof(b), "%.1f", v / 1000.0);
	return b;
}

// The stats table, for one pid or tgid (0: all): "pid tgid comm metric count min max avg p50 p99 slo violations"
// A pid can be listed more than once (tracked again after untrack; a thread's exec taking its
// leader's pid; a pid reused): both files list the table's entries in the same order, each entry
// in stats as a block of lines that starts with the first metric, so the n-th block of a pid has
// the state of its n-th line in tasks. (The two are read one after the other: an entry that came
// or went in between can shift them; a block with no line of its own shows "?".)
int Show(long id) {
	std::map<std::string, std::vector<std::string>> states; // pid -> the states of its entries, in order
	for (const auto &l : Lines("tasks")) {
		auto f = Fields(l);
		if (f.size() >= 4 && f[0][0] != '#')
			states[f[0]].push_back(f[3]);
	}
	const auto stats = Lines("stats"); // before the header: a file that cannot be read prints no table
	std::map<std::string, size_t> blocks; // pid -> its blocks so far
	std::string first_metric;
	std::printf("%7s %7s %-15s %-9s %-9s %8s %10s %10s %10s %10s %10s %10s %6s\n", "PID", "TGID", "COMM",
		    "STATE", "METRIC", "COUNT", "MIN_us", "AVG_us", "P50_us", "P99_us", "MAX_us", "SLO_us", "VIOL");
	int rows = 0;
	for (const auto &l : stats) {
		auto f = Fields(l);
		if (f.size() != 12 || f[0][0] == '#')
			continue;
		if (first_metric.empty())
			first_metric = f[3];
		if (f[3] == first_metric)
			blocks[f[0]]++;
		if (id && std::to_string(id) != f[0] && std::to_string(id) != f[1])
			continue;
		const auto st = states.find(f[0]);
		const size_t n = blocks[f[0]];
		const std::string state = st != states.end() && n >= 1 && n <= st->second.size() ? st->second[n - 1] : "?";
		// a metric with no event: the module writes max_ns 0 beside "-" in the others
		const std::string max = f[4] == "0" ? "-" : Us(f[6]);
		std::printf("%7s %7s %-15s %-9s %-9s %8s %10s %10s %10s %10s %10s %10s %6s\n", f[0].c_str(),
			    f[1].c_str(), f[2].c_str(), state.c_str(), f[3].c_str(), f[4].c_str(), Us(f[5]).c_str(),
			    Us(f[7]).c_str(), Us(f[8]).c_str(), Us(f[9]).c_str(), max.c_str(),
			    Us(f[10]).c_str(), f[11].c_str());
		rows++;
	}
	if (rows == 0)
		std::printf("(no tracked or finished task%s)\n", id ? " with that id" : "");
	return 0;
}

// hist and traces: blocks that start with "# pid N ..."; keep those of one pid (0: all). Bars are
// scaled to the largest count of their own block (one pid's one metric): against every block's,
// a quiet thread's histogram was a column of single #s beside a busy one's.
int Blocks(const char *file, long id, bool bars) {
	bool keep = false;
	// the entries of `id` as show takes it: a pid, or a tgid (every thread of a tracked process;
	// the blocks name the pid only)
	const std::string want = std::to_string(id);
	std::set<std::string> pids{want};
	bool listed = false; // an entry of id (any, with id 0) is in the table
	for (const std::string &t : Lines("tasks")) {
		const auto f = Fields(t);
		if (f.size() < 2 || f[0][0] == '#')
			continue;
		if (id == 0 || f[0] == want || f[1] == want)
			listed = true;
		if (f[1] == want)
			pids.insert(f[0]);
	}
	auto lines = Lines(file);
	std::vector<unsigned long long> peak(lines.size(), 1); // per line: its block's largest count
	size_t start = 0;
	unsigned long long m = 1;
	const auto close_block = [&](size_t end) { std::fill(peak.begin() + long(start), peak.begin() + long(end), m); };
	for (size_t i = 0; i < lines.size(); i++) {
		if (lines[i].rfind("# pid ", 0) == 0) {
			close_block(i);
			start = i;
			m = 1;
			continue;
		}
		const auto f = Fields(lines[i]);
		if (bars && f.size() == 3 && lines[i][0] != '#')
			m = std::max(m, std::strtoull(f[2].c_str(), nullptr, 10));
	}
	close_block(lines.size());
	bool any = false;
	for (size_t i = 0; i < lines.size(); i++) {
		const std::string &l = lines[i];
		if (l.rfind("# pid ", 0) == 0) {
			const auto head_fields = Fields(l); // "# pid N ...": a line without N names no pid
			keep = id == 0 || (head_fields.size() > 2 && pids.count(head_fields[2]) > 0);
			any = any || keep;
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
				    std::string(size_t(1 + (unsigned __int128)n * 40 / peak[i]), '#').c_str());
		} else {
			std::printf("  %s\n", l.c_str());
		}
	}
	if (!any) { // as show says it: an unknown pid printed nothing at all
		// A task with no event yet has no block, and one with events no trace unless a cycle
		// kept one: listed in tasks all the same ("no tracked task" said so of tracked ones)
		if (!listed)
			std::printf("(no tracked or finished task%s)\n", id ? " with that id" : "");
		else if (!bars)
			std::printf("(no worst-case trace kept%s: a trace is kept for a cycle over its SLO with "
				    "capture on, the default ('mxrt-lat slo METRIC NS' sets one), or for every cycle "
				    "with 'mxrt-lat capture all')\n",
				    id ? (" for task " + want).c_str() : "");
		else if (id)
			std::printf("(task %ld has nothing recorded yet)\n", id);
		else
			std::printf("(no tracked or finished task has recorded anything yet)\n");
	}
	return 0;
}

// A pid as the module takes it (1..2147483647), or a usage error before anything is written.
long Id(const std::string &s) {
	unsigned long long v;
	if (!Decimal(s, 1, kMaxPid, &v))
		Usage("'" + s + "' is not a pid (1.." + std::to_string(kMaxPid) + ")");
	return long(v);
}

// An SLO bound in ns as the module takes it: 1..2^64-1.
bool Bound(const std::string &s, unsigned long long *v) { return Decimal(s, 1, ~0ull, v); }

int Run(const std::vector<std::string> &slo_args, std::vector<std::string> command) {
	std::vector<std::string> slos;
	for (const std::string &kv : slo_args) {
		const size_t eq = kv.find('=');
		unsigned long long ns;
		if (eq == std::string::npos || !IsMetric(kv.substr(0, eq)) || !Bound(kv.substr(eq + 1), &ns))
			Usage("run: -s wants METRIC=NS (NS 1..18446744073709551615), not '" + kv + "'");
		slos.push_back("slo " + kv.substr(0, eq) + " " + std::to_string(ns));
	}
	if (command.empty())
		Usage("run: no command after --");
	CheckLoaded();
	int go[2];
	if (pipe(go) != 0)
		Fail(std::string("pipe: ") + std::strerror(errno));
	// As system(3) does: Ctrl-C and Ctrl-\ (sent to the whole process group) are for the command;
	// this process waits for it and then prints its table and its status. The child gets the
	// dispositions back before exec.
	struct sigaction ignore {}, old_int, old_quit;
	ignore.sa_handler = SIG_IGN;
	sigemptyset(&ignore.sa_mask);
	sigaction(SIGINT, &ignore, &old_int);
	sigaction(SIGQUIT, &ignore, &old_quit);
	const pid_t child = fork();
	if (child < 0)
		Fail(std::string("fork: ") + std::strerror(errno));
	if (child == 0) { // waits until it is tracked, then becomes the command
		sigaction(SIGINT, &old_int, nullptr);
		sigaction(SIGQUIT, &old_quit, nullptr);
		close(go[1]);
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(127);
		std::vector<char *> argv;
		for (std::string &word : command)
			argv.push_back(word.data());
		argv.push_back(nullptr);
		execvp(argv[0], argv.data());
		std::fprintf(stderr, "mxrt-lat: %s: %s\n", argv[0], std::strerror(errno));
		_exit(127);
	}
	close(go[0]);
	// Finished entries stay in the table until `clear` or eviction: one of an earlier task with
	// the child's pid (pids wrap: pid_max is 32768 on 32-bit Raspberry Pi OS) would show in the
	// run's table as if it were the command's. Said after the table.
	const std::string cpid = std::to_string(child);
	size_t earlier = 0;
	std::ifstream tasks(dir + "/tasks"); // unreadable: nothing to say (the table says why)
	for (std::string t; std::getline(tasks, t);) {
		const auto f = Fields(t);
		if (f.size() >= 2 && f[0][0] != '#' && (f[0] == cpid || f[1] == cpid))
			earlier++;
	}
	// Tracked first, the SLOs after: they are global and replace every tracked task's own (not
	// undone after the run, docs/lat.md), so a run whose tracking is refused (ENOSPC) must not
	// have set them. One refused after the tracking untracks the command, which never starts.
	std::string why = TryControl("tgid " + std::to_string(child));
	for (size_t i = 0; why.empty() && i < slos.size(); i++) {
		why = TryControl(slos[i]);
		if (!why.empty())
			TryControl("untrack " + std::to_string(child));
	}
	if (!why.empty()) {
		close(go[1]); // the child reads end of file and exits without running the command
		while (waitpid(child, nullptr, 0) < 0 && errno == EINTR) {
		}
		Fail(why);
	}
	// Threads the tracer adds by itself take free slots only (finished tasks' slots are freed
	// by `clear`, reused by a command, or evicted by the report pass while a group is tracked):
	// those that found none are counted, and said below, as are the finished tasks evicted.
	const unsigned long long full0 = StatusNumber("not_tracked_table_full");
	const unsigned long long evicted0 = StatusNumber("evicted_finished");
	if (write(go[1], "g", 1) != 1)
		Fail("cannot start the command");
	close(go[1]);
	int status = 0;
	pid_t waited;
	while ((waited = waitpid(child, &status, 0)) < 0 && errno == EINTR) {
	}
	if (waited < 0)
		Fail(std::string("waitpid: ") + std::strerror(errno));
	sigaction(SIGINT, &old_int, nullptr);
	sigaction(SIGQUIT, &old_quit, nullptr);
	Show(child);
	if (earlier > 0) {
		std::fflush(stdout);
		std::fprintf(stderr,
			     "mxrt-lat: pid %d was also that of %zu earlier task entr%s still in the table (finished; "
			     "pids are reused): %s in the table above too, told apart by COMM only if the names "
			     "differ ('mxrt-lat clear' forgets finished tasks before a run)\n",
			     int(child), earlier, earlier == 1 ? "y" : "ies", earlier == 1 ? "its rows are" : "their rows are");
	}
	const unsigned long long full1 = StatusNumber("not_tracked_table_full");
	const unsigned long long evicted1 = StatusNumber("evicted_finished");
	if (evicted1 > evicted0) {
		std::fflush(stdout);
		std::fprintf(stderr,
			     "mxrt-lat: %llu finished task(s) were evicted during the run (to keep slots free for "
			     "new threads, or for a command), and are not in the table above: their final reports "
			     "are in the kernel log (dmesg | grep 'mxrt_lat: final report'; status: "
			     "evicted_finished, max_tasks)\n",
			     evicted1 - evicted0);
	}
	if (full1 > full0) {
		std::fflush(stdout);
		std::fprintf(stderr,
			     "mxrt-lat: %llu new thread(s) of tracked groups (this command's, or another tracked "
			     "group's) were not tracked during the run: the tracer's table had no free slot "
			     "(status: not_tracked_table_full, max_tasks); 'mxrt-lat clear' frees finished tasks' slots\n",
			     full1 - full0);
	}
	if (WIFSIGNALED(status)) {
		std::fflush(stdout); // the table first, then why it ends early
		std::fprintf(stderr, "mxrt-lat: %s was killed by signal %d (%s)\n", command[0].c_str(), WTERMSIG(status),
			     strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

} // namespace

namespace {

int Main(int argc, char **argv) {
	CLI::App app{"mxrt-lat: the per-PID scheduling-latency tracer's command line"};
	app.set_help_flag("-h,--help", "this help");
	app.add_option("-d", dir, "the tracer's debugfs directory")->capture_default_str();
	app.require_subcommand(0, 1);
	app.fallthrough(false);

	std::vector<std::string> pids, slo_args, run_cmd;
	std::string tgid, id, metric, bound, mode;
	CLI::App *track = app.add_subcommand("track", "track threads (PID...) or every thread of a process (-g TGID)");
	track->add_option("pid", pids, "thread ids");
	track->add_option("-g", tgid, "a process: all its threads, also later ones");
	CLI::App *untrack = app.add_subcommand("untrack", "stop tracking a thread or a tracked process");
	untrack->add_option("id", id)->required();
	CLI::App *slo = app.add_subcommand("slo", "SLO bound in ns (or off) for a metric, all tasks or one");
	slo->add_option("metric", metric)->required();
	slo->add_option("bound", bound)->required();
	slo->add_option("pid", id);
	CLI::App *capture = app.add_subcommand("capture", "worst-case traces: on (metrics with an SLO), all, off");
	capture->add_option("mode", mode)->required();
	CLI::App *reset = app.add_subcommand("reset", "zero the statistics (all tasks, or one)");
	reset->add_option("pid", id);
	CLI::App *clear = app.add_subcommand("clear", "forget finished tasks");
	CLI::App *show = app.add_subcommand("show", "the table (microseconds)");
	show->add_option("pid", id);
	CLI::App *hist = app.add_subcommand("hist", "log2 histograms");
	hist->add_option("pid", id);
	CLI::App *traces = app.add_subcommand("traces", "worst-case traces");
	traces->add_option("pid", id);
	CLI::App *status = app.add_subcommand("status", "slots, memory, counters");
	CLI::App *run = app.add_subcommand("run", "run a command with all its threads tracked; its table when it exits");
	run->add_option("-s", slo_args,
			"METRIC=NS: 'slo METRIC NS' before the command starts: global (every tracked task, later "
			"ones too) and kept after the run (repeatable)");
	run->add_option("command", run_cmd, "-- COMMAND [ARGS...]");
	run->positionals_at_end(); // everything after the command's name is the command's
	for (CLI::App *sub : app.get_subcommands({}))
		sub->set_help_flag("-h,--help", "this help");

	try {
		mxrt::cli::Parse(app, argc, argv);
	} catch (const CLI::CallForHelp &e) {
		return app.exit(e);
	} catch (const CLI::ExtrasError &e) {
		// what CLI11 could not place: an unknown command, an option the command does not have (a
		// global one given after it too), or one argument too many
		if (app.get_subcommands().empty())
			Usage("unknown command or wrong arguments: " + std::string(e.what()));
		const CLI::App *sub = app.get_subcommands()[0];
		const std::vector<std::string> rest = sub->remaining();
		if (!rest.empty() && rest[0].size() > 1 && rest[0][0] == '-')
			Usage(sub->get_name() + ": unknown option '" + rest[0] + "' (" +
			      (sub->get_name() == "run" ? "the command goes after --: mxrt-lat run [-s METRIC=NS]... -- COMMAND [ARGS...]; "
							: "") +
			      "the global option -d goes before the command)");
		Usage(sub->get_name() + ": too many arguments");
	} catch (const CLI::ParseError &e) {
		Usage(e.what());
	}
	if (dir.empty())
		Usage("-d: an empty directory name");
	if (app.get_subcommands().empty())
		Usage("no command");
	const CLI::App *cmd = app.get_subcommands()[0];
	// given, even as "" (an unset $PID): refused as no pid, not taken for "all tasks" (reset "" reset
	// every task's statistics)
	const CLI::Option *id_opt = cmd->get_option_no_throw(cmd == untrack ? "id" : "pid");
	const bool id_given = id_opt != nullptr && id_opt->count() > 0 && cmd != track;
	auto opt_id = [&]() -> long { return id_given ? Id(id) : 0; };
	if (cmd == track) {
		if (track->get_option("-g")->count() > 0) {
			if (!pids.empty())
				Usage("track: PIDs or -g TGID, not both");
			Control("tgid " + std::to_string(Id(tgid)));
			return 0;
		}
		if (pids.empty())
			Usage("track: which pid?");
		std::vector<long> ids;
		for (const std::string &p : pids) {
			ids.push_back(Id(p)); // all valid before the first is tracked
			// twice: the second "pid N" failed with EEXIST, and all-or-none untracked N again
			if (std::count(ids.begin(), ids.end(), ids.back()) > 1)
				Usage("track: pid " + std::to_string(ids.back()) + " given twice");
		}
		// all or none: a pid the tracer refuses (gone, already tracked, no free slot) untracks the
		// ones this command tracked before it, newest first, so a failed command leaves them as
		// they were (finished, with their final reports, until `clear`) and can simply be rerun
		for (size_t i = 0; i < ids.size(); i++) {
			std::string why = TryControl("pid " + std::to_string(ids[i]));
			if (why.empty())
				continue;
			if (i > 0)
				why += "; untracked again what this command tracked:";
			// "untrack N" of a tracked group's tgid forgets the whole group: a pid that names
			// one (its main thread, tracked alone here after an exec left it out) is left
			// tracked, and said, rather than take the group's other threads with it
			std::vector<std::string> groups;
			std::ifstream status(dir + "/status"); // unreadable: no group known, as before
			for (std::string l; std::getline(status, l);)
				if (l.rfind("groups:", 0) == 0)
					groups = Fields(l.substr(7));
			for (size_t k = i; k-- > 0;) {
				const std::string n = std::to_string(ids[k]);
				if (std::find(groups.begin(), groups.end(), n) != groups.end()) {
					why += " " + n + " (left tracked: untrack " + n + " would forget its whole tracked group)";
					continue;
				}
				const std::string undo = TryControl("untrack " + n);
				why += " " + n + (undo.empty() ? "" : " (failed: " + undo + ")");
			}
			Fail(why);
		}
		return 0;
	}
	if (cmd == untrack) {
		Control("untrack " + std::to_string(Id(id)));
		return 0;
	}
	if (cmd == slo) {
		if (!IsMetric(metric))
			Usage("slo: unknown metric '" + metric + "'");
		unsigned long long ns = 0;
		if (bound != "off" && !Bound(bound, &ns))
			Usage("slo: bound must be a positive number of ns (1..18446744073709551615) or 'off', not '" +
			      bound + "'");
		const std::string pid = id_given ? " " + std::to_string(Id(id)) : "";
		Control("slo " + metric + " " + (bound == "off" ? bound : std::to_string(ns)) + pid);
		return 0;
	}
	if (cmd == capture) {
		if (mode != "on" && mode != "all" && mode != "off")
			Usage("capture: on (worst-case traces for metrics with an SLO), all or off");
		Control("capture " + mode);
		return 0;
	}
	if (cmd == reset) {
		const long pid = opt_id();
		Control(pid ? "reset " + std::to_string(pid) : "reset");
		return 0;
	}
	if (cmd == clear) {
		Control("clear");
		return 0;
	}
	if (cmd == show)
		return Show(opt_id());
	if (cmd == hist)
		return Blocks("hist", opt_id(), true);
	if (cmd == traces)
		return Blocks("traces", opt_id(), false);
	if (cmd == status) {
		for (const auto &l : Lines("status"))
			std::printf("%s\n", l.c_str());
		return 0;
	}
	return Run(slo_args, run_cmd);
}

} // namespace

int main(int argc, char **argv) { return mxrt::cli::StdoutChecked("mxrt-lat", Main(argc, argv)); }
