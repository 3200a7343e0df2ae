/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Runs in: kernel (C glue, freestanding C++ core) and user space (tests).
 *
 * MAX30102 register map, from the Maxim datasheet (19-7740 Rev 1, "Register Maps and Descriptions").
 * Shared by the driver and the simulator so that both speak the same names; the simulator's model
 * of what each register does lives in kernel/max30102/sim/sim_core.cpp.
 *
 * Every multi-bit field is named by its mask (plain hex, usable from C and C++): C uses
 * FIELD_PREP/FIELD_GET from <linux/bitfield.h>, C++ kstd::Field<u8, MASK> (lib/kstd/field.hpp):
 *
 *   C:    spo2 = FIELD_PREP(MAX30102_SPO2_SR, sr) | FIELD_PREP(MAX30102_SPO2_LED_PW, pw);
 *   C++:  using SampleRate = kstd::Field<u8, MAX30102_SPO2_SR>;  u32 sr = SampleRate::Get(spo2);
 */
#ifndef MXRT_MAX30102_REGS_H
#define MXRT_MAX30102_REGS_H

#define MAX30102_I2C_ADDR 0x57
#define MAX30102_PART_ID_VALUE 0x15
#define MAX30102_FIFO_DEPTH 32
#define MAX30102_BYTES_PER_CHANNEL 3
#define MAX30102_MAX_CHANNELS 4 /* multi-LED mode: four time slots */

#define MAX30102_REG_INT_STATUS1 0x00 /* clear on read */
#define MAX30102_REG_INT_STATUS2 0x01 /* clear on read */
#define MAX30102_REG_INT_ENABLE1 0x02
#define MAX30102_REG_INT_ENABLE2 0x03
#define MAX30102_REG_FIFO_WR_PTR 0x04 /* MAX30102_FIFO_PTR */
#define MAX30102_REG_OVF_COUNTER 0x05 /* MAX30102_FIFO_PTR; saturates at 31, cleared when a sample is popped */
#define MAX30102_REG_FIFO_RD_PTR 0x06 /* MAX30102_FIFO_PTR */
#define MAX30102_REG_FIFO_DATA 0x07   /* burst reads do not advance the register address */
#define MAX30102_REG_FIFO_CONFIG 0x08
#define MAX30102_REG_MODE_CONFIG 0x09
#define MAX30102_REG_SPO2_CONFIG 0x0a
#define MAX30102_REG_LED1_PA 0x0c /* red, 0.2 mA per LSB */
#define MAX30102_REG_LED2_PA 0x0d /* IR */
#define MAX30102_REG_MULTI_LED1 0x11 /* MAX30102_MULTI_SLOT_ODD (slot 1), _EVEN (slot 2) */
#define MAX30102_REG_MULTI_LED2 0x12 /* slot 3, slot 4 */
#define MAX30102_REG_TEMP_INT 0x1f  /* two's complement degrees */
#define MAX30102_REG_TEMP_FRAC 0x20 /* MAX30102_TEMP_FRAC, 1/16 degree; reading it clears DIE_TEMP_RDY */
#define MAX30102_REG_TEMP_CONFIG 0x21 /* MAX30102_TEMP_EN, self-clearing */
#define MAX30102_REG_REV_ID 0xfe
#define MAX30102_REG_PART_ID 0xff

/* INT_STATUS1 / INT_ENABLE1 */
#define MAX30102_INT_A_FULL 0x80
#define MAX30102_INT_PPG_RDY 0x40
#define MAX30102_INT_ALC_OVF 0x20
#define MAX30102_INT_PWR_RDY 0x01 /* status only, cannot be masked */
/* INT_STATUS2 / INT_ENABLE2 */
#define MAX30102_INT_DIE_TEMP_RDY 0x02

/* FIFO_WR_PTR, OVF_COUNTER, FIFO_RD_PTR */
#define MAX30102_FIFO_PTR 0x1f /* [4:0] */

/* FIFO_CONFIG */
#define MAX30102_FIFO_SMP_AVE 0xe0 /* [7:5]: 2^n samples averaged, 5..7 = 32 */
#define MAX30102_FIFO_ROLLOVER_EN 0x10
#define MAX30102_FIFO_A_FULL 0x0f /* [3:0]: empty slots left when A_FULL fires: 32 - n unread */

/* MODE_CONFIG */
#define MAX30102_MODE_SHDN 0x80
#define MAX30102_MODE_RESET 0x40 /* self-clearing */
#define MAX30102_MODE 0x07 /* [2:0] */
#define MAX30102_MODE_HR 0x02    /* red only */
#define MAX30102_MODE_SPO2 0x03  /* red and IR */
#define MAX30102_MODE_MULTI 0x07 /* slots from MULTI_LED1/2 */

/* SPO2_CONFIG */
#define MAX30102_SPO2_ADC_RGE 0x60 /* [6:5]: 2048 << n nA full scale */
#define MAX30102_SPO2_SR 0x1c      /* [4:2]: 50,100,200,400,800,1000,1600,3200 Hz */
#define MAX30102_SPO2_LED_PW 0x03  /* [1:0]: 69,118,215,411 us = 15,16,17,18 bits */

/* MULTI_LED1/2: two slots each (values below) */
#define MAX30102_MULTI_SLOT_ODD 0x07  /* [2:0]: slot 1 (MULTI_LED1), slot 3 (MULTI_LED2) */
#define MAX30102_MULTI_SLOT_EVEN 0x70 /* [6:4]: slot 2, slot 4 */
/* MULTI_LED slot values on the MAX30102 (DS table 9; 5..7 are reserved: the slot is treated as empty) */
#define MAX30102_SLOT_NONE 0
#define MAX30102_SLOT_RED 1
#define MAX30102_SLOT_IR 2
#define MAX30102_SLOT_LED_OFF_A 3 /* "None, N/A (Off)": a slot, 3 bytes, no LED lit */
#define MAX30102_SLOT_LED_OFF_B 4

/* TEMP_FRAC, TEMP_CONFIG */
#define MAX30102_TEMP_FRAC 0x0f /* [3:0] */
#define MAX30102_TEMP_EN 0x01

#endif /* MXRT_MAX30102_REGS_H */
