// SPDX-License-Identifier: GPL-2.0
/*
 * Runs at: build time only (tests/unit/unit.mk `abi`: compiled, never run). The user-space ABI of
 * include/uapi/mxrt/max30102.h pinned down: every size, offset and alignment and every ioctl
 * number, the same on every architecture a program may be built for. Compiled as C for x86_64,
 * i386, arm64 and armhf (Debian's cross compilers), as C++, as BPF (clang -target bpf, with
 * <linux/types.h> and as a vmlinux.h program would see it), and as the kernel's C++ core sees it
 * (MXRT_FREESTANDING). A layout that differs anywhere fails the build: 32-bit programs on a 64-bit
 * kernel rely on it (the driver's compat_ioctl is compat_ptr_ioctl, no translation).
 */
#include <mxrt/max30102.h>

#ifdef __cplusplus
#define ABI_ASSERT(cond, what) static_assert(cond, what)
#define ABI_ALIGNOF(t) alignof(t)
#else
#define ABI_ASSERT(cond, what) _Static_assert(cond, what)
#define ABI_ALIGNOF(t) _Alignof(t)
#endif
#define OFF(t, f, o) ABI_ASSERT(__builtin_offsetof(struct t, f) == (o), #t "." #f " at offset " #o)
#define SIZE(t, s) ABI_ASSERT(sizeof(struct t) == (s), "sizeof(struct " #t ") == " #s)
#define ALIGN(t, a) ABI_ASSERT(ABI_ALIGNOF(struct t) == (a), "alignof(struct " #t ") == " #a)

/* read() records */
SIZE(mxrt_max30102_record, 32);
SIZE(mxrt_max30102_record, MXRT_MAX30102_RECORD_SIZE);
OFF(mxrt_max30102_record, seq, 0);
OFF(mxrt_max30102_record, timestamp_ns, 8);
OFF(mxrt_max30102_record, red, 16);
OFF(mxrt_max30102_record, ir, 20);
OFF(mxrt_max30102_record, flags, 24);
OFF(mxrt_max30102_record, adc_bits, 26);
OFF(mxrt_max30102_record, lost, 28);

SIZE(mxrt_max30102_ioc_info, MXRT_MAX30102_INFO_SIZE_VER0);
SIZE(mxrt_max30102_ioc_info, 56);
ALIGN(mxrt_max30102_ioc_info, 4);
OFF(mxrt_max30102_ioc_info, size, 0);
OFF(mxrt_max30102_ioc_info, abi_version, 4);
OFF(mxrt_max30102_ioc_info, part_id, 8);
OFF(mxrt_max30102_ioc_info, revision_id, 12);
OFF(mxrt_max30102_ioc_info, device_index, 16);
OFF(mxrt_max30102_ioc_info, flags, 20);
OFF(mxrt_max30102_ioc_info, driver_version, 24);

SIZE(mxrt_max30102_ioc_config, MXRT_MAX30102_CONFIG_SIZE_VER0);
SIZE(mxrt_max30102_ioc_config, 40);
ALIGN(mxrt_max30102_ioc_config, 4);
OFF(mxrt_max30102_ioc_config, size, 0);
OFF(mxrt_max30102_ioc_config, flags, 4);
OFF(mxrt_max30102_ioc_config, mode, 8);
OFF(mxrt_max30102_ioc_config, sample_rate_hz, 12);
OFF(mxrt_max30102_ioc_config, pulse_width_us, 16);
OFF(mxrt_max30102_ioc_config, adc_range_na, 20);
OFF(mxrt_max30102_ioc_config, sample_average, 24);
OFF(mxrt_max30102_ioc_config, fifo_almost_full, 28);
OFF(mxrt_max30102_ioc_config, red_current_ua, 32);
OFF(mxrt_max30102_ioc_config, ir_current_ua, 36);

ABI_ASSERT(MXRT_MAX30102_STATS_SIZE_VER0 == 312, "stats: the first version's size never changes");
SIZE(mxrt_max30102_ioc_stats, MXRT_MAX30102_STATS_SIZE_VER1);
SIZE(mxrt_max30102_ioc_stats, 320);
ALIGN(mxrt_max30102_ioc_stats, 8);
OFF(mxrt_max30102_ioc_stats, size, 0);
OFF(mxrt_max30102_ioc_stats, readers, 4);
OFF(mxrt_max30102_ioc_stats, samples, 8);
OFF(mxrt_max30102_ioc_stats, bursts, 16);
OFF(mxrt_max30102_ioc_stats, fifo_overflows, 24);
OFF(mxrt_max30102_ioc_stats, fifo_lost, 32);
OFF(mxrt_max30102_ioc_stats, fifo_lost_estimated, 40);
OFF(mxrt_max30102_ioc_stats, reanchors, 48);
OFF(mxrt_max30102_ioc_stats, max_backlog, 56);
OFF(mxrt_max30102_ioc_stats, next_seq, 64);
OFF(mxrt_max30102_ioc_stats, irqs, 72);
OFF(mxrt_max30102_ioc_stats, irq_spurious, 80);
OFF(mxrt_max30102_ioc_stats, irq_missed, 88);
OFF(mxrt_max30102_ioc_stats, irq_stuck, 96);
OFF(mxrt_max30102_ioc_stats, polls, 104);
OFF(mxrt_max30102_ioc_stats, i2c_errors, 112);
OFF(mxrt_max30102_ioc_stats, boosts, 120);
OFF(mxrt_max30102_ioc_stats, temp_reads, 128);
OFF(mxrt_max30102_ioc_stats, system_suspends, 136);
OFF(mxrt_max30102_ioc_stats, system_resumes, 144);
OFF(mxrt_max30102_ioc_stats, ring_head, 152);
OFF(mxrt_max30102_ioc_stats, ring_resizes, 160);
OFF(mxrt_max30102_ioc_stats, ring_syncs, 168);
OFF(mxrt_max30102_ioc_stats, ring_last_sync_ns, 176);
OFF(mxrt_max30102_ioc_stats, reader_overruns_closed, 184);
OFF(mxrt_max30102_ioc_stats, reader_lost_closed, 192);
OFF(mxrt_max30102_ioc_stats, latency_count, 200);
OFF(mxrt_max30102_ioc_stats, latency_p50_ns, 208);
OFF(mxrt_max30102_ioc_stats, latency_p99_ns, 216);
OFF(mxrt_max30102_ioc_stats, latency_max_ns, 224);
OFF(mxrt_max30102_ioc_stats, file_overruns, 232);
OFF(mxrt_max30102_ioc_stats, file_lost, 240);
OFF(mxrt_max30102_ioc_stats, file_flushes, 248);
OFF(mxrt_max30102_ioc_stats, file_flushed, 256);
OFF(mxrt_max30102_ioc_stats, ring_size, 264);
OFF(mxrt_max30102_ioc_stats, chip_state, 268);
OFF(mxrt_max30102_ioc_stats, irq_mode, 272);
OFF(mxrt_max30102_ioc_stats, pad, 276);
OFF(mxrt_max30102_ioc_stats, bus_stuck, 280);
OFF(mxrt_max30102_ioc_stats, bus_recoveries, 288);
OFF(mxrt_max30102_ioc_stats, bus_reinits, 296);
OFF(mxrt_max30102_ioc_stats, irq_watchdog_expiries, 304);
OFF(mxrt_max30102_ioc_stats, chip_resets, 312);

SIZE(mxrt_max30102_ioc_vitals, MXRT_MAX30102_VITALS_SIZE_VER0);
SIZE(mxrt_max30102_ioc_vitals, 40);
ALIGN(mxrt_max30102_ioc_vitals, 8);
OFF(mxrt_max30102_ioc_vitals, size, 0);
OFF(mxrt_max30102_ioc_vitals, flags, 4);
OFF(mxrt_max30102_ioc_vitals, timestamp_ns, 8);
OFF(mxrt_max30102_ioc_vitals, seq, 16);
OFF(mxrt_max30102_ioc_vitals, hr_mbpm, 24);
OFF(mxrt_max30102_ioc_vitals, spo2_mpct, 28);
OFF(mxrt_max30102_ioc_vitals, confidence, 32);
OFF(mxrt_max30102_ioc_vitals, pad, 36);

SIZE(mxrt_max30102_ioc_temp, MXRT_MAX30102_TEMP_SIZE_VER0);
SIZE(mxrt_max30102_ioc_temp, 16);
ALIGN(mxrt_max30102_ioc_temp, 8);
OFF(mxrt_max30102_ioc_temp, size, 0);
OFF(mxrt_max30102_ioc_temp, millicelsius, 4);
OFF(mxrt_max30102_ioc_temp, timestamp_ns, 8);

ABI_ASSERT(MXRT_MAX30102_IOC_MAX_SIZE < (1 << 14), "a size fits _IOC_SIZE on every architecture");

#ifdef _IOWR
/* The numbers themselves: the asm-generic encoding (x86, arm, arm64, riscv, BPF). */
ABI_ASSERT(MXRT_MAX30102_IOC_GET_INFO == 0xc038b900u, "GET_INFO");
ABI_ASSERT(MXRT_MAX30102_IOC_GET_CONFIG == 0xc028b901u, "GET_CONFIG");
ABI_ASSERT(MXRT_MAX30102_IOC_SET_CONFIG == 0x4028b902u, "SET_CONFIG");
ABI_ASSERT(MXRT_MAX30102_IOC_GET_STATS == 0xc140b903u, "GET_STATS (VER1; VER0's 0xc138b903 still works)");
ABI_ASSERT(MXRT_MAX30102_IOC_GET_VITALS == 0xc028b904u, "GET_VITALS");
ABI_ASSERT(MXRT_MAX30102_IOC_GET_TEMP == 0xc010b905u, "GET_TEMP");
ABI_ASSERT(MXRT_MAX30102_IOC_FLUSH == 0x8008b906u, "FLUSH");
ABI_ASSERT(MXRT_MAX30102_IOC_GET_LOCK_TIMEOUT == 0x8004b907u, "GET_LOCK_TIMEOUT");
ABI_ASSERT(MXRT_MAX30102_IOC_SET_LOCK_TIMEOUT == 0x4004b908u, "SET_LOCK_TIMEOUT");
#endif
