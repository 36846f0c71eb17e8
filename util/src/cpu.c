/* util/src/cpu.c - see util/cpu.h. */
#include "util/cpu.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

unsigned util_cpus_online(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

unsigned util_cpus_allowed(int *cpus, unsigned max)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 0;
    unsigned found = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &set))
            continue;
        if (found < max)
            cpus[found] = c;
        found++;
    }
    return found;
}

unsigned util_cpu_pair(int cpus[2])
{
    cpus[0] = cpus[1] = 0;
    unsigned n = util_cpus_allowed(cpus, 2);
    if (n == 1)
        cpus[1] = cpus[0];
    return n > 2 ? 2 : n;
}

int util_pin_thread(int cpu)
{
    if (cpu < 0 || cpu >= CPU_SETSIZE)
        return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
