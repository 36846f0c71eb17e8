/* lab-wakeup: a bounded buffer whose wake-ups go astray, and the fixes. */
#include "wakeup.h"

int main(int argc, char **argv)
{
    return lab_main(&wakeup_lab, argc, argv);
}
