// The assertion of the native tests: counts checks and failures, prints each failure, goes on.
#pragma once
#include <cstdio>

inline int g_checks = 0, g_failures = 0;

#define CHECK(cond, ...)                                      \
    do {                                                      \
        ++g_checks;                                           \
        if (!(cond)) {                                        \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__);  \
            std::printf(__VA_ARGS__);                         \
            std::printf("\n");                                \
            ++g_failures;                                     \
        }                                                     \
    } while (0)
