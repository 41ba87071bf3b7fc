// The rows of AK_ACTIVATIONS as data, for the checks and metadata of both libraries.
#pragma once
#include <cstdint>

namespace ak {

// nullptr / -1 for an op that is not in the list; direction: AK_FORWARD or AK_BACKWARD.
const char* activation_name(int32_t op);
int32_t activation_flags(int32_t op);
int32_t activation_param_count(int32_t op);
int32_t activation_flops(int32_t op, int32_t direction);

}  // namespace ak
