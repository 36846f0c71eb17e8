/* Exercise aba_stack, reference solution: top carries a version next to the
 * index, bumped by every successful CAS. Pop-pop-push brings the same node
 * back with another version, so the slow thread's CAS fails and it reads
 * top again. (A 32-bit version wraps after 4 billion changes in between:
 * far more than one stalled pop sees. Hazard pointers or epochs are the
 * other answer where nodes are freed.) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define NODES 3
#define NIL 0xffffffffu

static atomic_uint next[NODES];   /* next[i]: the node below node i */
static _Atomic uint64_t top;      /* the top node's index | a version << 32 */

static unsigned index_of(uint64_t t)
{
    return (unsigned)t;
}

/* The same top with a new version: every change of top makes a new word. */
static uint64_t versioned(uint64_t old, unsigned n)
{
    return ((old >> 32) + 1) << 32 | n;
}

static void push(unsigned n)
{
    uint64_t old = atomic_load(&top);
    do
        atomic_store(&next[n], index_of(old));
    while (!atomic_compare_exchange_weak(&top, &old, versioned(old, n)));
}

static unsigned pop(void)
{
    uint64_t old = atomic_load(&top);
    unsigned below;
    do {
        if (index_of(old) == NIL)
            return NIL;
        below = atomic_load(&next[index_of(old)]);
    } while (!atomic_compare_exchange_weak(&top, &old, versioned(old, below)));
    return index_of(old);
}

static unsigned held[2];   /* the nodes each thread popped and kept */

static void *slow(void *arg)
{
    (void)arg;
    held[0] = pop();
    return NULL;
}

static void *fast(void *arg)
{
    (void)arg;
    unsigned a = pop();
    held[1] = pop();
    push(a);
    return NULL;
}

/* Every node exactly once: in the stack or held by one thread. */
static int each_node_once(void)
{
    int count[NODES] = { 0 };
    unsigned n = index_of(atomic_load(&top));
    for (int steps = 0; n != NIL && steps <= NODES; steps++, n = atomic_load(&next[n]))
        count[n]++;
    for (int t = 0; t < 2; t++)
        if (held[t] != NIL)
            count[held[t]]++;
    for (int i = 0; i < NODES; i++)
        if (count[i] != 1) {
            printf("node %d is in %d places (the stack and the threads' hands)\n", i, count[i]);
            return 0;
        }
    return 1;
}

int main(void)
{
    atomic_store(&top, NIL);
    for (unsigned i = NODES; i-- > 0;)   /* stack: 0 (top), 1, 2 */
        push(i);
    pthread_t s, f;
    pthread_create(&s, NULL, slow, NULL);
    pthread_create(&f, NULL, fast, NULL);
    pthread_join(s, NULL);
    pthread_join(f, NULL);
    return each_node_once() ? 0 : 1;
}
