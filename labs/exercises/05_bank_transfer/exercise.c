/* Exercise bank_transfer: two accounts, each with its own mutex. One thread
 * moves 10 from A to B while another moves 20 from B to A; each transfer
 * locks its source account, then its destination. When both take their
 * first lock before either takes its second, each waits for the other:
 * a deadlock. Fix transfer() so that no schedule deadlocks, keeping one
 * mutex per account (no global lock).
 * Check: racelab exercise bank_transfer   (hint: racelab exercise hint bank_transfer) */
#include <pthread.h>
#include <stdio.h>

struct account {
    int id;
    long balance;
    pthread_mutex_t m;
};

static struct account account_of[2] = {
    { 0, 100, PTHREAD_MUTEX_INITIALIZER },
    { 1, 100, PTHREAD_MUTEX_INITIALIZER },
};

static void transfer(struct account *from, struct account *to, long amount)
{
    pthread_mutex_lock(&from->m);
    pthread_mutex_lock(&to->m);
    from->balance -= amount;
    to->balance += amount;
    pthread_mutex_unlock(&to->m);
    pthread_mutex_unlock(&from->m);
}

static void *a_to_b(void *arg)
{
    (void)arg;
    transfer(&account_of[0], &account_of[1], 10);
    return NULL;
}

static void *b_to_a(void *arg)
{
    (void)arg;
    transfer(&account_of[1], &account_of[0], 20);
    return NULL;
}

int main(void)
{
    pthread_t t1, t2;
    pthread_create(&t1, NULL, a_to_b, NULL);
    pthread_create(&t2, NULL, b_to_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    long a = account_of[0].balance, b = account_of[1].balance;
    if (a != 110 || b != 90) {
        printf("balances %ld and %ld, expected 110 and 90\n", a, b);
        return 1;
    }
    return 0;
}
