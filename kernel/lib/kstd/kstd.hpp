// SPDX-License-Identifier: GPL-2.0
//
// Runs in: kernel (freestanding C++20) and user space (tests).
//
// kstd: the handful of library pieces the core needs, with no dependency on a C++ standard library.
// Kernel translation units never include std:: headers; user-space tests may, so placement new is
// taken from <new> there (MXRT_HOSTED) and declared here otherwise.
#pragma once

#include <lib/abi.h>

#ifdef MXRT_HOSTED
#include <new>
#else
// Placement new is the only operator new kernel C++ has. Plain `new T` has no definition and fails
// at modpost ("_Znwm undefined"), which is how implicit allocation is kept out.
inline void *operator new(mxrt_size, void *p) noexcept { return p; }
inline void operator delete(void *, void *) noexcept {}
#endif

namespace kstd {

using u8 = mxrt_u8;
using u16 = mxrt_u16;
using u32 = mxrt_u32;
using u64 = mxrt_u64;
using s32 = mxrt_s32;
using s64 = mxrt_s64;
using usize = mxrt_size;
using uptr = mxrt_uptr;

template <typename T> struct RemoveReference { using Type = T; };
template <typename T> struct RemoveReference<T &> { using Type = T; };
template <typename T> struct RemoveReference<T &&> { using Type = T; };

template <typename T> constexpr typename RemoveReference<T>::Type &&Move(T &&t) noexcept {
	return static_cast<typename RemoveReference<T>::Type &&>(t);
}
template <typename T> constexpr T &&Forward(typename RemoveReference<T>::Type &t) noexcept {
	return static_cast<T &&>(t);
}

template <typename T> struct RemoveConst { using Type = T; };
template <typename T> struct RemoveConst<const T> { using Type = T; };
template <typename T> struct RemoveVolatile { using Type = T; };
template <typename T> struct RemoveVolatile<volatile T> { using Type = T; };
template <typename T>
using RemoveCvRef = typename RemoveVolatile<typename RemoveConst<typename RemoveReference<T>::Type>::Type>::Type;

// Integers (bool and the character types included) and enums: the types an errno can hide in.
template <typename T> inline constexpr bool IsIntegral = false;
#define MXRT_INTEGRAL(T) template <> inline constexpr bool IsIntegral<T> = true;
MXRT_INTEGRAL(bool)
MXRT_INTEGRAL(char)
MXRT_INTEGRAL(signed char)
MXRT_INTEGRAL(unsigned char)
MXRT_INTEGRAL(char8_t)
MXRT_INTEGRAL(char16_t)
MXRT_INTEGRAL(char32_t)
MXRT_INTEGRAL(wchar_t)
MXRT_INTEGRAL(short)
MXRT_INTEGRAL(unsigned short)
MXRT_INTEGRAL(int)
MXRT_INTEGRAL(unsigned int)
MXRT_INTEGRAL(long)
MXRT_INTEGRAL(unsigned long)
MXRT_INTEGRAL(long long)
MXRT_INTEGRAL(unsigned long long)
#undef MXRT_INTEGRAL
template <typename T> inline constexpr bool IsIntegralOrEnum = IsIntegral<T> || __is_enum(T);

// A broken contract (a bug in the caller, e.g. the value of a failed Result). User space: the
// test aborts with the message. Kernel: a WARN with a stack trace, once per message; the caller
// goes on with a safe value. Implemented by the platform (kernel/lib/platform/platform.c, and
// the user-space fake). Not constexpr: a contract broken in a constant expression does not compile.
extern "C" void mxrt_contract_failed(const char *what) MXRT_NOEXCEPT;
inline void ContractFailed(const char *what) { mxrt_contract_failed(what); }

template <typename T> constexpr const T &Min(const T &a, const T &b) { return b < a ? b : a; }
template <typename T> constexpr const T &Max(const T &a, const T &b) { return a < b ? b : a; }

template <typename T, usize N> constexpr usize ArraySize(const T (&)[N]) { return N; }

// Copies a NUL-terminated string into dst[n], truncating; dst is always terminated.
inline void CopyString(char *dst, usize n, const char *src) {
	usize i = 0;
	for (; src != nullptr && src[i] != '\0' && i + 1 < n; i++)
		dst[i] = src[i];
	if (n > 0)
		dst[i] = '\0';
}

// Base class that forbids copies and moves: locks, tables and anything shared by address.
class Pinned {
public:
	Pinned() = default;
	Pinned(const Pinned &) = delete;
	Pinned &operator=(const Pinned &) = delete;
};

} // namespace kstd
