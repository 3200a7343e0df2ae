#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs on: the build host. mxrt-max30102-ctl's own checks, without a kernel: bad commands, options
# and values are refused with a usage message (exit 2) before the device is even opened (a missing
# device would say exit 1); a missing device and a file that is not the driver's are explained
# (exit 1). The driver itself is exercised in the VM guests (tests/vm/guest/27-max30102-ioctl.sh).
# Ends with "tools: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/../../.."
bin=build/host/bin/mxrt-max30102-ctl
make --no-print-directory -s -f tests/unit/unit.mk "$bin" || { echo "tools: 0 passed, 1 failed, 0 skipped"; exit 1; }
suite=max30102-ctl-cli
. tests/user/lib.bash
none=/nonexistent/max30102-0 # never opened when the command line is wrong

expect no-command 2 'usage: mxrt-max30102-ctl' -d $none
expect empty-device 2 "-d takes a device path, not ''" -d "" info
expect help 0 'Subcommands:' --help
expect set-help 0 '--sample-rate' set --help
expect unknown-command 2 'unknown command' -d $none frobnicate
expect too-many-arguments 2 'get: too many arguments' -d $none get 5
expect unknown-option 2 "get: unknown option '--rate'" -d $none get --rate 5
# a global option after the command is named, not taken for "too many arguments"
expect global-option-after-command 2 "get: unknown option '--json' \(the global options -d, --json and --lock-timeout go before" -d $none get --json
expect set-nothing 2 'nothing to set' -d $none set
expect set-bad-rate 2 "sample-rate takes 50, 100, 200, 400, 800, 1000, 1600, 3200 \(Hz\), not '150'" -d $none set --sample-rate 150
expect set-rate-not-decimal 2 "not '0x64'" -d $none set --sample-rate 0x64
expect set-rate-negative 2 "not '-100'" -d $none set --sample-rate=-100
expect set-bad-pulse-width 2 "pulse-width takes 69, 118, 215, 411" -d $none set --pulse-width 100
expect set-bad-range 2 "adc-range takes 2048, 4096, 8192, 16384" -d $none set --adc-range 1000
expect set-bad-average 2 'average takes 1, 2, 4, 8, 16, 32' -d $none set --average 3
expect set-bad-almost-full 2 'almost-full takes 17..32' -d $none set --almost-full 16
expect set-bad-current-step 2 'red-current takes 0..51000 in steps of 200' -d $none set --red-current 150
expect set-bad-current-max 2 'ir-current takes 0..51000' -d $none set --ir-current 51200
expect set-bad-current-huge 2 "not '99999999999'" -d $none set --ir-current 99999999999
expect set-bad-current-past-64-bits 2 "not '99999999999999999999999'" -d $none set --ir-current 99999999999999999999999
# zero-padded as the sysfs files take it: valid, so it gets as far as the (missing) device
expect set-zero-padded 1 'no such device' -d $none set --sample-rate 00000000100
expect set-bad-mode 2 'mode is hr, spo2 or multi' -d $none set --mode ir
expect set-one-bad-of-two 2 'pulse-width takes' -d $none set --sample-rate 100 --pulse-width 1
expect bad-lock-timeout 2 'lock-timeout takes 0..60000' -d $none --lock-timeout 60001 get
expect bad-lock-timeout-text 2 'lock-timeout takes 0..60000' -d $none --lock-timeout 1s get
# an empty value is refused like any other the chip does not have, not taken for "not given"
expect set-empty-mode 2 "mode is hr, spo2 or multi, not ''" -d $none set --mode "" --sample-rate 100
expect set-empty-rate 2 "sample-rate takes .*, not ''" -d $none set --sample-rate "" --mode hr
expect empty-lock-timeout 2 "lock-timeout takes 0..60000 \(ms\), not ''" -d $none --lock-timeout "" get
expect missing-device 1 'no such device \(is mxrt_max30102 loaded' -d $none info
expect missing-device-set 1 'no such device' -d $none set --sample-rate 100
expect not-the-driver 1 '/dev/null does not answer MAX30102 ioctls' -d /dev/null info
# set reads the configuration first: a failure there is set's (the command the user ran), not "get"'s
expect not-the-driver-set 1 '^mxrt-max30102-ctl: set: /dev/null does not answer MAX30102 ioctls' -d /dev/null set --mode hr
expect not-the-driver-json 1 'does not answer MAX30102 ioctls' -d /dev/null --json stats
# a FIFO is not the device either: said at once, not a hang in open() waiting for a writer
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkfifo "$t/fifo"
for cmd in info "set --mode hr"; do
	# shellcheck disable=SC2086 # cmd is the command's words
	out=$(timeout 10 "$bin" -d "$t/fifo" $cmd 2>&1)
	got=$?
	if [ "$got" = 1 ] && grep -q "$t/fifo does not answer MAX30102 ioctls" <<<"$out"; then
		res PASS "not-the-driver-fifo-${cmd%% *}"
	else res FAIL "not-the-driver-fifo-${cmd%% *}" "exit $got (124: it hung): $(head -c 300 <<<"$out")"; fi
done
full-stdout help-stdout-full --help
echo "tools: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
