// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd).
//
// One /dev/max30102-N as the daemon uses it: the open file it reads records from, the lock that
// keeps a second daemon off it, and the driver's control interfaces. Each of those has a seam
// with the interface the driver offers:
//   - configuration: the ioctl path (MXRT_MAX30102_IOC_GET/SET_CONFIG, the whole configuration at
//     once) when the UAPI header and the driver have it; otherwise the sysfs files, one value at a
//     time in an order that keeps every step valid (each step that changes a value restarts the
//     chip: RESTART records);
//   - the die temperature: MXRT_MAX30102_IOC_GET_TEMP, else the hwmon file temp1_input;
//   - vitals: MXRT_MAX30102_IOC_GET_VITALS (value, confidence, timestamp, sample seq), else none:
//     the daemon then publishes samples and temperature only, and says so at start.
#pragma once

#include <cstdint>
#include <string>

#include <mxrt/mxrtd.h>

#include "config.hpp"

namespace mxrtd {

class Device {
public:
	Device() = default;
	Device(const Device &) = delete;
	Device &operator=(const Device &) = delete;
	~Device();

	// Opens the device for reading (and writing, for the configuration ioctl when it can): 0 or
	// -errno with *err a message.
	int Open(const std::string &path, std::string *err);
	// The lock that keeps a second daemon off this device: flock(LOCK_EX|LOCK_NB) on
	// /run/mxrtd/lock-<major>-<minor> (the device's number: one device under two names is one
	// lock), a file only this user can open; where that directory cannot be had (not root, no
	// RuntimeDirectory), on the device node, with a warning in *warn. 0, or -EBUSY with *holder
	// the pid that holds it (from /proc/locks; 0 if unknown), or -errno.
	int LockExclusive(int *holder, std::string *warn);

	int fd() const { return fd_; }
	const std::string &path() const { return path_; }
	std::string name() const;     // "max30102-0"
	std::uint32_t index() const { return index_; }
	const std::string &sysfs() const { return sysfs_; }

	// Applies the settings (unset fields keep the driver's): 0 or -errno, *err says which value.
	// *wrote (if given): whether the driver's configuration changed, all or (sysfs, one value at
	// a time) part of it; a refused SET_CONFIG changes nothing (the driver keeps its own).
	int Apply(const DeviceSettings &s, std::string *err, bool *wrote = nullptr);
	// Whether Apply would take them, the driver's configuration read now (nothing written): 0 or
	// -errno with *err, as Apply says it.
	int Check(const DeviceSettings &s, std::string *err);
	// The configuration as the driver has it now, into the device fields of *out.
	int ReadConfig(mxrtd_shm_config *out);
	// ... as settings with every field set (what Apply takes to put it back).
	int ReadSettings(DeviceSettings *out);
	// Which interface Apply/ReadConfig use: "ioctl" or "sysfs".
	const char *ConfigInterface() const { return have_config_ioctl_ ? "ioctl" : "sysfs"; }

	// The latest vitals: 0 (into the vitals fields of *out, flags as the driver's), -ENOTTY if the
	// driver has no vitals interface, or -errno.
	int ReadVitals(mxrtd_shm_vitals *out);
	bool HasVitals() const { return have_vitals_ioctl_; }
	// The die temperature now (a conversion takes about 30 ms; sleeps): 0 or -errno.
	int ReadTemp(std::int32_t *millicelsius);
	const char *TempInterface() const { return have_temp_ioctl_ ? "ioctl" : "hwmon"; }

private:
	int ApplySysfs(const DeviceSettings &s, std::string *err, bool *wrote);
	int ReadConfigSysfs(mxrtd_shm_config *out);

	int fd_ = -1;
	int lock_fd_ = -1;      // the lock file, while this daemon holds its lock
	std::string lock_path_; // removed when the lock goes
	std::string path_, sysfs_, hwmon_temp_;
	std::uint32_t index_ = 0;
	bool have_config_ioctl_ = false, have_vitals_ioctl_ = false, have_temp_ioctl_ = false;
};

} // namespace mxrtd
