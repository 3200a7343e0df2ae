// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space, the command-line tools that parse with CLI11 (user/*/). Parse() is
// app.parse(argc, argv) with one difference: an option that takes a value, written `--name=`
// with nothing after the '=', gets the empty value, as `--name ""` does. CLI11 2.1 read
// `--name=` as `--name` and took the NEXT argument as the value: `mxrtd --cpus= -c f.toml`
// said "--cpus must be a CPU list such as 1 or 0-1,3, not '-c'", and `mxrtd --config=
// /dev/max30102-0` read the device as the config file. Flags (`--check-config=`), names no option
// has, and everything after `--` are passed on as they are. Throws what app.parse throws.
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace mxrt::cli {

namespace detail {

// The option of long name @name in @app or one of its subcommands, or nullptr.
inline const CLI::Option *FindLong(CLI::App &app, const std::string &name) {
	for (const CLI::Option *o : app.get_options())
		if (o->check_lname(name))
			return o;
	for (CLI::App *sub : app.get_subcommands([](CLI::App *) { return true; }))
		if (const CLI::Option *o = FindLong(*sub, name))
			return o;
	return nullptr;
}

} // namespace detail

inline void Parse(CLI::App &app, int argc, char **argv) {
	std::vector<std::string> args;
	args.reserve(static_cast<size_t>(argc) + 4);
	bool options = true;
	for (int i = 0; i < argc; i++) {
		const std::string a = argv[i];
		if (a == "--")
			options = false;
		const CLI::Option *o = nullptr;
		if (i > 0 && options && a.size() > 3 && a.compare(0, 2, "--") == 0 && a.back() == '=' &&
		    a.find('=') == a.size() - 1)
			o = detail::FindLong(app, a.substr(2, a.size() - 3));
		if (o && o->get_items_expected_max() != 0) {
			args.push_back(a.substr(0, a.size() - 1));
			args.emplace_back();
		} else {
			args.push_back(a);
		}
	}
	std::vector<char *> ptrs;
	ptrs.reserve(args.size() + 1);
	for (std::string &s : args)
		ptrs.push_back(s.data());
	ptrs.push_back(nullptr);
	app.parse(static_cast<int>(args.size()), ptrs.data());
}

} // namespace mxrt::cli
