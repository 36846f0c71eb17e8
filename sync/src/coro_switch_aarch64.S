/* sync/src/coro_switch_aarch64.S - the coroutine context switch, AAPCS64.
 *
 * NOT TESTED ON HARDWARE: written and assembled (clang --target=aarch64)
 * on x86-64, never run. It is built only with -DRACELAB_CORO_SWITCH=asm on
 * an aarch64 host (the default there is ucontext); run tests/test_coro
 * there before trusting it.
 *
 * void sync__coro_switch(void **save_sp, void *load_sp);
 *
 * Saves what AAPCS64 (section 6.1) makes callee-saved: x19-x28, the frame
 * pointer x29, the link register x30 (where the switch returns to), sp, and
 * the low 64 bits of v8-v15 (d8-d15); plus FPCR (rounding mode, flush to
 * zero), which the C library treats as per-context state the way x86-64
 * treats the MXCSR control bits. FPSR (the status flags) is not saved.
 *
 * The frame, from the saved stack pointer upwards (176 bytes, a multiple of
 * 16 as sp must be):
 *     0 x19 x20   16 x21 x22   32 x23 x24   48 x25 x26   64 x27 x28
 *    80 x29 x30   96 d8 d9    112 d10 d11  128 d12 d13  144 d14 d15
 *   160 FPCR     168 unused
 * sync/src/coro.c builds the same frame on a new stack, with the entry
 * function in the x30 slot: `ret` jumps there; keep the two in step. */
#if defined(__aarch64__)
        .text
        .globl  sync__coro_switch
        .hidden sync__coro_switch
        .type   sync__coro_switch, %function
        .p2align 4
sync__coro_switch:
        sub     sp, sp, #176
        stp     x19, x20, [sp, #0]
        stp     x21, x22, [sp, #16]
        stp     x23, x24, [sp, #32]
        stp     x25, x26, [sp, #48]
        stp     x27, x28, [sp, #64]
        stp     x29, x30, [sp, #80]
        stp     d8, d9, [sp, #96]
        stp     d10, d11, [sp, #112]
        stp     d12, d13, [sp, #128]
        stp     d14, d15, [sp, #144]
        mrs     x9, fpcr
        str     x9, [sp, #160]
        mov     x9, sp
        str     x9, [x0]

        mov     sp, x1
        ldr     x9, [sp, #160]
        msr     fpcr, x9
        ldp     x19, x20, [sp, #0]
        ldp     x21, x22, [sp, #16]
        ldp     x23, x24, [sp, #32]
        ldp     x25, x26, [sp, #48]
        ldp     x27, x28, [sp, #64]
        ldp     x29, x30, [sp, #80]
        ldp     d8, d9, [sp, #96]
        ldp     d10, d11, [sp, #112]
        ldp     d12, d13, [sp, #128]
        ldp     d14, d15, [sp, #144]
        add     sp, sp, #176
        ret
        .size   sync__coro_switch, .-sync__coro_switch
#endif
#if defined(__linux__) && defined(__ELF__)
        .section .note.GNU-stack, "", %progbits
#endif
