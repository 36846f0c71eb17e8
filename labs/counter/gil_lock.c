/* gil lock: `with lock: counter += 1` - a threading.Lock around the
 * increment, exact with or without the GIL.
 *
 * A switch may still fall inside the with block, but the other thread then
 * blocks on the lock (dropping the GIL) until the holder's STORE_GLOBAL and
 * release. This is the fix that survives a free-threaded build (--no-gil),
 * where racy loses on every run. */
#define VARIANT_NAME gil_lock
#define VARIANT_LABEL "lock"
#define VARIANT_DESC "with lock: counter += 1 (a threading.Lock, dropping the GIL while it " \
                     "waits)"
#define GIL_CODE                                                                    \
    { FOR_ITER, 10 }, { STORE_FAST, 0 }, { LOAD_GLOBAL, G_LOCK }, { SETUP_WITH, 0 },     \
    { LOAD_GLOBAL, G_COUNTER }, { LOAD_CONST, 0 }, { INPLACE_ADD, 0 },                   \
    { STORE_GLOBAL, G_COUNTER }, { WITH_EXIT, 0 }, { JUMP_ABSOLUTE, 0 },                 \
    { RETURN_VALUE, 0 }

#include "gil_vm.h"
