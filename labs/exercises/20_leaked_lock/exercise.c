/* Exercise leaked_lock: two threads withdraw 60 each from an account that
 * holds 100, so one of them must be refused. withdraw() refuses by
 * returning early, and on that path it forgets to unlock the mutex: the
 * next thread that wants the account (here main, to read the balance)
 * waits for ever for a lock whose holder is gone. Fix withdraw() so that
 * every path out of it unlocks.
 * Check: racelab exercise leaked_lock   (hint: racelab exercise hint leaked_lock) */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

/* 0: done; -1: refused, not enough money. */
static int withdraw(int amount)
{
    pthread_mutex_lock(&m);
    if (balance < amount)
        return -1;
    balance -= amount;
    pthread_mutex_unlock(&m);
    return 0;
}

static void *customer(void *arg)
{
    *(int *)arg = withdraw(60);
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    int rc[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, customer, &rc[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_mutex_lock(&m);
    int left = balance;
    pthread_mutex_unlock(&m);
    if (left != 40 || rc[0] + rc[1] != -1) {
        printf("balance %d, results %d and %d: expected 40, one refusal\n", left, rc[0], rc[1]);
        return 1;
    }
    return 0;
}
