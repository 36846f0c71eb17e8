/* sync/src/coro_switch_x86_64.S - the coroutine context switch, SysV x86-64.
 *
 * void sync__coro_switch(void **save_sp, void *load_sp);
 *
 * Pushes what the psABI makes callee-saved onto the running stack, stores
 * the stack pointer in *save_sp, loads load_sp and pops the same frame from
 * there, then returns on the other stack. Everything else (rax, rcx, rdx,
 * rsi, rdi, r8-r11, xmm0-15, the x87 stack, the status flags) is
 * caller-saved: the C caller already assumes the call clobbers it.
 *
 * The frame, from the saved stack pointer upwards (64 bytes):
 *     0  MXCSR (32 bits, stmxcsr)     4  x87 control word (16 bits, fnstcw)
 *     8  r15  16 r14  24 r13  32 r12  40 rbx  48 rbp  56 return address
 * sync/src/coro.c builds the same frame on a new stack, with the entry
 * function as the return address; keep the two in step.
 *
 * MXCSR is saved whole (the status flags ride along harmlessly: the caller
 * may not rely on them across a call anyway); its control bits and the x87
 * control word are callee-saved (psABI 3.2.1), so a rounding mode set in
 * one coroutine must not leak into another.
 *
 * No CET/IBT landing pads: the switch "returns" into a new coroutine's entry
 * function, which a shadow stack would refuse; racelab is not built with
 * -fcf-protection. */
#if defined(__x86_64__)
        .text
        .globl  sync__coro_switch
        .hidden sync__coro_switch
        .type   sync__coro_switch, @function
        .p2align 4
sync__coro_switch:
        .cfi_startproc
        pushq   %rbp
        .cfi_adjust_cfa_offset 8
        pushq   %rbx
        .cfi_adjust_cfa_offset 8
        pushq   %r12
        .cfi_adjust_cfa_offset 8
        pushq   %r13
        .cfi_adjust_cfa_offset 8
        pushq   %r14
        .cfi_adjust_cfa_offset 8
        pushq   %r15
        .cfi_adjust_cfa_offset 8
        subq    $8, %rsp
        .cfi_adjust_cfa_offset 8
        stmxcsr (%rsp)
        fnstcw  4(%rsp)
        movq    %rsp, (%rdi)
        /* From here on we are on the other stack; the CFI above no longer
         * describes it, but nothing unwinds through these few lines. */
        movq    %rsi, %rsp
        ldmxcsr (%rsp)
        fldcw   4(%rsp)
        addq    $8, %rsp
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .cfi_endproc
        .size   sync__coro_switch, .-sync__coro_switch
#endif
#if defined(__linux__) && defined(__ELF__)
        .section .note.GNU-stack, "", @progbits
#endif
