// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests).
//
// Result<T>: a value or a negative errno, never both, and never ignored ([[nodiscard]]).
// TRY(expr) returns the error from the enclosing function (SerenityOS's ErrorOr/TRY is the model).
//
//   Result<Table *> Table::Create(Gfp gfp);      // a pointer converts implicitly: return table;
//   Result<u32> Count();                         // a number must say it is one: return Ok(n);
//   Table *table = TRY(Table::Create(kGfp));     // or propagate the error
//
// The traps an int-returning API has are closed here:
//   - a bare errno never becomes a success value: Result<int> r = -EINVAL does not compile (an
//     integer or enum value needs Ok(v); an errno needs Error(-E...));
//   - Error(0) (or any code >= 0) is not an error: it is a contract failure (user space: abort;
//     kernel: a WARN, and the result is -EINVAL, never a success);
//   - Value() of an error is a contract failure the same way (the kernel gets a zeroed T).
#pragma once

#include <lib/kstd/kstd.hpp>

namespace kstd {

// A negative errno, e.g. Error(-MXRT_EINVAL).
struct Error {
	int code;
	constexpr explicit Error(int c) : code(c) {
		if (c >= 0) {
			ContractFailed("Error() of a code >= 0: not an error");
			code = -MXRT_EINVAL;
		}
	}
};

// A success value, spelled out: return Ok(n);
template <typename T> struct OkValue {
	T value;
};
template <typename T> constexpr OkValue<T> Ok(T v) { return OkValue<T>{Move(v)}; }

template <typename T> class [[nodiscard]] Result {
public:
	constexpr Result(Error e) : value_(), error_(e.code) {}
	template <typename U> constexpr Result(OkValue<U> v) : value_(static_cast<T>(Move(v.value))), error_(0) {}
	// Implicit only from what cannot be an errno in disguise: no integer or enum (not even the
	// literal 0 for a pointer; nullptr is fine).
	template <typename U>
		requires(!IsIntegralOrEnum<RemoveCvRef<U>>) && requires(U &&u) { T(Forward<U>(u)); }
	constexpr Result(U &&v) : value_(Forward<U>(v)), error_(0) {}

	constexpr bool Ok() const { return error_ == 0; }
	constexpr int ErrorCode() const { return error_; }
	constexpr T &Value() {
		Check();
		return value_;
	}
	constexpr const T &Value() const {
		Check();
		return value_;
	}
	constexpr T Take() {
		Check();
		return Move(value_);
	}

private:
	constexpr void Check() const {
		if (error_ != 0)
			ContractFailed("Value() of a Result that holds an error");
	}
	T value_;
	int error_;
};

template <> class [[nodiscard]] Result<void> {
public:
	constexpr Result() : error_(0) {}
	constexpr Result(Error e) : error_(e.code) {}
	constexpr bool Ok() const { return error_ == 0; }
	constexpr int ErrorCode() const { return error_; }
	constexpr void Take() const {}

private:
	int error_;
};

// An int from a kernel-style call (0 or a positive count: success; a negative errno: failure).
constexpr Result<void> ToResult(int ret) { return ret < 0 ? Result<void>(Error(ret)) : Result<void>(); }

} // namespace kstd

#define TRY(expr)                                                                                  \
	({                                                                                         \
		auto _try_r = (expr);                                                              \
		if (!_try_r.Ok())                                                                  \
			return ::kstd::Error(_try_r.ErrorCode());                                  \
		_try_r.Take();                                                                     \
	})
