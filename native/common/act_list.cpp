#include "act_list.h"

#include "../include/actinium.h"

namespace ak {
namespace {

struct Row {
    const char* name;
    int32_t params, flags, flops[2];
};

constexpr Row kRows[] = {
#define AK_ACT_ROW(E, name, np, flags, ff, bf) {#name, np, flags, {ff, bf}},
    AK_ACTIVATIONS(AK_ACT_ROW)
#undef AK_ACT_ROW
};

const Row* row(int32_t op) { return op >= 0 && op < AK_ACT_COUNT ? &kRows[op] : nullptr; }

}  // namespace

const char* activation_name(int32_t op) { return row(op) ? row(op)->name : nullptr; }
int32_t activation_flags(int32_t op) { return row(op) ? row(op)->flags : -1; }
int32_t activation_param_count(int32_t op) { return row(op) ? row(op)->params : -1; }
int32_t activation_flops(int32_t op, int32_t direction) {
    return row(op) && (direction == AK_FORWARD || direction == AK_BACKWARD) ? row(op)->flops[direction] : -1;
}

}  // namespace ak
