/* Exercise rendezvous: threads A and B each do a first step (a1, b1) and a
 * second (a2, b2), and neither may start its second step before the other
 * has finished its first: a2 after b1, b2 after a1. Here only B waits for
 * A; A runs on into a2 whether B has done b1 or not. Make the meeting point
 * work both ways, with the two semaphores.
 * Check: racelab exercise rendezvous   (hint: racelab exercise hint rendezvous) */
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
    return b1_done ? NULL : (void *)1;   /* a2: needs b1 done */
}

static void *thread_b(void *arg)
{
    (void)arg;
    b1_done = 1;                 /* b1 */
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
