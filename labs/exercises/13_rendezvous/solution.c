/* Exercise rendezvous, reference solution: each thread announces its own
 * arrival (post), then waits for the other's (wait). Posting first is what
 * keeps the two waits from waiting for each other. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>

static sem_t a_arrived, b_arrived;
static int a1_done, b1_done;

static void *thread_a(void *arg)
{
    (void)arg;
    a1_done = 1;                 /* a1 */
    sem_post(&a_arrived);
    sem_wait(&b_arrived);
    return b1_done ? NULL : (void *)1;   /* a2: needs b1 done */
}

static void *thread_b(void *arg)
{
    (void)arg;
    b1_done = 1;                 /* b1 */
    sem_post(&b_arrived);
    sem_wait(&a_arrived);
    return a1_done ? NULL : (void *)1;   /* b2: needs a1 done */
}

int main(void)
{
    pthread_t a, b;
    void *bad_a, *bad_b;
    sem_init(&a_arrived, 0, 0);
    sem_init(&b_arrived, 0, 0);
    pthread_create(&a, NULL, thread_a, NULL);
    pthread_create(&b, NULL, thread_b, NULL);
    pthread_join(a, &bad_a);
    pthread_join(b, &bad_b);
    if (bad_a != NULL || bad_b != NULL) {
        printf("%s started its second step before the other finished its first\n",
               bad_a != NULL ? "A" : "B");
        return 1;
    }
    return 0;
}
