#ifndef C_VEIL_HEAP_H
#define C_VEIL_HEAP_H

/// Sets glibc's mmap and trim thresholds (mallopt M_MMAP_THRESHOLD, M_TRIM_THRESHOLD). Returns 1 when both were
/// applied, 0 otherwise (including off glibc).
int c_veil_tune_heap(int mmap_threshold, int trim_threshold);

/// Makes glibc overwrite every freed heap chunk with `fill` (mallopt M_PERTURB; allocations are filled with
/// `fill ^ 0xff`). Chunks parked in the per-thread cache (tcache) are not overwritten; see
/// c_veil_tcache_disabled. Returns 1 when applied, 0 otherwise (including off glibc).
int c_veil_scrub_freed_heap(int fill);

/// Whether this process was started with glibc's per-thread cache disabled (GLIBC_TUNABLES containing
/// glibc.malloc.tcache_count=0). Tunables are read once at process start, so this cannot change later.
int c_veil_tcache_disabled(void);

/// Replaces the process image with itself (/proc/self/exe, same argv from /proc/self/cmdline) after setting
/// GLIBC_TUNABLES to `tunables`. Returns only on failure, with a negative errno.
int c_veil_reexec_with_tunables(const char *tunables);

#endif
