// The flags argument of the CPU entry points (ak_flag): shared by dispatch/*.cpp.
#pragma once
#include <cstdint>

#include "../kernel_table.h"

namespace ak::cpu {

// Checks flags against the ones an entry point accepts and sets the kernel table: the ISA named
// in flags, else the active one.
int32_t check_flags(const char* fn, int32_t flags, int32_t accepted, const KernelTable*& table);

}  // namespace ak::cpu
