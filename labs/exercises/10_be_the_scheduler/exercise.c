/* Exercise be_the_scheduler (break): you are the scheduler. Two threads
 * each add 1 to a shared counter twice, with no lock; main checks that the
 * total is 4. Choose the order of the steps so that an update is lost:
 * write it on the schedule line below as the thread of each step, e.g.
 *     // schedule: 2,2,1,1
 * (1 and 2 are the threads in creation order, 0 is main; 2*3 = 2,2,2).
 * Every read and every write of counter is one step: `counter = counter + 1`
 * is two, a LOAD and a STORE. After the steps you give, the run goes on
 * without preemption: the thread that did the last step keeps going.
 * Or try one without editing: racelab exercise be_the_scheduler --schedule S
 * The check replays your schedule with the explorer (racelab explore
 * --replay) and is solved when the program fails under it. Only the
 * schedule line is yours to change.
 * Check: racelab exercise be_the_scheduler   (hint: racelab exercise hint be_the_scheduler) */
#include <pthread.h>
#include <stdio.h>

// schedule:

#define ROUNDS 2

static long counter;

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < ROUNDS; i++)
        counter = counter + 1;
    return NULL;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    if (counter != 2 * ROUNDS) {
        printf("counter %ld, expected %d: an update was lost\n", counter, 2 * ROUNDS);
        return 1;
    }
    printf("counter %ld: no update lost\n", counter);
    return 0;
}
