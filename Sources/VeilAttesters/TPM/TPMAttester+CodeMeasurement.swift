import Crypto
import Foundation
import _VeilBytes

extension TPMAttester {
    /// The PCR that carries the node's code measurement: PCR 23, the "application support" PCR that the PC Client
    /// profile makes resettable at locality 0, so that each node start measures from zero.
    public static let codePCR = 23

    /// The value PCR 23 holds after a reset and one extend with SHA-256 of `executable`'s bytes:
    /// `SHA-256(0³² ‖ SHA-256(executable))`. This is the `pcr23` a logged release lists for the TPM.
    public static func expectedCodePCR(executableDigest digest: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: [UInt8](repeating: 0, count: 32) + digest))
    }

    /// SHA-256 of a file's bytes (streamed).
    public static func executableDigest(_ path: String) throws(AttesterError) -> [UInt8] {
        try FileDigest.hash(path, using: SHA256.self)
    }

    /// Makes PCR 23 hold the code measurement of ``measuredExecutable`` before a quote: when it does not already,
    /// reset it and extend it with the executable's SHA-256. Stateless and idempotent, so every quote covers it.
    ///
    /// What this proves: on swtpm or a TPM whose OS is itself measured and trusted, that the quoting process ran
    /// this executable. Any process with TPM access can reset PCR 23, so on a machine whose OS is untrusted it
    /// proves nothing about the code (see docs/attestation.md, "TPM").
    func ensureCodeMeasurement() async throws(AttesterError) {
        guard let executable = measuredExecutable else { return }
        let digest = try Self.executableDigest(executable)
        let expected = Self.expectedCodePCR(executableDigest: digest)
        do {
            try await client.startup()
            let current = try await client.readPCRs(TPM2.PCRSelection(indices: [Self.codePCR]))[Self.codePCR]
            if current == expected { return }
            try await client.resetPCR(Self.codePCR)
            try await client.extendPCR(Self.codePCR, sha256Digest: digest)
        } catch {
            throw AttesterError(.tpm, "cannot measure \(executable) into PCR \(Self.codePCR): \(error)")
        }
    }
}
