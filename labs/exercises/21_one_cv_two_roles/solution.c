/* Exercise one_cv_two_roles, reference solution: one condition variable
 * per condition. Consumers wait on `filled`, the producer on `emptied`;
 * each signal goes to a thread that waits for exactly what just happened.
 * (Broadcast on one variable is correct too, and wakes everybody.) */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t emptied = PTHREAD_COND_INITIALIZER;   /* the producer waits on it */
static pthread_cond_t filled = PTHREAD_COND_INITIALIZER;    /* consumers wait on it */
static int full, letter;

static void *producer(void *arg)
{
    (void)arg;
    for (int v = 1; v <= 2; v++) {
        pthread_mutex_lock(&m);
        while (full)
            pthread_cond_wait(&emptied, &m);
        letter = v;
        full = 1;
        pthread_cond_signal(&filled);
        pthread_mutex_unlock(&m);
    }
    return NULL;
}

static void *consumer(void *arg)
{
    pthread_mutex_lock(&m);
    while (!full)
        pthread_cond_wait(&filled, &m);
    *(int *)arg = letter;
    full = 0;
    pthread_cond_signal(&emptied);
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
