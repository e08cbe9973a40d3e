/// AMD SEV-SNP attestation (AMD SEV-SNP ABI specification 56860).
public enum SEVSNP {
    /// A processor generation, which fixes the pinned ARK and the TCB_VERSION layout.
    public enum Generation: String, Sendable, Hashable, CaseIterable {
        case milan = "Milan"
        case genoa = "Genoa"
        case turin = "Turin"

        /// The generation named by a VCEK productName such as `Milan-B0` or `Genoa`.
        public init?(productName: String) {
            let base = productName.split(separator: "-").first.map(String.init) ?? productName
            guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == base.lowercased() }) else {
                return nil
            }
            self = match
        }

        /// The generation from a v3+ report's CPUID family and model.
        public init?(family: UInt8, model: UInt8) {
            switch (family, model) {
            case (0x19, 0x00...0x0F): self = .milan
            case (0x19, 0x10...0x1F), (0x19, 0xA0...0xAF): self = .genoa
            case (0x1A, _): self = .turin
            default: return nil
            }
        }
    }

    /// A TCB_VERSION value decoded for its generation.
    public struct TCBVersion: Sendable, Hashable {
        /// The raw 64-bit value (little-endian on the wire).
        public let raw: UInt64
        public let fmc: UInt8?
        public let bootloader: UInt8
        public let tee: UInt8
        public let snp: UInt8
        public let microcode: UInt8

        /// Decodes `raw` with the Milan/Genoa layout or, for Turin, the layout with FMC first.
        public init(raw: UInt64, turin: Bool) {
            self.raw = raw
            func byte(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: raw >> (8 * UInt64(index))) }
            if turin {
                fmc = byte(0)
                bootloader = byte(1)
                tee = byte(2)
                snp = byte(3)
            } else {
                fmc = nil
                bootloader = byte(0)
                tee = byte(1)
                snp = byte(6)
            }
            microcode = byte(7)
        }
    }
}
