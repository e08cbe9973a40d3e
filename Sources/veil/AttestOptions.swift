import ArgumentParser
import VeilAttesters
import Crypto
import Foundation
import VeilAttestation
import VeilVerifiers
import _VeilBytes

/// The options `veil attest verify` and `veil attest explain` share.
struct AttestOptions: ParsableArguments {
    @Argument(help: "The evidence file: an SEV-SNP report, a DCAP quote, a TPM quote bundle or Azure evidence JSON.")
    var evidence: String

    @Option(help: "Collateral: a directory or file holding certificates, CRLs, TCB info, QE identity.")
    var collateral: String?

    @Option(help: "A policy file (JSON). Without it the strict baseline applies.")
    var policy: String?

    @Option(help: "The expected nonce, hex (report data zero-padded to 64 bytes; TPM extraData).")
    var nonce: String?

    @Option(help: "The verification time, RFC 3339 (default: now).")
    var at: String?

    @Flag(help: "Relaxation: accept a debug-enabled TEE.")
    var allowDebug = false

    @Flag(name: .customLong("skip-tcb-collateral"), help: "Relaxation: do not require Intel TCB info and QE identity.")
    var skipTCBCollateral = false

    @Flag(name: .customLong("allow-missing-crl"), help: "Relaxation: do not require the PCK CRL and root CA CRL.")
    var allowMissingCRL = false

    @Flag(
        name: .customLong("allow-simulated"),
        help: "Relaxation: accept the SIMULATED TEE (development only; it proves nothing)."
    )
    var allowSimulated = false

    @Option(help: "Output format.")
    var format: OutputFormat = .text

    @Option(help: "Sign the result as an EAR (ES256 JWT) with this P-256 private key (PEM).")
    var earKey: String?

    @Option(help: "The key ID (kid) of the EAR signing key.")
    var earKeyID: String = "veil-ear"

    func validate() throws {
        if let at, RFC3339.date(at) == nil {
            throw ValidationError("--at '\(at)' is not an RFC 3339 time such as 2025-07-01T00:00:00Z.")
        }
        if let nonce, (try? Hex.decode(nonce)) == nil {
            throw ValidationError("--nonce must be hex.")
        }
    }

    /// Runs verification and appraisal.
    func run() throws -> AttestationResult {
        let flags = VerificationOptions(
            allowDebug: allowDebug,
            skipTCBCollateral: skipTCBCollateral,
            allowMissingCRL: allowMissingCRL,
            allowSimulated: allowSimulated
        )
        do {
            return try EvidenceRouter.verifyFile(
                evidence,
                policy: policy,
                collateral: collateral,
                time: at.flatMap(RFC3339.date) ?? Date(),
                nonce: try nonce.map { try Hex.decode($0) },
                flags: flags
            )
        } catch let error as EvidenceRouter.FileError {
            throw ValidationError(error.description)
        }
    }

    /// The EAR token for a result, when --ear-key was given.
    func ear(for result: AttestationResult) throws -> String? {
        guard let earKey else { return nil }
        guard let pem = try? String(contentsOfFile: earKey, encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: pem)
        else {
            throw ValidationError("--ear-key \(earKey) is not a readable P-256 private key in PEM.")
        }
        return try EAR.sign(
            result,
            with: key,
            keyID: earKeyID,
            verifierBuild: "veil \(VeilVersion.current)",
            nonce: try nonce.map { try Hex.decode($0) }
        )
    }
}
