#ifndef C_VEIL_BYTES_H
#define C_VEIL_BYTES_H

#include <stddef.h>

/// Clears the "dumpable" flag of the calling process (prctl PR_SET_DUMPABLE 0): no core dumps, and
/// /proc/<pid>/mem and ptrace attach are refused to non-root peers. Returns 0 or -1 with errno set.
int c_veil_set_non_dumpable(void);

/// Returns the current "dumpable" flag (0 or 1), or -1 with errno set.
int c_veil_get_dumpable(void);

/// Writes `count` zero bytes at `pointer` with a store the optimiser may not remove (explicit_bzero).
void c_veil_secure_zero(void *pointer, size_t count);

#endif
