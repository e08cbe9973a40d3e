#include "CVeilHeap.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

int c_veil_tune_heap(int mmap_threshold, int trim_threshold) {
#if defined(__GLIBC__)
    int mmap_ok = mallopt(M_MMAP_THRESHOLD, mmap_threshold);
    int trim_ok = mallopt(M_TRIM_THRESHOLD, trim_threshold);
    return (mmap_ok == 1 && trim_ok == 1) ? 1 : 0;
#else
    (void)mmap_threshold;
    (void)trim_threshold;
    return 0;
#endif
}
