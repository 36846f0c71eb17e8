/* detectors/explore/xrt_tls.h - each green thread's own copy of the
 * program's thread-local variables (xrt_tls.c). */
#ifndef RACELAB_XRT_TLS_H
#define RACELAB_XRT_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The executable's TLS block in the one OS thread (xrt_tls_size 0: none),
 * found when xrt_tls_found. */
extern uintptr_t xrt_tls_lo;
extern size_t xrt_tls_size;
extern bool xrt_tls_found;

void xrt_tls_swap(int from, int to);

/* Thread |from| stops running, |to| starts: the block becomes to's. A
 * program without thread-locals pays this test only. */
static inline void xrt_tls_switch(int from, int to)
{
    if (xrt_tls_size != 0 || !xrt_tls_found)
        xrt_tls_swap(from, to);
}

/* Is |a| in the running thread's thread-locals (no point, no race)? */
static inline bool xrt_tls_own(uintptr_t a)
{
    return a - xrt_tls_lo < xrt_tls_size;
}

#endif
