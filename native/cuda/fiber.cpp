// Fiber context switches for the CUDA emulation (fiber.h).
#include "fiber.h"

#include <cstdint>

#if AK_EMU_ASM_SWITCH
// ak_emu_switch(void** save_sp, void* load_sp): pushes the callee-saved registers of the System V
// ABI, saves the stack pointer, loads the other, pops its registers and returns into it.
asm(R"(
    .text
    .globl ak_emu_switch
    .hidden ak_emu_switch
    .type ak_emu_switch, @function
ak_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size ak_emu_switch, .-ak_emu_switch
)");
extern "C" void ak_emu_switch(void** save_sp, void* load_sp);
#endif

namespace ak::emu {

#if AK_EMU_ASM_SWITCH
void make_fiber(FiberContext* context, void* stack, size_t bytes, void (*entry)()) {
    auto top = reinterpret_cast<uintptr_t>(stack) + bytes;
    top &= ~uintptr_t(15);
    auto* slot = reinterpret_cast<uintptr_t*>(top);
    slot[-1] = 0;                                  // entry's return address: never used
    slot[-2] = reinterpret_cast<uintptr_t>(entry);  // where the first switch returns to
    for (int r = 3; r <= 8; ++r) slot[-r] = 0;     // rbp, rbx, r12-r15
    // Entry starts with rsp = top - 8, as after a call from a 16-byte aligned frame.
    context->sp = &slot[-8];
}

void switch_fiber(FiberContext* from, FiberContext* to) { ak_emu_switch(&from->sp, to->sp); }
#else
void make_fiber(FiberContext* context, void* stack, size_t bytes, void (*entry)()) {
    getcontext(&context->uc);
    context->uc.uc_stack.ss_sp = stack;
    context->uc.uc_stack.ss_size = bytes;
    context->uc.uc_link = nullptr;
    makecontext(&context->uc, entry, 0);
}

void switch_fiber(FiberContext* from, FiberContext* to) { swapcontext(&from->uc, &to->uc); }
#endif

}  // namespace ak::emu
