/* msqueue: the sync library's Michael-Scott queue with hazard pointers.
 *
 * Unbounded: a node per item, linked with CAS at the tail, unlinked with CAS
 * at the head. The hard part is not the CAS but the free: a consumer that
 * unlinks a node cannot free it while another consumer, stalled, may still
 * read its next. Each worker publishes the node it is about to read in a
 * hazard pointer; unlinked nodes are retired and freed only once no hazard
 * pointer names them (ASan: no use-after-free; valgrind: no leak). Nodes are
 * malloc'ed pointers in one process's heap: threads only. */
#define VARIANT_NAME msqueue
#define VARIANT_DESC "sync library Michael-Scott queue, hazard-pointer reclamation (unbounded)"
#define VARIANT_QUEUE msqueue

#include "desc/queue_msqueue.h"

#include "variant.h"
