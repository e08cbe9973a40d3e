public import Crypto
public import Foundation

/// Signs a log's checkpoints: an Ed25519 note signature (`0x01`) under the origin, plus the log's own
/// `cosignature/v1` (`0x04`) carrying the time, which is how clients judge a checkpoint's age.
public struct CheckpointSigner: Sendable {
    public let origin: String
    private let signer: NoteSigner

    public init(origin: String, key: Curve25519.Signing.PrivateKey) throws(TransparencyError) {
        _ = try LogKey(origin: origin, publicKey: key.publicKey)
        self.origin = origin
        self.signer = try NoteSigner(name: origin, key: key)
    }

    /// The key clients pin.
    public var logKey: LogKey { try! LogKey(origin: origin, publicKey: signer.verifierKey().publicKey) }

    /// The signed checkpoint note for a tree.
    public func sign(treeSize: UInt64, rootHash: [UInt8], at time: Date) throws -> String {
        let text = Checkpoint(origin: origin, treeSize: treeSize, rootHash: rootHash).text
        let timestamp = UInt64(max(0, time.timeIntervalSince1970))
        return SignedNote(
            text: text,
            signatures: [try signer.sign(text: text), try signer.cosign(text: text, timestamp: timestamp)]
        ).formatted
    }
}
