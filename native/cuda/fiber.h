// Fibers for the CUDA emulation (emulation.cpp): each emulated thread runs on its own stack and
// switches to the scheduler at barriers and warp collectives. On x86-64 a switch saves the
// callee-saved registers and swaps stacks (no system call: ucontext's swapcontext makes two, and a
// test run switches millions of times); elsewhere it is ucontext. The floating-point control
// registers are not switched: kernels do not change them. -DAK_EMU_UCONTEXT takes ucontext on x86-64.
#pragma once
#include <cstddef>

// The register switch keeps no shadow stack, so a build with CET shadow stacks takes ucontext.
#if defined(__x86_64__) && !defined(AK_EMU_UCONTEXT) && !(defined(__CET__) && (__CET__ & 2))
#define AK_EMU_ASM_SWITCH 1
#else
#define AK_EMU_ASM_SWITCH 0
#endif

#if !AK_EMU_ASM_SWITCH
#include <ucontext.h>
#endif

namespace ak::emu {

struct FiberContext {
#if AK_EMU_ASM_SWITCH
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
