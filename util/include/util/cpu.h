/* util/cpu.h - the CPUs this process may use, and pinning.
 *
 * CONTRACT
 *   Linux affinity (sched_getaffinity / pthread_setaffinity_np). Every
 *   function is thread-safe. Counts are at least what the machine reports;
 *   nothing is cached, so a changed affinity mask (taskset) is seen. */
#ifndef RACELAB_UTIL_CPU_H
#define RACELAB_UTIL_CPU_H

/* Online CPUs (sysconf), at least 1. */
unsigned util_cpus_online(void);

/* The calling thread's affinity (the process's, unless this thread was
 * pinned): the first max allowed CPU numbers into cpus[],
 * ascending; returns how many CPUs are allowed in all (may exceed max; 0 if
 * the mask cannot be read). cpus may be NULL with max 0 to count only. */
unsigned util_cpus_allowed(int *cpus, unsigned max);

/* The first two allowed CPUs, for same-core / cross-core placement: returns
 * 0 (mask unreadable, cpus = {0, 0}), 1 (cpus[1] = cpus[0]) or 2. */
unsigned util_cpu_pair(int cpus[2]);

/* Pins the calling thread to cpu: 0 or an errno value (EINVAL for a CPU
 * outside the affinity mask or out of range). */
int util_pin_thread(int cpu);

#endif
