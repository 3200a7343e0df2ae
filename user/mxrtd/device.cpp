// SPDX-License-Identifier: GPL-2.0
//
// Runs in: user space (mxrtd). See device.hpp.
#include "device.hpp"

#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <csignal>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <max30102/chip.hpp>
#include <max30102/regs.h>

namespace mxrtd {

namespace chip = mxrt::max30102;

Device::~Device() {
	if (lock_fd_ >= 0) {
		// Under the lock: a daemon that opened it meanwhile re-checks. Only if the path still
		// names this file: /run/mxrtd removed from outside (a unit's RuntimeDirectory= at its
		// stop) and made again holds another daemon's lock there now.
		struct stat mine, now;
		if (fstat(lock_fd_, &mine) == 0 && stat(lock_path_.c_str(), &now) == 0 && mine.st_dev == now.st_dev &&
		    mine.st_ino == now.st_ino)
			unlink(lock_path_.c_str());
		close(lock_fd_);
	}
	if (fd_ >= 0)
		close(fd_);
}

std::string Device::name() const {
	const std::size_t slash = path_.find_last_of('/');
	return slash == std::string::npos ? path_ : path_.substr(slash + 1);
}

static std::string ReadLine(const std::string &path) {
	std::ifstream in(path);
	std::string s;
	std::getline(in, s);
	return s;
}

int Device::Open(const std::string &path, std::string *err) {
	path_ = path;
	fd_ = open(path.c_str(), O_RDWR | O_CLOEXEC);
	if (fd_ < 0 && (errno == EACCES || errno == EPERM))
		fd_ = open(path.c_str(), O_RDONLY | O_CLOEXEC); // reading is enough; SET_CONFIG then says EBADF
	if (fd_ < 0) {
		const int e = errno;
		*err = path + ": " + std::strerror(e) +
		       (e == ENOENT ? " (is the driver loaded and the sensor found? dmesg | grep max30102)" : "");
		return -e;
	}
	struct stat st;
	if (fstat(fd_, &st) != 0 || !S_ISCHR(st.st_mode)) {
		*err = path + ": not a character device";
		return -ENODEV;
	}
	// /sys/dev/char/MAJ:MIN/device: the I2C client with the sysfs files and the hwmon directory
	char link[64];
	std::snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/device", major(st.st_rdev), minor(st.st_rdev));
	sysfs_ = link;
	const std::string base = name();
	const std::size_t dash = base.find_last_of('-');
	index_ = dash == std::string::npos ? 0 : std::uint32_t(std::strtoul(base.c_str() + dash + 1, nullptr, 10));
	if (DIR *d = opendir((sysfs_ + "/hwmon").c_str())) {
		while (dirent *e = readdir(d))
			if (std::strncmp(e->d_name, "hwmon", 5) == 0)
				hwmon_temp_ = sysfs_ + "/hwmon/" + e->d_name + "/temp1_input";
		closedir(d);
	}
#ifdef MXRT_MAX30102_IOC_GET_CONFIG
	{
		// Only ENOTTY (a driver without the command) means the interface is missing. Any other
		// failure of the probe (the device lock busy past its timeout, the device unbound) says
		// the command exists: the calls that follow report their own errors and are counted,
		// where taking it as "absent" would switch the vitals or the ioctl path off for good.
		const auto present = [this](unsigned long cmd, void *arg) {
			return ioctl(fd_, cmd, arg) == 0 || errno != ENOTTY;
		};
		mxrt_max30102_ioc_config c{};
		c.size = sizeof(c);
		have_config_ioctl_ = present(MXRT_MAX30102_IOC_GET_CONFIG, &c);
		mxrt_max30102_ioc_vitals v{};
		v.size = sizeof(v);
		have_vitals_ioctl_ = present(MXRT_MAX30102_IOC_GET_VITALS, &v);
		// GET_TEMP converts (30 ms): trust the command exists when the others do
		have_temp_ioctl_ = have_config_ioctl_;
	}
#endif
	return 0;
}

// The pid holding a flock on this inode, from /proc/locks ("1: FLOCK  ADVISORY  WRITE 123 00:05:17 0 EOF").
static int FlockHolder(const struct stat &st) {
	std::ifstream in("/proc/locks");
	std::string line;
	char want[64];
	std::snprintf(want, sizeof(want), "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
	while (std::getline(in, line)) {
		std::istringstream w(line);
		std::string num, kind, adv, mode, pid, id;
		w >> num >> kind;
		if (kind == "->")
			w >> kind; // a waiter
		w >> adv >> mode >> pid >> id;
		if (kind == "FLOCK" && id == want)
			return std::atoi(pid.c_str());
	}
	return 0;
}

// The directory for the lock files: /run/mxrtd, made if missing. 0, or the errno why it cannot
// be had: not a directory of this user's own (or root's) closed to others' writes, or not
// writable by this user.
static int LockDir(const char *dir) {
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return errno;
	struct stat st;
	if (lstat(dir, &st) != 0)
		return errno;
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) || (st.st_mode & (S_IWGRP | S_IWOTH)))
		return EPERM;
	return access(dir, W_OK) == 0 ? 0 : errno;
}

int Device::LockExclusive(int *holder, std::string *warn) {
	*holder = 0;
	struct stat dev;
	if (fstat(fd_, &dev) != 0)
		return -errno;
	// The device node is readable by every user (0644) and flock needs only that: any local
	// user could hold a lock on it and keep the daemon from starting (exit 4, which systemd
	// does not retry). So the lock is a file of the daemon's own, named by the device's number.
	static const char kDir[] = "/run/mxrtd";
	char name[96];
	std::snprintf(name, sizeof(name), "%s/lock-%u-%u", kDir, major(dev.st_rdev), minor(dev.st_rdev));
	const int dir_err = LockDir(kDir);
	const bool own = dir_err == 0;
	if (!own)
		*warn = std::string("cannot make or use ") + kDir + " (" + std::strerror(dir_err) +
			"): locking the device node itself, which any user who can read it can hold";
	// A daemon that just ended can hold the lock a little longer than it lives: its io_uring
	// (with the device as a registered file) is torn down by a kernel worker after the process
	// is gone (the device node's lock). Wait for that (3 s at most); a live holder is refused
	// at once.
	for (int i = 0; i < 60; i++) {
		int fd = fd_;
		struct stat st = dev;
		if (own) {
			fd = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (fd < 0)
				return -errno;
			if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
				close(fd);
				return -EPERM;
			}
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			if (!own)
				return 0;
			// Still the file at that path? A daemon that was leaving removes it under its lock:
			// one that opened it just before then holds a lock on a file nobody else sees.
			struct stat now;
			if (stat(name, &now) == 0 && now.st_dev == st.st_dev && now.st_ino == st.st_ino) {
				lock_fd_ = fd;
				lock_path_ = name;
				return 0;
			}
			close(fd);
			continue;
		}
		const int e = errno;
		if (own)
			close(fd);
		if (e != EWOULDBLOCK)
			return -e;
		*holder = FlockHolder(st);
		if (*holder > 0 && kill(*holder, 0) == 0)
			return -EBUSY;
		usleep(50000);
	}
	*holder = 0;
	return -EBUSY;
}

// ---- configuration ---------------------------------------------------------------------------------

static chip::Config Merge(chip::Config c, const DeviceSettings &s) {
	if (s.mode)
		c.mode = *s.mode;
	if (s.sample_rate_hz)
		c.sample_rate_hz = *s.sample_rate_hz;
	if (s.pulse_width_us)
		c.pulse_width_us = *s.pulse_width_us;
	if (s.adc_range_na)
		c.adc_range_na = *s.adc_range_na;
	if (s.sample_average)
		c.sample_average = *s.sample_average;
	if (s.fifo_almost_full)
		c.fifo_almost_full = *s.fifo_almost_full;
	if (s.red_current_ua)
		c.red_current_ua = *s.red_current_ua;
	if (s.ir_current_ua)
		c.ir_current_ua = *s.ir_current_ua;
	return c;
}

static chip::Config FromShm(const mxrtd_shm_config &s) {
	chip::Config c;
	c.mode = s.mode;
	c.sample_rate_hz = s.sample_rate_hz;
	c.pulse_width_us = s.pulse_width_us;
	c.adc_range_na = s.adc_range_na;
	c.sample_average = s.sample_average;
	c.fifo_almost_full = s.fifo_almost_full;
	c.red_current_ua = s.red_current_ua;
	c.ir_current_ua = s.ir_current_ua;
	return c;
}

static std::string Describe(const chip::Config &c) {
	return std::string(ModeName(c.mode)) + " " + std::to_string(c.sample_rate_hz) + " Hz " +
	       std::to_string(c.pulse_width_us) + " us";
}

// @d's configuration with @s merged in, if the chip allows it: 0 or -errno with *err.
static int Merged(Device &d, const DeviceSettings &s, chip::Config *want, std::string *err) {
	mxrtd_shm_config cur{};
	const int r = d.ReadConfig(&cur);
	if (r != 0) {
		*err = d.path() + ": cannot read the driver's configuration: " + std::strerror(-r);
		return r;
	}
	*want = Merge(FromShm(cur), s);
	if (!chip::Validate(*want).Ok()) {
		*err = d.path() + ": " + Describe(*want) + " is not a configuration the MAX30102 allows (rate/pulse width/mode table, docs/max30102.md)";
		return -EINVAL;
	}
	return 0;
}

int Device::Check(const DeviceSettings &s, std::string *err) {
	chip::Config want;
	return s.AnySet() ? Merged(*this, s, &want, err) : 0;
}

int Device::Apply(const DeviceSettings &s, std::string *err, bool *wrote) {
	bool any = false;
	if (!wrote)
		wrote = &any;
	*wrote = false;
	if (!s.AnySet())
		return 0;
	chip::Config want;
	int r = Merged(*this, s, &want, err);
	if (r != 0)
		return r;
#ifdef MXRT_MAX30102_IOC_SET_CONFIG
	if (have_config_ioctl_) {
		mxrt_max30102_ioc_config c{};
		c.size = sizeof(c);
		c.mode = want.mode;
		c.sample_rate_hz = want.sample_rate_hz;
		c.pulse_width_us = want.pulse_width_us;
		c.adc_range_na = want.adc_range_na;
		c.sample_average = want.sample_average;
		c.fifo_almost_full = want.fifo_almost_full;
		c.red_current_ua = want.red_current_ua;
		c.ir_current_ua = want.ir_current_ua;
		if (ioctl(fd_, MXRT_MAX30102_IOC_SET_CONFIG, &c) != 0) {
			r = -errno;
			*err = path_ + ": MXRT_MAX30102_IOC_SET_CONFIG (" + Describe(want) + "): " + std::strerror(-r) +
			       (r == -EBADF ? " (the device is open read-only)" : "");
			return r;
		}
		*wrote = true;
		return 0;
	}
#endif
	return ApplySysfs(s, err, wrote);
}

int Device::ReadConfig(mxrtd_shm_config *out) {
#ifdef MXRT_MAX30102_IOC_GET_CONFIG
	if (have_config_ioctl_) {
		mxrt_max30102_ioc_config c{};
		c.size = sizeof(c);
		if (ioctl(fd_, MXRT_MAX30102_IOC_GET_CONFIG, &c) != 0)
			return -errno;
		out->mode = c.mode;
		out->sample_rate_hz = c.sample_rate_hz;
		out->pulse_width_us = c.pulse_width_us;
		out->adc_range_na = c.adc_range_na;
		out->sample_average = c.sample_average;
		out->fifo_almost_full = c.fifo_almost_full;
		out->red_current_ua = c.red_current_ua;
		out->ir_current_ua = c.ir_current_ua;
		return 0;
	}
#endif
	return ReadConfigSysfs(out);
}

// The sysfs attribute of each field, in docs/max30102.md's units.
namespace {
struct Attr {
	const char *file;
	std::optional<std::uint32_t> DeviceSettings::*field;
	std::uint32_t mxrtd_shm_config::*shm;
};
const Attr kAttrs[] = {
	{"adc_range", &DeviceSettings::adc_range_na, &mxrtd_shm_config::adc_range_na},
	{"sample_average", &DeviceSettings::sample_average, &mxrtd_shm_config::sample_average},
	{"fifo_almost_full", &DeviceSettings::fifo_almost_full, &mxrtd_shm_config::fifo_almost_full},
	{"led_red_current", &DeviceSettings::red_current_ua, &mxrtd_shm_config::red_current_ua},
	{"led_ir_current", &DeviceSettings::ir_current_ua, &mxrtd_shm_config::ir_current_ua},
};
} // namespace

int Device::ReadSettings(DeviceSettings *out) {
	mxrtd_shm_config c{};
	if (const int r = ReadConfig(&c))
		return r;
	out->mode = c.mode;
	out->sample_rate_hz = c.sample_rate_hz;
	out->pulse_width_us = c.pulse_width_us;
	for (const Attr &a : kAttrs)
		out->*a.field = c.*a.shm;
	return 0;
}

int Device::ReadConfigSysfs(mxrtd_shm_config *out) {
	auto num = [&](const char *file, std::uint32_t *v) {
		const std::string s = ReadLine(sysfs_ + "/" + file);
		if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
			return false;
		*v = std::uint32_t(std::strtoul(s.c_str(), nullptr, 10));
		return true;
	};
	if (!ParseMode(ReadLine(sysfs_ + "/mode"), &out->mode) || !num("sample_rate", &out->sample_rate_hz) ||
	    !num("pulse_width", &out->pulse_width_us))
		return -EIO;
	for (const Attr &a : kAttrs)
		if (!num(a.file, &(out->*a.shm)))
			return -EIO;
	return 0;
}

static int WriteAttr(const std::string &path, const std::string &value) {
	int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	const ssize_t n = write(fd, value.data(), value.size());
	const int err = n == ssize_t(value.size()) ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return err;
}

// One value at a time, each step a configuration the chip allows: a longer pulse needs the lower
// rate first, a shorter one comes first; SpO2 -> HR (more permissive) first, HR -> SpO2 last.
int Device::ApplySysfs(const DeviceSettings &s, std::string *err, bool *wrote) {
	mxrtd_shm_config cur{};
	int r = ReadConfigSysfs(&cur);
	if (r != 0) {
		*err = path_ + ": cannot read " + sysfs_ + ": " + std::strerror(-r);
		return r;
	}
	auto put = [&](const char *file, const std::string &v) {
		const int e = WriteAttr(sysfs_ + "/" + file, v);
		if (e != 0)
			*err = path_ + ": " + sysfs_ + "/" + file + " = " + v + ": " + std::strerror(-e);
		else
			*wrote = true;
		return e;
	};
	const std::uint32_t mode = s.mode.value_or(cur.mode);
	const std::uint32_t rate = s.sample_rate_hz.value_or(cur.sample_rate_hz);
	const std::uint32_t pw = s.pulse_width_us.value_or(cur.pulse_width_us);
	const bool more_permissive_mode = mode == MAX30102_MODE_HR && cur.mode != MAX30102_MODE_HR;
	if (mode != cur.mode && more_permissive_mode && (r = put("mode", ModeName(mode))) != 0)
		return r;
	if (pw > cur.pulse_width_us) { // longer pulses: the rate goes down first
		if (rate != cur.sample_rate_hz && (r = put("sample_rate", std::to_string(rate))) != 0)
			return r;
		if ((r = put("pulse_width", std::to_string(pw))) != 0)
			return r;
	} else {
		if (pw != cur.pulse_width_us && (r = put("pulse_width", std::to_string(pw))) != 0)
			return r;
		if (rate != cur.sample_rate_hz && (r = put("sample_rate", std::to_string(rate))) != 0)
			return r;
	}
	if (mode != cur.mode && !more_permissive_mode && (r = put("mode", ModeName(mode))) != 0)
		return r;
	for (const Attr &a : kAttrs) {
		const std::optional<std::uint32_t> &v = s.*a.field;
		if (v && *v != cur.*a.shm && (r = put(a.file, std::to_string(*v))) != 0)
			return r;
	}
	return 0;
}

// ---- vitals and temperature ------------------------------------------------------------------------

int Device::ReadVitals(mxrtd_shm_vitals *out) {
#ifdef MXRT_MAX30102_IOC_GET_VITALS
	if (have_vitals_ioctl_) {
		mxrt_max30102_ioc_vitals v{};
		v.size = sizeof(v);
		if (ioctl(fd_, MXRT_MAX30102_IOC_GET_VITALS, &v) != 0)
			return -errno;
		out->flags = v.flags;
		out->sample_seq = v.seq;
		out->timestamp_ns = v.timestamp_ns;
		out->hr_mbpm = v.hr_mbpm;
		out->spo2_mpct = v.spo2_mpct;
		out->confidence = v.confidence;
		return 0;
	}
#endif
	(void)out;
	return -ENOTTY;
}

int Device::ReadTemp(std::int32_t *millicelsius) {
#ifdef MXRT_MAX30102_IOC_GET_TEMP
	if (have_temp_ioctl_) {
		mxrt_max30102_ioc_temp t{};
		t.size = sizeof(t);
		if (ioctl(fd_, MXRT_MAX30102_IOC_GET_TEMP, &t) != 0)
			return -errno;
		*millicelsius = t.millicelsius;
		return 0;
	}
#endif
	if (hwmon_temp_.empty())
		return -ENOENT;
	int fd = open(hwmon_temp_.c_str(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	char buf[32];
	const ssize_t n = read(fd, buf, sizeof(buf) - 1);
	const int e = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -e : -EIO;
	buf[n] = 0;
	char *end;
	const long v = std::strtol(buf, &end, 10);
	if (end == buf)
		return -EIO;
	*millicelsius = std::int32_t(v);
	return 0;
}

} // namespace mxrtd
