/* lab-philosophers: the dining philosophers, deadlocked and fixed. */
#include "philosophers.h"

int main(int argc, char **argv)
{
    return lab_main(&philosophers_lab, argc, argv);
}
