import Foundation
public import VeilAttesters
public import VeilWire
import _VeilBytes

extension KBSClient {
    /// What ``fetchResource(_:attester:teeKey:to:overwrite:tokenTo:)`` released.
    public struct Fetched: Sendable {
        /// The attested session (its token and expiry).
        public let session: KBSSession
        /// The resource's size in bytes.
        public let bytes: Int
    }

    /// The guest side of the KBS protocol end to end (`veil kbs get-resource`): attests with `attester` and
    /// `teeKey`, fetches the resource at `path`, and writes it to `out` (mode 0600, atomically, the plaintext only
    /// ever in locked memory before), and the broker's token to `tokenOut` when given. Failures are
    /// ``RemedialError``s that say what to do.
    public func fetchResource(
        _ path: KBS.ResourcePath,
        attester: any Attester,
        teeKey: KBS.TEEKey,
        to out: String,
        overwrite: Bool,
        tokenTo tokenOut: String?
    ) async throws -> Fetched {
        let session: KBSSession
        let secret: SecureBytes
        do {
            session = try await attest(tee: KBS.TEE(platform: attester.tee), attester: attester, teeKey: teeKey)
            secret = try await resource(path, session: session)
        } catch let error as KBSClientError {
            throw RemedialError("the key broker exchange failed: \(error)", remedy: error.remedy)
        }
        do {
            let writer = try AtomicFileWriter(path: out, mode: 0o600, overwrite: overwrite)
            try writer.write(secret, range: 0..<secret.count)
            try writer.commit()
            if let tokenOut {
                let tokenWriter = try AtomicFileWriter(path: tokenOut, mode: 0o600, overwrite: true)
                try tokenWriter.write(Array(session.token.utf8))
                try tokenWriter.commit()
            }
        } catch {
            throw RemedialError(
                "\(error)",
                remedy: "Check that the output directory exists and is writable (or --force)."
            )
        }
        return Fetched(session: session, bytes: secret.count)
    }
}
