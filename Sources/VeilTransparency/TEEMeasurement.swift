/// One measurement register of a TEE platform and its expected value.
public struct TEEMeasurement: Sendable, Hashable, Codable, Comparable {
    /// The TEE platforms a release can list.
    public enum Platform: String, Sendable, Hashable, Codable, CaseIterable {
        case sevSNP = "sev-snp"
        case tdx
        case tpm
        case simulated
    }

    public var platform: Platform
    /// The register: `measurement` (SEV-SNP, simulated), `mrtd`/`rtmr0`–`rtmr3` (TDX), `pcr0`–`pcr23` (TPM).
    public var register: String
    /// The value, lowercase hex.
    public var value: String

    public init(platform: Platform, register: String, value: String) {
        self.platform = platform
        self.register = register
        self.value = value
    }

    public static func < (lhs: TEEMeasurement, rhs: TEEMeasurement) -> Bool {
        (lhs.platform.rawValue, lhs.register, lhs.value) < (rhs.platform.rawValue, rhs.register, rhs.value)
    }

    var canonicalJSON: CanonicalJSON {
        .object(["platform": .string(platform.rawValue), "register": .string(register), "value": .string(value)])
    }

    /// The registers each platform has, and their sizes in bytes.
    static func sizes(of platform: Platform, register: String) -> Set<Int>? {
        switch platform {
        case .sevSNP: return register == "measurement" ? [48] : nil
        case .tdx: return ["mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3"].contains(register) ? [48] : nil
        case .tpm:
            guard register.hasPrefix("pcr"), let n = Int(register.dropFirst(3)), (0...23).contains(n),
                String(n) == register.dropFirst(3)
            else { return nil }
            return [32, 48]
        case .simulated: return register == "measurement" ? [32, 48] : nil
        }
    }

    func validate() throws(TransparencyError) {
        guard let sizes = Self.sizes(of: platform, register: register) else {
            throw TransparencyError(.malformedEntry, "`\(register)` is not a register of platform \(platform.rawValue)")
        }
        try EntryField.hex(value, "\(platform.rawValue) \(register)", bytes: sizes)
    }
}
