/* Exercise false_sharing, reference solution: each slot is aligned to a
 * cache line, which also pads it to a whole line, so the array puts every
 * slot's counter in a line of its own. */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define LINE 64   /* x86-64's cache line */
#define WORKERS 2

struct slot {
    alignas(LINE) atomic_long done;   /* each slot starts a line; sizeof is LINE */
};

static struct slot slots[WORKERS];
static long iters = 1;   /* the explorer's size; argv[1] for a native run */

static void *worker(void *arg)
{
    struct slot *s = arg;
    for (long i = 0; i < iters; i++)
        atomic_fetch_add_explicit(&s->done, 1, memory_order_relaxed);
    return NULL;
}

/* Neighbouring counters at least a line apart: then they are in different
 * lines wherever the linker puts the array (a check of the addresses alone
 * would pass a too-small stride that happens to straddle a line boundary). */
static int own_lines(void)
{
    for (int i = 0; i + 1 < WORKERS; i++) {
        uintptr_t gap = (uintptr_t)&slots[i + 1].done - (uintptr_t)&slots[i].done;
        if (gap < LINE) {
            printf("slots %d and %d are %lu bytes apart: they can share a %d-byte cache line\n",
                   i, i + 1, (unsigned long)gap, LINE);
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv)
{
    char *end = NULL;
    if (argc > 2 || (argc == 2 && ((iters = strtol(argv[1], &end, 10)) < 1 || *end != '\0'))) {
        fprintf(stderr, "usage: %s [ITERATIONS >= 1]\n", argv[0]);
        return 2;
    }
    pthread_t t[WORKERS];
    long seen = 0;   /* main is the monitor: it reads the slots while they count */
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&t[i], NULL, worker, &slots[i]);
    for (int i = 0; i < WORKERS; i++)
        seen += atomic_load_explicit(&slots[i].done, memory_order_relaxed);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(t[i], NULL);
    long total = 0;
    for (int i = 0; i < WORKERS; i++)
        total += atomic_load_explicit(&slots[i].done, memory_order_relaxed);
    if (total != WORKERS * iters || seen > total)
        return 1;
    return own_lines() ? 0 : 1;
}
