/* detectors/explore/xrt_malloc.c - the program's heap blocks, by allocation
 * site: malloc, calloc and realloc go to glibc's own (__libc_malloc & co.)
 * and, during a run, each block is recorded with its caller's address so the
 * step table can say "heap block from prog.c:12" instead of an address.
 * Allocation is no point: a block is the allocating thread's until its
 * address is published through an access, which is one. */
#include <stddef.h>
#include <stdint.h>

#include "xrt.h"

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);

static void xrt__alloc_note(void *p, size_t n, uintptr_t pc)
{
    if (!xrt_active || p == NULL || xrt_shm->nallocs >= XRT_MAX_ALLOCS)
        return;
    xrt_shm->allocs[xrt_shm->nallocs++] =
        (struct xrt_alloc){ .addr = (uintptr_t)p, .size = n, .pc = pc };
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    xrt__alloc_note(p, n, (uintptr_t)__builtin_return_address(0));
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    xrt__alloc_note(p, n * size, (uintptr_t)__builtin_return_address(0));
    return p;
}

void *realloc(void *old, size_t n)
{
    void *p = __libc_realloc(old, n);
    xrt__alloc_note(p, n, (uintptr_t)__builtin_return_address(0));
    return p;
}
