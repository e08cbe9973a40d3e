public import VeilAttestation

extension KBS {
    /// A TEE name as the KBS protocol's `tee` member spells it (Trustee's `kbs-types` `Tee`, lowercase), and the
    /// Veil platform whose evidence it announces.
    public enum TEE: String, Sendable, Hashable, Codable, CaseIterable {
        /// AMD SEV-SNP.
        case snp
        /// Intel TDX.
        case tdx
        /// Intel SGX.
        case sgx
        /// A TPM 2.0 quote.
        case tpm
        /// An Azure confidential VM on SEV-SNP (vTPM quote over an HCL report). Wire name `azsnpvtpm`.
        case azureSNPvTPM = "azsnpvtpm"
        /// An Azure confidential VM on TDX. Wire name `aztdxvtpm`.
        case azureTDXvTPM = "aztdxvtpm"
        /// Trustee's `sample` TEE: in Veil, the SIMULATED TEE (accepted only where a policy names `simulated`).
        case sample

        /// Parses a wire name; also accepts the hyphenated spellings `az-snp-vtpm` and `az-tdx-vtpm` that some
        /// Trustee tools use.
        public init(name: String) throws(KBSProtocolError) {
            switch name {
            case "az-snp-vtpm": self = .azureSNPvTPM
            case "az-tdx-vtpm": self = .azureTDXvTPM
            default:
                guard let tee = TEE(rawValue: name) else {
                    throw KBSProtocolError(.unknownTEE, "the TEE \"\(name.prefix(32))\" is not one Veil verifies")
                }
                self = tee
            }
        }

        /// The Veil platform whose evidence this TEE name announces.
        public var platform: AttestationPlatform {
            switch self {
            case .snp: return .sevSNP
            case .tdx: return .tdx
            case .sgx: return .sgx
            case .tpm: return .tpm
            case .azureSNPvTPM: return .azureSEVSNPvTPM
            case .azureTDXvTPM: return .azureTDXvTPM
            case .sample: return .simulated
            }
        }

        /// The TEE name for a Veil platform.
        public init(platform: AttestationPlatform) {
            switch platform {
            case .sevSNP: self = .snp
            case .tdx: self = .tdx
            case .sgx: self = .sgx
            case .tpm: self = .tpm
            case .azureSEVSNPvTPM: self = .azureSNPvTPM
            case .azureTDXvTPM: self = .azureTDXvTPM
            case .simulated: self = .sample
            }
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let name = try container.decode(String.self)
            do {
                self = try TEE(name: name)
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: error.detail)
            }
        }
    }
}
