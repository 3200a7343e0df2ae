#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (tests/run-all.sh). Every path to a file of this repository that a
# comment, a script, a Makefile or a document names must exist: after files move, a stale name in
# a header is worse than none. Looks for words like kernel/lat/lat_core.cpp or docs/testing.md (a
# top-level folder, then a path with a file extension) in every tracked text file, and checks each
# exists (globs and placeholders such as <tool> or N are skipped). Ends with "paths: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
roots='kernel|include|tests|user|bench|scripts|dts|docs|bpf|build|\.ci'
exts='c|h|cpp|hpp|sh|md|dtso|dts|yaml|mk|txt|conf|bash|cc|py'
bad=0 n=0
while IFS=: read -r file line word; do
	case "$word" in *'*'*|*'<'*|*'>'*|*'$'*|*'{'*|*N.*|*'%'*) continue ;; esac
	case "$word" in build/*) continue ;; esac # generated
	n=$((n + 1))
	if [ ! -e "$word" ]; then
		echo "FAIL: paths:$file:$line names $word, which does not exist"
		bad=$((bad + 1))
	fi
done < <(git ls-files -z | xargs -0 grep -I -noE "(^|[^<A-Za-z0-9_./-])($roots)/[A-Za-z0-9_./,+-]*\.($exts)\b" 2>/dev/null |
	awk -F: '{
		w = $0; sub(/^[^:]*:[0-9]*:/, "", w); sub(/^[^A-Za-z.]*/, "", w); print $1 ":" $2 ":" w }' | sort -u)
[ "$bad" -gt 0 ] || echo "PASS: paths:all-$n-named-files-exist"
echo "paths: $((n > 0 && bad == 0 ? 1 : 0)) passed, $bad failed"
[ "$bad" -eq 0 ] && [ "$n" -gt 0 ]
