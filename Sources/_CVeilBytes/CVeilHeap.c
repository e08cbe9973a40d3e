#define _GNU_SOURCE
#include "CVeilHeap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

int c_veil_scrub_freed_heap(int fill) {
#if defined(__GLIBC__)
    return mallopt(M_PERTURB, fill) == 1 ? 1 : 0;
#else
    (void)fill;
    return 0;
#endif
}

int c_veil_tcache_disabled(void) {
    const char *tunables = getenv("GLIBC_TUNABLES");
    if (tunables == NULL) return 0;
    return strstr(tunables, "glibc.malloc.tcache_count=0") != NULL ? 1 : 0;
}

int c_veil_reexec_with_tunables(const char *tunables) {
    enum { max_cmdline = 1 << 20, max_args = 4096 };
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    char *buffer = malloc(max_cmdline + 1);
    char **argv = calloc(max_args + 1, sizeof(char *));
    if (buffer == NULL || argv == NULL) {
        close(fd);
        free(buffer);
        free(argv);
        return -ENOMEM;
    }
    size_t length = 0;
    for (;;) {
        ssize_t n = read(fd, buffer + length, max_cmdline - length);
        if (n < 0) {
            if (errno == EINTR) continue;
            int saved = errno;
            close(fd);
            free(buffer);
            free(argv);
            return -saved;
        }
        if (n == 0) break;
        length += (size_t)n;
        if (length == max_cmdline) break;
    }
    close(fd);
    if (length == 0 || length == max_cmdline) {
        free(buffer);
        free(argv);
        return -E2BIG;
    }
    buffer[length] = '\0';
    size_t count = 0;
    for (size_t offset = 0; offset < length && count < max_args; offset += strlen(buffer + offset) + 1) {
        argv[count++] = buffer + offset;
    }
    argv[count] = NULL;
    if (setenv("GLIBC_TUNABLES", tunables, 1) != 0) {
        int saved = errno;
        free(buffer);
        free(argv);
        return -saved;
    }
    execv("/proc/self/exe", argv);
    int saved = errno;
    free(buffer);
    free(argv);
    return -saved;
}
