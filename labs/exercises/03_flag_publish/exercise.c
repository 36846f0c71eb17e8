/* Exercise flag_publish: the writer fills in data, then raises a flag; the
 * reader waits for the flag, then reads the data. Under every interleaving
 * the reader sees 42 here, and yet this is a data race: nothing orders the
 * writer's stores before the reader's loads, and a compiler or a CPU may
 * reorder them. Publish the data with a C11 atomic flag, a release store
 * and an acquire load; data itself stays a plain int.
 * Check: racelab exercise flag_publish   (hint: racelab exercise hint flag_publish) */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

static int data;
static int flag;

static void *writer(void *arg)
{
    (void)arg;
    data = 42;
    flag = 1;
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    while (flag == 0)
        sched_yield();
    return data == 42 ? NULL : (void *)1;
}

int main(void)
{
    pthread_t w, r;
    void *bad;
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&w, NULL, writer, NULL);
    pthread_join(w, NULL);
    pthread_join(r, &bad);
    if (bad != NULL) {
        printf("the reader saw the flag but not the data\n");
        return 1;
    }
    return 0;
}
