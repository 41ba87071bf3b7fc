#include "errors.h"

#include <cstdarg>
#include <cstdio>

namespace ak {
namespace {
thread_local char g_message[512];
}

int32_t fail(int32_t status, const char* fmt, ...) {
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(g_message, sizeof g_message, fmt, args);
    va_end(args);
    return status;
}

void clear_error() { g_message[0] = '\0'; }
const char* last_error() { return g_message; }
}  // namespace ak
