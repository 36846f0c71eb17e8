/* Exercise coroutine_rmw, reference solution: the read-modify-write
 * finishes before the coroutine yields; only the log write, which needs no
 * consistent balance, awaits. (If the yield must sit inside, e.g. the new
 * balance depends on the I/O's answer, hold an async lock across it.) */
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

/* No yield between the read and the write: the update is one step for the
 * other coroutine. The log line, which may yield, comes after it. */
static void deposit(long amount)
{
    balance = balance + amount;
    log_deposit();
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
