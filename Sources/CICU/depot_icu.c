// The only file that includes ICU's headers (depot_icu.h says why).
#include "depot_icu.h"

#include <unicode/uspoof.h>

_Static_assert(U_BUFFER_OVERFLOW_ERROR == DEPOT_ICU_BUFFER_OVERFLOW, "ICU's U_BUFFER_OVERFLOW_ERROR");

void *depot_spoof_open(int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    USpoofChecker *checker = uspoof_open(&code);
    *status = (int32_t)code;
    return U_FAILURE(code) ? NULL : checker;
}

int32_t depot_spoof_skeleton(const void *checker, const char *text, int32_t length, char *dest, int32_t capacity,
                             int32_t *status) {
    UErrorCode code = U_ZERO_ERROR;
    int32_t written = uspoof_getSkeletonUTF8((const USpoofChecker *)checker, 0, text, length, dest, capacity, &code);
    *status = (int32_t)code;
    return written;
}
