/* Exercise nostarve_mutex, reference solution: a ticket lock. The doorway
 * is one fetch_add on next_ticket; tickets are served in order, so a
 * thread holding ticket t enters after the t - now_serving threads ahead of
 * it and no other: with two threads, at most one. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 3
#define BYPASS_MAX 1   /* other entries allowed between the doorway and the entry */

static atomic_uint next_ticket, now_serving;
static atomic_uint entries;   /* entries so far, bumped inside the lock */
static int guarded;          /* the critical section's own data */

/* First come, first served: the doorway takes the next ticket. */
static unsigned lock_doorway(void)
{
    return atomic_fetch_add_explicit(&next_ticket, 1, memory_order_relaxed);
}

static void lock_wait(unsigned ticket)
{
    /* acquire: pairs with the release in unlock() */
    while (atomic_load_explicit(&now_serving, memory_order_acquire) != ticket)
        sched_yield();
}

/* Only the holder writes now_serving. */
static void unlock(void)
{
    unsigned next = atomic_load_explicit(&now_serving, memory_order_relaxed) + 1;
    atomic_store_explicit(&now_serving, next, memory_order_release);
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++) {
        unsigned ticket = lock_doorway();
        unsigned asked = atomic_load(&entries);
        lock_wait(ticket);
        unsigned before = atomic_fetch_add(&entries, 1) - asked;
        if (before > BYPASS_MAX) {
            printf("%u entries came before this thread's, at most %d allowed\n", before,
                   BYPASS_MAX);
            exit(1);
        }
        guarded = guarded + 1;   /* a data race unless the lock excludes */
        unlock();
    }
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (guarded != 2 * ROUNDS) {
        printf("%d updates inside the lock, expected %d: two threads were inside at once\n",
               guarded, 2 * ROUNDS);
        return 1;
    }
    return atomic_load(&entries) == 2 * ROUNDS ? 0 : 1;
}
