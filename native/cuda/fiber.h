// Fibers for the CUDA emulation (emulation.cpp): each emulated thread runs on its own stack and
// switches to the scheduler at barriers and warp collectives. On x86-64 a switch saves the
// callee-saved registers and swaps stacks (no system call: ucontext's swapcontext makes two, and a
// test run switches millions of times); elsewhere it is ucontext. The floating-point control
// registers are not switched: kernels do not change them. -DAK_EMU_UCONTEXT takes ucontext on x86-64.
#pragma once
#include <cstddef>

#if !defined(__x86_64__) || defined(AK_EMU_UCONTEXT)
#include <ucontext.h>
#endif

namespace ak::emu {

struct FiberContext {
#if defined(__x86_64__) && !defined(AK_EMU_UCONTEXT)
    void* sp = nullptr;
#else
    ucontext_t uc{};
#endif
};

// Prepares context to run entry() on [stack, stack + bytes) at its first switch_fiber; entry must
// never return (it switches away for the last time).
void make_fiber(FiberContext* context, void* stack, size_t bytes, void (*entry)());
// Saves the running context in from and continues to.
void switch_fiber(FiberContext* from, FiberContext* to);

}  // namespace ak::emu
