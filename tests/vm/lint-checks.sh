#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host, from tests/vm/run.sh before it boots anything (and tests/run-all.sh runs
# its self-test). Refuses guest test scripts that write a compound condition after `check` without
# quoting it:
#     check ring-resize [ "$a" = 1 ] && [ "$b" = 2 ]      the shell runs check with "[ $a = 1 ]"
#                                                         only; "[ $b = 2 ]" is never judged
# A check's condition must be one argument: check NAME '[ "$a" = 1 ] && [ "$b" = 2 ]' (see
# tests/vm/test-env.sh). Any && or || outside quotes and $(...) on a line that starts with check
# (or on its continuation lines) is reported as FILE:LINE and makes the exit status 1.
# usage: tests/vm/lint-checks.sh FILE...      tests/vm/lint-checks.sh --self-test
set -uo pipefail

lint() {
	awk '
	function scan(text,    i, c, n, sq, dq, depth) {
		sq = 0; dq = 0; depth = 0
		n = length(text)
		for (i = 1; i <= n; i++) {
			c = substr(text, i, 1)
			if (sq) { if (c == "\047") sq = 0; continue }
			if (c == "\\") { i++; continue }
			if (dq) {
				if (c == "\"" && depth == 0) dq = 0
				else if (c == "$" && substr(text, i + 1, 1) == "(") { depth++; i++ }
				else if (c == ")" && depth > 0) depth--
				continue
			}
			if (c == "\047") { sq = 1; continue }
			if (c == "\"") { dq = 1; continue }
			if (c == "$" && substr(text, i + 1, 1) == "(") { depth++; i++; continue }
			if (c == "(") { depth++; continue }
			if (c == ")" && depth > 0) { depth--; continue }
			if (depth > 0) continue
			if (c == "#" && (i == 1 || substr(text, i - 1, 1) ~ /[ \t]/)) return 0
			if ((c == "&" || c == "|") && substr(text, i + 1, 1) == c) return 1
		}
		return 0
	}
	# a check line and the lines it continues onto (a trailing backslash, && or ||)
	/^[ \t]*check[ \t]/ { line = $0; start = FNR; cont = 1 }
	cont && FNR > start { line = line " " $0 }
	cont {
		if ($0 ~ /(\\|&&|\|\|)[ \t]*$/) next
		if (scan(line)) { printf "%s:%d: check with an unquoted && or ||: %s\n", FILENAME, start, line; bad = 1 }
		cont = 0
	}
	END { exit bad }
	' "$@"
}

if [ "${1:-}" = --self-test ]; then
	t=$(mktemp -d)
	trap 'rm -rf "$t"' EXIT
	cat >"$t/bad.sh" <<'SH'
check a [ "$x" = 1 ] && [ "$y" = 2 ]
check b grep -q x f || true
	check c [ $a -eq 0 ] && [ $b -eq 0 ] &&
		[ $c -eq 0 ]
check d test -e "$(echo a)" && true
SH
	cat >"$t/good.sh" <<'SH'
check a '[ "$x" = 1 ] && [ "$y" = 2 ]'
check b "grep -q 'a && b' f || true"
check c sh -c "a && b"
check d [ "$(a && b)" = 1 ] # a comment && more
check e [ "x&&y" = 1 ]
echo check f && true
SH
	out=$(lint "$t/bad.sh")
	n=$(grep -c 'unquoted' <<<"$out")
	p=0 f=0
	if [ "$n" != 4 ]; then echo "FAIL: lint-checks flags the 4 broken checks (flagged $n): $out"; f=$((f + 1))
	else echo "PASS: lint-checks flags the 4 broken checks"; p=$((p + 1)); fi
	if out=$(lint "$t/good.sh"); then echo "PASS: lint-checks accepts quoted conditions"; p=$((p + 1))
	else echo "FAIL: lint-checks accepts quoted conditions: $out"; f=$((f + 1)); fi
	echo "lint-checks: $p passed, $f failed"
	[ $f -eq 0 ]; exit
fi
[ $# -gt 0 ] || { echo "usage: $0 FILE... | --self-test" >&2; exit 2; }
lint "$@"
