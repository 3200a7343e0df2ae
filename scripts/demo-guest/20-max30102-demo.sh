#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. The MAX30102 driver against the
# simulator: samples, sysfs, hwmon, faults, a stuck bus, a stalled reader, and what debugfs says
# about it.
set -u
M=${MXRT_MODDIR:?}
SUITE=demo # each claim below is a check (test-env.sh): one that does not hold fails the demo
say() { printf '\n### %s\n' "$*"; }
# field NAME TEXT: the value of NAME=... in a summary line of mxrt-max30102-read
field() { echo "$2" | sed -n "s/.* $1=\([0-9]*\).*/\1/p; s/^$1=\([0-9]*\).*/\1/p" | head -1; }

say "load the simulator (a virtual I2C bus with a MAX30102 at 0x57) and the driver"
insmod "$M/mxrt_max30102_sim.ko" || exit 1
load_driver || exit 1
DEV=/dev/max30102-0
wait_device $DEV || { echo "$DEV missing"; exit 1; }
dmesg | grep -i 'max30102' | sed 's/^\[[^]]*\] //' | tail -n 3
SYS=/sys/class/misc/max30102-0/device
SIM=$(ls -d /sys/kernel/debug/mxrt_max30102_sim/i2c-* | head -1)
DBG=/sys/kernel/debug/mxrt_max30102/max30102-0

say "sysfs: $SYS"
for f in status mode sample_rate pulse_width adc_range sample_average led_red_current ring_size acq_cpus; do
	printf '%-16s %s\n' "$f" "$(cat $SYS/$f)"
done

say "400 Hz, a finger with 72 bpm and 97 % SpO2; 1200 samples, the first 5 shown"
echo 411 >$SYS/pulse_width
echo 400 >$SYS/sample_rate
echo "hr=72 spo2=97 finger=1" >$SIM/control
mxrt-max30102-read -n 5 -v $DEV | head -5
out=$(mxrt-max30102-read -n 1200 -l $DEV)
rc=$?
echo "$out"
# in order, and a loss (only if the emulated machine stood still for the FIFO's 80 ms) flagged:
# a loss without its flag is a violation, exit 1
check 1200-records-in-order-every-loss-flagged '[ $rc = 0 ] && [ "$(field records "$out")" = 1200 ]'

say "a bad sysfs write is refused and changes nothing"
if echo 123 >$SYS/sample_rate; then taken=1; else taken=0; fi
echo "sample_rate is still $(cat $SYS/sample_rate)"
check bad-rate-refused-and-nothing-changed '[ $taken = 0 ] && [ "$(cat $SYS/sample_rate)" = 400 ]'

say "hwmon: the die temperature, as lm-sensors shows it"
echo "temp=36.5" >$SIM/control
if command -v sensors >/dev/null; then sensors 'max30102-*'; else cat /sys/class/hwmon/hwmon*/temp1_input; fi

say "faults: 20 lost interrupts (the lost-interrupt watchdog reads the FIFO before it fills: nothing lost, counted in irq_missed) and an injected overflow of 12 samples; every lost sample is flagged and counted"
missed0=$(stat_of irq_missed)
mxrt-max30102-read -n 1500 $DEV >/tmp/faults.out &
rp=$!
sleep 1
echo "lose_irq=20 overflow=12" >$SIM/control
wait $rp
rc=$?
cat /tmp/faults.out
out=$(cat /tmp/faults.out)
echo "irq_missed: $missed0 -> $(stat_of irq_missed)"
# 12 lost at least (more only if the emulated machine stood still past the FIFO's 80 ms), each
# flagged (a loss without its flag is a violation: exit 1)
check faults-every-loss-flagged-and-counted '[ $rc = 0 ] && [ "$(field lost "$out")" -ge 12 ] && [ "$(stat_of irq_missed)" -gt "$missed0" ]'

say "a stuck bus: a transfer hangs; the bus watchdog (bus_timeout_ms=$(cat /sys/module/mxrt_max30102/parameters/bus_timeout_ms)) runs the adapter's bus recovery, the chip is re-initialised, the stall's loss is flagged"
mxrt-max30102-read -n 800 $DEV &
rp=$!
sleep 1
echo "hang=1" >$SIM/control
wait $rp
rc=$?
dmesg | grep -E 'I2C sequence stuck|bus recovery' | sed 's/^\[[^]]*\] //' | tail -n 2
echo "bus_stuck: $(cat $SYS/bus_stuck)"
check stuck-bus-recovered-reader-went-on '[ $rc = 0 ] && [ "$(cat $SYS/bus_stuck)" -ge 1 ] && dmesg | grep -q "I2C sequence stuck"'

say "a reader that stalls for 1 s on a 64-record ring gets an explicit overrun, then continues"
echo 64 >$SYS/ring_size
out=$(mxrt-max30102-read -n 300 -s 1000 $DEV)
rc=$?
echo "$out"
echo 4096 >$SYS/ring_size
check stalled-reader-told-of-its-overrun '[ $rc = 0 ] && [ "$(field reader_overruns "$out")" -ge 1 ] && [ "$(field records "$out")" = 300 ]'

say "debugfs: $DBG/stats"
cat $DBG/stats
rmmod mxrt_max30102 mxrt_max30102_sim mxrt_watchdog
exit $fail
