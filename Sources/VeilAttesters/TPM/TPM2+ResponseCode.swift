/// A TPM 2.0 response code (TPM_RC, Library Part 2 §6.6) decoded into words an operator can act on.
public struct TPM2Error: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// The TPM answered with a non-zero response code.
        case responseCode
        /// The response is not a well-formed TPM response.
        case malformedResponse
        /// The TPM could not be reached or the connection failed.
        case transport
        /// The TPM returned something Veil cannot use (an unexpected key type, algorithm or size).
        case unsupported
    }

    public let kind: Kind
    /// The raw TPM_RC for ``Kind/responseCode``, else 0.
    public let responseCode: UInt32
    /// The command that failed.
    public let command: TPM2.CommandCode?
    public let detail: String

    public init(_ kind: Kind, responseCode: UInt32 = 0, command: TPM2.CommandCode? = nil, _ detail: String) {
        self.kind = kind
        self.responseCode = responseCode
        self.command = command
        self.detail = detail
    }

    /// Decodes a non-zero TPM_RC.
    static func response(_ code: UInt32, command: TPM2.CommandCode) -> TPM2Error {
        TPM2Error(.responseCode, responseCode: code, command: command, describe(code))
    }

    public var description: String {
        let name = command.map { "TPM2_\($0)" } ?? "TPM"
        switch kind {
        case .responseCode:
            return "\(name) failed with TPM_RC 0x\(String(responseCode, radix: 16, uppercase: true)): \(detail)"
        case .malformedResponse: return "\(name): malformed response: \(detail)"
        case .transport: return "\(name): cannot talk to the TPM: \(detail)"
        case .unsupported: return "\(name): unsupported: \(detail)"
        }
    }

    /// Words for a response code, following Part 2 §6.6.3 (format-zero and format-one codes, warnings).
    static func describe(_ code: UInt32) -> String {
        if code & 0x080 != 0 {
            // Format one: an error tied to a parameter, handle or session.
            let number = code & 0x3F
            let which: String
            if code & 0x040 != 0 {
                which = "parameter \((code >> 8) & 0xF)"
            } else if code & 0x800 != 0 {
                which = "session \((code >> 8) & 0x7)"
            } else {
                which = "handle \((code >> 8) & 0x7)"
            }
            let meaning = formatOne[number] ?? "error 0x\(String(number, radix: 16))"
            return "\(meaning) (\(which))"
        }
        if code & 0x900 == 0x900 {
            return warnings[code & 0x97F] ?? "warning 0x\(String(code, radix: 16))"
        }
        if code & 0x100 != 0 {
            return formatZero[code & 0x17F] ?? "error 0x\(String(code, radix: 16))"
        }
        return "TPM 1.2 or vendor-specific code 0x\(String(code, radix: 16))"
    }

    private static let formatOne: [UInt32: String] = [
        0x01: "asymmetric algorithm not supported or not correct", 0x02: "inconsistent attributes",
        0x03: "hash algorithm not supported or not appropriate", 0x04: "value is out of range or not correct",
        0x05: "hierarchy is not enabled or not correct", 0x07: "key size is not supported",
        0x08: "mask generation function not supported", 0x09: "mode of operation not supported",
        0x0A: "the type of the value is not appropriate", 0x0B: "the handle is not correct",
        0x0C: "unsupported key derivation function", 0x0D: "value was out of allowed range",
        0x0E: "authorization failure (wrong password or policy)", 0x0F: "invalid nonce size or nonce value mismatch",
        0x10: "authorization requires assertion of physical presence", 0x12: "unsupported or incompatible scheme",
        0x15: "structure is the wrong size", 0x16: "unsupported symmetric algorithm or key size",
        0x17: "incorrect structure tag", 0x18: "union selector is incorrect",
        0x1A: "the TPM was unable to unmarshal a value",
        0x1B: "the signature is not valid", 0x1C: "key fields are not compatible with the selected use",
        0x1D: "a policy check failed", 0x1F: "integrity check failed", 0x20: "invalid ticket",
        0x21: "reserved bits not set to zero", 0x22: "authorization failure without dictionary-attack lockout",
        0x23: "the policy has expired", 0x24: "command code in policy is not the command being authorized",
        0x25: "public and sensitive portions of an object are not cryptographically bound",
        0x26: "curve not supported", 0x27: "point is not on the required curve",
    ]

    private static let formatZero: [UInt32: String] = [
        0x100: "TPM not initialized by TPM2_Startup or already initialized",
        0x101: "commands not being accepted because of a TPM failure (run a self-test or reset the TPM)",
        0x103: "improper use of a sequence handle", 0x10B: "not currently used", 0x119: "not currently used",
        0x120: "the command is disabled", 0x121: "command failed because audit sequence required exclusivity",
        0x124: "authorization handle is not correct for command", 0x125: "command requires an authorization session",
        0x126: "policy failure in math operation or an invalid authPolicy value",
        0x127: "PCR check fail", 0x128: "PCR have changed since checked",
        0x12D: "the TPM is in field upgrade mode", 0x12E: "context ID counter is at maximum",
        0x12F: "authValue or authPolicy is not available for selected entity",
        0x130: "a _TPM_Init and Startup(CLEAR) is required before the TPM can resume operation",
        0x131: "the protection algorithms (hash and symmetric) are not reasonably balanced",
        0x142: "command commandSize value is inconsistent with contents of the command buffer",
        0x143: "command code not supported", 0x144: "the value of authorizationSize is out of range",
        0x145: "use of an authorization session with a context command or another command that cannot have one",
        0x146: "NV offset+size is out of range", 0x147: "requested allocation size is larger than allowed",
        0x148: "NV access locked", 0x149: "NV access authorization fails in command actions",
        0x14A: "an NV index is used before being initialized", 0x14B: "insufficient space for NV allocation",
        0x14C: "NV index or persistent object already defined", 0x150: "context in TPM2_ContextLoad() is not valid",
        0x151: "cpHash value already set or not correct for use", 0x152: "handle for parent is not a valid parent",
        0x153: "some function needs testing", 0x154: "returned when an internal function cannot process a request",
        0x155: "the sensitive area did not unmarshal correctly after decryption",
    ]

    private static let warnings: [UInt32: String] = [
        0x901: "gap for context ID is too large", 0x902: "out of memory for object contexts (flush handles)",
        0x903: "out of memory for session contexts", 0x904: "out of shared object/session memory",
        0x905: "out of session handles", 0x906: "out of object handles (flush transient objects)",
        0x907: "bad locality", 0x908: "the TPM has suspended operation on the command (retry)",
        0x909: "the command was canceled", 0x90A: "TPM is performing self-tests (retry)",
        0x920: "the TPM is rate-limiting accesses to prevent wearout of NV (retry later)",
        0x921: "authorizations are locked out because of dictionary-attack protection",
        0x922: "the TPM was not able to start the command (retry)",
        0x923: "the command may require writing of NV and NV is not accessible",
    ]
}
