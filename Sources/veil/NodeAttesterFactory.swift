import ArgumentParser
import Foundation
import VeilAttestation
import VeilAttesters

/// `--tee` of `veil node serve`.
enum NodeTEEChoice: String, ExpressibleByArgument, CaseIterable {
    case auto, snp, tdx, tpm, simulated
}

/// Builds the node's evidence producer from its options (as `veil attest evidence` does).
struct NodeAttesterFactory {
    let tee: NodeTEEChoice
    let tpm: String
    let simulatedRoot: String?

    func make() throws -> any Attester {
        var choice = tee
        if choice == .auto {
            let interfaces = TEEInterfaces.probe()
            let tsm = FileManager.default.fileExists(atPath: ConfigFSTSMAttester.defaultRoot)
            if tsm && (interfaces.has("tdx-guest") || interfaces.tsmProvider == "tdx_guest") {
                choice = .tdx
            } else if (tsm && interfaces.tsmProvider == "sev_guest") || interfaces.has("sev-guest") {
                choice = .snp
            } else if tpm.hasPrefix("tcp://") || interfaces.has("tpm") {
                choice = .tpm
            } else {
                throw CLIError(
                    "this machine offers no TEE or TPM interface (see veil attest detect).",
                    remedy: "Run inside an SEV-SNP or TDX guest or with a TPM, or pass --tee simulated (development)."
                )
            }
        }
        switch choice {
        case .snp:
            if FileManager.default.fileExists(atPath: ConfigFSTSMAttester.defaultRoot) {
                return ConfigFSTSMAttester(tee: .sevSNP, root: ConfigFSTSMAttester.defaultRoot, privilegeLevel: nil)
            }
            return SEVGuestAttester(path: "/dev/sev-guest", vmpl: 0)
        case .tdx:
            return ConfigFSTSMAttester(tee: .tdx, root: ConfigFSTSMAttester.defaultRoot)
        case .tpm:
            do {
                let client = try TPM2Client(location: TPM2Location(parsing: tpm))
                return TPMAttester(
                    client: client,
                    selection: TPM2.PCRSelection(indices: Array(0..<24)),
                    eventLogPath: TPMAttester.defaultEventLogPath,
                    location: tpm
                )
            } catch {
                throw CLIError(
                    "cannot open the TPM at \(tpm): \(error)",
                    remedy: "Give --tpm /dev/tpmrm0 or tcp://HOST:PORT."
                )
            }
        case .simulated:
            return SimulatedAttester(
                rootDirectory: simulatedRoot ?? SimulatedAttester.defaultRootDirectory,
                configuration: ["tee": "simulated", "role": "node", "veil_version": VeilVersion.current]
            )
        case .auto:
            preconditionFailure("auto is resolved above")
        }
    }
}
