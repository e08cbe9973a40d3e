public import Foundation
public import VeilKeys
import _VeilBytes

/// How a submitter authenticates an append: the request body is a JWS (RFC 7515, compact serialization) signed
/// with the submitter's key (EdDSA for Ed25519, ES256 for P-256), `kid` = the key's RFC 7638 thumbprint,
/// `typ` = `veil-log-entry+jws`, over the payload
/// `{"origin": <the log's origin>, "kind": <entry kind>, "entry": base64(canonical entry), "iat": <POSIX seconds>}`.
///
/// The log accepts it only from a configured submitter key, for its own origin, within ``maximumSkew`` of its clock.
/// A replayed envelope can only re-append the same entry, which is idempotent.
public enum SubmissionEnvelope {
    /// The JWS `typ`.
    public static let type = "veil-log-entry+jws"
    /// The largest clock difference accepted between submitter and log.
    public static let maximumSkew: TimeInterval = 300

    struct Header: Codable {
        var alg: String
        var kid: String
        var typ: String
    }

    struct Payload: Codable {
        var origin: String
        var kind: LogEntry.Kind
        var entry: String
        var iat: UInt64
    }

    /// Signs an entry for the log `origin`.
    public static func sign(
        _ entry: LogEntry,
        origin: String,
        key: SigningPrivateKey,
        now: Date = Date()
    ) throws -> String {
        let alg = key.kind == .ed25519 ? "EdDSA" : "ES256"
        let header = Header(alg: alg, kid: key.publicKey.thumbprint, typ: type)
        let payload = Payload(
            origin: origin,
            kind: entry.kind,
            entry: Base64.encode(entry.leafData),
            iat: UInt64(max(0, now.timeIntervalSince1970))
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput =
            Base64URL.encode(Array(try encoder.encode(header))) + "."
            + Base64URL.encode(Array(try encoder.encode(payload)))
        let signature = try key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(signature)
    }

    /// Verifies an envelope and returns its entry and the submitter's key.
    public static func open(
        _ compact: String,
        origin: String,
        submitters: [SigningPublicKey],
        now: Date = Date()
    ) throws(TransparencyError) -> (entry: LogEntry, submitter: SigningPublicKey) {
        let parts = compact.split(separator: ".", omittingEmptySubsequences: false)
        guard compact.utf8.count <= 4 * LogEntry.maximumSize, parts.count == 3 else {
            throw TransparencyError(.badSubmission, "the request body is not a compact JWS")
        }
        let decoder = JSONDecoder()
        guard let headerBytes = try? Base64URL.decode(parts[0]),
            let header = try? decoder.decode(Header.self, from: Data(headerBytes)),
            let payloadBytes = try? Base64URL.decode(parts[1]),
            let signature = try? Base64URL.decode(parts[2])
        else { throw TransparencyError(.badSubmission, "the JWS header, payload or signature is malformed") }
        guard header.typ == type else { throw TransparencyError(.badSubmission, "the JWS `typ` is not `\(type)`") }
        guard let key = submitters.first(where: { $0.thumbprint == header.kid }) else {
            throw TransparencyError(.untrustedSignature, "the submitter key is not one this log accepts")
        }
        let expectedAlg = key.kind == .ed25519 ? "EdDSA" : "ES256"
        guard header.alg == expectedAlg else {
            throw TransparencyError(.badSubmission, "the JWS `alg` does not match the submitter key")
        }
        let signingInput = Array(compact.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard key.isValidSignature(signature, for: signingInput) else {
            throw TransparencyError(.badSignature, "the submitter's signature does not verify")
        }
        guard let payload = try? decoder.decode(Payload.self, from: Data(payloadBytes)) else {
            throw TransparencyError(.badSubmission, "the JWS payload is not an append request")
        }
        guard payload.origin == origin else {
            throw TransparencyError(.wrongOrigin, "the submission is for log `\(payload.origin)`, not `\(origin)`")
        }
        let skew = abs(now.timeIntervalSince1970 - TimeInterval(payload.iat))
        guard skew <= maximumSkew else {
            throw TransparencyError(.badSubmission, "the submission's time is \(Int(skew)) s from the log's clock")
        }
        guard let leafData = try? Base64.decode(payload.entry) else {
            throw TransparencyError(.badSubmission, "the submitted entry is not base64")
        }
        let entry = try LogEntry(leafData: leafData)
        guard entry.kind == payload.kind else {
            throw TransparencyError(.badSubmission, "the submitted entry is not of the declared kind")
        }
        return (entry, key)
    }
}
