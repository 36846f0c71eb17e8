/* sync/src/annotate.c - whether this process runs under Helgrind or DRD, and
 * the client requests sync/annotate.h's annotations make there. */
#include "sync/annotate.h"

#if SYNC_ANNOTATED
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>

/* Where this file's code goes: with the rest of libsync's code, not with the
 * cold functions and constructors at the front of .text (where a cold
 * attribute or a constructor would put it). There it would move every hot
 * function of the program by its size, 464 bytes in bench-counter: not a
 * whole number of cache lines, so every lab's hot loop would sit 16 bytes
 * off its place in a build without annotations, and at contention that alone
 * moved a lock's ns/op by up to 15 % either way (notes/detectors.md). Here
 * it moves only the sync/ code linked after it, whose slow paths differ
 * between the two builds anyway. */
#define SYNC__ANN_TEXT __attribute__((section(".text.sync_annotate")))

/* The writable object behind the header's const name: only the constructor
 * below writes it, before any reader runs. */
static int sync__valgrind_rw;
extern const int sync__valgrind __attribute__((alias("sync__valgrind_rw")));

/* True when the valgrind tool running us is one that reads the requests:
 * valgrind preloads each tool's vgpreload_TOOL-ARCH-linux.so into every
 * client it starts (the core's and the tool's, in LD_PRELOAD). */
SYNC__ANN_TEXT static bool sync__tool_reads_requests(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre != NULL && (strstr(pre, "vgpreload_helgrind") != NULL ||
                           strstr(pre, "vgpreload_drd") != NULL);
}

/* Before main and before any other constructor that might lock: a lock
 * taken before the flag is set is simply not annotated. */
SYNC__ANN_TEXT __attribute__((constructor(101))) static void sync__annotate_init(void)
{
    sync__valgrind_rw = RUNNING_ON_VALGRIND != 0 && sync__tool_reads_requests();
}

/* Helgrind's requests; DRD understands them too (see sync/annotate.h). */
SYNC__ANN_TEXT void sync__ann_lock_create(void *l)
{
    ANNOTATE_RWLOCK_CREATE(l);
}

SYNC__ANN_TEXT void sync__ann_lock_acquired(void *l, long w)
{
    ANNOTATE_RWLOCK_ACQUIRED(l, w);
}

SYNC__ANN_TEXT void sync__ann_lock_released(void *l, long w)
{
    (void)w;   /* Helgrind's release takes the kind; its macro drops it */
    ANNOTATE_RWLOCK_RELEASED(l, w);
}

SYNC__ANN_TEXT void sync__ann_happens_before(void *a)
{
    ANNOTATE_HAPPENS_BEFORE(a);
}

SYNC__ANN_TEXT void sync__ann_happens_after(void *a)
{
    ANNOTATE_HAPPENS_AFTER(a);
}

SYNC__ANN_TEXT void sync__ann_ignore(void *p, unsigned long n)
{
    VALGRIND_HG_DISABLE_CHECKING(p, n);
}

SYNC__ANN_TEXT void sync__ann_unignore(void *p, unsigned long n)
{
    VALGRIND_HG_ENABLE_CHECKING(p, n);
}
#endif
