/* detectors/explore/xrt_malloc.c - the program's heap blocks, by allocation
 * site: malloc, calloc and realloc go to glibc's own (__libc_malloc & co.)
 * and, during a run, each block is recorded with its caller's address and
 * the step count so the step table can say "heap@prog.c:12" instead of an
 * address, and the race scan knows when an address was handed out again.
 * Allocation is no point: a block is the allocating thread's until its
 * address is published through an access, which is one. A free() called
 * from the program's own code is a point (FREE, with the block's size): an
 * access to the block after it is a use after free, reported with the free
 * (xrt_race.c). The frees glibc does for itself are no points. A realloc
 * from the program's code keeps the block where it fits (its usable size:
 * the same block, its new size recorded); else it moves it, and the move is
 * a free of the old block: a new block, then the FREE point, then the copy
 * and glibc's free, so that the copy takes what the old block holds at the
 * FREE's step, and an access through the old pointer after it is a use
 * after free. It never grows a block in place past its usable size (glibc
 * may; a realloc that moves is as correct). */
#include <string.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>

#include "xrt.h"

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);
extern char __executable_start[], etext[];   /* the program's code (linked -no-pie) */

static void xrt__alloc_note(void *p, size_t n, uintptr_t pc)
{
    if (!xrt_active || p == NULL)
        return;
    if (xrt_shm->nallocs >= XRT_MAX_ALLOCS) {
        if (xrt_shm->alloc_lost == 0)
            xrt_shm->alloc_lost = xrt_r.step + 1;
        return;
    }
    xrt_shm->allocs[xrt_shm->nallocs++] =
        (struct xrt_alloc){ .addr = (uintptr_t)p, .size = n, .pc = pc, .time = xrt_r.step };
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

/* The size the program asked for, from the latest record of the block. */
static uint64_t xrt__block_size(void *p)
{
    for (uint32_t i = xrt_shm->nallocs; i-- > 0;)
        if (xrt_shm->allocs[i].addr == (uintptr_t)p)
            return xrt_shm->allocs[i].size;
    return malloc_usable_size(p);
}

static bool xrt__program_pc(uintptr_t pc)
{
    return pc - (uintptr_t)__executable_start < (uintptr_t)etext - (uintptr_t)__executable_start;
}

/* A free of |p| the program did: a point. */
static void xrt__free_point(void *p, uintptr_t pc)
{
    xrt_r.t[xrt_r.cur].addr2 = xrt__block_size(p);
    xrt_point(XRT_OP_FREE, (uintptr_t)p, 0, pc);
    xrt_shm->nfrees++;
}

void *realloc(void *old, size_t n)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    if (!xrt_active || old == NULL || n == 0 || !xrt__program_pc(pc) ||
        n <= malloc_usable_size(old)) {   /* glibc keeps a block that fits where it is */
        void *p = __libc_realloc(old, n);
        xrt__alloc_note(p, n, pc);
        return p;
    }
    void *p = __libc_malloc(n);
    if (p == NULL)
        return NULL;   /* the old block stays */
    xrt__alloc_note(p, n, pc);
    size_t keep = xrt__block_size(old);
    xrt__free_point(old, pc);
    memcpy(p, old, keep < n ? keep : n);
    __libc_free(old);
    return p;
}

void free(void *p)
{
    uintptr_t pc = (uintptr_t)__builtin_return_address(0);
    if (xrt_active && p != NULL && xrt__program_pc(pc))
        xrt__free_point(p, pc);
    __libc_free(p);
}
