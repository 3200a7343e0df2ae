#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), as root, from tests/vm/run.sh.
# Conformance of the simulator with a driver we did not write: the mainline IIO driver
# drivers/iio/health/max30102.c (built from Debian's linux-source by tests/vm/build-mainline-iio.sh,
# with Debian's industrialio and kfifo_buf loaded at boot from tests/vm/kernel-modules.txt) binds
# to the simulated chip and works as it would on a real one: probe, the configuration it writes and
# the rate that follows from it, samples through the IIO buffer (/dev/iio:deviceN) at that rate,
# from a finger inside full scale and from a replayed recording bit for bit, the die temperature,
# unbind. It requests its interrupt falling-edge and reads the FIFO with I2C block reads
# (I2C_M_DMA_SAFE): both must work. Only this driver is loaded (ours binds to the same client
# name); everything loaded here is unloaded at the end. Its own weaknesses are printed as
# "finding:" lines (see docs/max30102.md, "The mainline IIO driver"), not judged.
set -u
M=${MXRT_MODDIR:?}
# Only 6.12's driver: 6.1's takes the interrupt the chip raises at power-on (PWR_RDY) with its
# buffer off, reads its scan mask before the FIFO count and dereferences that NULL mask, which
# crashes the kernel (seen on Debian's 6.1.192 under this test; 6.12's handler reads the count
# first). Debian's 6.1 kernels do not ship the driver, so it is not built for them.
case "$(uname -r)" in
[0-5].*|6.[0-9].*|6.1[01].*)
	skip "the mainline IIO max30102 driver is tested on 6.12 and newer only (6.1's crashes on the" \
		"interrupt the chip raises at power-on: docs/max30102.md)" ;;
esac
SUITE=mainline-iio # ok, bad, check: tests/vm/test-env.sh
sim_reg() { sed -n "s/.* $1=\([0-9a-f]*\).*/\1/p" "$SIM/state" | head -1; }
# find_iio: the driver's IIO device and client, the simulator's debugfs directory
find_iio() {
	IIO= CLIENT=
	i=0
	while [ -z "$IIO" ] && [ $i -lt 50 ]; do
		for d in /sys/bus/iio/devices/iio:device*; do
			[ "$(cat "$d/name" 2>/dev/null)" = max30102 ] && IIO=$d
		done
		[ -n "$IIO" ] || { sleep 0.1; i=$((i + 1)); }
	done
	CLIENT=$(ls /sys/bus/i2c/drivers/max30102/ 2>/dev/null | grep -- '-0057$' | head -1)
	SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
	DEV=/dev/${IIO##*/}
}
scans() { if [ -f "$1" ]; then echo $(($(wc -c <"$1") / 8)); else echo 0; fi; }
uptime_cs() { awk '{ split($1, a, "."); print a[1] * 100 + substr(a[2] "00", 1, 2) }' /proc/uptime; }

if [ ! -f "$M/max30102.ko" ]; then
	echo "max30102.ko is not in the guest: build it with tests/vm/build-mainline-iio.sh"
	bad module-built
	exit 1
fi
insmod "$M/mxrt_max30102_sim.ko" || { echo "FAIL: cannot load the simulator"; exit 1; }
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
insmod "$M/max30102.ko" || { bad probe "insmod max30102.ko failed"; rmmod mxrt_max30102_sim; exit 1; }
find_iio
echo "iio device ${IIO:-none}, client ${CLIENT:-none}, simulator $SIM"
probed() { [ -n "$IIO" ] && [ -n "$CLIENT" ] && [ -c "/dev/${IIO##*/}" ]; }
if ! probed; then
	bad probe "no IIO device"
	dmesg | tail -20
	rmmod max30102
	rmmod mxrt_max30102_sim
	exit 1
fi
ok probe "$CLIENT as ${IIO##*/}"
DEV=/dev/${IIO##*/}
head -2 "$SIM/state"
grep '^irq:' "$SIM/state"

# 1. what it configured: 18-bit (411 us) at 400 Hz with 4 averaged = 100 FIFO samples/s, the
# 4096 nA range, A_FULL at 31 unread and enabled, 6.4 mA LEDs (from the client's properties),
# shut down until the buffer runs; the interrupt sensed on the falling edge it asked for
configured() {
	[ "$(sim_reg 0a)" = 2f ] && [ "$(sim_reg 08)" = 41 ] && [ "$(sim_reg 02)" = 80 ] &&
		[ "$(sim_reg 0c)" = 20 ] && [ "$(sim_reg 0d)" = 20 ] && [ "$(sim_reg 09)" = 80 ] &&
		grep -q '^irq: trigger=edge-falling' "$SIM/state"
}
check configuration-and-edge-trigger configured
# it has no sampling_frequency attribute: the rate is the chip's, 10 ms a FIFO sample
ls "$IIO" | grep -q sampling_frequency && echo "note: it reports a sampling frequency: $(cat "$IIO"/*sampling_frequency)"

# 2. the die temperature: in_temp_raw x in_temp_scale (62.5 m degC) is the simulator's temp=
temp_is() { # temp_is SETTING EXPECTED-RAW
	echo "temp=$1" >"$SIM/control"
	raw=$(cat "$IIO/in_temp_raw")
	echo "temp=$1: in_temp_raw $raw, in_temp_scale $(cat "$IIO/in_temp_scale")"
	[ "$raw" = "$2" ]
}
temperature() { grep -q '^62.5' "$IIO/in_temp_scale" && temp_is 36.5 584 && temp_is -3.25 -52; }
check temperature temperature

# 3. samples through the IIO buffer: red and IR, 4 bytes each (big-endian, 18 bits shifted left 8).
# decode FILE: one "red ir" line per scan
decode() {
	od -An -v -tx1 -w8 "$1" | awk 'function h(s,  i, v) {
		for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
		return v
	}
	NF == 8 { printf "%d %d\n", h($1 $2 $3), h($5 $6 $7) }'
}
irqs() { awk '/max30102_irq/ { n = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) n += $i; print n }' /proc/interrupts; }
REPLAY_CSV='x
timestamp,sampleNum,tagLEDC1,tagLEDC2,tagLEDC3,LEDC1,LEDC2,LEDC3
0.000,1,0,0,0,123456.0,65432.0,0
1000.000,2,0,0,0,123456.0,65432.0,0
stop time,1'
# rebind_fresh: a new chip (the simulator reloaded: power-on state) and the driver bound to it.
# Unbinding and binding again is not enough: the driver never resets the FIFO, and on arm64 its
# falling-edge request has replaced the device tree's level-low trigger, so the client's interrupt
# cannot be mapped again ("irq: type mismatch") until the simulator's interrupt domain goes.
rebind_fresh() {
	rmmod mxrt_max30102_sim
	insmod "$M/mxrt_max30102_sim.ko"
	find_iio
}
# stream: one run of the buffer: 100 scans of the model, timed after the first (which comes when 31
# are in the FIFO), then a replayed recording (constant IR 123456, red 65432) and 200 more scans,
# the last 40 of which must be it (the chip's FIFO still holds about 31 of the model, and the IIO
# buffer what a slow guest, such as the debug kernel, has not read yet). Returns 0 when all 300
# arrived, 2 when the driver stalled (see the findings below), 1 otherwise.
buffer_on() {
	echo 1 >"$IIO/scan_elements/in_intensity_red_en"
	echo 1 >"$IIO/scan_elements/in_intensity_ir_en"
	echo 256 >"$IIO/buffer/length"
	echo 1 >"$IIO/buffer/enable"
}
stream() {
	buffer_on || return 1
	i0=$(irqs)
	rm -f /tmp/iio0.bin /tmp/iio.bin /tmp/iio-replay.bin
	timeout 3 dd if="$DEV" of=/tmp/iio0.bin bs=8 count=1 2>/dev/null
	t0=$(uptime_cs)
	timeout 3 dd if="$DEV" of=/tmp/iio.bin bs=8 count=100 2>/dev/null
	t1=$(uptime_cs)
	n=$(scans /tmp/iio.bin)
	nr=0
	if [ "$n" = 100 ]; then
		echo "$REPLAY_CSV" >"$SIM/replay"
		timeout 5 dd if="$DEV" of=/tmp/iio-replay.bin bs=8 count=200 2>/dev/null
		nr=$(scans /tmp/iio-replay.bin)
		echo off >"$SIM/replay"
	fi
	echo 0 >"$IIO/buffer/enable"
	echo "stream: $n + $nr scans, $(($(irqs) - i0)) interrupts; sim: $(sed -n 's/^fifo: //p' "$SIM/state")"
	[ "$n" = 100 ] && [ "$nr" = 200 ] && return 0
	# the mainline driver's stall: it read (each interrupt brings a sample), then no interrupt
	# came, the chip's FIFO full. Anything else is not that.
	[ -s /tmp/iio0.bin ] && grep -q '^fifo: unread=32' "$SIM/state" && return 2
	return 1
}
# A late interrupt stops the driver for good (finding 1 below), and TCG guests on a busy host are
# late now and then: a stalled run is retried on a new chip, up to 10 times.
attempt=1
while :; do
	stream
	st=$?
	[ $st = 2 ] && [ $attempt -lt 10 ] || break
	echo "finding: run $attempt stalled after a late interrupt: retried on a new chip"
	rebind_fresh
	attempt=$((attempt + 1))
done
check data-path-300-scans [ $st = 0 ]
rate=$((n * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
echo "run $attempt: $n scans in $((t1 - t0))0 ms: $rate Hz"
decode /tmp/iio.bin | awk 'NR <= 2 || NR % 25 == 0 { print "  red ir:", $0 }'
rate_ok() { [ $st = 0 ] && [ "$rate" -ge 80 ] && [ "$rate" -le 120 ]; }
timing_check rate-100Hz rate_ok # wall-clock: a skip on the debug kernel
# a finger, inside full scale: IR 50 000-250 000 counts of 262 143, red 30 000-250 000
finger() { [ $st = 0 ] && decode /tmp/iio.bin |
	awk '$2 < 50000 || $2 > 250000 || $1 < 30000 || $1 > 250000 { bad++ } END { exit bad > 0 }'; }
check finger-inside-full-scale finger
replayed() { [ $st = 0 ] && decode /tmp/iio-replay.bin | tail -n 40 |
	awk '$1 != 65432 || $2 != 123456 { bad++ } END { exit bad > 0 || NR != 40 }'; }
check replay-bit-exact replayed
decode /tmp/iio-replay.bin | tail -n 2 | sed 's/^/  red ir (replay): /'

# 4. unbind: the IIO device goes, the chip is left shut down
echo "$CLIENT" >/sys/bus/i2c/drivers/max30102/unbind
unbound() { [ ! -e "$IIO" ] && [ ! -e "$DEV" ] && [ "$(sim_reg 09 | cut -c1)" = 8 ]; }
check unbind unbound

# 5. findings about the driver, not checks (docs/max30102.md, "The mainline IIO driver").
# One late (here: lost) interrupt stops it for good: A_FULL fires when the count reaches 31; the
# driver reads one sample per interrupt, so the FIFO stays at 30-31. With one edge lost, the count
# goes to 32, A_FULL is never reached again, the FIFO overflows and no edge ever comes.
rebind_fresh
buffer_on
timeout 5 dd if="$DEV" of=/tmp/iio-late.bin bs=8 count=10 2>/dev/null
o0=$(sim_counter fifo_overflows)
echo lose_irq=1 >"$SIM/control"
timeout 3 dd if="$DEV" of=/tmp/iio-late.bin bs=8 count=300 2>/dev/null
sleep 1
echo "finding: after one lost interrupt: $(scans /tmp/iio-late.bin) of 300 scans in 3 s," \
	"the chip's FIFO: $(sed -n 's/^fifo: \(unread=[0-9]*\).*/\1/p' "$SIM/state"), overflows $o0 -> $(sim_counter fifo_overflows)"
echo 0 >"$IIO/buffer/enable"
echo 1 >"$IIO/buffer/enable"
timeout 2 dd if="$DEV" of=/tmp/iio-late.bin bs=8 count=100 2>/dev/null
echo "finding: after disabling and enabling the buffer: $(scans /tmp/iio-late.bin) of 100" \
	"scans in 2 s (it never resets the FIFO pointers)"
echo 0 >"$IIO/buffer/enable"
echo "$CLIENT" >/sys/bus/i2c/drivers/max30102/unbind
if echo "$CLIENT" >/sys/bus/i2c/drivers/max30102/bind 2>/dev/null; then
	echo "finding: bound again after an unbind: $(ls -d /sys/bus/iio/devices/iio:device* | wc -l) IIO device"
else
	echo "finding: cannot be bound again after an unbind: $(dmesg | grep -o 'irq: type mismatch.*' | tail -n1)"
fi

rmmod max30102 || bad rmmod-driver
rmmod mxrt_max30102_sim || bad rmmod-simulator
exit $fail
