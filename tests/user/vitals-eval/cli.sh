#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. mxrt-vitals-eval's own checks: bad options are refused with a usage
# message (exit 2); bad, empty and wrongly shaped files get a clear error naming the file (exit 1);
# good OxiWear CSVs, record streams and simulated signals are scored, --csv prints exactly the
# header and one row per file (empty cells where there is no value), --fit shows leave-one-out,
# --plot writes a PNG with gnuplot. The real recordings in ../shared/data are used when present.
# Ends with "tools: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
bin=build/host/bin/mxrt-vitals-eval
make --no-print-directory -s -f tests/unit/unit.mk "$bin" || { echo "tools: 0 passed, 1 failed, 0 skipped"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
suite=vitals-eval-cli
skip=0
. tests/user/lib.bash
skipped() { echo "SKIP: $suite:$1 ($2)"; skip=$((skip + 1)); }

# csv FILE HR SPO2 SECONDS [flat]: an OxiWear-format recording at 64 Hz, R from the default line
csv() {
	python3 - "$@" <<'PY'
import math, sys
path, hr, spo2, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
flat = len(sys.argv) > 5
r = (110 - spo2) / 31.7
with open(path, "w") as f:
    f.write("MAXM86161reg0x0D,MAXM86161reg0x10\n0x02,0x00\nstart time,1596743748320\nexpected tags,1,2,3,\n")
    f.write("timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3,ACCX,ACCY,ACCZ\n")
    for i in range(int(seconds * 64)):
        t = i / 64.0
        ph = (t * hr / 60) % 1
        p = 0 if flat else (0.5 * (1 - math.cos(math.pi * ph / 0.15)) if ph < 0.15 else math.exp(-(ph - 0.15) / 0.3))
        ir = 78000 * (1 - 0.01 * p)
        red = 99000 * (1 - 0.01 * r * p)
        f.write("%.6f,%d,0,0,0,%.6f,%.6f,1200.000000,10,10,-1000\n" % (1596743748400 + t * 1000, i + 1, ir, red))
    f.write("elapsed capture time: 0h00m05s\nmissed packet count: 0\n")
PY
}
# records FILE HR RATE SECONDS: struct mxrt_max30102_record, 18-bit, SpO2 97 % by the default line
records() {
	python3 - "$@" <<'PY'
import math, struct, sys
path, hr, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
r = (110 - 97) / 31.7
with open(path, "wb") as f:
    for i in range(int(seconds * rate)):
        t = i / rate
        ph = (t * hr / 60) % 1
        p = 0.5 * (1 - math.cos(math.pi * ph / 0.15)) if ph < 0.15 else math.exp(-(ph - 0.15) / 0.3)
        ir, red = int(100000 * (1 - 0.02 * p)), int(90000 * (1 - 0.02 * r * p))
        f.write(struct.pack("<QQIIHHI", 1000 + i, 5 * 10**9 + int(i * 1e9 / rate), red, ir, 4 if i == 0 else 0, 18, 0))
PY
}

# --- usage (exit 2)
expect no-arguments 2 'no FILE and no --sim'
expect unknown-option 2 'not expected|unknown|Usage' --frobnicate x.csv
expect rate-zero 2 'rate' --rate 0 x.csv
expect rate-text 2 'rate' --rate fast x.csv
# NaN passes CLI11's Range (every comparison with it is false): --rate nan was taken and ignored,
# --sweep-seconds nan aborted (exit 134) in vector::reserve
expect rate-nan 2 "--rate: 'nan' is not a rate in \\[1, 3200\\] Hz" --rate nan x.csv
expect sweep-seconds-nan 2 "--sweep-seconds: 'nan' is not a number of seconds" --sweep --sweep-seconds nan
expect cal-nan 2 "--cal takes A,B .*not 'nan,31.7'" --cal nan,31.7 x.csv
expect sweep-seeds-zero 2 'sweep-seeds' --sweep --sweep-seeds 0
expect sweep-seeds-text 2 'sweep-seeds' --sweep --sweep-seeds many
expect sweep-seeds-hex 2 "--sweep-seeds: '0x10' is not a whole decimal number" --sweep --sweep-seeds 0x10
expect cal-out-of-range 2 '--cal: A must be in 50..200' --cal 10,1 x.csv
expect cal-one-number 2 "--cal takes A,B .*not '110'" --cal 110 x.csv
expect cal-three-numbers 2 "--cal takes A,B" --cal 110,30,1 x.csv
expect csv-and-fit 2 'choose one' --csv --fit x.csv
# --sweep runs the simulated grid only: files, --sim and the output choices were dropped without a
# word (exit 0); the sweep's own options mean nothing without it
expect sweep-with-file 2 '--sweep runs the simulated grid alone' --sweep x.csv
expect sweep-with-csv 2 '--sweep runs the simulated grid alone' --sweep --csv
expect sweep-with-plot 2 '--sweep runs the simulated grid alone' --sweep --plot p.png
expect sweep-seeds-without-sweep 2 '--sweep-seconds, --sweep-seeds and -v are for --sweep' --sweep-seeds 3 x.csv
expect csv-and-timeline 2 'choose one' --csv --timeline x.csv
expect timeline-and-published 2 'choose one' --timeline --published x.csv
expect finger-one-number 2 "--finger takes ON,OFF .*not '16384'" --finger 16384 x.csv
expect finger-hex 2 "--finger takes ON,OFF .*not '0x40,0x20'" --finger 0x40,0x20 x.csv
expect finger-trailing 2 "--finger takes ON,OFF" --finger 100,50x x.csv
expect finger-off-above-on 2 '--finger: ON must be at most 262144 and OFF below ON' --finger 100,200 x.csv
# OFF was read as an unsigned long and cut to 32 bits: 4294967346 was taken as 50
expect finger-off-wraps 2 '--finger: ON must be at most 262144 and OFF below ON' --finger 100,4294967346 x.csv
expect finger-off-overflows 2 "--finger takes ON,OFF .*not '100,9+'" --finger 100,99999999999999999999999 x.csv
expect finger-off-negative 2 "--finger takes ON,OFF .*not '100,-5'" --finger 100,-5 x.csv

# --- bad files (exit 1, the file named)
expect missing-file 1 "/nonexistent/1-2-3.csv: No such file" /nonexistent/1-2-3.csv
: >"$t/empty.csv"
expect empty-csv 1 "empty.csv: empty file" "$t/empty.csv"
printf 'a,b,c\n1,2,3\n' >"$t/other.csv"
expect not-oxiwear 1 "other.csv: no column row starting with 'timestamp'" "$t/other.csv"
printf 'timestamp,sampleNum,LEDC2,LEDC3\n1,1,5,6\n' >"$t/columns.csv"
expect wrong-columns 1 'columns.csv: line 1: the column row lacks sampleNum, LEDC1 \(IR\) or LEDC2 \(red\)' "$t/columns.csv"
printf 'timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2\n1000,1,0,0,0,78000\n' >"$t/short.csv"
expect short-row 1 'short.csv: line 2: 6 columns' "$t/short.csv"
printf 'timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2\n1000,1,0,0,0,78000,abc\n' >"$t/text.csv"
expect not-a-number 1 'text.csv: line 2: .* not a number' "$t/text.csv"
# a hex float is no decimal number (strtod read 0x1p16 as 65536)
printf 'timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2\n1000,1,0,0,0,78000,0x1p16\n' >"$t/hex.csv"
expect hex-not-a-number 1 'hex.csv: line 2: .* not a number' "$t/hex.csv"
printf 'timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2\n1000,1,0,0,0,600000,1\n' >"$t/range.csv"
expect code-out-of-range 1 'range.csv: line 2: LEDC1/LEDC2 outside 0\.\.524287 \(the MAXM86161.s 19-bit codes\)' "$t/range.csv"
: >"$t/empty.bin"
expect empty-stream 1 'empty.bin: empty file' "$t/empty.bin"
printf 'partial' >"$t/torn.bin"
expect torn-stream 1 'torn.bin: 7 bytes is not a whole number of 32-byte records' "$t/torn.bin"
records "$t/bits.bin" 72 100 1
python3 -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[32+26]=20; open(sys.argv[1],'wb').write(b)" "$t/bits.bin"
expect stream-bad-bits 1 'bits.bin: record 1 \(seq 1001\): adc_bits 20 is not 15..18' "$t/bits.bin"
expect bad-sim 2 "--sim: unknown key 'pulse'" --sim pulse=3
expect bad-sim-value 2 '--sim: hr must be a number' --sim hr=fast
# decimal notation only: strtod, sscanf and istream read hex floats and blanks (0x48 was 72 bpm)
expect sim-hex 2 "--sim: hr must be a number in .* not '0x48'" --sim hr=0x48
expect sim-blank 2 "--sim: hr must be a number in .* not ' 72'" --sim 'hr= 72'
expect sim-step-hex 2 "--sim: step must be AT:HR:SPO2, not '1:0x48:97'" --sim step=1:0x48:97
expect sim-seed-fraction 2 "--sim: seed must be a whole number in \[0, 1e15\], not '1.5'" --sim seed=1.5
expect sim-bits-fraction 2 "--sim: bits must be 15, 16, 17 or 18, not '15.5'" --sim bits=15.5
# given empty (an unset variable), twice, or with a trailing comma: refused, not the defaults
expect cal-empty 2 '--cal: an empty value' --cal '' --sim hr=72
expect finger-empty 2 '--finger: an empty value' --finger '' --sim hr=72
expect sim-empty 2 '--sim: an empty value' --sim ''
expect sim-key-twice 2 "--sim: hr is given twice in 'hr=72,hr=300'" --sim hr=72,hr=300
expect sim-trailing-comma 2 "--sim: 'hr=72,' has an empty KEY=VALUE" --sim hr=72,
# --rate is the files' rate: with --sim alone it was ignored
expect rate-without-file 2 '--rate is the rate of the FILEs, and there is none' --rate 50 --sim hr=72
expect cal-hex 2 "--cal takes A,B .*not '0x6e,31.7'" --cal 0x6e,31.7 x.csv
expect rate-hex 2 "--rate: '0x1p6' is not a rate in \\[1, 3200\\] Hz" --rate 0x1p6 x.csv
# a step takes the ranges of hr and spo2 (it took 1e9 bpm and -50 %, and simulated them)
expect bad-sim-step-hr 2 "--sim: step AT:HR:SPO2 needs .* not '1:1e9:97'" --sim step=1:1e9:97
expect bad-sim-step-spo2 2 "--sim: step AT:HR:SPO2 needs .* not '1:72:-50'" --sim step=1:72:-50
# every record is kept: a day at 3200 Hz (22 GB) is refused before anything is made
expect sim-too-long 2 '--sim: seconds x rate is 276480000 records, more than 11520000' --sim seconds=86400,rate=3200
# ... and so are the runs together (an hour at 3200 Hz, given 27 times, was 24 GB), counted as
# Simulate counts them (3840 s at 3000 Hz, a period of 333333 ns, is 11 520 011 records)
expect sims-together-too-long 2 '--sim: the runs together would hold 11520100 records, more than 11520000' \
	--sim seconds=3600,rate=3200 --sim seconds=1,rate=100
expect sim-rounded-period 2 '--sim: seconds x rate is 11520011 records' --sim seconds=3840,rate=3000
# a run of no record was scored as a file without a value (exit 0)
expect sim-no-record 2 '--sim: seconds x rate is less than one record' --sim seconds=0.1,rate=5
# settings that could never take effect were taken and scored as the estimator's (exit 0)
expect sim-step-after-end 2 "--sim: a step at 45 s is after the run's last record, at 29.99 s \\(seconds=30 at 100 Hz\\): it would change nothing" \
	--sim seconds=30,step=45:120:85
# between the last record and the end: no record changed, but the reference (the truth at the
# end) did, and a right estimate scored 48 bpm off
expect sim-step-after-last-record 2 "--sim: a step at 29.995 s is after the run's last record, at 29.99 s" \
	--sim seconds=30,step=29.995:120:85
expect sim-step-at-last-record 0 'sim-hr72-spo97-100hz-step29.99:120:85' --sim seconds=30,step=29.99:120:85
expect sim-step-one-hz 2 "--sim: a step at 29.5 s is after the run's last record, at 29 s \\(seconds=30 at 1 Hz\\)" \
	--sim seconds=30,rate=1,step=29.5:120:85
expect sim-finger-off-first 2 '--sim: finger_off \(5 s\) must come after finger_on \(10 s\)' \
	--sim seconds=30,finger_on=10,finger_off=5
expect sim-finger-off-after-last-record 2 "--sim: finger_off at 29.995 s is after the run's last record, at 29.99 s" \
	--sim seconds=30,finger_off=29.995
csv "$t/1700-97-72.csv" 72 97 8
# file names reach the terminal as they are: control characters are shown as '?'
cp "$t/1700-97-72.csv" "$t/"$'esc\e]0;x\a-97-72.csv'
expect name-control-characters 0 'esc\?\]0;x\?-97-72' "$t/"$'esc\e]0;x\a-97-72.csv'
# timestamps that give no usable period (1 ns apart): refused, not scored as a file without a value
records "$t/still.bin" 72 100 1
python3 -c "import sys,struct; b=bytearray(open(sys.argv[1],'rb').read()); [struct.pack_into('<Q', b, i*32+8, 5*10**9+i) for i in range(len(b)//32)]; open(sys.argv[1],'wb').write(b)" "$t/still.bin"
expect stream-unusable-period 1 'still.bin: the timestamps give a sample period of 1e-06 ms from record 0, not one of a rate in 1\.\.3200 Hz: give --rate' "$t/still.bin"
expect fit-needs-three 1 '--fit needs 3 or more files' --fit "$t/1700-97-72.csv"
# A bad file among good ones is said and scored as a file with no value; the others keep their
# rows (one torn file must not cost a batch all its rows), and the exit is still 1.
cp "$t/short.csv" "$t/1704-95-70.csv"
out=$("$bin" --csv "$t/1700-97-72.csv" "$t/1704-95-70.csv" /nonexistent/1705-90-60.csv 2>"$t/batch.err")
rc=$?
want='file,ref_spo2,ref_hr,spo2,hr,valid_share
1700-97-72\.csv,97\.0,72\.0,9[6-8]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}
1704-95-70\.csv,95\.0,70\.0,,,
1705-90-60\.csv,90\.0,60\.0,,,'
# line by line, in order
same=1
[ "$(wc -l <<<"$out")" = "$(wc -l <<<"$want")" ] || same=0
while IFS= read -r -u 3 w && IFS= read -r -u 4 o; do grep -qE "^$w\$" <<<"$o" || same=0; done 3<<<"$want" 4<<<"$out"
if [ "$rc" = 1 ] && [ "$same" = 1 ] &&
	grep -q '1704-95-70.csv: line 2: 6 columns' "$t/batch.err" && grep -q '1705-90-60.csv: No such file' "$t/batch.err"; then
	res PASS batch-goes-past-bad-files
else res FAIL batch-goes-past-bad-files "exit $rc: $out $(cat "$t/batch.err")"; fi
expect batch-table-scores-bad-as-no-value 1 '^spo2: files=3 scored=1 no_value=2 ' "$t/1700-97-72.csv" "$t/1704-95-70.csv" /nonexistent/1705-90-60.csv
expect directory-named 1 "^$t/,,,,,\$" --csv "$t/"
expect directory-said 1 "$t/: a directory, not a recording" --csv "$t/"
# a device would be read for ever (/dev/zero filled the memory; /dev/max30102-N never ends)
expect device-refused 1 '/dev/zero: a device, not a recording: save its records first' /dev/zero
# a name is anyone's: 400 digits must not throw out of the reference parser (it crashed, exit 134)
expect name-huge-number 1 "No such file" --csv "/nonexistent/1-$(printf '9%.0s' {1..400})-70.csv"
# names stay one cell of one row in --csv (RFC 4180 quoting)
cp "$t/1700-97-72.csv" "$t/a,\"b.csv"
expect csv-quotes-names 0 '^"a,""b\.csv",,,9[6-8]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}$' --csv "$t/a,\"b.csv"
# a sample after the trailer would be dropped without a word (it used to be): an error
awk '/^elapsed/{print; print "1596743760000.000000,999,0,0,0,78000,99000,1200,10,10,-1000"; next} 1' \
	"$t/1700-97-72.csv" >"$t/after.csv"
expect sample-after-trailer 1 'after.csv: line [0-9]+: a sample row after the trailer that begins at line [0-9]+' "$t/after.csv"
# ... and a sample row whose timestamp is missing or broken is a bad row, not the trailer's start
# (the last sample's was dropped without a word)
awk -F, -v OFS=, 'NR == FNR { if ($2 ~ /^[0-9]+$/ && $1 ~ /^[0-9.]+$/) last = FNR; next }
	FNR == last { $1 = "" } {print}' "$t/1700-97-72.csv" "$t/1700-97-72.csv" >"$t/nots.csv"
expect sample-without-timestamp 1 'nots.csv: line 517: a sample row with a timestamp that is not a number' "$t/nots.csv"
# numbers beyond what a record holds: sampleNum 1e300 (cut to u64, undefined) had every record
# refused with exit 0; a timestamp of 1e300 ms went through llround, undefined as well
awk -F, -v OFS=, '/^timestamp/ { h = NR } h && NR == h + 1 { $2 = "1e300" } {print}' "$t/1700-97-72.csv" >"$t/bignum.csv"
expect sample-num-too-big 1 'bignum.csv: line 6: sampleNum must be a whole number from 1 to 2\^53' "$t/bignum.csv"
awk -F, -v OFS=, '/^timestamp/ { h = NR } h && NR == h + 3 { $1 = "1e300" } {print}' "$t/1700-97-72.csv" >"$t/bigts.csv"
expect timestamp-too-big 1 'bigts.csv: line 8: timestamp must be in 0\.\.9\.2e12 ms' "$t/bigts.csv"
# timestamps that say another rate than the 64 Hz a CSV is read at: every HR would be off by the
# ratio without a word; refused unless --rate says the rate (jitter and gaps are no reason: the
# real recordings below read at 15.6..15.8 ms)
awk -F, -v OFS=, '/^timestamp/ { h = NR; print; next } h && $2 ~ /^[0-9]+$/ { $1 = sprintf("%.6f", 1596743748400 + ($2 - 1) * 10) } {print}' \
	"$t/1700-97-72.csv" >"$t/100hz.csv"
expect csv-timestamps-other-rate 1 '100hz.csv: the timestamps \(ms\) say a sample every 10\.000 ms \(100\.0 Hz\), not 15\.625 ms \(64 Hz\): give --rate' \
	"$t/100hz.csv"
expect csv-timestamps-other-rate-given 0 '^100hz\.csv,,,[0-9.]+,1[01][0-9]\.[0-9],' --csv --rate 100 "$t/100hz.csv"
# timestamps that come in bursts (when the samples reached the recording host: the first seconds
# of 1355 and 1553 are 11.1 ms apart with longer gaps) at 64 Hz over the file: read, not refused
# for a median of 90 Hz (a held-back file that short would have had no value)
awk -F, -v OFS=, '/^timestamp/ { h = NR; print; next } h && $2 ~ /^[0-9]+$/ { n = $2 - 1; $1 = sprintf("%.6f", 1596743748400 + int(n / 8) * 125 + (n % 8) * 11.1) } {print}' \
	"$t/1700-97-72.csv" >"$t/1701-97-72.csv"
expect csv-timestamps-in-bursts 0 '^1701-97-72\.csv,97\.0,72\.0,9[0-9.]+,7[0-9.]+,' --csv "$t/1701-97-72.csv"
# very long lines (64 MB of empty trailing cells in the column row and in a sample row): each cell
# was kept as a string, 32 bytes a byte of input, so such a file of well under the 1 GiB limit
# took tens of GB or aborted with bad_alloc (exit 134, every other file's row lost). Under a 1 GB
# address-space limit the file is read as it is without them.
awk 'BEGIN { pad = ","; while (length(pad) < 1000000) pad = pad pad }
	/^timestamp/ || NR == 10 { printf "%s", $0; for (i = 0; i < 64; i++) printf "%s", pad; print ""; next } {print}' \
	"$t/1700-97-72.csv" >"$t/long.csv"
want=$("$bin" --csv "$t/1700-97-72.csv" 2>&1 | sed -n 2p | cut -d, -f4-)
got=$( (ulimit -v 1000000; "$bin" --csv "$t/long.csv" 2>&1) | sed -n 2p | cut -d, -f4-)
if [ "$(stat -c %s "$t/long.csv")" -gt 128000000 ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
	res PASS long-lines
else res FAIL long-lines "$(stat -c %s "$t/long.csv") bytes, wanted '$want', got '$got'"; fi
# the recordings' chip (MAXM86161) has a 19-bit ADC: a code past 18 bits is a valid sample, which
# refused the whole file; it is clipped to the estimator's full scale (motion, as a saturated
# MAX30102 would show it), and said
awk -F, -v OFS=, '/^timestamp/ { h = NR } h && NR == h + 200 { $6 = "300000.000000" } {print}' "$t/1700-97-72.csv" >"$t/1707-97-72.csv"
out=$("$bin" --csv "$t/1707-97-72.csv" 2>"$t/19bit.err")
rc=$?
if [ "$rc" = 0 ] && grep -qE '^1707-97-72\.csv,97\.0,72\.0,9[67]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}$' <<<"$out" &&
	grep -q '1707-97-72.csv: 1 sample past 18 bits (262143) taken as 262143, clipped' "$t/19bit.err"; then
	res PASS csv-19-bit-code-clipped
else res FAIL csv-19-bit-code-clipped "exit $rc: $out $(cat "$t/19bit.err")"; fi
# blank lines (after the column row, among the samples, CRLF ones) carry nothing: the same scores
awk '{print} /^timestamp/{print ""} NR == 100 {print "\r"}' "$t/1700-97-72.csv" >"$t/blank.csv"
plain=$("$bin" --csv "$t/1700-97-72.csv" 2>&1 | sed -n 2p | cut -d, -f4-)
blank=$("$bin" --csv "$t/blank.csv" 2>&1 | sed -n 2p | cut -d, -f4-)
if [ -n "$plain" ] && [ "$plain" = "$blank" ] && [ "$(awk '$0 == "" || $0 == "\r"' "$t/blank.csv" | wc -l)" = 2 ]; then
	res PASS blank-lines-skipped
else res FAIL blank-lines-skipped "without: '$plain', with blank lines: '$blank'"; fi
# ... and so are rows of empty cells (how a spreadsheet saves an empty row): the next sample was
# "a sample row after the trailer"
awk '{print} NR == 100 {print ",,,,,,,,,,"} NR == 101 {print ", ,\r"}' "$t/1700-97-72.csv" >"$t/commas.csv"
commas=$("$bin" --csv "$t/commas.csv" 2>&1 | sed -n 2p | cut -d, -f4-)
if [ -n "$plain" ] && [ "$plain" = "$commas" ]; then res PASS empty-cell-rows-skipped
else res FAIL empty-cell-rows-skipped "without: '$plain', with rows of empty cells: '$commas'"; fi

# --- good input
expect csv-scored 0 '1700-97-72.csv +97\.0 +72\.0 +9[67]\.[0-9] +-?[0-9.]+ +7[1-3]\.[0-9]' "$t/1700-97-72.csv"
# the extension in any case: 1706-97-72.CSV was read as a record stream and refused
cp "$t/1700-97-72.csv" "$t/1706-97-72.CSV"
expect csv-extension-uppercase 0 '^1706-97-72\.CSV,97\.0,72\.0,9[67]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}$' --csv "$t/1706-97-72.CSV"
# a UTF-8 byte order mark (as editors and spreadsheets save) before a column row that is the first
# line: the file was "not an OxiWear CSV"
mkdir "$t/bom"
{ printf '\357\273\277'; tail -n +5 "$t/1700-97-72.csv"; } >"$t/bom/1700-97-72.csv"
expect csv-bom 0 '^1700-97-72\.csv,97\.0,72\.0,9[67]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}$' --csv "$t/bom/1700-97-72.csv"
csv "$t/1701-95-70.csv" 70 95 5 flat
out=$("$bin" --csv "$t/1700-97-72.csv" "$t/1701-95-70.csv" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(head -n1 <<<"$out")" = "file,ref_spo2,ref_hr,spo2,hr,valid_share" ] &&
	[ "$(wc -l <<<"$out")" -eq 3 ] &&
	grep -qE '^1700-97-72\.csv,97\.0,72\.0,9[67]\.[0-9],7[1-3]\.[0-9],0\.[0-9]{3}$' <<<"$out" &&
	grep -qxE '1701-95-70\.csv,95\.0,70\.0,,,0\.000' <<<"$out"; then
	res PASS csv-exact-format
else res FAIL csv-exact-format "exit $rc: $(head -c 300 <<<"$out")"; fi
# the reference keeps the decimals its name gives; a reading no oximeter gives is no reference
mkdir "$t/refs"
cp "$t/1700-97-72.csv" "$t/refs/1700-95.25-73.05.csv"
cp "$t/1700-97-72.csv" "$t/refs/1701-99999999999999999999-72.csv"
expect csv-reference-decimals-kept 0 '^1700-95\.25-73\.05\.csv,95\.25,73\.05,' --csv "$t/refs/1700-95.25-73.05.csv"
expect csv-implausible-reference-empty 0 '^1701-99999999999999999999-72\.csv,,,9[67]\.[0-9],' --csv "$t/refs/1701-99999999999999999999-72.csv"
records "$t/capture.bin" 90 400 12
# ... and own_hr (the stream's own pulse rate, without the estimator) near the simulated 90 bpm
expect record-stream 0 'capture\.bin +- +- +9[67]\.[0-9] +- +(89|90|91)\.[0-9] +- +(89|90|91)\.[0-9] ' "$t/capture.bin"
expect record-stream-rate 0 'capture\.bin +- +- +9[67]\.[0-9] +- +(89|90|91)\.[0-9]' --rate 400 "$t/capture.bin"
# --published: every distinct output, in the driver's debugfs format, ending with valid values
out=$("$bin" --published --rate 400 "$t/capture.bin" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(head -n1 <<<"$out")" = "# capture.bin" ] &&
	[ "$(grep -cvE '^vitals: present=1 seq=[0-9]+ timestamp_ns=[0-9]+ hr_mbpm=[0-9]+ spo2_mpct=[0-9]+ confidence=[0-9]+ flags=0x[0-9a-f]+$' <<<"$out")" -eq 1 ] &&
	tail -n1 <<<"$out" | grep -qE 'hr_mbpm=(89|90|91)[0-9]{3} spo2_mpct=9[67][0-9]{3} .*flags=0xf$'; then
	res PASS published-format
else res FAIL published-format "exit $rc: $(head -c 300 <<<"$out")"; fi
# --finger: thresholds above what the recording reaches: no finger, no values
expect finger-option 0 'capture\.bin +- +- +- +- +- +- +- +- +0\.00 ' --finger 262144,262000 "$t/capture.bin"
expect sim 0 'sim-hr72-spo97-100hz-20s +97\.0 +72\.0 +9[6-8]\.[0-9] .* +7[1-3]\.[0-9] ' --sim hr=72,spo2=97,rate=100,seconds=20
# a --sim's name has every field that is not its default: two runs that differ only in the
# seed, the noise or a step are told apart in the --csv rows (they had one name)
names=$("$bin" --csv --sim hr=72,spo2=97,seconds=5 --sim hr=72,spo2=97,seconds=5,seed=2 \
	--sim hr=72,spo2=97,seconds=5,noise=0.1,step=3:90:95 --sim hr=72,spo2=97,seconds=5.00000001 2>&1 | cut -d, -f1)
want='file
sim-hr72-spo97-100hz-5s
sim-hr72-spo97-100hz-5s-seed2
sim-hr72-spo97-100hz-5s-noise0.1-step3:90:95
sim-hr72-spo97-100hz-5.00000001s'
if [ "$names" = "$want" ]; then res PASS sim-names-differ
else res FAIL sim-names-differ "names: $(tr '\n' ' ' <<<"$names")"; fi
two_sims=(--sim hr=72,spo2=97,rate=100,seconds=20 --sim hr=120,spo2=88,rate=400,seconds=20)
expect summary-spo2 0 '^spo2: files=2 scored=2 no_value=0 MAE=0\.[0-9]+ % bias=[-+][0-9.]+ % within_2%=100 %' "${two_sims[@]}"
expect summary-hr 0 '^hr: +files=2 scored=2 no_value=0 MAE=0\.[0-9]+ bpm bias=[-+][0-9.]+ bpm within_3bpm=100 %' "${two_sims[@]}"
# the HR error in two: the estimator against each file's own pulse, that pulse against the truth
expect summary-own-pulse 0 '^hr_vs_own_pulse: files=2 scored=2 no_value=0 no_own_pulse=0 MAE=0\.[0-9]+ bpm .*' "${two_sims[@]}"
expect summary-own-pulse-ref 0 '^own_pulse_vs_ref: files=2 scored=2 no_value=0 MAE=0\.[0-9]+ bpm .*within_3bpm=100 %' "${two_sims[@]}"
expect cal-option 0 '1700-97-72\.csv +97\.0 +72\.0 +9[12]\.[0-9] ' --cal 105,31.7 "$t/1700-97-72.csv"
csv "$t/1702-90-80.csv" 80 90 8
csv "$t/1703-85-100.csv" 100 85 8
expect fit 0 'leave-one-out: MAE=[0-9.]+ %' --fit "$t/1700-97-72.csv" "$t/1702-90-80.csv" "$t/1703-85-100.csv"
# two files of one R: without the third, the rest have no line; that file has no leave-one-out
# estimate ("-", said), not garbage from an empty fit
cp "$t/1702-90-80.csv" "$t/1704-90-80.csv"
expect fit-one-r-left 0 'leave-one-out: MAE=[0-9.]+ % .* \(1 without a leave-one-out line' --fit "$t/1700-97-72.csv" "$t/1702-90-80.csv" "$t/1704-90-80.csv"
# --fit's table shows names as every other table does (it printed them raw: a title escape reached
# the terminal; the reference still comes from the name, the escape being its "extension")
records "$t/"$'1705-97-72.\e]0;x\a' 72 100 8
expect fit-name-control-characters 0 '^1705-97-72\.\?\]0;x\? ' --fit "$t/1700-97-72.csv" "$t/1702-90-80.csv" \
	"$t/"$'1705-97-72.\e]0;x\a'
if command -v gnuplot >/dev/null; then
	if "$bin" --plot "$t/p.png" "$t/1700-97-72.csv" --sim hr=72,spo2=97,seconds=10 >/dev/null 2>&1 &&
		[ "$(head -c 4 "$t/p.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then res PASS plot-png
	else res FAIL plot-png "no PNG at $t/p.png"; fi
	expect plot-unwritable 1 '--plot /nonexistent/dir/p\.png: No such file or directory' --plot /nonexistent/dir/p.png "$t/1700-97-72.csv"
	# files with no valid value (a flat line; a name without a reference; no finger at all)
	# still get their panels: gnuplot refuses a curve with no point, so the tool must not draw one
	cp "$t/1701-95-70.csv" "$t/flat.csv"
	if "$bin" --plot "$t/p2.png" "$t/1701-95-70.csv" "$t/flat.csv" --sim hr=72,spo2=97,seconds=5,finger_on=10 \
		>/dev/null 2>"$t/p2.err" && [ "$(head -c 4 "$t/p2.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then
		res PASS plot-no-value
	else res FAIL plot-no-value "$(head -c 300 "$t/p2.err")"; fi
	# names end up in gnuplot's script: a quote must neither break it nor add a command to it
	mkdir "$t/q"
	q="x'; system('touch ran'); set output 'y.csv"
	cp "$t/1700-97-72.csv" "$t/q/$q"
	if (cd "$t/q" && "$OLDPWD/$bin" --plot "o'k.png" "$q") >/dev/null 2>"$t/q.err" && [ ! -e "$t/q/ran" ] &&
		[ "$(head -c 4 "$t/q/o'k.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then res PASS plot-quoted-names
	else res FAIL plot-quoted-names "$(ls "$t/q"; head -c 300 "$t/q.err")"; fi
	expect plot-empty-path 2 '--plot: an empty path' --plot '' "$t/1700-97-72.csv"
	# a plot that cannot be made changes nothing: 127 recordings are taller than cairo's 32767
	# pixels, and gnuplot, failing, had already emptied the PNG that was there
	many=()
	for i in $(seq 127); do many+=("$t/1700-97-72.csv"); done
	echo "an older plot" >"$t/kept.png"
	if "$bin" --plot "$t/kept.png" "${many[@]}" >/dev/null 2>"$t/many.err"; then rc=0; else rc=$?; fi
	if [ "$rc" = 2 ] && [ "$(cat "$t/kept.png")" = "an older plot" ] &&
		grep -q -- '--plot: 127 recordings, more than the 126 one PNG holds' "$t/many.err"; then
		res PASS plot-too-many-changes-nothing
	else res FAIL plot-too-many-changes-nothing "exit $rc, $(head -c 40 "$t/kept.png"): $(head -c 300 "$t/many.err")"; fi
	# an existing PNG is replaced whole (written beside it, then renamed: a copy that fails half-way
	# leaves the old one), keeping its mode, through a symlink its target, and nothing is left
	# beside it (the half-way failure itself needs a full disk: not tested)
	chmod 0640 "$t/kept.png"
	ln -s kept.png "$t/link.png"
	if "$bin" --plot "$t/link.png" "$t/1700-97-72.csv" >/dev/null 2>&1 && [ -L "$t/link.png" ] &&
		[ "$(head -c 4 "$t/kept.png" | od -An -c | tr -d ' ')" = "211PNG" ] && [ "$(stat -c %a "$t/kept.png")" = 640 ] &&
		[ -z "$(find "$t" -maxdepth 1 -name '*.tmp-*')" ]; then res PASS plot-replaces-whole
	else res FAIL plot-replaces-whole "$(ls -l "$t" | grep -E 'kept|link')"; fi
	# the PNG to stdout (a pipe): gnuplot's stdout was the pipe the tool reads its messages from,
	# so the image was swallowed and the exit was 0
	if "$bin" --plot /dev/stdout --csv "$t/1700-97-72.csv" 2>"$t/stdout.err" | cat >"$t/stdout.out" &&
		[ "${PIPESTATUS[0]}" = 0 ] && grep -qa '^1700-97-72\.csv,' "$t/stdout.out" && grep -qa 'IEND' "$t/stdout.out"; then
		res PASS plot-to-stdout
	else res FAIL plot-to-stdout "$(head -c 300 "$t/stdout.err")"; fi
	expect plot-path-line-break 2 'line break' --plot "$t/a
b.png" "$t/1700-97-72.csv"
	# gnuplot pipes an output name starting with '|' into a shell: here it is a file name
	mkdir "$t/pipe"
	if (cd "$t/pipe" && "$OLDPWD/$bin" --plot '|touch ran; cat' "$t/1700-97-72.csv") >/dev/null 2>"$t/pipe.err" &&
		[ ! -e "$t/pipe/ran" ] && [ "$(head -c 4 "$t/pipe/|touch ran; cat" | od -An -c | tr -d ' ')" = "211PNG" ]; then
		res PASS plot-pipe-name-is-a-file
	else res FAIL plot-pipe-name-is-a-file "$(ls "$t/pipe"; head -c 300 "$t/pipe.err")"; fi
	# a stream at 10 kHz (no such chip rate): refused as a file (it was read, every record then
	# refused by the estimator, and scored as a file without a value), the others still drawn
	records "$t/fast.bin" 72 10000 0.05
	"$bin" --plot "$t/p3.png" "$t/fast.bin" "$t/1700-97-72.csv" >/dev/null 2>"$t/p3.err"
	st=$?
	if [ "$st" = 1 ] && grep -q 'fast.bin: the timestamps give a sample period of 0.1 ms from record 0, not one of a rate in 1..3200 Hz: give --rate' "$t/p3.err" &&
		[ "$(head -c 4 "$t/p3.png" | od -An -c | tr -d ' ')" = "211PNG" ]; then res PASS plot-unusable-rate-refused-rest-drawn
	else res FAIL plot-unusable-rate-refused-rest-drawn "exit $st: $(head -c 300 "$t/p3.err")"; fi
else
	skipped plot-png "gnuplot is not installed (scripts/setup.sh installs gnuplot-nox)"
fi

# output that cannot be written (a full disk, a closed pipe with SIGPIPE ignored) is an error, not
# exit 0 with the rows lost
full-stdout stdout-full --csv "$t/1700-97-72.csv"
full-stdout help-stdout-full --help

# --- the real recordings, when ../shared is there
data=../shared/data/ppg-oxiwear # beside the checkout, or under $MXRT_SHARED (as the unit tests look)
[ -d "$data" ] || [ -z "${MXRT_SHARED:-}" ] || data=$MXRT_SHARED/data/ppg-oxiwear
if [ -d "$data" ]; then
	out=$("$bin" --csv "$data"/*.csv 2>&1)
	n=$(find "$data" -maxdepth 1 -name '*.csv' | wc -l)
	if [ "$(wc -l <<<"$out")" -eq $((n + 1)) ] && ! grep -qE ',,|,$' <<<"$(tail -n +2 <<<"$out" | cut -d, -f1-5)"; then
		res PASS recordings-all-valued
	else res FAIL recordings-all-valued "$(grep -E ',,' <<<"$out" | head -3)"; fi
else
	skipped recordings-all-valued "$data is absent"
fi
echo "tools: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
