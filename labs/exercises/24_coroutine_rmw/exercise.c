/* Exercise coroutine_rmw: two coroutines on one carrier thread deposit 10
 * into a balance, twice each. Only one coroutine runs at a time and a
 * switch happens only where a coroutine yields (the `await` of async code),
 * so there are no data races and no preemption; and still deposits are
 * lost: deposit() yields in the middle of its read-modify-write (to log the
 * deposit), and the other coroutine deposits on the stale balance. Fix
 * deposit(). (The carrier is modelled with threads that pass a baton, a
 * mutex only the running coroutine holds: the explorer's schedules are then
 * exactly the coroutines' yield points.)
 * Check: racelab exercise coroutine_rmw   (hint: racelab exercise hint coroutine_rmw) */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static pthread_mutex_t baton = PTHREAD_MUTEX_INITIALIZER;   /* held by the running one */
static long balance;
static int log_lines;

/* Let the other coroutine run, then go on. */
static void co_yield(void)
{
    pthread_mutex_unlock(&baton);
    sched_yield();
    pthread_mutex_lock(&baton);
}

/* Writes a log line; slow I/O: it yields while it waits. */
static void log_deposit(void)
{
    co_yield();
    log_lines++;
}

static void deposit(long amount)
{
    long b = balance;
    log_deposit();
    balance = b + amount;
}

static void *coroutine(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&baton);
    for (int i = 0; i < 2; i++)
        deposit(10);
    pthread_mutex_unlock(&baton);
    return NULL;
}

int main(void)
{
    pthread_t c[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&c[i], NULL, coroutine, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], NULL);
    if (balance != 40 || log_lines != 4) {
        printf("balance %ld after 4 deposits of 10 (%d log lines)\n", balance, log_lines);
        return 1;
    }
    return 0;
}
