/// Binary HTTP messages (RFC 9292): the plaintext inside Oblivious HTTP.
///
/// Requests and responses decode from both the known-length and the indeterminate-length forms, with
/// informational responses, trailers and padding; they encode in the known-length form, and responses also
/// stream in the indeterminate-length form (``ResponseStreamEncoder`` / ``ResponseStreamDecoder``) so a node can
/// send tokens as they are generated. Message content is kept in ``SecureBytes``.
public enum BinaryHTTP {
    /// One header or trailer field. Names are lowercase (as HTTP/2 and HTTP/3 require); values carry no CR, LF
    /// or NUL and no leading or trailing whitespace.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Bounds applied while decoding attacker-controlled messages.
    public struct Limits: Sendable {
        public var maximumFields: Int
        public var maximumFieldBytes: Int
        public var maximumSectionBytes: Int
        public var maximumContentBytes: Int

        public init(
            maximumFields: Int = 256,
            maximumFieldBytes: Int = 64 << 10,
            maximumSectionBytes: Int = 256 << 10,
            maximumContentBytes: Int = 16 << 20
        ) {
            self.maximumFields = maximumFields
            self.maximumFieldBytes = maximumFieldBytes
            self.maximumSectionBytes = maximumSectionBytes
            self.maximumContentBytes = maximumContentBytes
        }

        public static let `default` = Limits()
    }

    /// A malformed or oversized Binary HTTP message.
    public struct Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        public enum Code: String, Hashable, Sendable {
            case truncated
            case invalidFraming
            case invalidControlData
            case invalidField
            case invalidStatus
            case invalidPadding
            case tooLarge
        }

        public let code: Code
        public let detail: String

        public init(_ code: Code, _ detail: String) {
            self.code = code
            self.detail = detail
        }

        public var description: String { "binary HTTP \(code.rawValue): \(detail)" }
    }

    /// Framing indicators (RFC 9292 §3.3).
    enum Framing: UInt64 {
        case knownLengthRequest = 0
        case knownLengthResponse = 1
        case indeterminateLengthRequest = 2
        case indeterminateLengthResponse = 3
    }
}

// MARK: - Validation

extension BinaryHTTP {
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    static func validateFieldName(_ name: [UInt8]) throws(Error) {
        guard !name.isEmpty else { throw Error(.invalidField, "empty field name") }
        guard name.first != UInt8(ascii: ":") else { throw Error(.invalidField, "pseudo-field in a field section") }
        for byte in name where !isTokenCharacter(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) {
            throw Error(.invalidField, "invalid field name (lowercase token characters only)")
        }
    }

    static func validateFieldValue(_ value: [UInt8]) throws(Error) {
        for byte in value where byte == 0 || byte == 0x0A || byte == 0x0D {
            throw Error(.invalidField, "invalid field value (CR, LF or NUL)")
        }
        let whitespace: Set<UInt8> = [0x20, 0x09]
        if let first = value.first, whitespace.contains(first) {
            throw Error(.invalidField, "field value has leading whitespace")
        }
        if let last = value.last, whitespace.contains(last) {
            throw Error(.invalidField, "field value has trailing whitespace")
        }
    }

    static func validateToken(_ value: [UInt8], _ what: String) throws(Error) {
        guard !value.isEmpty, value.allSatisfy(isTokenCharacter) else {
            throw Error(.invalidControlData, "invalid \(what)")
        }
    }

    static func validateVisible(_ value: [UInt8], _ what: String, allowEmpty: Bool) throws(Error) {
        guard allowEmpty || !value.isEmpty else { throw Error(.invalidControlData, "empty \(what)") }
        guard value.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw Error(.invalidControlData, "invalid \(what)")
        }
    }
}
