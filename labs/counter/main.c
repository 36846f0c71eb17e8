/* lab-counter: two workers, one counter, and the increments that vanish. */
#include "counter.h"

int main(int argc, char **argv)
{
    return lab_main(&counter_lab, argc, argv);
}
