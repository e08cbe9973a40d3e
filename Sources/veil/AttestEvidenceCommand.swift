import ArgumentParser
import Foundation
import VeilAttestation
import VeilAttesters
import VeilKeys
import _VeilBytes

/// `veil attest evidence`: ask this machine's TEE (or TPM, or the SIMULATED TEE) for evidence bound to a nonce
/// and the node's keys, and write an evidence bundle that `veil attest verify` accepts.
struct AttestEvidenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Produce an evidence bundle bound to a nonce (and keys) from this machine's TEE or TPM.",
        discussion: """
            The report data is SHA-512 over the nonce, the public keys given with --key and the optional init data \
            (docs/formats/evidence-bundle.md). --tee auto never picks the SIMULATED TEE: ask for it by name.
            """
    )

    @Option(help: "The TEE: auto, snp, tdx, tpm or simulated.")
    var tee: TEEChoice = .auto

    @Option(help: "The verifier's nonce, hex.")
    var nonce: String

    @Option(help: "A public (or private) signing key file (JWK) of this node to bind; repeat for several.")
    var key: [String] = []

    @Option(name: .customLong("init-data"), help: "A file whose bytes are bound as init data.")
    var initData: String?

    @Option(
        name: .customLong("kbs-tee-pubkey"),
        help: "KBS binding instead: the TEE public key (JWK file); --nonce is then the KBS challenge's nonce string."
    )
    var kbsTEEPublicKey: String?

    @Option(name: .customLong("kbs-hash"), help: "KBS binding: the runtime-data hash (sha256, sha384, sha512).")
    var kbsHash: String = "sha384"

    @Option(help: "Write the bundle here (default: standard output).")
    var out: String?

    @Option(help: "SEV-SNP: the VMPL to request the report for (0-3).")
    var vmpl: Int?

    @Option(
        name: .customLong("ak-out"),
        help: "TPM: also write the TPM's attestation key (PEM) here, to enroll it: verifiers pin it with --collateral."
    )
    var akOut: String?

    @Option(name: .customLong("event-log"), help: "The TPM measured-boot event log to staple, when readable.")
    var eventLog: String = TPMAttester.defaultEventLogPath

    @OptionGroup var teeOptions: AttesterOptions

    func validate() throws {
        if kbsTEEPublicKey != nil {
            guard !nonce.isEmpty, nonce.utf8.count <= 1024 else {
                throw ValidationError("--nonce must be the KBS challenge's nonce (1 to 1024 characters).")
            }
            guard ReportDataBinding.KBSHash(rawValue: kbsHash) != nil else {
                throw ValidationError("--kbs-hash must be sha256, sha384 or sha512.")
            }
        } else if (try? Hex.decode(nonce)).map({ !$0.isEmpty && $0.count <= 1024 }) != true {
            throw ValidationError("--nonce must be 1 to 1024 bytes of hex.")
        }
        if let vmpl, !(0...3).contains(vmpl) { throw ValidationError("--vmpl must be 0, 1, 2 or 3.") }
    }

    func run() async throws {
        let binding: ReportDataBinding
        if let kbsTEEPublicKey {
            binding = try kbsBinding(kbsTEEPublicKey)
        } else {
            binding = try .veil(nonce: try Hex.decode(nonce), keyFiles: key, initDataFile: initData)
        }
        let attester = try teeOptions.attester(tee, vmpl: vmpl, eventLog: eventLog)
        if attester.tee == .simulated {
            FileHandle.standardError.write(
                Data("WARNING: SIMULATED TEE: this evidence proves nothing; every default policy rejects it.\n".utf8)
            )
        }
        let bundle: EvidenceBundle
        do {
            bundle = try await attester.evidence(binding: binding)
        } catch {
            throw CLIError(
                "could not produce \(attester.tee.rawValue) evidence: \(error.reason)",
                remedy: error.remedy
            )
        }
        if let akOut { try writeAttestationKey(bundle, to: akOut) }
        let json = bundle.json()
        if let out {
            do {
                try Data(json).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                throw CLIError("cannot write \(out): \(error.localizedDescription)", remedy: "Choose a writable path.")
            }
        } else {
            FileHandle.standardOutput.write(Data(json))
        }
        let label = bundle.tee == .simulated ? "SIMULATED" : bundle.tee.rawValue
        FileHandle.standardError.write(
            Data(
                "\(label) evidence bundle from \(bundle.producer), report data \(Hex.encode(bundle.reportData).prefix(16))…\n"
                    .utf8
            )
        )
    }

    /// Enrollment: writes the AK this TPM just used (``EvidenceBundle/tpmAttestationKeyPEM``) to `path`.
    func writeAttestationKey(_ bundle: EvidenceBundle, to path: String) throws {
        guard let pem = bundle.tpmAttestationKeyPEM else {
            throw CLIError("--ak-out applies to TPM evidence only.", remedy: "Use it with --tee tpm.")
        }
        do {
            try Data(pem.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CLIError("cannot write \(path): \(error.localizedDescription)", remedy: "Choose a writable path.")
        }
        FileHandle.standardError.write(
            Data("wrote the TPM's attestation key to \(path) (pin it with --collateral)\n".utf8)
        )
    }

    /// The Confidential Containers KBS binding: runtime-data `{"nonce", "tee-pubkey"}` hashed as the KBS does.
    func kbsBinding(_ path: String) throws -> ReportDataBinding {
        let jwk: JWK
        do {
            jwk = try KeyFile.readJWK(path).publicKey
        } catch {
            throw CLIError("cannot read the TEE public key \(path): \(error)", remedy: "Give a JWK file.")
        }
        return .kbs(nonce: nonce, teePublicKey: jwk, hash: ReportDataBinding.KBSHash(rawValue: kbsHash) ?? .sha384)
    }
}
