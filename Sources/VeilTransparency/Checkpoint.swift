public import Crypto
public import Foundation
import _VeilBytes

/// A c2sp.org/tlog-checkpoint note body: origin, tree size, root hash and optional extension lines.
public struct Checkpoint: Sendable, Hashable {
    public var origin: String
    public var treeSize: UInt64
    public var rootHash: [UInt8]
    public var extensions: [String]

    public init(origin: String, treeSize: UInt64, rootHash: [UInt8], extensions: [String] = []) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.extensions = extensions
    }

    /// The note text: one line each, every line ending in a newline.
    public var text: String {
        ([origin, String(treeSize), Base64.encode(rootHash)] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses note text as a checkpoint.
    public init(text: String) throws(TransparencyError) {
        guard text.hasSuffix("\n") else {
            throw TransparencyError(.malformedNote, "the checkpoint does not end in a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, lines.allSatisfy({ !$0.isEmpty }) else {
            throw TransparencyError(.malformedNote, "a checkpoint has at least three non-empty lines")
        }
        let sizeLine = lines[1]
        guard sizeLine.allSatisfy({ $0.isASCII && $0.isNumber }), sizeLine == "0" || !sizeLine.hasPrefix("0"),
            let size = UInt64(sizeLine)
        else { throw TransparencyError(.malformedNote, "the checkpoint's tree size is not a canonical decimal") }
        let root: [UInt8]
        do { root = try Base64.decode(lines[2]) } catch {
            throw TransparencyError(.malformedNote, "the checkpoint's root hash is not base64")
        }
        guard root.count == Merkle.hashSize else {
            throw TransparencyError(.malformedNote, "the checkpoint's root hash is not 32 bytes")
        }
        self.init(
            origin: String(lines[0]),
            treeSize: size,
            rootHash: root,
            extensions: lines.dropFirst(3).map(String.init)
        )
    }
}

/// A log's identity as clients pin it: its origin (also its key name) and its Ed25519 public key.
///
/// The log signs each checkpoint twice with the same key and name: an Ed25519 note signature (type `0x01`), and a
/// `cosignature/v1` (type `0x04`) whose signed POSIX timestamp tells clients how fresh the checkpoint is. The two
/// types have distinct key IDs and domain-separated messages (the log refuses the origin `cosignature/v1`).
public struct LogKey: Sendable, Hashable {
    public let origin: String
    public let publicKey: Curve25519.Signing.PublicKey

    public init(origin: String, publicKey: Curve25519.Signing.PublicKey) throws(TransparencyError) {
        guard SignedNote.isValidKeyName(origin), origin != "cosignature/v1" else {
            throw TransparencyError(.malformedKey, "the origin must be a key name without spaces or `+`")
        }
        self.origin = origin
        self.publicKey = publicKey
    }

    /// The signature verifier (type `0x01`).
    public var verifier: NoteVerifierKey { try! NoteVerifierKey(name: origin, type: .ed25519, publicKey: publicKey) }
    /// The timestamp verifier (type `0x04`).
    public var timestampVerifier: NoteVerifierKey {
        try! NoteVerifierKey(name: origin, type: .cosignatureV1, publicKey: publicKey)
    }
}

/// A checkpoint whose log signature verified.
public struct VerifiedCheckpoint: Sendable, Hashable {
    /// The parsed checkpoint.
    public let checkpoint: Checkpoint
    /// The note, as received.
    public let note: SignedNote
    /// When the log last vouched for this checkpoint (its own signed timestamp), if it did.
    public let timestamp: Date?
    /// The trusted witnesses that cosigned, with their times.
    public let witnesses: [String: Date]

    /// Verifies a checkpoint note: the log's signature, the origin, and any trusted witness cosignatures.
    public init(
        note text: String,
        log: LogKey,
        witnesses witnessKeys: [NoteVerifierKey] = []
    ) throws(TransparencyError) {
        let note = try SignedNote(parsing: text)
        let checkpoint = try Checkpoint(text: note.text)
        guard checkpoint.origin == log.origin else {
            throw TransparencyError(
                .wrongOrigin,
                "the checkpoint is from log `\(checkpoint.origin)`, not the trusted log `\(log.origin)`"
            )
        }
        let verification = try note.verify(with: [log.verifier, log.timestampVerifier] + witnessKeys)
        guard verification.verified.contains(where: { $0.key == log.verifier }) else {
            throw TransparencyError(
                .untrustedSignature,
                "the checkpoint is not signed by the log key of `\(log.origin)`"
            )
        }
        var timestamp: Date?
        var witnesses: [String: Date] = [:]
        for (key, time) in verification.verified {
            guard let time else { continue }
            let date = Date(timeIntervalSince1970: TimeInterval(time))
            if key == log.timestampVerifier { timestamp = date } else { witnesses[key.name] = date }
        }
        self.checkpoint = checkpoint
        self.note = note
        self.timestamp = timestamp
        self.witnesses = witnesses
    }
}

extension LogKey {
    public static func == (lhs: LogKey, rhs: LogKey) -> Bool {
        lhs.origin == rhs.origin && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(publicKey.rawRepresentation)
    }
}
