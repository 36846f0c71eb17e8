/* Exercise flag_publish, reference solution: the release store of the flag
 * happens before the acquire load that sees it, and with it every store the
 * writer made before (data = 42). */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

static int data;
static atomic_int flag;

static void *writer(void *arg)
{
    (void)arg;
    data = 42;
    atomic_store_explicit(&flag, 1, memory_order_release);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    while (atomic_load_explicit(&flag, memory_order_acquire) == 0)
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
