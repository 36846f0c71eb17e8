/* labs/common/shared.c - lab_shared_alloc(): memory every worker can reach.
 *
 * threads: zeroed, cache-line-aligned heap memory.
 * procs: a POSIX shared-memory segment (shm_open + ftruncate + mmap
 * MAP_SHARED), mapped before the workers are forked so every worker inherits
 * the mapping at the same address. The name is unlinked at once, before any
 * worker exists: from then on the segment lives exactly as long as some
 * process maps it, so even a SIGKILL of the parent leaves nothing in
 * /dev/shm. SIGINT, SIGTERM and SIGHUP are blocked for the few microseconds
 * between creating and unlinking the name; only SIGKILL in that window (or a
 * power cut) could leave "racelab-*" behind. Unrelated processes would open
 * the segment by name instead, and the name would then have to live until
 * the last of them had opened it. */
#include "shared.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void lab_ipc_name(char *buf, size_t len, const char *lab, const char *what)
{
    static unsigned seq;
    snprintf(buf, len, "/racelab-%s-%ld-%u%s%s", lab, (long)getpid(), seq++, what ? "-" : "",
             what ? what : "");
}

void lab_block_stop_signals(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigprocmask(SIG_BLOCK, &block, old);
}

void *lab_shared_alloc(enum lab_model model, const char *lab, size_t size, char *err,
                       size_t errlen)
{
    size = (size + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
    if (model != LAB_PROCS) {
        void *p = aligned_alloc(LAB_SHARED_ALIGN, size);
        if (p == NULL)
            snprintf(err, errlen, "out of memory for %zu bytes of shared state", size);
        else
            memset(p, 0, size);
        return p;
    }

    char name[96];
    lab_ipc_name(name, sizeof name, lab, NULL);
    sigset_t old;
    lab_block_stop_signals(&old);

    void *p = NULL;
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "shm_open %s: %s", name, strerror(errno));
    } else {
        if (ftruncate(fd, (off_t)size) != 0) {
            snprintf(err, errlen, "sizing shared memory segment %s to %zu bytes: %s", name,
                     size, strerror(errno));
        } else {
            p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (p == MAP_FAILED) {
                snprintf(err, errlen, "mapping %zu bytes of shared memory %s: %s", size, name,
                         strerror(errno));
                p = NULL;
            }
        }
        close(fd);
        shm_unlink(name);   /* the mapping keeps the memory; the name goes now */
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return p;   /* a new segment is zero-filled */
}

void lab_shared_free(enum lab_model model, void *p, size_t size)
{
    if (p == NULL)
        return;
    if (model != LAB_PROCS) {
        free(p);
        return;
    }
    size = (size + LAB_SHARED_ALIGN - 1) / LAB_SHARED_ALIGN * LAB_SHARED_ALIGN;
    munmap(p, size);
}
