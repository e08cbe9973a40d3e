#ifndef C_VEIL_SEV_GUEST_H
#define C_VEIL_SEV_GUEST_H

#include <stdint.h>

/// SNP_GET_EXT_REPORT on the SEV-SNP guest device (`/dev/sev-guest`): asks the AMD secure processor for an
/// attestation report over `user_data` (64 bytes) at `vmpl`, and the host's certificate table.
/// `response` receives the 4000-byte response (status u32, report size u32, 24 reserved, report).
/// `certificates` has room for `*certificates_length` bytes (a multiple of 4096); on return the length holds what
/// the host needs (larger than given when the buffer was too small). `exit_info` receives the firmware and VMM
/// error codes (exitinfo2). Returns 0, or a negative errno.
int c_veil_snp_get_ext_report(const char *path, const uint8_t *user_data, uint32_t vmpl, uint8_t *response,
                              uint8_t *certificates, uint32_t *certificates_length, uint64_t *exit_info);

#endif
