/* lab-lazyinit: many workers, one lazily created object per slot. */
#include "util/tsan.h"

#include "lazyinit.h"

#if UTIL_TSAN
/* Every slot of racy and dclp is a new racing address, and TSan spends
 * about 4 ms on each report before its deduplication (by stack) drops it:
 * 10000 slots would take 40 s. The first report is the verdict (exit 66,
 * labs/PROTOCOL.md), so stop there; TSAN_OPTIONS still overrides this. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
    return "halt_on_error=1";
}
#endif

int main(int argc, char **argv)
{
    return lab_main(&lazyinit_lab, argc, argv);
}
