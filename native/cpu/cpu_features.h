// What this CPU and OS can run, from cpuid and xgetbv (the OS must save the vector state).
#pragma once
#include <cstdint>

namespace ak::cpu {
bool cpu_supports(int32_t isa);
}
