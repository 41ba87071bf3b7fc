// The thread-local last-error channel of the C ABI.
#pragma once
#include <cstdint>

namespace ak {
// Records a printf-style message for ak_last_error() on this thread and returns status.
int32_t fail(int32_t status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
// Clears this thread's message; every entry point starts with it.
void clear_error();
const char* last_error();
}  // namespace ak
