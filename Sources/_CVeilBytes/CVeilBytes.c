#define _GNU_SOURCE
#include "CVeilBytes.h"

#include <string.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <errno.h>

int c_veil_set_non_dumpable(void) {
#if defined(__linux__)
    return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

int c_veil_get_dumpable(void) {
#if defined(__linux__)
    return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
#else
    errno = ENOSYS;
    return -1;
#endif
}

void c_veil_secure_zero(void *pointer, size_t count) {
    if (pointer == NULL || count == 0) {
        return;
    }
#if defined(__linux__) || defined(__OpenBSD__) || defined(__FreeBSD__)
    explicit_bzero(pointer, count);
#else
    // A volatile function pointer defeats dead-store elimination where explicit_bzero is missing.
    static void *(*const volatile memset_v)(void *, int, size_t) = &memset;
    memset_v(pointer, 0, count);
#endif
}
