import Foundation

extension KBS {
    /// Any JSON value, for the protocol's open-ended members (`extra-params`, `init-data`, `tee-evidence`).
    /// Decoding is bounded by the message size limit the caller enforces and by a nesting limit.
    public indirect enum JSONValue: Sendable, Hashable, Codable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])

        /// The deepest nesting accepted.
        public static let maximumDepth = 32

        public init(from decoder: any Decoder) throws {
            guard decoder.codingPath.count <= Self.maximumDepth else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "JSON nested too deeply")
                )
            }
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSONValue].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .number(let value): try container.encode(value)
            case .string(let value): try container.encode(value)
            case .array(let value): try container.encode(value)
            case .object(let value): try container.encode(value)
            }
        }

        /// The string, if this is one.
        public var stringValue: String? {
            if case .string(let value) = self { return value }
            return nil
        }

        /// The members, if this is an object.
        public var objectValue: [String: JSONValue]? {
            if case .object(let value) = self { return value }
            return nil
        }

        /// Compact JSON with sorted keys.
        public func jsonBytes() -> [UInt8] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array((try? encoder.encode(self)) ?? Data("null".utf8))
        }

        /// Parses JSON bytes (at most ``KBS/maximumMessageSize``).
        public init(json bytes: [UInt8]) throws(KBSProtocolError) {
            guard bytes.count <= KBS.maximumMessageSize else {
                throw KBSProtocolError(.malformedMessage, "the JSON exceeds \(KBS.maximumMessageSize) bytes")
            }
            do {
                self = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
            } catch {
                throw KBSProtocolError(.malformedMessage, "not JSON")
            }
        }
    }
}
