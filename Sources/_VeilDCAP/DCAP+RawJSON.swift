public import VeilAttestation

extension DCAP {
    /// Finds the exact bytes of the top-level members of a JSON object, so a signature over a member's raw
    /// bytes (Intel signs `tcbInfo` and `enclaveIdentity` as served) can be checked without re-serialising.
    public enum RawJSON {
        /// The raw value bytes of each top-level member of the object in `bytes`.
        public static func members(_ bytes: [UInt8]) throws(AttestationError) -> [String: ArraySlice<UInt8>] {
            var index = 0
            func fail(_ why: String) -> AttestationError {
                AttestationError(.malformedCollateral, "JSON at byte \(index): \(why)")
            }
            func skipSpace() {
                while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
            }
            func scanString() throws(AttestationError) -> String {
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a string") }
                let start = index + 1
                index += 1
                while index < bytes.count {
                    switch bytes[index] {
                    case UInt8(ascii: "\\"): index += 2
                    case UInt8(ascii: "\""):
                        index += 1
                        return String(decoding: bytes[start..<(index - 1)], as: UTF8.self)
                    default: index += 1
                    }
                }
                throw fail("unterminated string")
            }
            func scanValue() throws(AttestationError) {
                skipSpace()
                guard index < bytes.count else { throw fail("expected a value") }
                switch bytes[index] {
                case UInt8(ascii: "\""): _ = try scanString()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    var depth = 0
                    while index < bytes.count {
                        switch bytes[index] {
                        case UInt8(ascii: "\""):
                            _ = try scanString()
                            continue
                        case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                        case UInt8(ascii: "}"), UInt8(ascii: "]"):
                            depth -= 1
                            if depth == 0 {
                                index += 1
                                return
                            }
                        default: break
                        }
                        index += 1
                    }
                    throw fail("unterminated object or array")
                default:
                    while index < bytes.count,
                        ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")].contains(bytes[index])
                    {
                        index += 1
                    }
                }
            }
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw fail("expected an object") }
            index += 1
            var out: [String: ArraySlice<UInt8>] = [:]
            while true {
                skipSpace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == UInt8(ascii: "}") { break }
                let key = try scanString()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                index += 1
                skipSpace()
                let start = index
                try scanValue()
                out[key] = bytes[start..<index]
                skipSpace()
                guard index < bytes.count else { throw fail("unterminated object") }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                guard bytes[index] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                break
            }
            return out
        }
    }
}
