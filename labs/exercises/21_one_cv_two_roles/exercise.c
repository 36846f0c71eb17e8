/* Exercise one_cv_two_roles: a one-slot mailbox, one producer of two
 * letters, two consumers of one letter each. Producers wait for an empty
 * slot, consumers for a full one, and both wait on the same condition
 * variable. pthread_cond_signal wakes one waiter, any of them: a consumer's
 * signal meant for the producer can wake the other consumer, who finds the
 * slot still empty and goes back to sleep; the producer sleeps on, and so
 * does everybody. Fix the waits and wake-ups.
 * Check: racelab exercise one_cv_two_roles   (hint: racelab exercise hint one_cv_two_roles) */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int full, letter;

static void *producer(void *arg)
{
    (void)arg;
    for (int v = 1; v <= 2; v++) {
        pthread_mutex_lock(&m);
        while (full)
            pthread_cond_wait(&changed, &m);
        letter = v;
        full = 1;
        pthread_cond_signal(&changed);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    pthread_mutex_lock(&m);
    while (!full)
        pthread_cond_wait(&changed, &m);
    *(int *)arg = letter;
    full = 0;
    pthread_cond_signal(&changed);
    pthread_mutex_unlock(&m);
    return NULL;
}

int main(void)
{
    pthread_t p, c[2];
    int got[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&c[i], NULL, consumer, &got[i]);
    pthread_create(&p, NULL, producer, NULL);
    pthread_join(p, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(c[i], NULL);
    if (got[0] + got[1] != 3) {
        printf("the consumers got letters %d and %d, expected 1 and 2\n", got[0], got[1]);
        return 1;
    }
    return 0;
}
