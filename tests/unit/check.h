/*
 * A tiny assertion kit for the unit tests: CHECK records a failure with its
 * line and goes on, so one run reports every broken expectation; the test's
 * main ends with CHECK_DONE(), which prints "N passed, M failed" and sets
 * the exit code.
 */
#ifndef WX_TEST_CHECK_H
#define WX_TEST_CHECK_H

#include <stdio.h>

static int check_passed_, check_failed_;

#define CHECK(cond)                                                           \
    do {                                                                      \
        if (cond) {                                                           \
            check_passed_++;                                                  \
        } else {                                                              \
            check_failed_++;                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__,  \
                    #cond);                                                   \
        }                                                                     \
    } while (0)

#define CHECK_MSG(cond, ...)                                                  \
    do {                                                                      \
        if (cond) {                                                           \
            check_passed_++;                                                  \
        } else {                                                              \
            check_failed_++;                                                  \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,  \
                    #cond);                                                   \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK_DONE()                                                          \
    (printf("%d passed, %d failed\n", check_passed_, check_failed_),         \
     check_failed_ ? 1 : 0)

#endif
