/* Exercise leaked_lock, reference solution: one way out of the critical
 * section; the result is kept in a variable and returned after the unlock
 * (the C form of a scope guard: goto out; or one return). */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static int balance = 100;

/* 0: done; -1: refused, not enough money. */
static int withdraw(int amount)
{
    int rc = -1;
    pthread_mutex_lock(&m);
    if (balance >= amount) {
        balance -= amount;
        rc = 0;
    }
    pthread_mutex_unlock(&m);   /* the one way out */
    return rc;
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
