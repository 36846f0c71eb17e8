/* tests/coro_probed.c - a frame larger than any guard gap, compiled with
 * -fstack-clash-protection (tests/CMakeLists.txt): the prologue touches
 * every page it allocates, top down, so the first touch below the stack
 * lands in the gap whatever the frame's size (see Memory in sync/coro.h). */
#include "coro_frames.h"

__attribute__((noinline)) void test_frame_probed_1m(void)
{
    volatile char buf[1u << 20];
    buf[0] = 'A';
    __asm__ volatile("" : : "r"(buf) : "memory"); /* a real frame */
}
