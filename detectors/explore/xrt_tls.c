/* detectors/explore/xrt_tls.c - thread-local variables, one copy per green
 * thread.
 *
 * Every green thread runs on the one OS thread, so %fs points at one TLS
 * block for all of them. The executable's own block (its PT_TLS segment:
 * the .tdata image, then .tbss zeroed) is found at start through
 * dl_iterate_phdr (its first module's PT_TLS, dlpi_tls_data) and, at every switch between
 * green threads, the outgoing thread's bytes are saved and the incoming
 * thread's put back (a new thread starts from the initialization image):
 * two memcpys of the block's size, none when the program has no
 * thread-locals. Accesses to the block are the thread's own: no points, no
 * race scan (xrt_hooks.c). The shared libraries' TLS (libc's errno, ...)
 * is not swapped: the green threads share it. A thread-local's address
 * given to another thread would reach that thread's own copy, so
 * pthread_create refuses an argument that points into the block
 * (xrt_pthread.c). */
#include <elf.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#include "xrt.h"
#include "xrt_tls.h"

uintptr_t xrt_tls_lo;
size_t xrt_tls_size;
bool xrt_tls_found;

static const unsigned char *xrt__image;   /* .tdata's initialization image */
static size_t xrt__image_size;
static unsigned char *xrt__slots;         /* XRT_MAX_THREADS copies of the block */
static bool xrt__have[XRT_MAX_THREADS];   /* a copy saved (or the block is its own) */

static int xrt__phdr(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    /* The first module is the executable (module ids are no help: without
     * a block of its own, libc's may be module 1). */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *p = &info->dlpi_phdr[i];
        if (p->p_type != PT_TLS || p->p_memsz == 0 || info->dlpi_tls_data == NULL)
            continue;
        xrt__image = (const unsigned char *)(info->dlpi_addr + p->p_vaddr);
        xrt__image_size = p->p_filesz;
        xrt_tls_lo = (uintptr_t)info->dlpi_tls_data;
        xrt_tls_size = p->p_memsz;
    }
    return 1;
}

static void xrt__find(void)
{
    xrt_tls_found = true;
    dl_iterate_phdr(xrt__phdr, NULL);
    if (xrt_tls_size == 0)
        return;
    void *m = mmap(NULL, xrt_tls_size * XRT_MAX_THREADS, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    xrt__slots = m == MAP_FAILED ? NULL : m;   /* NULL: the first switch says so */
}

/* Before every constructor, the driver's among them: found once, and the
 * runs forked from it know the block from the start. */
static void xrt__tls_preinit(void)
{
    if (!xrt_tls_found)
        xrt__find();
}
__attribute__((section(".preinit_array"), used)) static void (*const xrt__tls_pre)(void) =
    xrt__tls_preinit;

void xrt_tls_swap(int from, int to)
{
    if (!xrt_tls_found)
        xrt__find();
    if (xrt_tls_size == 0 || from == to)
        return;
    if (xrt__slots == NULL)
        xrt_fail(XRT_ST_UNSUPPORTED, "thread-local variables: no memory for %d copies of "
                 "%zu bytes", XRT_MAX_THREADS, xrt_tls_size);
    unsigned char *blk = (unsigned char *)xrt_tls_lo;
    memcpy(xrt__slots + (size_t)from * xrt_tls_size, blk, xrt_tls_size);
    xrt__have[from] = true;
    if (xrt__have[to]) {
        memcpy(blk, xrt__slots + (size_t)to * xrt_tls_size, xrt_tls_size);
        return;
    }
    memcpy(blk, xrt__image, xrt__image_size);
    memset(blk + xrt__image_size, 0, xrt_tls_size - xrt__image_size);
    xrt__have[to] = true;
}
