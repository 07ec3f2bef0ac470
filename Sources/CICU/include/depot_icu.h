#ifndef DEPOT_ICU_H
#define DEPOT_ICU_H
// ICU's spoof checker (Debian 12: libicu-dev 72) for Unicode TR39 confusable skeletons of codes.
// This header names no ICU type: Foundation brings its own copy of ICU's headers (_FoundationICU),
// whose UErrorCode differs from the system's, and the two cannot meet in one Swift module. ICU is
// included only by depot_icu.c. Foundation's ICU symbols are prefixed (swift_uspoof_open) and the
// system's are versioned (uspoof_open_72), so the two libraries do not meet at link time either.
#include <stdint.h>

/// uspoof_open(3icu): a spoof checker with ICU's default checks, NULL on failure (`*status` is
/// ICU's UErrorCode, > 0 for a failure).
void *depot_spoof_open(int32_t *status);

/// uspoof_getSkeletonUTF8(3icu): the TR39 skeleton of `length` bytes of UTF-8 into `dest`. Returns
/// the skeleton's length in bytes; when it is more than `capacity`, `*status` is
/// DEPOT_ICU_BUFFER_OVERFLOW and nothing usable is in `dest`.
int32_t depot_spoof_skeleton(const void *checker, const char *text, int32_t length, char *dest, int32_t capacity,
                             int32_t *status);

/// ICU's U_BUFFER_OVERFLOW_ERROR.
#define DEPOT_ICU_BUFFER_OVERFLOW 15
#endif
