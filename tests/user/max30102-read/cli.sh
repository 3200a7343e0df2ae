#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. mxrt-max30102-read's own checks, without a kernel: bad options are refused
# with a usage message (exit 2), and record streams read from files (read() on a regular file
# returns the bytes as the driver would) are judged correctly: a continuous stream passes, an
# unflagged gap, a value wider than its ADC resolution and a torn record are violations (exit 1).
# Ends with "tools: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
bin=build/host/bin/mxrt-max30102-read
make --no-print-directory -s -f tests/unit/unit.mk "$bin" || { echo "tools: 0 passed, 1 failed, 0 skipped"; exit 1; }
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
suite=reader-cli
. tests/user/lib.bash

# records FILE SPEC...: SPEC = seq:flags:lost:red:bits, written as struct mxrt_max30102_record
records() {
	local f=$1
	shift
	python3 - "$f" "$@" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as out:
    for spec in sys.argv[2:]:
        seq, flags, lost, red, bits = (int(x, 0) for x in spec.split(":"))
        out.write(struct.pack("<QQIIHHI", seq, seq * 2500000, red, red // 2, flags, bits, lost))
PY
}

expect no-device 2 'one DEVICE expected' 
expect two-devices 2 'one DEVICE expected' a b
expect unknown-option 2 'unknown option -x' -x /dev/null
# a missing value is said as such, not as an unknown option
out=$("$bin" /dev/null -n 2>&1)
got=$?
if [ "$got" = 2 ] && grep -q 'mxrt-max30102-read: -n needs a value' <<<"$out" && ! grep -q 'unknown option' <<<"$out"; then
	res PASS missing-value
else res FAIL missing-value "exit $got: $(head -c 300 <<<"$out")"; fi
expect help 0 '^usage: mxrt-max30102-read .*-o FILE\] DEVICE' -h
expect help-long 0 '^usage: mxrt-max30102-read .*-o FILE\] DEVICE' --help
expect unknown-long-option 2 'bad option --bogus' --bogus /dev/null
expect long-option-with-value 2 'bad option --help=x' --help=x /dev/null
if "$bin" -h 2>&1 >/dev/null | grep -q .; then res FAIL help-on-stdout "$("$bin" -h 2>&1 >/dev/null)"
else res PASS help-on-stdout; fi
expect n-zero 2 '-n must be a decimal number in \[1, ' -n 0 /dev/null
expect n-text 2 "-n must be a decimal number.*not 'abc'" -n abc /dev/null
expect n-trailing 2 "not '10x'" -n 10x /dev/null
expect prio-range 2 '-p must be a decimal number in \[1, 99\]' -p 100 /dev/null
expect cpu-negative 2 '-c must be a decimal number' -c -1 /dev/null
expect batch-zero 2 '-b must be a decimal number' -b 0 /dev/null
# decimal digits only: strtol took these as 5, 5 and 16
expect n-plus-sign 2 "-n must be a decimal number.*not '\\+5'" -n +5 /dev/null
expect n-leading-blank 2 "-n must be a decimal number.*not ' 5'" -n ' 5' /dev/null
expect n-hex 2 "-n must be a decimal number.*not '0x10'" -n 0x10 /dev/null
expect n-beyond-64-bits 2 "-n must be a decimal number" -n 99999999999999999999999 /dev/null
expect missing-device 1 'No such file or directory' /nonexistent/max30102-9
expect empty-stream 1 'end of file' -n 1 /dev/null
expect threads-range 2 '-t must be a decimal number in \[2, 64\]' -t 1 /dev/null
expect threads-with-stall 2 '-t cannot be combined' -t 2 -s 5 /dev/null

records "$t/good" 0:0:0:100:18 1:0:0:101:18 2:0:0:102:18 5:2:2:103:18 9:1:3:104:18
expect continuous-stream 0 'records=5 first_seq=0 last_seq=9 lost=5 reader_overruns=1 fifo_overflows=1 violations=0' -n 5 "$t/good"
# the first record's lost (samples lost right before the run's first record) is first_lost, not
# in lost (the gaps between records read); its flag is counted as every record's is
records "$t/firstlost" 7:2:7:100:18 8:0:0:101:18 9:0:0:102:18
expect first-record-lost-said 0 'records=3 first_seq=7 last_seq=9 lost=0 reader_overruns=0 fifo_overflows=1 violations=0 rate_hz=[0-9.]+ first_lost=7$' -n 3 "$t/firstlost"
expect first-record-lost-said-threads 0 'records=3 first_seq=7 last_seq=9 lost=0 .*fifo_overflows=1 violations=0 .*first_lost=7$' -t 2 -b 1 -n 3 "$t/firstlost"
records "$t/gap" 0:0:0:100:18 1:0:0:101:18 4:0:0:102:18
expect unflagged-gap 1 'violation: seq 4 after 1 with lost=0' -n 3 "$t/gap"
records "$t/lostflag" 0:0:0:100:18 3:0:2:101:18
expect lost-without-flag 1 'violation: lost=2 without a flag' -n 2 "$t/lostflag"
records "$t/wide" 0:0:0:0x8000:15
expect value-wider-than-adc 1 'violation: value wider than 15 bits' -n 1 "$t/wide"
records "$t/torn" 0:0:0:100:18
printf 'partial!' >>"$t/torn"
expect torn-record 1 'not whole records' -n 2 -b 2 "$t/torn"
# -t: threads share one file; a regular file's offset is shared and locked, so every record
# reaches one thread; the file holds more than -n so that no thread reads to its end
spec=(); for i in $(seq 0 39); do spec+=("$i:0:0:$((100 + i)):18"); done
records "$t/long" "${spec[@]}"
expect threads-share-a-file 0 'records=[0-9]+ first_seq=0 .*violations=0 .*threads=4 duplicates=0 out_of_order=0' -t 4 -b 1 -n 12 "$t/long"
# ... and stop at -n between them, however many each read() may take (each asked for up to 8)
expect threads-stop-at-n 0 'records=12 first_seq=0 last_seq=11 .*violations=0 .*threads=4' -t 4 -b 8 -n 12 "$t/long"
records "$t/dup" 0:0:0:100:18 1:0:0:101:18 1:0:0:101:18 2:0:0:102:18 3:0:0:103:18 4:0:0:104:18 5:0:0:105:18 6:0:0:106:18 7:0:0:107:18
expect threads-duplicate-seq 1 'violation: seq 1 reached two readers' -t 2 -b 1 -n 5 "$t/dup"
# -E: a read into an unwritable buffer fails with EFAULT and a file keeps its offset
expect bad-buffer-consumes-nothing 0 'records=5 first_seq=0 last_seq=4 lost=0 .*violations=0' -E -n 5 -b 2 "$t/long"
# -E with -N waits for data with poll(), also for the bad-buffer read: a stream that pauses for
# 2 s (a FIFO that stays open for writing on fd 3) costs no CPU time while it waits
mkfifo "$t/fifo"
exec 3<>"$t/fifo"
head -c 32 "$t/long" >&3
(sleep 2; tail -c +33 "$t/long" | head -c 128 >&3) &
TIMEFORMAT=%U+%S
{ time out=$("$bin" -N -E -b 1 -n 3 "$t/fifo" 2>&1 3<&-); } 2>"$t/cpu"
got=$?
wait
exec 3<&-
cpu=$(tail -1 "$t/cpu")
if [ "$got" = 0 ] && grep -q 'EFAULT, as it should' <<<"$out" && grep -q 'records=3 first_seq=0 last_seq=2 .*violations=0' <<<"$out" &&
	python3 -c "import sys; sys.exit(not eval(sys.argv[1]) < 0.5)" "$cpu"; then
	res PASS bad-buffer-nonblocking-waits-in-poll "cpu ${cpu}s"
else res FAIL bad-buffer-nonblocking-waits-in-poll "exit $got, cpu ${cpu}s: $(head -c 300 <<<"$out")"; fi
# -o: the records read, as read() returned them (the bytes of the stream, -n of them)
expect save-records 0 'records=5 first_seq=0 last_seq=9 .*violations=0' -o "$t/saved" -n 5 "$t/good"
check save-records-bytes cmp "$t/saved" "$t/good"
expect save-stops-at-n 0 'records=3 first_seq=0 last_seq=2' -o "$t/saved3" -b 4 -n 3 "$t/good"
check save-stops-at-n-bytes cmp "$t/saved3" <(head -c 96 "$t/good")
expect save-unwritable 1 '-o /nonexistent/dir/x: No such file or directory' -o /nonexistent/dir/x -n 1 "$t/good"
# -o is emptied only when the run can read: not by a missing device or a refused -c, nor when
# it is the input itself (a hard link too)
cp "$t/good" "$t/keep"
expect save-missing-device-keeps-file 1 'No such file or directory' -o "$t/keep" -n 1 /nonexistent/max30102-9
check save-missing-device-kept-bytes cmp "$t/keep" "$t/good"
expect save-refused-cpu-keeps-file 3 '-c 1023: ' -o "$t/keep" -c 1023 -n 1 "$t/good"
check save-refused-cpu-kept-bytes cmp "$t/keep" "$t/good"
expect save-to-input 2 "-o $t/keep is $t/keep itself" -o "$t/keep" -n 1 "$t/keep"
check save-to-input-kept-bytes cmp "$t/keep" "$t/good"
ln "$t/keep" "$t/keep-link"
expect save-to-input-link 2 'itself' -o "$t/keep-link" -n 1 "$t/keep"
check save-to-input-link-kept-bytes cmp "$t/keep" "$t/good"
# ... nor by a DEVICE that opens but gives no record (a directory, /dev/null, a file of no whole
# record): each emptied it; a FILE the run made is not left behind empty
expect save-directory-keeps-file 1 'Is a directory' -o "$t/keep" -n 1 "$t"
check save-directory-kept-bytes cmp "$t/keep" "$t/good"
expect save-eof-keeps-file 1 'end of file' -o "$t/keep" -n 1 /dev/null
check save-eof-kept-bytes cmp "$t/keep" "$t/good"
printf 'hello\n' >"$t/notrecords"
expect save-torn-keeps-file 1 'not whole records' -o "$t/keep" -n 1 "$t/notrecords"
check save-torn-kept-bytes cmp "$t/keep" "$t/good"
expect save-eof-makes-nothing 1 'end of file' -o "$t/new" -n 1 /dev/null
check save-eof-made-nothing [ ! -e "$t/new" ]
# a dangling symlink is someone's name, not a file the run made: it made the target and then
# removed the link
ln -s "$t/target" "$t/link"
expect save-eof-dangling-link 1 'end of file' -o "$t/link" -n 1 /dev/null
check save-eof-dangling-link-kept [ -L "$t/link" ]
# SIGTERM (or SIGINT) ends the run as -n would: the summary of what was read, the FILE holding it,
# or, made by the run and still empty, removed. Sent once the handler is in place (SigCgt), to a
# reader blocked on a FIFO that stays open for writing on fd 3.
stop-reader() { # NAME EXPECTED-RECORDS FILE BYTES-BEFORE: runs the reader on $t/fifo2, then SIGTERM
	local name=$1 want=$2 file=$3 pid out got i
	"$bin" -o "$file" -n 5 "$t/fifo2" >"$t/stop.out" 2>&1 3<&- &
	pid=$!
	for i in $(seq 100); do # SIGTERM is bit 15 of the caught-signal mask
		grep -qE '^SigCgt:.*[4-7c-f][0-9a-f]{3}$' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.05
	done
	sleep 0.2 # into the blocking read
	kill -TERM "$pid"
	wait "$pid"
	got=$?
	out=$(cat "$t/stop.out")
	if [ "$got" = 0 ] && grep -q "stopped by SIGTERM after $want records" <<<"$out" &&
		grep -q "^records=$want " <<<"$out"; then
		res PASS "$name"
	else res FAIL "$name" "exit $got: $(head -c 300 <<<"$out")"; fi
}
mkfifo "$t/fifo2"
exec 3<>"$t/fifo2"
stop-reader sigterm-before-records 0 "$t/stopped-new"
check sigterm-before-records-made-nothing [ ! -e "$t/stopped-new" ]
head -c 64 "$t/good" >&3
stop-reader sigterm-after-records 2 "$t/stopped-some"
check sigterm-after-records-saved cmp "$t/stopped-some" <(head -c 64 "$t/good")
exec 3<&-
# a stop signal never cuts a write short: -v into a pipe whose reader waits 1 s (the writes block
# on a full pipe) and SIGTERM meanwhile: every line is written, then the summary, exit 0 (it used
# to end in "standard output: write error", exit 1, with lines lost)
python3 - "$t/many" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as out:
    for seq in range(6000):
        out.write(struct.pack("<QQIIHHI", seq, seq * 2500000, 1000 + seq % 100, 500, 0, 18, 0))
PY
rm -f "$t/pid"
sh -c 'echo $$ >"$0"; exec "$@"' "$t/pid" "$bin" -v -n 6000 "$t/many" 2>"$t/pipe.err" | { sleep 1; cat; } >"$t/pipe.out" &
for i in $(seq 100); do
	pid=$(cat "$t/pid" 2>/dev/null) && grep -qE '^SigCgt:.*[4-7c-f][0-9a-f]{3}$' "/proc/$pid/status" 2>/dev/null && break
	sleep 0.05
done
sleep 0.2
kill -TERM "$pid"
wait
lines=$(grep -c ' red=' "$t/pipe.out")
last=$(grep ' red=' "$t/pipe.out" | tail -n 1 | cut -d' ' -f1)
if grep -q 'stopped by SIGTERM' "$t/pipe.err" && ! grep -q 'write error' "$t/pipe.err" &&
	[ "$lines" -ge 1 ] && [ "$last" = $((lines - 1)) ] && grep -q "^records=$lines .*violations=0" "$t/pipe.out"; then
	res PASS sigterm-never-cuts-a-write "$lines lines, then the summary"
else res FAIL sigterm-never-cuts-a-write "$lines lines, last $last: $(head -c 300 "$t/pipe.err")"; fi
# -N: a hang-up with records still to read (POLLIN|POLLHUP, as an unbound device's last records)
# is read to the end: the reader is stopped while the writer writes 4 records and goes away
mkfifo "$t/fifo3"
exec 5<>"$t/fifo3"
"$bin" -N -n 10 "$t/fifo3" >"$t/hup.out" 2>&1 5<&- &
pid=$!
for i in $(seq 100); do # into poll(): nothing to read yet
	grep -q poll "/proc/$pid/wchan" 2>/dev/null && break
	sleep 0.05
done
kill -STOP $pid
head -c 128 "$t/long" >&5
exec 5<&-
kill -CONT $pid
wait $pid
got=$?
if [ "$got" = 1 ] && grep -q 'end of file' "$t/hup.out" && grep -q '^records=4 ' "$t/hup.out"; then
	res PASS nonblocking-reads-records-left-at-hangup
else res FAIL nonblocking-reads-records-left-at-hangup "exit $got: $(head -c 300 "$t/hup.out")"; fi
expect save-with-threads 2 '-t cannot be combined with -s, -l, -E or -o' -t 2 -o "$t/x" /dev/null
full-stdout stdout-full -n 5 "$t/good"
full-stdout help-stdout-full -h
echo "tools: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
