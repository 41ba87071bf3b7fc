// The default parameters of each activation (AK_ACT_PARAMS), for the native tests and benchmarks.
#pragma once
#include <vector>

#include "../include/actinium.h"

namespace ak {

// Empty for an op without parameters.
inline std::vector<float> default_params(int op) {
    std::vector<float> p;
#define AK_DEFAULT_PARAM_ROW(E, name, def, lo, hi) \
    if (op == AK_ACT_##E) p.push_back(def);
    AK_ACT_PARAMS(AK_DEFAULT_PARAM_ROW)
#undef AK_DEFAULT_PARAM_ROW
    return p;
}

}  // namespace ak
