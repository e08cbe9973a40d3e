import _VeilBytes

extension BinaryHTTP {
    /// Reads the parts of a Binary HTTP message from untrusted bytes, with the limits applied.
    struct Reader<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
        var cursor: ByteCursor<Bytes>
        let limits: Limits

        init(_ bytes: Bytes, limits: Limits) {
            cursor = ByteCursor(bytes)
            self.limits = limits
        }

        var isAtEnd: Bool { cursor.isAtEnd }

        mutating func varint(_ what: String) throws(Error) -> UInt64 {
            do {
                return try cursor.readVarInt(what)
            } catch {
                throw Error(.truncated, error.description)
            }
        }

        mutating func framing() throws(Error) -> Framing {
            let value = try varint("framing indicator")
            guard let framing = Framing(rawValue: value) else {
                throw Error(.invalidFraming, "unknown framing indicator \(value)")
            }
            return framing
        }

        /// A varint-length-prefixed byte string of at most `maximum` bytes.
        mutating func lengthPrefixed(_ what: String, maximum: Int) throws(Error) -> [UInt8] {
            let length = try varint("length of \(what)")
            guard length <= UInt64(maximum) else {
                throw Error(.tooLarge, "\(what) of \(length) bytes exceeds \(maximum)")
            }
            do {
                return try cursor.readBytes(count: Int(length), what)
            } catch {
                throw Error(.truncated, error.description)
            }
        }

        /// Request control data (RFC 9292 §3.4): method, scheme, authority, path.
        mutating func requestControlData() throws(Error) -> (String, String, String, String) {
            let maximum = limits.maximumFieldBytes
            let method = try lengthPrefixed("method", maximum: maximum)
            try validateToken(method, "method")
            let scheme = try lengthPrefixed("scheme", maximum: maximum)
            try validateToken(scheme, "scheme")
            let authority = try lengthPrefixed("authority", maximum: maximum)
            try validateVisible(authority, "authority", allowEmpty: true)
            let path = try lengthPrefixed("path", maximum: maximum)
            try validateVisible(path, "path", allowEmpty: false)
            return (ascii(method), ascii(scheme), ascii(authority), ascii(path))
        }

        mutating func status() throws(Error) -> Int {
            let value = try varint("status code")
            guard (100...599).contains(value) else { throw Error(.invalidStatus, "status code \(value)") }
            return Int(value)
        }

        /// A field line: name and value, validated.
        private mutating func fieldLine(name: [UInt8]) throws(Error) -> Field {
            try validateFieldName(name)
            let value = try lengthPrefixed("field value", maximum: limits.maximumFieldBytes)
            try validateFieldValue(value)
            guard let text = String(validating: value, as: UTF8.self) else {
                throw Error(.invalidField, "field value is not UTF-8")
            }
            return Field(ascii(name), text)
        }

        /// A field section in the message's framing. `optional` sections may be absent at the end of input.
        mutating func fields(indeterminate: Bool, optional: Bool = false) throws(Error) -> [Field] {
            if optional, cursor.isAtEnd { return [] }
            var fields: [Field] = []
            if indeterminate {
                var total = 0
                while true {
                    let name = try lengthPrefixed("field name", maximum: limits.maximumFieldBytes)
                    if name.isEmpty { return fields }
                    let field = try fieldLine(name: name)
                    total += name.count + field.value.utf8.count
                    try checkSection(count: fields.count + 1, bytes: total)
                    fields.append(field)
                }
            }
            let length = try varint("field section length")
            guard length <= UInt64(limits.maximumSectionBytes) else {
                throw Error(.tooLarge, "field section of \(length) bytes exceeds \(limits.maximumSectionBytes)")
            }
            let end = cursor.offset + Int(length)
            guard end <= cursor.count else { throw Error(.truncated, "field section runs past the message") }
            while cursor.offset < end {
                let name = try lengthPrefixed("field name", maximum: limits.maximumFieldBytes)
                fields.append(try fieldLine(name: name))
                try checkSection(count: fields.count, bytes: 0)
                guard cursor.offset <= end else { throw Error(.invalidField, "a field line crosses its section's end") }
            }
            return fields
        }

        private func checkSection(count: Int, bytes: Int) throws(Error) {
            guard count <= limits.maximumFields else {
                throw Error(.tooLarge, "more than \(limits.maximumFields) fields")
            }
            guard bytes <= limits.maximumSectionBytes else {
                throw Error(.tooLarge, "field section exceeds \(limits.maximumSectionBytes) bytes")
            }
        }

        /// Content in the message's framing, absent (empty) at the end of input.
        mutating func content(indeterminate: Bool) throws(Error) -> SecureBytes {
            if cursor.isAtEnd { return SecureBytes(count: 0) }
            if !indeterminate {
                return try contentChunk(length: varint("content length"))
            }
            var content = SecureBytes(reservingCapacity: 0)
            while true {
                let length = try varint("content chunk length")
                if length == 0 { return content }
                guard UInt64(content.count) + length <= UInt64(limits.maximumContentBytes) else {
                    throw Error(.tooLarge, "content exceeds \(limits.maximumContentBytes) bytes")
                }
                content.append(contentsOf: try contentChunk(length: length))
            }
        }

        mutating func contentChunk(length: UInt64) throws(Error) -> SecureBytes {
            guard length <= UInt64(limits.maximumContentBytes) else {
                throw Error(.tooLarge, "content of \(length) bytes exceeds \(limits.maximumContentBytes)")
            }
            do {
                return SecureBytes(try cursor.readSlice(count: Int(length), "content"))
            } catch {
                throw Error(.truncated, error.description)
            }
        }

        /// What follows the control data in both requests and responses (RFC 9292 §3.1): the header section, the
        /// content, the trailer section (each absent at the end of input reads as empty), then padding.
        mutating func messageRemainder(indeterminate: Bool) throws(Error) -> ([Field], SecureBytes, [Field]) {
            let headers = try fields(indeterminate: indeterminate, optional: true)
            let content = try content(indeterminate: indeterminate)
            let trailers = try fields(indeterminate: indeterminate, optional: true)
            try padding()
            return (headers, content, trailers)
        }

        /// Padding: whatever remains must be zero bytes (RFC 9292 §3.8).
        mutating func padding() throws(Error) {
            let rest = cursor.readRemaining()
            guard rest.allSatisfy({ $0 == 0 }) else { throw Error(.invalidPadding, "padding is not zero") }
        }

        private func ascii(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Appends the parts of a Binary HTTP message to secure memory.
    struct Writer {
        var bytes = SecureBytes(reservingCapacity: 256)

        mutating func varint(_ value: UInt64) throws(Error) {
            var writer = ByteWriter(capacity: 8)
            do {
                try writer.writeVarInt(value)
            } catch {
                throw Error(.tooLarge, error.description)
            }
            bytes.append(contentsOf: writer.bytes)
        }

        mutating func lengthPrefixed(_ value: some Collection<UInt8>) throws(Error) {
            try varint(UInt64(value.count))
            bytes.append(contentsOf: value)
        }

        /// The known-length header section, content and trailer section that end every message (RFC 9292 §3.2).
        mutating func knownLengthRemainder(headers: [Field], content: SecureBytes, trailers: [Field]) throws(Error) {
            try fields(headers, indeterminate: false)
            try lengthPrefixed(content)
            try fields(trailers, indeterminate: false)
        }

        /// A field section: known-length (length-prefixed) or indeterminate (terminated by a zero-length name).
        mutating func fields(_ fields: [Field], indeterminate: Bool) throws(Error) {
            var section = Writer()
            for field in fields {
                let name = Array(field.name.utf8)
                let value = Array(field.value.utf8)
                try validateFieldName(name)
                try validateFieldValue(value)
                try section.lengthPrefixed(name)
                try section.lengthPrefixed(value)
            }
            if indeterminate {
                bytes.append(contentsOf: section.bytes)
                try varint(0)
            } else {
                try lengthPrefixed(section.bytes)
            }
        }
    }
}
