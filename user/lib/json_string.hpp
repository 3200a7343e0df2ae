// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd's JSON snapshot and mxrt-top, mxrt-max30102-ctl --json). A string as
// a JSON string literal: quotes and backslashes escaped, control characters as \u00xx (JSON
// allows none raw: a device path with a line break must not break the document).
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <cstdio>
#include <string>

namespace mxrt::cli {

inline std::string JsonString(const std::string &s) {
	std::string r = "\"";
	for (const unsigned char c : s) {
		if (c == '"' || c == '\\') {
			r += '\\';
			r += char(c);
		} else if (c < 0x20) {
			char b[8];
			std::snprintf(b, sizeof(b), "\\u%04x", c);
			r += b;
		} else {
			r += char(c);
		}
	}
	return r + "\"";
}

} // namespace mxrt::cli
