/* labs/common/shared.h - memory every worker of a model can reach. */
#ifndef RACELAB_SHARED_H
#define RACELAB_SHARED_H

#include <signal.h>
#include <stddef.h>

#include "lab.h"

/* Two cache lines: adjacent-line prefetchers pair them, so padding to one
 * line would not stop false sharing. */
#define LAB_SHARED_ALIGN 128u

/* Zeroed memory of |size| bytes that every worker of |model| reaches at the
 * same address: heap for threads, a MAP_SHARED POSIX shared-memory segment
 * (already unlinked) for procs. NULL with a one-line reason in err. */
void *lab_shared_alloc(enum lab_model model, const char *lab, size_t size, char *err,
                       size_t errlen);
void lab_shared_free(enum lab_model model, void *p, size_t size);

/* Blocks SIGINT, SIGTERM and SIGHUP (the old mask goes to *old) around a
 * window where a named object exists but is not yet unlinked. */
void lab_block_stop_signals(sigset_t *old);

/* A fresh name for a named IPC object: "/racelab-<lab>-<pid>-<n>[-what]". */
void lab_ipc_name(char *buf, size_t len, const char *lab, const char *what);

#endif
