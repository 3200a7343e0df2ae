#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs in: the VM guest (busybox sh), from scripts/demo.sh. The MAX30102 driver against the
# simulator: samples, sysfs, hwmon, faults, a stuck bus, a stalled reader, and what debugfs says
# about it.
set -u
M=${MXRT_MODDIR:?}
say() { printf '\n### %s\n' "$*"; }

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
mxrt-max30102-read -n 1200 -l $DEV

say "a bad sysfs write is refused and changes nothing"
echo 123 >$SYS/sample_rate || true
echo "sample_rate is still $(cat $SYS/sample_rate)"

say "hwmon: the die temperature, as lm-sensors shows it"
echo "temp=36.5" >$SIM/control
if command -v sensors >/dev/null; then sensors 'max30102-*'; else cat /sys/class/hwmon/hwmon*/temp1_input; fi

say "faults: 20 lost interrupts (the lost-interrupt watchdog reads late: the FIFO overflows) and an injected overflow of 12 samples; every lost sample is flagged and counted"
mxrt-max30102-read -n 1500 $DEV &
rp=$!
sleep 1
echo "lose_irq=20 overflow=12" >$SIM/control
wait $rp

say "a stuck bus: a transfer hangs; the bus watchdog (bus_timeout_ms=$(cat /sys/module/mxrt_max30102/parameters/bus_timeout_ms)) runs the adapter's bus recovery, the chip is re-initialised, the stall's loss is flagged"
mxrt-max30102-read -n 800 $DEV &
rp=$!
sleep 1
echo "hang=1" >$SIM/control
wait $rp
dmesg | grep -E 'I2C sequence stuck|bus recovery' | sed 's/^\[[^]]*\] //' | tail -n 2
echo "bus_stuck: $(cat $SYS/bus_stuck)"

say "a reader that stalls for 1 s on a 64-record ring gets an explicit overrun, then continues"
echo 64 >$SYS/ring_size
mxrt-max30102-read -n 300 -s 1000 $DEV || true
echo 4096 >$SYS/ring_size

say "debugfs: $DBG/stats"
cat $DBG/stats
rmmod mxrt_max30102 mxrt_max30102_sim mxrt_watchdog
