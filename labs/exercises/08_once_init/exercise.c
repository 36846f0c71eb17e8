/* Exercise once_init: two threads both need the configuration, which must be
 * built exactly once (build_config() counts its calls). This file's
 * "if not built yet, build it" lets both threads see it unbuilt and both
 * build it. Make get_config() build it exactly once, in every schedule, with
 * no data race, and without taking a lock once it is built: double-checked
 * locking, done right. (pthread_once is the everyday answer, and the check
 * accepts it; the exercise is to write what it does inside.)
 * Check: racelab exercise once_init   (hint: racelab exercise hint once_init) */
#include <pthread.h>
#include <stdio.h>

struct config {
    int value;
};

static struct config the_config;
static struct config *config;
static int builds;

static void build_config(void)
{
    builds++;
    the_config.value = 42;
    config = &the_config;
}

static struct config *get_config(void)
{
    if (config == NULL)
        build_config();
    return config;
}

static void *user(void *arg)
{
    (void)arg;
    return get_config()->value == 42 ? NULL : (void *)1;
}

int main(void)
{
    pthread_t t[2];
    void *bad[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, user, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], &bad[i]);
    if (builds != 1 || bad[0] != NULL || bad[1] != NULL) {
        printf("the configuration was built %d times\n", builds);
        return 1;
    }
    return 0;
}
