/* lab-queue: producers, consumers, and the items that vanish, double or jump the line. */
#include "queue.h"

int main(int argc, char **argv)
{
    return lab_main(&queue_lab, argc, argv);
}
