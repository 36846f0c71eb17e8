/* Exercise nostarve_mutex: two threads take a lock three times each. The
 * rule checked: no thread starves. Taking the lock has two parts, a
 * doorway (a bounded first step: after it the thread is in line) and the
 * wait; from its doorway on, at most one other entry may come before a
 * thread's own. A pthread mutex promises mutual exclusion, not order: the
 * holder unlocks and, still running, takes the lock again before the waiter
 * wakes, every time. Write lock_doorway(), lock_wait() and unlock() as a
 * lock that serves threads in the order they came through the doorway: a
 * ticket lock (two atomic counters; the doorway takes a ticket, it must not
 * wait).
 * Check: racelab exercise nostarve_mutex   (hint: racelab exercise hint nostarve_mutex) */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define ROUNDS 3
#define BYPASS_MAX 1   /* other entries allowed between the doorway and the entry */

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static atomic_uint entries;   /* entries so far, bumped inside the lock */
static int guarded;          /* the critical section's own data */

static unsigned lock_doorway(void)
{
    return 0;
}

static void lock_wait(unsigned ticket)
{
    (void)ticket;
    pthread_mutex_lock(&m);
}

static void unlock(void)
{
    pthread_mutex_unlock(&m);
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
