// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests).
//
// Result<T>: a value or a negative errno, never both, and never ignored ([[nodiscard]]).
// TRY(expr) returns the error from the enclosing function (SerenityOS's ErrorOr/TRY is the model).
//
//   Result<Table *> t = Table::Create(kGfp);
//   Table *table = TRY(Table::Create(kGfp));
#pragma once

#include <lib/kstd/kstd.hpp>

namespace kstd {

// A negative errno, e.g. Error(-MXRT_EINVAL).
struct Error {
	int code;
	constexpr explicit Error(int c) : code(c) {}
};

template <typename T> class [[nodiscard]] Result {
public:
	constexpr Result(T v) : value_(Move(v)), error_(0) {}
	constexpr Result(Error e) : value_(), error_(e.code) {}

	constexpr bool Ok() const { return error_ == 0; }
	constexpr int ErrorCode() const { return error_; }
	constexpr T &Value() { return value_; }
	constexpr const T &Value() const { return value_; }
	constexpr T Take() { return Move(value_); }

private:
	T value_;
	int error_;
};

template <> class [[nodiscard]] Result<void> {
public:
	constexpr Result() : error_(0) {}
	constexpr Result(Error e) : error_(e.code) {}
	constexpr bool Ok() const { return error_ == 0; }
	constexpr int ErrorCode() const { return error_; }
	constexpr void Take() {}

private:
	int error_;
};

// An int from a kernel-style call (0 or negative errno) as a Result.
constexpr Result<void> ToResult(int ret) { return ret < 0 ? Result<void>(Error(ret)) : Result<void>(); }

} // namespace kstd

#define TRY(expr)                                                                                  \
	({                                                                                         \
		auto _try_r = (expr);                                                              \
		if (!_try_r.Ok())                                                                  \
			return ::kstd::Error(_try_r.ErrorCode());                                  \
		_try_r.Take();                                                                     \
	})
