#define _GNU_SOURCE
#include "CVeilSEVGuest.h"

#include <errno.h>
#include <string.h>
#if defined(__linux__)
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif

/* The uapi structures of include/uapi/linux/sev-guest.h, written out so no kernel headers are needed. */
struct veil_snp_report_req {
    uint8_t user_data[64];
    uint32_t vmpl;
    uint8_t rsvd[28];
};

struct veil_snp_ext_report_req {
    struct veil_snp_report_req data;
    uint64_t certs_address;
    uint32_t certs_len;
};

struct veil_snp_report_resp {
    uint8_t data[4000];
};

struct veil_snp_guest_request_ioctl {
    uint8_t msg_version;
    uint64_t req_data;
    uint64_t resp_data;
    uint64_t exitinfo2;
};

/* _IOWR('S', 0x2, struct snp_guest_request_ioctl): SNP_GET_EXT_REPORT. */
#define VEIL_SNP_GET_EXT_REPORT 0xC0205302UL

int c_veil_snp_get_ext_report(const char *path, const uint8_t *user_data, uint32_t vmpl, uint8_t *response,
                              uint8_t *certificates, uint32_t *certificates_length, uint64_t *exit_info) {
#if defined(__linux__)
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    struct veil_snp_ext_report_req request;
    memset(&request, 0, sizeof(request));
    memcpy(request.data.user_data, user_data, 64);
    request.data.vmpl = vmpl;
    request.certs_address = (uint64_t)(uintptr_t)certificates;
    request.certs_len = *certificates_length;
    struct veil_snp_report_resp reply;
    memset(&reply, 0, sizeof(reply));
    struct veil_snp_guest_request_ioctl guest;
    memset(&guest, 0, sizeof(guest));
    guest.msg_version = 1;
    guest.req_data = (uint64_t)(uintptr_t)&request;
    guest.resp_data = (uint64_t)(uintptr_t)&reply;
    int result = ioctl(fd, VEIL_SNP_GET_EXT_REPORT, &guest);
    int saved = errno;
    close(fd);
    *exit_info = guest.exitinfo2;
    *certificates_length = request.certs_len;
    if (result < 0) {
        return -saved;
    }
    memcpy(response, reply.data, sizeof(reply.data));
    return 0;
#else
    (void)path; (void)user_data; (void)vmpl; (void)response; (void)certificates; (void)certificates_length;
    (void)exit_info;
    return -ENOSYS;
#endif
}
