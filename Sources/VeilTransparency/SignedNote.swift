import Foundation
import _VeilBytes

/// A C2SP signed note (c2sp.org/signed-note): UTF-8 text ending in a newline, a blank line, and one or more
/// signature lines `— <key name> base64(key ID || signature)`.
public struct SignedNote: Sendable, Hashable {
    /// One signature line.
    public struct Signature: Sendable, Hashable {
        /// The key name.
        public var name: String
        /// The 32-bit key ID (the first four decoded bytes, big-endian).
        public var keyID: UInt32
        /// The signature bytes after the key ID.
        public var signature: [UInt8]

        public init(name: String, keyID: UInt32, signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }

        /// The line as it appears in the note, with its newline.
        public var line: String {
            var blob = ByteWriter(capacity: 4 + signature.count)
            blob.write(keyID, .big)
            blob.write(contentsOf: signature)
            return "— \(name) \(Base64.encode(blob.bytes))\n"
        }
    }

    /// The largest note accepted (generous for post-quantum signatures).
    public static let maximumSize = 1 << 20
    /// The most signature lines accepted (the spec requires at least 16).
    public static let maximumSignatures = 100

    /// The signed text, including its final newline.
    public var text: String
    public var signatures: [Signature]

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as text.
    public var formatted: String {
        text + "\n" + signatures.map(\.line).joined()
    }

    /// Parses a note, checking only its syntax (no signature is verified).
    public init(parsing note: String) throws(TransparencyError) {
        let bytes = Array(note.utf8)
        guard bytes.count <= Self.maximumSize else { throw TransparencyError(.malformedNote, "the note is too large") }
        for byte in bytes where byte < 0x20 && byte != 0x0A {
            throw TransparencyError(.malformedNote, "the note contains a control character")
        }
        guard bytes.last == 0x0A else { throw TransparencyError(.malformedNote, "the note does not end in a newline") }
        // The text ends at the last blank line.
        var split: Int?
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0A && bytes[i + 1] == 0x0A {
                split = i
                break
            }
            i -= 1
        }
        guard let split else {
            throw TransparencyError(.malformedNote, "the note has no blank line before its signatures")
        }
        let text = String(decoding: bytes[...split], as: UTF8.self)
        let block = String(decoding: bytes[(split + 2)...], as: UTF8.self)
        guard !block.isEmpty else { throw TransparencyError(.malformedNote, "the note has no signatures") }
        var signatures: [Signature] = []
        for line in block.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard signatures.count < Self.maximumSignatures else {
                throw TransparencyError(.malformedNote, "the note has more than \(Self.maximumSignatures) signatures")
            }
            signatures.append(try Self.parseSignatureLine(Substring(line)))
        }
        self.init(text: text, signatures: signatures)
    }

    private static func parseSignatureLine(_ line: Substring) throws(TransparencyError) -> Signature {
        guard line.hasPrefix("— ") else {
            throw TransparencyError(.malformedNote, "a signature line lacks its em dash")
        }
        let rest = line.dropFirst(2)
        let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, SignedNote.isValidKeyName(parts[0]) else {
            throw TransparencyError(.malformedNote, "a signature line is not `— name signature`")
        }
        let blob: [UInt8]
        do { blob = try Base64.decode(parts[1]) } catch {
            throw TransparencyError(.malformedNote, "a signature is not valid base64")
        }
        guard blob.count > 4 else { throw TransparencyError(.malformedNote, "a signature is too short") }
        let keyID = blob[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Signature(name: String(parts[0]), keyID: keyID, signature: Array(blob[4...]))
    }

    /// Key names are non-empty and contain no Unicode spaces and no `+`.
    public static func isValidKeyName(_ name: some StringProtocol) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace }
    }
}
