#ifndef C_VEIL_HEAP_H
#define C_VEIL_HEAP_H

/// Sets glibc's mmap and trim thresholds (mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD). Returns 1 when both were
/// applied, 0 otherwise (including off glibc).
int c_veil_tune_heap(int mmap_threshold, int trim_threshold);

#endif
