/* lab-bank: transfers between accounts, and the invariants they break. */
#include "bank.h"

int main(int argc, char **argv)
{
    return lab_main(&bank_lab, argc, argv);
}
