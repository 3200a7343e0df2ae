#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# The MAX30102 simulator on its own, as a hostile or careless user and a generic I2C tool meet it:
# its debugfs files refuse bad input with a clear error and change nothing (a recording whose
# timestamps would wrap the replay clock, "off" look-alikes, blank control writes), and i2c-dev's
# I2C_RDWR (i2ctransfer) reaches the chip. No driver is loaded. Each check is a result of its own.
set -u
M=${MXRT_MODDIR:?}
SUITE=max30102-sim # ok, bad, check: tests/vm/test-env.sh
upload_line() { sed -n 's/^upload: //p' "$SIM/state"; }

# a sample rate the chip does not have: the module refuses to load and says why (it loaded, and the
# driver's probe failed later in another module's log)
insmod "$M/mxrt_max30102_sim.ko" sample_rate_hz=123 2>/dev/null
rc=$?
[ $rc = 0 ] && rmmod mxrt_max30102_sim
check sim-bad-rate-refused '[ $rc != 0 ] && dmesg | grep -q "sample_rate_hz=123 is none of the chip"'
# decimal only: the kernel's uint took 0144 (octal) and 0x64 as 100; 0144 is 144 now, no chip rate
rate_decimal_only() {
	for v in 0144 0x64 +100; do
		if insmod "$M/mxrt_max30102_sim.ko" sample_rate_hz=$v 2>/dev/null; then
			echo "sample_rate_hz=$v loaded as $(cat /sys/module/mxrt_max30102_sim/parameters/sample_rate_hz)"
			rmmod mxrt_max30102_sim
			return 1
		fi
	done
}
check sim-rate-decimal-only rate_decimal_only
# 3200 Hz is HR mode's alone and a driver starts in SpO2 mode: refused at load, said why
insmod "$M/mxrt_max30102_sim.ko" sample_rate_hz=3200 2>/dev/null
rc=$?
[ $rc = 0 ] && rmmod mxrt_max30102_sim
check sim-hr-only-rate-refused '[ $rc != 0 ] && dmesg | grep -q "sample_rate_hz=3200 is HR mode.s alone"'
# the bool parameters take 0, 1, n, y, N or Y only (the kernel's bool read the first character:
# client=nonsense loaded as N)
bools_strict() {
	for arg in client=nonsense instantiate=yesplease client_irq=0x client=2; do
		if insmod "$M/mxrt_max30102_sim.ko" "$arg" 2>/dev/null; then
			echo "$arg loaded"
			rmmod mxrt_max30102_sim
			return 1
		fi
	done
	insmod "$M/mxrt_max30102_sim.ko" client=N || return 1
	[ "$(cat /sys/module/mxrt_max30102_sim/parameters/client)" = N ] || return 1
	rmmod mxrt_max30102_sim
}
check sim-bool-params-strict bools_strict
# a fast rate comes with the widest pulse SpO2 mode allows at it, so the client binds (800 Hz
# loaded, and no device appeared: the default 411 us allows 400 Hz at most)
fast_rate_binds() {
	insmod "$M/mxrt_max30102_sim.ko" sample_rate_hz=800 || return 1
	modprobe mxrt_max30102 && wait_device /dev/max30102-0
	fs=$(readlink -f /sys/class/misc/max30102-0/device)
	echo "sample_rate_hz=800: $(cat "$fs/sample_rate" 2>&1) Hz, $(cat "$fs/pulse_width" 2>&1) us"
	[ "$(cat "$fs/sample_rate")" = 800 ] && [ "$(cat "$fs/pulse_width")" = 215 ]
	r=$?
	rmmod mxrt_max30102
	rmmod mxrt_max30102_sim
	return $r
}
if [ -d /proc/device-tree/max30102-sim ]; then
	skipped sim-fast-rate-binds "the device tree's clients have their own properties"
else
	check sim-fast-rate-binds fast_rate_binds
fi
insmod "$M/mxrt_max30102_sim.ko" || { echo "FAIL: cannot load the simulator"; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
BUS=${SIM##*/i2c-}
echo "simulator $SIM, bus $BUS"

# 1. i2c-dev's I2C_RDWR: every message comes flagged I2C_M_DMA_SAFE, as the I2C core's block
# reads do. A read of PART_ID through i2ctransfer, and a block read of 6 FIFO bytes.
i2ctransfer -f -y "$BUS" w1@0x57 0xff r1 >/tmp/i2ct 2>&1
echo "i2ctransfer PART_ID: $(cat /tmp/i2ct)"
check i2c-rdwr-reaches-the-chip grep -qx '0x15' /tmp/i2ct
# the adapter's limits (16 messages of 384 bytes: the I2C core refuses more with EOPNOTSUPP) keep
# one transfer's time under the model's lock short; a full FIFO of four multi-LED slots (384 bytes)
# still passes in one message (256 were the limit until 2026-12-07)
i2ctransfer -f -y "$BUS" w1@0x57 0x07 r385 >/tmp/i2ct-long 2>&1
rc=$?
check i2c-long-message-refused '[ $rc != 0 ] && grep -q "Operation not supported" /tmp/i2ct-long'
check i2c-384-bytes-pass i2ctransfer -f -y "$BUS" w1@0x57 0x07 r384
# messages go on the wire in order: a write to the chip, then a read from an address nobody has
# (NAKed: the transfer fails with ENXIO), and the write was taken, as on a real bus
i2ctransfer -f -y "$BUS" w2@0x57 0x0c 0x33 r1@0x50 >/tmp/i2ct-mixed 2>&1
rc=$?
led1=$(i2cget -f -y "$BUS" 0x57 0x0c)
echo "write to 0x57 then read from 0x50: exit $rc, $(cat /tmp/i2ct-mixed); LED1_PA now $led1"
check i2c-message-before-a-nak-taken '[ $rc != 0 ] && grep -q "No such device or address" /tmp/i2ct-mixed && [ "$led1" = 0x33 ]'
i2cset -f -y "$BUS" 0x57 0x0c 0x00 || bad i2cset
# late_us makes a transfer return that much after its wire time, not up to twice that (fsleep's
# range until 2026-12-07: late_us=20000 took 40 ms): ten reads with it against ten without
ms_now() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
ten_reads_ms() {
	_t0=$(ms_now)
	for _i in 1 2 3 4 5 6 7 8 9 10; do i2cget -f -y "$BUS" 0x57 0xff >/dev/null || return 1; done
	echo $(($(ms_now) - _t0))
}
plain_ms=$(ten_reads_ms)
echo "late_us=20000 late_every=1" >"$SIM/control"
late_ms=$(ten_reads_ms)
echo "late_us=0 late_every=0" >"$SIM/control"
echo "ten reads: ${plain_ms:-failed} ms plain, ${late_ms:-failed} ms with every transfer 20 ms late"
timing_check sim-late-us-as-set '[ -n "$plain_ms" ] && [ -n "$late_ms" ] && [ $((late_ms - plain_ms)) -ge 150 ] && [ $((late_ms - plain_ms)) -le 300 ]'

# 2. the control file: blank writes are refused and change nothing
echo "hr=81" >"$SIM/control"
blank_refused() {
	for w in '\n' '\n\n' ' \t \n'; do
		# shellcheck disable=SC2059 # the escapes are the point
		if printf "$w" >"$SIM/control" 2>/dev/null; then
			echo "blank write '$w' accepted"
			return 1
		fi
	done
	grep -q 'hr=81.000' "$SIM/state"
}
check control-refuses-blank-writes blank_refused

# A short recording with constant values (timestamps in ms), as the replay file takes it.
csv() { # csv LAST-TIMESTAMP
	printf 'preamble\ntimestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3\n'
	printf '0.000,1,0,0,0,100000.0,50000.0,0\n10.000,2,0,0,0,100000.0,50000.0,0\n'
	printf '%s,3,0,0,0,100000.0,50000.0,0\nstop time,1\n' "$1"
}

# 3. a good recording replaces the model when its file is closed
csv 20.000 >/tmp/good.csv
cat /tmp/good.csv >"$SIM/replay"
echo "good upload: $(upload_line)"
check replay-applied grep -q 'source=replay' "$SIM/state"

# 4. the hostile recording: its last timestamp is 2^64-1 us after the first, which wrapped the
# replay duration to 0 and made the sample timer divide by it (a kernel panic on x86_64). The
# write that carries the line fails, the recording in use stays, and the kernel goes on sampling.
csv 18446744073709551.615 >/tmp/hostile.csv
if cat /tmp/hostile.csv >"$SIM/replay" 2>/tmp/hostile.err; then
	bad hostile-replay-write-fails "cat succeeded"
else
	ok hostile-replay-write-fails "$(cat /tmp/hostile.err)"
fi
echo "hostile upload: $(upload_line)"
hostile_refused() {
	upload_line | grep -q 'result=rejected errno=34 line=5 reason: more than 24 h' &&
		grep -q 'source=replay' "$SIM/state" &&
		dmesg | grep -q 'replay upload rejected at line 5: more than 24 h'
}
check hostile-replay-refused-with-reason hostile_refused
# sample for a while through the replay clock: 100 Hz SpO2, straight to the registers
i2cset -f -y "$BUS" 0x57 0x0a 0x27 && i2cset -f -y "$BUS" 0x57 0x0d 0x20 &&
	i2cset -f -y "$BUS" 0x57 0x09 0x03 || bad i2cset
s0=$(sim_counter samples)
sleep 0.5
s1=$(sim_counter samples)
echo "samples $s0 -> $s1"
check kernel-alive-and-sampling [ "$s1" -gt $((s0 + 20)) ]
# as another driver might: 3200 Hz with 411 us pulses in SpO2 mode (0x3f). The datasheet: "the
# highest possible sample rate is programmed instead into the register" (400 Hz: 0x2f); the
# simulator stopped sampling instead
i2cset -f -y "$BUS" 0x57 0x0a 0x3f || bad i2cset
spo2_cfg=$(i2cget -f -y "$BUS" 0x57 0x0a)
s2=$(sim_counter samples)
sleep 0.5
s3=$(sim_counter samples)
echo "SPO2_CONFIG 0x3f reads $spo2_cfg; samples $s2 -> $s3; rate_clamped=$(sim_counter rate_clamped)"
clamped() { [ "$spo2_cfg" = 0x2f ] && [ "$s3" -gt $((s2 + 20)) ] && [ "$(sim_counter rate_clamped)" = 1 ]; }
check too-fast-rate-becomes-the-highest-allowed clamped
i2cset -f -y "$BUS" 0x57 0x0a 0x27 || bad i2cset

# 5. "off" means exactly "off": a look-alike is refused (at close) and changes nothing
printf 'offset-is-not-off' >"$SIM/replay"
echo "look-alike: $(upload_line)"
lookalike_refused() {
	upload_line | grep -q 'result=rejected errno=22 line=0 reason: no header row' &&
		grep -q 'source=replay' "$SIM/state"
}
check replay-off-lookalike-refused lookalike_refused
echo off >"$SIM/replay"
back_to_model() { upload_line | grep -q 'result=off' && grep -q 'source=model' "$SIM/state"; }
check replay-off-back-to-model back_to_model

# 6. close() reports what only the end of an upload can judge (no header, fewer than 2 rows, an
# "off" look-alike), for a program that checks it, as dd does (busybox ash does not: a redirection's
# close, even "exec 3>&-", ends with status 0). The old file went through the debugfs full proxy,
# which forwards no ->flush: every close() succeeded.
printf 'offset-is-not-off' >/tmp/lookalike.txt
csv 20.000 | head -n 3 >/tmp/one-row.csv
for f in lookalike.txt one-row.csv; do
	if dd if="/tmp/$f" of="$SIM/replay" 2>/tmp/dd.err; then
		bad "replay-close-fails-$f" "dd succeeded: $(upload_line)"
	elif grep -q 'replay: Invalid argument' /tmp/dd.err; then
		ok "replay-close-fails-$f" "$(tail -n 1 /tmp/dd.err)"
	else
		bad "replay-close-fails-$f" "$(cat /tmp/dd.err)"
	fi
done
check replay-close-fails-and-changes-nothing 'grep -q "source=model" "$SIM/state"'
check replay-close-succeeds-for-good-upload 'dd if=/tmp/good.csv of="$SIM/replay" 2>/dev/null'
check replay-good-upload-applied-at-close 'grep -q "source=replay" "$SIM/state"'

# 7. bus_khz takes only the chip's speeds (0, 100, 400): a slower bus kept the adapter's bus lock
# for seconds per transfer (minutes for a long I2C_RDWR). Anything else is refused, changes nothing.
echo "bus_khz=400" >"$SIM/control" || bad bus-khz-400
bus_khz_refused() {
	for v in 1 99 401 1000 3400; do
		if echo "bus_khz=$v" >"$SIM/control" 2>/dev/null; then
			echo "bus_khz=$v accepted"
			return 1
		fi
	done
	grep -q ' bus_khz=400 ' "$SIM/state"
}
check control-refuses-other-bus-speeds bus_khz_refused
echo "bus_khz=0" >"$SIM/control" || bad bus-khz-0

# 8. the simulator's device goes only with the module: a sysfs unbind freed the state that an
# open replay file's close then used (a use-after-free). With the file open, the unbind is
# refused (the driver has no unbind file) and so is unloading (the file holds the module).
DRV=/sys/bus/platform/drivers/mxrt-max30102-sim
DEV=
for d in "$DRV"/*; do
	[ -L "$d" ] && [ "${d##*/}" != module ] && DEV=${d##*/}
done
echo "simulator device: ${DEV:-none}"
exec 3>"$SIM/replay"
printf off >&3
unbind_refused() {
	if echo "$DEV" 2>/dev/null >"$DRV/unbind"; then
		echo "unbind of $DEV accepted"
		return 1
	fi
	[ -n "$DEV" ] && [ ! -e "$DRV/unbind" ] && [ -e "$SIM/state" ]
}
check sim-unbind-refused unbind_refused
check sim-unload-refused-while-open '! rmmod mxrt_max30102_sim 2>/dev/null'
exec 3>&-
check sim-close-after-refused-unbind grep -q 'source=model' "$SIM/state"

rmmod mxrt_max30102_sim || bad rmmod
exit $fail
