/* util/tsan.h - the one ThreadSanitizer-detection macro.
 *
 * CONTRACT
 *   UTIL_TSAN is 1 in a translation unit compiled with ThreadSanitizer (gcc
 *   defines __SANITIZE_THREAD__, clang answers __has_feature(thread_sanitizer))
 *   and 0 otherwise, so code can say #if UTIL_TSAN or if (UTIL_TSAN). It
 *   describes the unit that includes it, not the program: a plain unit linked
 *   into a TSan program still sees 0. */
#ifndef RACELAB_UTIL_TSAN_H
#define RACELAB_UTIL_TSAN_H

#if defined(__SANITIZE_THREAD__)
#define UTIL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UTIL_TSAN 1
#endif
#endif
#ifndef UTIL_TSAN
#define UTIL_TSAN 0
#endif

#endif
