/* Exercise aba_stack: a lock-free (Treiber) stack of nodes from a fixed
 * pool; top is the index of the top node, changed only by compare-and-swap.
 * pop() reads top and top's next, then swaps top from the node to next.
 * The CAS checks only that top is the same node as before, not that the
 * stack is the same: between the read and the CAS another thread can pop
 * A, pop B and push A back. The CAS then succeeds and makes B, now owned
 * by that other thread, the top again (ABA). Fix the stack so that the CAS
 * fails whenever top changed in between, even back to the same node.
 * Check: racelab exercise aba_stack   (hint: racelab exercise hint aba_stack) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define NODES 3
#define NIL 0xffffffffu

static atomic_uint next[NODES];   /* next[i]: the node below node i */
static atomic_uint top;

static void push(unsigned n)
{
    unsigned old = atomic_load(&top);
    do
        atomic_store(&next[n], old);
    while (!atomic_compare_exchange_weak(&top, &old, n));
}

static unsigned pop(void)
{
    unsigned old = atomic_load(&top), below;
    do {
        if (old == NIL)
            return NIL;
        below = atomic_load(&next[old]);
    } while (!atomic_compare_exchange_weak(&top, &old, below));
    return old;
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
    unsigned n = atomic_load(&top);
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
