// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd's JSON snapshot and mxrt-top, mxrt-max30102-ctl --json,
// mxrt-contention). Text that came from elsewhere (a device path, a task's comm, a name in
// /dev/shm, which any user can make) on its way out:
//   - JsonString: as a JSON string literal: quotes and backslashes escaped, control characters as
//     \u00xx (JSON allows none raw: a device path with a line break must not break the document),
//     and a byte that is not part of well-formed UTF-8 as U+FFFD (JSON is UTF-8; a comm is any
//     bytes, cut at 15 by the kernel, maybe inside a character), as Go's encoding/json does;
//   - Printable: for a terminal: a control character (C0, DEL, C1), a bidirectional formatting
//     character (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069: they reorder what the terminal
//     shows after them, the "Trojan Source" trick) or a byte that is not well-formed UTF-8 as '?',
//     as ps does for controls (ESC ] sets a window title, ESC [2J clears the screen).
// Header-only, so that each tool still builds from its own sources.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

namespace mxrt::cli {

// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlong form, no surrogate,
// nothing above U+10FFFF), or 0.
inline std::size_t Utf8Length(const std::string &s, std::size_t i) {
	const unsigned char c = static_cast<unsigned char>(s[i]);
	std::size_t n;
	unsigned char lo = 0x80, hi = 0xbf; // the second byte's range
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (s.size() - i < n)
		return 0;
	for (std::size_t k = 1; k < n; k++) {
		const unsigned char b = static_cast<unsigned char>(s[i + k]);
		if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf))
			return 0;
	}
	return n;
}

// Whether @s is well-formed UTF-8 throughout (what TOML and JSON text must be).
inline bool WellFormedUtf8(const std::string &s) {
	for (std::size_t i = 0; i < s.size();) {
		if (static_cast<unsigned char>(s[i]) < 0x80) {
			i++;
			continue;
		}
		const std::size_t n = Utf8Length(s, i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

inline std::string JsonString(const std::string &s) {
	std::string r = "\"";
	for (std::size_t i = 0; i < s.size(); i++) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		if (c >= 0x80) {
			const std::size_t n = Utf8Length(s, i);
			if (n) {
				r.append(s, i, n);
				i += n - 1;
			} else {
				r += "\\ufffd";
			}
		} else if (c == '"' || c == '\\') {
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

// Whether the well-formed UTF-8 sequence of @n bytes at s[i] is a C1 control (U+0080..U+009F:
// CSI, OSC, ...) or a bidirectional formatting character.
inline bool Utf8Unprintable(const std::string &s, std::size_t i, std::size_t n) {
	const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
	if (n == 2)
		return (b(0) == 0xc2 && b(1) < 0xa0) || (b(0) == 0xd8 && b(1) == 0x9c); // C1, U+061C
	if (n == 3 && b(0) == 0xe2 && b(1) == 0x80)
		return b(2) == 0x8e || b(2) == 0x8f || (b(2) >= 0xaa && b(2) <= 0xae); // U+200E/F, U+202A..E
	if (n == 3 && b(0) == 0xe2 && b(1) == 0x81)
		return b(2) >= 0xa6 && b(2) <= 0xa9; // U+2066..U+2069
	return false;
}

inline std::string Printable(const std::string &s) {
	std::string out;
	for (std::size_t i = 0; i < s.size(); i++) {
		const unsigned char c = static_cast<unsigned char>(s[i]);
		if (c >= 0x20 && c < 0x7f) {
			out += char(c);
			continue;
		}
		const std::size_t n = c >= 0x80 ? Utf8Length(s, i) : 0;
		if (n && !Utf8Unprintable(s, i, n))
			out.append(s, i, n);
		else
			out += '?';
		if (n)
			i += n - 1; // one '?' for a whole character
	}
	return out;
}

} // namespace mxrt::cli
