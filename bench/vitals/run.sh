#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host (no VM: the estimator's cost and accuracy are the same code in user
# space). The heart-rate and SpO2 estimator's benchmark, every goal of docs/vitals.md:
#  - cost: instructions per record of the estimator (kernel/max30102/vitals.cpp) against the
#    acquisition core's (mxrt_acq_burst + mxrt_ring_push_n of a 16-record burst: CPU work only;
#    the goal's ratio, against the whole IRQ thread, is bench/guest/45-vitals-cost.sh's), counted by
#    callgrind in one run of bench/vitals/vitals_bench.cpp; and ns per record of both, timed in
#    alternating batches on one CPU (noisy on a shared machine: the instruction counts are the
#    figure of record);
#  - accuracy on simulated signals (mxrt-vitals-eval --sweep), and on the real recordings in
#    ../shared/data/ppg-oxiwear when they are there (with leave-one-out calibration).
# Ends each goal with a "bench: <name> = <value> <unit> (goal <op> <target>)" line.
#   bench/vitals/run.sh            everything
#   bench/vitals/run.sh --cost     the cost only
set -euo pipefail
cd "$(dirname "$0")/../.."
make --no-print-directory -s -f tests/unit/unit.mk build/host/bin/mxrt-vitals-bench build/host/bin/mxrt-vitals-eval
bench=build/host/bin/mxrt-vitals-bench
eval_bin=build/host/bin/mxrt-vitals-eval
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	echo "bench/vitals: valgrind (callgrind) is not installed: scripts/setup.sh installs it" >&2
	exit 1
fi
pin=()
command -v taskset >/dev/null && pin=(taskset -c "$(($(nproc) - 1))")

bursts=4000
ratio_400=
for rate in 64 100 400 1000 3200; do
	valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$rate" "$bench" count "$rate" "$bursts" >"$tmp/out.$rate" 2>/dev/null
	callgrind_annotate --inclusive=yes "$tmp/cg.$rate" >"$tmp/ann.$rate" 2>/dev/null
	ir() { grep -m1 -E "::$1\(\(anonymous namespace\)::Sides" "$tmp/ann.$rate" | awk '{gsub(",", "", $1); print $1}'; }
	acq=$(ir Acquire) est=$(ir Estimate) cpy=$(ir Copy)
	read -r acq_per vit_per ratio < <(awk -v a="$acq" -v e="$est" -v c="$cpy" -v n=$((bursts * 16)) \
		'BEGIN { printf "%.1f %.1f %.3f\n", a / n, (e - c) / n, (e - c) / a }')
	timed=$("${pin[@]}" "$bench" time "$rate")
	ns_acq=$(sed -n 's/.*acquisition=\([0-9.]*\).*/\1/p' <<<"$timed")
	ns_vit=$(sed -n 's/.*vitals=\([0-9.]*\).*/\1/p' <<<"$timed")
	ns_ratio=$(sed -n 's/.*ratio=\([0-9.]*\).*/\1/p' <<<"$timed")
	echo "# vitals at $rate Hz: $vit_per instructions ($ns_vit ns) per record; acquisition $acq_per instructions ($ns_acq ns); ratio $ratio (time: $ns_ratio); $(cat "$tmp/out.$rate")"
	[ "$rate" = 400 ] && ratio_400=$ratio
done
# The goal's ratio (the estimator's share of the IRQ thread's time per burst) is measured in the
# VMs (bench/guest/45-vitals-cost.sh); this one compares against the acquisition core's CPU work
# alone (decode and ring push, no I2C, no locking, no wake-ups)
echo "# vitals per record vs the acquisition core at 400 Hz = $ratio_400 (instructions; the goal line, the IRQ thread's share, comes from the VMs)"
[ "${1:-}" = --cost ] && exit 0

"$eval_bin" --sweep --sweep-seeds 40 | grep -E '^(bench: |# |sweep: )' | sed 's/^sweep: /# sweep: /'

data=../shared/data/ppg-oxiwear # beside the checkout, or under $MXRT_SHARED (as the unit tests look)
[ -d "$data" ] || [ -z "${MXRT_SHARED:-}" ] || data=$MXRT_SHARED/data/ppg-oxiwear
# The table's rows (between its header and the summaries): a name may hold spaces, so the
# columns are counted from the end (the last is first_s, "-" when there is no value).
rows() { awk 'NR > 1 && /^spo2: / { exit } NR > 1' "$1"; }
if [ -d "$data" ]; then
	# exit 1: a file could not be read (said on stderr; it is scored as a file without a value)
	"$eval_bin" "$data"/*.csv >"$tmp/rec" || [ $? = 1 ]
	"$eval_bin" --fit "$data"/*.csv >"$tmp/fit" || [ $? = 1 ]
	# "-": nothing scored (said as such, not as 0.00)
	spo2=$(sed -n 's/^spo2: .* MAE=\([0-9.]*\|-\) %.*/\1/p' "$tmp/rec")
	hr=$(sed -n 's/^hr: .* MAE=\([0-9.]*\|-\) bpm.*/\1/p' "$tmp/rec")
	novalue=$(sed -n 's/^spo2: .* no_value=\([0-9]*\) .*/\1/p' "$tmp/rec")
	loo=$(sed -n 's/^leave-one-out through a = [0-9.]*: MAE=\([0-9.]*\) %.*/\1/p' "$tmp/fit")
	# hr_vs_own_pulse, own_pulse_vs_ref: the HR error split into the estimator's and the references'
	grep -E '^(spo2|hr|hr_vs_own_pulse|own_pulse_vs_ref):' "$tmp/rec" | sed 's/^/# recordings: /'
	grep -E '^(fit|leave-one-out)' "$tmp/fit" | sed 's/^/# recordings: /' || true # none: too few files
	echo "bench: vitals_recordings_without_value = $novalue files (goal <= 0)"
	echo "bench: vitals_recordings_spo2_mae = $spo2 % (goal <= 3.0)"
	echo "bench: vitals_recordings_spo2_mae_leave_one_out = ${loo:-none} % (goal <= 3.0)"
	echo "bench: vitals_recordings_hr_mae = $hr bpm (goal <= 3)"
	# the first valid value's time into each file
	late=$(rows "$tmp/rec" | awk '$NF == "-" || $NF + 0 > 2.5' | wc -l)
	files=$(rows "$tmp/rec" | wc -l)
	echo "# recordings: first valid value within 2.5 s in $((files - late)) of $files files"
	echo "bench: vitals_recordings_first_valid_after_2.5s = $late files (goal <= 0)"
	# Half of the recordings are held back, and the goal wants a value for every file "even the
	# shortest": every file cut into windows as long as the shortest one (166 records, 2.6 s),
	# one every 0.5 s, each run as a recording of its own (its first record the finger-on; no
	# settling transient, the pulse in any phase). Shows how often a file that short gets no value.
	# A file shorter than 166 records gives no window (none here is).
	mkdir "$tmp/win"
	for f in "$data"/*.csv; do
		# the names through the environment: awk -v would expand backslashes in them
		DIR="$tmp/win" BASE="$(basename "$f" .csv)" awk -v len=166 -v step=32 '
			!body { head = head $0 "\n"; if ($0 ~ /^timestamp,sampleNum,/) body = 1; next }
			/^[0-9.]+,/ { rows[n++] = $0 }
			END {
				for (o = 0; o + len <= n; o += step) {
					out = ENVIRON["DIR"] "/" ENVIRON["BASE"] "@" o ".csv"
					printf "%s", head > out
					for (k = o; k < o + len; k++) print rows[k] > out
					close(out)
				}
			}' "$f"
	done
	"$eval_bin" "$tmp/win"/*.csv >"$tmp/win.out" || [ $? = 1 ]
	windows=$(rows "$tmp/win.out" | wc -l)
	rows "$tmp/win.out" | awk '$NF != "-" { print $NF }' | sort -n >"$tmp/win.first"
	awk -v n="$windows" '{ t[NR] = $1 } $1 > 2.5 { over++ }
		END {
			printf "# recordings, 2.6 s windows (each file from every 0.5 s): %d windows, %d without a value;", n, n - NR
			printf " first valid value p50 %.2f s, p90 %.2f s, max %.2f s, %d over 2.5 s\n",
				t[int((NR + 1) * 0.5)], t[int((NR + 1) * 0.9)], t[NR], over
		}' "$tmp/win.first"
	# the names of the windows without a value (the row less its 10 value columns)
	rows "$tmp/win.out" | awk '$NF == "-" { for (k = 0; k < 10; k++) sub(/ +[^ ]+ *$/, ""); s = s sep $0; sep = ", " }
		END { if (s != "") print "# recordings, windows without a value: " s }'
else
	echo "# recordings: $data is absent: the real-recording goals are not measured"
fi
