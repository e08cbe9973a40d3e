import Crypto
import Foundation
import Testing
import VeilTransparency
import _VeilBytes

/// Vectors from golang.org/x/mod/sumdb/note and the C2SP specifications, checked in verbatim.
@Suite("C2SP signed notes and checkpoints")
struct SignedNoteTests {
    struct Vectors: Decodable {
        struct Go: Decodable {
            let vkey: String
            let skey: String
            let enoch_vkey: String
            let text: String
            let peter_sig: String
            let enoch_sig: String
            let bad_keys: [String]
        }

        let go: Go
        let signed_note_example: String
        let checkpoint_example: String
        let cosignature_example: String
        let cosignature_signed_message: String
    }

    static let vectors: Vectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors/signed-note-vectors.json")
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
    }()

    static func peterSigner() throws -> NoteSigner {
        let parts = vectors.go.skey.split(separator: "+", maxSplits: 4)
        let blob = try Base64.decode(parts[4])
        #expect(blob.first == 0x01)
        return try NoteSigner(
            name: "PeterNeumann",
            key: try Curve25519.Signing.PrivateKey(rawRepresentation: blob[1...])
        )
    }

    @Test("the Go vkey parses, its key ID is c74f20a3, and it re-encodes identically")
    func verifierKey() throws {
        let key = try NoteVerifierKey(vkey: Self.vectors.go.vkey)
        #expect(key.name == "PeterNeumann")
        #expect(key.keyID == 0xc74f_20a3)
        #expect(key.vkey == Self.vectors.go.vkey)
        #expect(try Self.peterSigner().verifierKey().vkey == Self.vectors.go.vkey)
        for bad in Self.vectors.go.bad_keys {
            #expect(throws: TransparencyError.self) { try NoteVerifierKey(vkey: bad) }
        }
        // Every truncation and every single-byte change is rejected (as note_test.go checks).
        let bytes = Array(Self.vectors.go.vkey.utf8)
        for i in 0..<bytes.count {
            var changed = bytes
            changed[i] &+= 1
            #expect(throws: TransparencyError.self) {
                try NoteVerifierKey(vkey: String(decoding: changed, as: UTF8.self))
            }
            #expect(throws: TransparencyError.self) {
                try NoteVerifierKey(vkey: String(decoding: bytes[..<i], as: UTF8.self))
            }
        }
    }

    @Test("signing the Go text with the Go key reproduces the published note byte for byte")
    func sign() throws {
        let signer = try Self.peterSigner()
        let note = SignedNote(text: Self.vectors.go.text, signatures: [try signer.sign(text: Self.vectors.go.text)])
        #expect(note.formatted == Self.vectors.go.text + "\n" + Self.vectors.go.peter_sig)
    }

    @Test("opening the Go notes: one key, both keys, no key, tampered text, malformed notes")
    func open() throws {
        let peter = try NoteVerifierKey(vkey: Self.vectors.go.vkey)
        let enoch = try NoteVerifierKey(vkey: Self.vectors.go.enoch_vkey)
        let text = Self.vectors.go.text
        let both = try SignedNote(parsing: text + "\n" + Self.vectors.go.peter_sig + Self.vectors.go.enoch_sig)
        #expect(both.text == text)
        #expect(both.signatures.map(\.name) == ["PeterNeumann", "EnochRoot"])
        #expect(try both.verify(with: [peter]).verified.map(\.key) == [peter])
        #expect(try both.verify(with: [peter, enoch]).verified.map(\.key) == [peter, enoch])
        #expect(throws: TransparencyError(.untrustedSignature, "the note carries no signature by a trusted key")) {
            try both.verify(with: [])
        }
        #expect(throws: TransparencyError.self) { try both.verify(with: [enoch, peter, enoch]) }
        let tampered = try SignedNote(
            parsing: text.replacingOccurrences(of: "cryptography", with: "cryptographY") + "\n"
                + Self.vectors.go.peter_sig
        )
        #expect(throws: TransparencyError.self) { try tampered.verify(with: [peter]) }
        let sig = Self.vectors.go.peter_sig
        let mangled = String(sig.prefix(60)) + "ABCD" + String(sig.dropFirst(60))
        #expect(throws: TransparencyError.self) { try SignedNote(parsing: text + "\n" + mangled).verify(with: [peter]) }
        let bad = [
            text,
            text + "\n",
            text + "\n" + String(sig.dropLast()),
            "\u{01}" + text + "\n" + sig,
            text + "\n"
                + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
            text + "\n" + sig + "Unexpected line.\n",
            text + "\n" + String(repeating: sig, count: 101),
        ]
        for note in bad {
            #expect(throws: TransparencyError.self) { try SignedNote(parsing: note) }
        }
    }

    @Test("the C2SP signed-note example parses with its text up to the last blank line")
    func c2spNote() throws {
        let note = try SignedNote(parsing: Self.vectors.signed_note_example)
        #expect(
            note.text == "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n"
        )
        #expect(note.signatures.count == 1 && note.signatures[0].name == "quasimodo.example/salvatore")
        #expect(note.formatted == Self.vectors.signed_note_example)
    }

    @Test("the C2SP checkpoint and cosignature examples parse; the cosignature's time is its signed message's")
    func c2spCheckpoint() throws {
        let note = try SignedNote(parsing: Self.vectors.cosignature_example)
        let checkpoint = try Checkpoint(text: note.text)
        #expect(checkpoint.origin == "example.com/behind-the-sofa")
        #expect(checkpoint.treeSize == 20_852_163)
        #expect(Base64.encode(checkpoint.rootHash) == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
        #expect(checkpoint.text == note.text)
        #expect(try SignedNote(parsing: Self.vectors.checkpoint_example).text == note.text)
        let witness = try #require(note.signatures.last)
        #expect(witness.name == "witness.example.com/w1")
        #expect(witness.signature.count == 72)
        let time = witness.signature[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(time == 1_679_315_147)
        #expect(
            Cosignature.message(text: note.text, timestamp: time) == Array(Self.vectors.cosignature_signed_message.utf8)
        )
    }

    @Test("checkpoint text: canonical sizes, 32-byte roots, at least three lines")
    func checkpointSyntax() throws {
        let root = Base64.encode([UInt8](repeating: 7, count: 32))
        _ = try Checkpoint(text: "o\n0\n\(root)\n")
        for bad in [
            "o\n01\n\(root)\n", "o\n-1\n\(root)\n", "o\n1\n", "o\n1\nAAAA\n", "o\n1\n\(root)", "o\n1\n\(root)\n\n",
        ] {
            #expect(throws: TransparencyError.self) { try Checkpoint(text: bad) }
        }
    }

    @Test("a log's checkpoint verifies with its key and origin, carries its signed time, and rejects others")
    func logCheckpoint() throws {
        let key = Curve25519.Signing.PrivateKey()
        let signer = try CheckpointSigner(origin: "log.example/veil", key: key)
        let time = Date(timeIntervalSince1970: 1_700_000_000)
        let note = try signer.sign(treeSize: 5, rootHash: Merkle.leafHash([1]), at: time)
        let verified = try VerifiedCheckpoint(note: note, log: signer.logKey)
        #expect(verified.checkpoint.treeSize == 5)
        #expect(verified.timestamp == time)
        let other = try LogKey(origin: "log.example/veil", publicKey: Curve25519.Signing.PrivateKey().publicKey)
        #expect(throws: TransparencyError.self) { try VerifiedCheckpoint(note: note, log: other) }
        let wrongOrigin = try LogKey(origin: "other.example/log", publicKey: key.publicKey)
        #expect(
            throws: TransparencyError(
                .wrongOrigin,
                "the checkpoint is from log `log.example/veil`, not the trusted log `other.example/log`"
            )
        ) {
            try VerifiedCheckpoint(note: note, log: wrongOrigin)
        }
        // A witness cosignature is verified when its key is trusted.
        let witnessKey = Curve25519.Signing.PrivateKey()
        let witness = try NoteSigner(name: "witness.example/w1", key: witnessKey)
        var parsed = try SignedNote(parsing: note)
        parsed.signatures.append(try witness.cosign(text: parsed.text, timestamp: 1_700_000_100))
        let cosigned = try VerifiedCheckpoint(
            note: parsed.formatted,
            log: signer.logKey,
            witnesses: [witness.verifierKey(.cosignatureV1)]
        )
        #expect(cosigned.witnesses["witness.example/w1"] == Date(timeIntervalSince1970: 1_700_000_100))
        // A bad cosignature from a trusted witness rejects the note.
        parsed.signatures[parsed.signatures.count - 1].signature[20] ^= 1
        #expect(throws: TransparencyError.self) {
            try VerifiedCheckpoint(
                note: parsed.formatted,
                log: signer.logKey,
                witnesses: [witness.verifierKey(.cosignatureV1)]
            )
        }
        // …and is ignored when the witness is not trusted.
        _ = try VerifiedCheckpoint(note: parsed.formatted, log: signer.logKey)
    }
}
