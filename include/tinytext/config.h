// tinytext device runtime: common definitions.
// Freestanding C++11: only <stdint.h> and <stddef.h>; no heap, no exceptions, no float.
#ifndef TINYTEXT_CONFIG_H
#define TINYTEXT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

// Runtime version. A generated model header refuses to compile against another one.
#define TT_RUNTIME_VERSION 1

#if defined(__GNUC__) || defined(__clang__)
#define TT_NODISCARD __attribute__((warn_unused_result))
#define TT_INLINE inline __attribute__((always_inline))
#define TT_UNLIKELY(cond) __builtin_expect(!!(cond), 0)  // the branch GCC lays out of the fall-through
#else
#define TT_NODISCARD
#define TT_INLINE inline
#define TT_UNLIKELY(cond) (cond)
#endif

// TT_SMALL: 1 prefers code size to speed (the hot path calls the one out-of-line copy of the
// character n-gram code instead of inlining its own, the word hash's final mixing is a loop,
// ...: tokenizer.h, hash.h, model.h). Default: 1 on AVR, whose 32 KB of flash is the tighter
// budget; 0 elsewhere.
#ifndef TT_SMALL
#if defined(__AVR__)
#define TT_SMALL 1
#else
#define TT_SMALL 0
#endif
#endif

// TT_SPILL(v): the local v is in its stack slot at this point (GCC stores it before and reloads
// it after), so a value used only far apart, like the state's address across the kernel's run,
// holds no register between its uses. Only on Thumb-1 (Cortex-M0/M0+: eight low registers);
// nothing elsewhere (more registers; the AVR's kernel uses the state in place, TT_SMALL).
#if !TT_SMALL && defined(__GNUC__) && defined(__thumb__) && !defined(__thumb2__)
#define TT_SPILL(v) __asm__("" : "+m"(v))
#else
#define TT_SPILL(v) ((void)0)
#endif

// TT_ASSERT: a caller bug. Traps in debug builds, compiles out with NDEBUG.
#ifndef TT_ASSERT
#if defined(NDEBUG)
#define TT_ASSERT(cond) ((void)0)
#else
#define TT_ASSERT(cond) ((cond) ? (void)0 : __builtin_trap())
#endif
#endif

// TT_VERIFY: bad external input. Returns the status from the enclosing function.
#define TT_VERIFY(cond, status) \
  do {                          \
    if (!(cond)) return (status); \
  } while (0)

namespace tt {

// Status of a device call. kOk is zero so `if (status)` means failure.
enum Status {
  kOk = 0,
  kBadMagic = 1,      // model data does not start with the model magic
  kBadVersion = 2,    // model built for another format/runtime version
  kBadSize = 3,       // a size or count in the model is out of range
  kBadChecksum = 4,   // model data fails its checksum
  kBadArgument = 5,   // a caller passed an impossible value
  kOverflow = 6       // a bounded buffer would have overflowed; nothing was truncated silently
};

}  // namespace tt

#endif  // TINYTEXT_CONFIG_H
