/* lab-lazyinit: many workers, one lazily created object per slot. */
#include "lazyinit.h"

int main(int argc, char **argv)
{
    return lab_main(&lazyinit_lab, argc, argv);
}
