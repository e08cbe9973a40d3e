import Foundation
import _VeilBytes

/// Decoding helpers for evidence carried in JSON, where binary fields appear as integer arrays, hex,
/// base64url (padded or not) or base64.
public enum EvidenceJSON {
    /// The largest JSON evidence accepted.
    public static let maximumSize = 4 << 20

    /// Parses a JSON object.
    public static func object(_ bytes: [UInt8]) -> [String: Any]? {
        guard bytes.count <= maximumSize else { return nil }
        return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
    }

    /// Whether the bytes start (after whitespace) with `{`.
    public static func looksLikeJSON(_ bytes: [UInt8]) -> Bool {
        bytes.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) } == UInt8(ascii: "{")
    }

    /// Decodes a binary field.
    public static func bytes(_ value: Any?) -> [UInt8]? {
        switch value {
        case let array as [Any]:
            var out: [UInt8] = []
            out.reserveCapacity(array.count)
            for element in array {
                guard let number = element as? NSNumber, let byte = UInt8(exactly: number.intValue),
                    number.intValue >= 0
                else { return nil }
                out.append(byte)
            }
            return out
        case let text as String:
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.count % 2 == 0, trimmed.allSatisfy(\.isHexDigit), let hex = try? Hex.decode(trimmed) {
                return hex
            }
            let unpadded = trimmed.replacingOccurrences(of: "=", with: "")
            if let url = try? Base64URL.decode(unpadded) { return url }
            if let standard = try? Base64.decode(unpadded, alphabet: .standard, padding: .optional) { return standard }
            return nil
        default:
            return nil
        }
    }

    /// Decodes a list of binary fields (PCR values) indexed by position, or an object keyed by index.
    public static func indexedBytes(_ value: Any?) -> [Int: [UInt8]]? {
        if let list = value as? [Any] {
            var out: [Int: [UInt8]] = [:]
            for (index, element) in list.enumerated() {
                guard let bytes = bytes(element) else { return nil }
                out[index] = bytes
            }
            return out
        }
        if let map = value as? [String: Any] {
            var out: [Int: [UInt8]] = [:]
            for (key, element) in map {
                guard let index = Int(key), let bytes = bytes(element) else { return nil }
                out[index] = bytes
            }
            return out
        }
        return nil
    }
}
