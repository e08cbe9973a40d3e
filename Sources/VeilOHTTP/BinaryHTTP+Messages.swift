public import _VeilBytes

extension BinaryHTTP {
    /// An HTTP request (RFC 9292 §3.1).
    public struct Request: Sendable {
        public var method: String
        public var scheme: String
        public var authority: String
        public var path: String
        public var headers: [Field]
        public var content: SecureBytes
        public var trailers: [Field]

        public init(
            method: String = "GET",
            scheme: String = "https",
            authority: String = "",
            path: String,
            headers: [Field] = [],
            content: SecureBytes = SecureBytes(count: 0),
            trailers: [Field] = []
        ) {
            self.method = method
            self.scheme = scheme
            self.authority = authority
            self.path = path
            self.headers = headers
            self.content = content
            self.trailers = trailers
        }

        /// Decodes a request in either framing.
        public init<Bytes: RandomAccessCollection>(decoding bytes: Bytes, limits: Limits = .default) throws(Error)
        where Bytes.Element == UInt8, Bytes.Index == Int {
            var reader = Reader(bytes, limits: limits)
            let framing = try reader.framing()
            guard framing == .knownLengthRequest || framing == .indeterminateLengthRequest else {
                throw Error(.invalidFraming, "not a binary HTTP request (framing \(framing.rawValue))")
            }
            let indeterminate = framing == .indeterminateLengthRequest
            (method, scheme, authority, path) = try reader.requestControlData()
            (headers, content, trailers) = try reader.messageRemainder(indeterminate: indeterminate)
        }

        /// The known-length encoding (RFC 9292 §3.2, framing indicator 0).
        public func encoded() throws(Error) -> SecureBytes {
            var writer = Writer()
            try writer.varint(Framing.knownLengthRequest.rawValue)
            let method = Array(method.utf8)
            let scheme = Array(scheme.utf8)
            let authority = Array(authority.utf8)
            let path = Array(path.utf8)
            try validateToken(method, "method")
            try validateToken(scheme, "scheme")
            try validateVisible(authority, "authority", allowEmpty: true)
            try validateVisible(path, "path", allowEmpty: false)
            for part in [method, scheme, authority, path] { try writer.lengthPrefixed(part) }
            try writer.knownLengthRemainder(headers: headers, content: content, trailers: trailers)
            return writer.bytes
        }

        /// The value of the first header with this (lowercase) name.
        public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }

    /// An HTTP response (RFC 9292 §3.1), with any informational (1xx) responses that preceded it.
    public struct Response: Sendable {
        /// An informational response.
        public struct Informational: Hashable, Sendable {
            public var status: Int
            public var headers: [Field]

            public init(status: Int, headers: [Field]) {
                self.status = status
                self.headers = headers
            }
        }

        public var informational: [Informational]
        public var status: Int
        public var headers: [Field]
        public var content: SecureBytes
        public var trailers: [Field]

        public init(
            status: Int,
            headers: [Field] = [],
            content: SecureBytes = SecureBytes(count: 0),
            trailers: [Field] = [],
            informational: [Informational] = []
        ) {
            self.status = status
            self.headers = headers
            self.content = content
            self.trailers = trailers
            self.informational = informational
        }

        /// Decodes a response in either framing.
        public init<Bytes: RandomAccessCollection>(decoding bytes: Bytes, limits: Limits = .default) throws(Error)
        where Bytes.Element == UInt8, Bytes.Index == Int {
            var reader = Reader(bytes, limits: limits)
            let framing = try reader.framing()
            guard framing == .knownLengthResponse || framing == .indeterminateLengthResponse else {
                throw Error(.invalidFraming, "not a binary HTTP response (framing \(framing.rawValue))")
            }
            let indeterminate = framing == .indeterminateLengthResponse
            var informational: [Informational] = []
            var status = try reader.status()
            while status < 200 {
                informational.append(
                    Informational(status: status, headers: try reader.fields(indeterminate: indeterminate))
                )
                guard informational.count <= limits.maximumFields else {
                    throw Error(.tooLarge, "too many informational responses")
                }
                status = try reader.status()
            }
            self.informational = informational
            self.status = status
            (headers, content, trailers) = try reader.messageRemainder(indeterminate: indeterminate)
        }

        /// The known-length encoding (RFC 9292 §3.2, framing indicator 1).
        public func encoded() throws(Error) -> SecureBytes {
            var writer = Writer()
            try writer.varint(Framing.knownLengthResponse.rawValue)
            for response in informational {
                guard (100...199).contains(response.status) else {
                    throw Error(.invalidStatus, "informational status \(response.status)")
                }
                try writer.varint(UInt64(response.status))
                try writer.fields(response.headers, indeterminate: false)
            }
            guard (200...599).contains(status) else { throw Error(.invalidStatus, "final status \(status)") }
            try writer.varint(UInt64(status))
            try writer.knownLengthRemainder(headers: headers, content: content, trailers: trailers)
            return writer.bytes
        }

        /// The value of the first header with this (lowercase) name.
        public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }
    }
}
