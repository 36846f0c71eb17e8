/* tests/coro_frames.h - big frames for test_coro's guard-gap tests. */
#ifndef RACELAB_TEST_CORO_FRAMES_H
#define RACELAB_TEST_CORO_FRAMES_H

/* 1 MiB of locals, written at its lowest byte only, in a file built with
 * -fstack-clash-protection. */
void test_frame_probed_1m(void);

#endif
