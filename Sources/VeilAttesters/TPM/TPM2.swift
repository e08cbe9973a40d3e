/// TPM 2.0 as specified by the TCG "TPM 2.0 Library", Part 2 (Structures) and Part 3 (Commands): the constants
/// Veil's attester uses. Values are from Part 2 §6 (TPM_ALG_ID, TPM_ECC_CURVE, TPM_CC, TPM_ST, TPM_RH/TPM_RS).
public enum TPM2 {
    /// TPM_ST: structure tags.
    enum Tag: UInt16 {
        case noSessions = 0x8001
        case sessions = 0x8002
        case attestQuote = 0x8018
    }

    /// TPM_CC: the command codes used here.
    public enum CommandCode: UInt32, Sendable {
        case createPrimary = 0x0000_0131
        case startup = 0x0000_0144
        case create = 0x0000_0153
        case load = 0x0000_0157
        case quote = 0x0000_0158
        case flushContext = 0x0000_0165
        case readPublic = 0x0000_0173
        case getRandom = 0x0000_017B
        case pcrRead = 0x0000_017E
        case pcrExtend = 0x0000_0182
        case pcrReset = 0x0000_013D
    }

    /// TPM_ALG_ID values used here.
    public enum Algorithm: UInt16, Sendable {
        case rsa = 0x0001
        case sha1 = 0x0004
        case aes = 0x0006
        case sha256 = 0x000B
        case sha384 = 0x000C
        case sha512 = 0x000D
        case null = 0x0010
        case rsassa = 0x0014
        case rsapss = 0x0016
        case ecdsa = 0x0018
        case ecc = 0x0023
        case cfb = 0x0043
    }

    /// TPM_ECC_NIST_P256.
    static let curveP256: UInt16 = 0x0003

    /// Permanent handles (TPM_RH) and the password session (TPM_RS_PW).
    public enum Handle {
        public static let owner: UInt32 = 0x4000_0001
        public static let endorsement: UInt32 = 0x4000_000B
        public static let passwordSession: UInt32 = 0x4000_0009
        public static let null: UInt32 = 0x4000_0007
    }

    /// TPMA_OBJECT bits (Part 2 §8.3).
    enum ObjectAttribute {
        static let fixedTPM: UInt32 = 1 << 1
        static let fixedParent: UInt32 = 1 << 4
        static let sensitiveDataOrigin: UInt32 = 1 << 5
        static let userWithAuth: UInt32 = 1 << 6
        static let noDA: UInt32 = 1 << 10
        static let restricted: UInt32 = 1 << 16
        static let decrypt: UInt32 = 1 << 17
        static let sign: UInt32 = 1 << 18
    }

    /// TPM_SU_CLEAR for TPM2_Startup.
    static let startupClear: UInt16 = 0x0000

    /// The generated-value magic at the start of every TPMS_ATTEST (TPM_GENERATED_VALUE).
    public static let generatedValue: UInt32 = 0xFF54_4347

    /// The largest response a TPM sends (TPM2_GetCapability TPM_PT_MAX_RESPONSE_SIZE is 4096 on common TPMs).
    static let maximumResponseSize = 8192
}
