public import _VeilBytes

extension BinaryHTTP {
    /// Writes a response in the indeterminate-length form (RFC 9292 §3.2, framing indicator 3) piece by piece,
    /// so each piece can be sent as one chunked-OHTTP chunk: ``head(status:headers:)`` once, ``content(_:)``
    /// for each piece of content, ``end(trailers:)`` once.
    public enum ResponseStreamEncoder {
        /// Framing indicator, status and header section.
        public static func head(status: Int, headers: [Field]) throws(Error) -> SecureBytes {
            guard (200...599).contains(status) else { throw Error(.invalidStatus, "final status \(status)") }
            var writer = Writer()
            try writer.varint(Framing.indeterminateLengthResponse.rawValue)
            try writer.varint(UInt64(status))
            try writer.fields(headers, indeterminate: true)
            return writer.bytes
        }

        /// One content chunk (empty input encodes to nothing: a zero length would end the content).
        public static func content(_ piece: SecureBytes) throws(Error) -> SecureBytes {
            var writer = Writer()
            if !piece.isEmpty { try writer.lengthPrefixed(piece) }
            return writer.bytes
        }

        /// The content terminator and the trailer section.
        public static func end(trailers: [Field] = []) throws(Error) -> SecureBytes {
            var writer = Writer()
            try writer.varint(0)
            try writer.fields(trailers, indeterminate: true)
            return writer.bytes
        }
    }

    /// Reads a response as it arrives, in either framing, and reports what each new piece of input completes.
    public struct ResponseStreamDecoder: Sendable {
        /// What a piece of input completed.
        public enum Event: Sendable {
            case informational(Response.Informational)
            case head(status: Int, headers: [Field])
            case content(SecureBytes)
            case end(trailers: [Field])
        }

        private enum Phase: Sendable {
            case framing
            case status
            case content
            case trailers
            case padding
        }

        private let limits: Limits
        private var buffer = SecureBytes(reservingCapacity: 0)
        private var phase = Phase.framing
        private var indeterminate = true
        private var contentBytes = 0

        public init(limits: Limits = .default) {
            self.limits = limits
        }

        /// Whether the whole response has been read.
        public var isComplete: Bool {
            if case .padding = phase { return true }
            return false
        }

        /// Adds bytes; returns the events they complete.
        public mutating func receive(_ bytes: SecureBytes) throws(Error) -> [Event] {
            buffer.append(contentsOf: bytes)
            var events: [Event] = []
            while let (event, consumed) = try next(atEnd: false) {
                consume(consumed)
                if let event { events.append(event) }
            }
            return events
        }

        /// Call at the end of the stream: returns the events the remaining bytes complete, treating absent
        /// trailing sections as empty, or throws ``Error/Code/truncated``.
        public mutating func finish() throws(Error) -> [Event] {
            var events: [Event] = []
            while let (event, consumed) = try next(atEnd: true) {
                consume(consumed)
                if let event { events.append(event) }
            }
            guard isComplete else { throw Error(.truncated, "the response ended before it was complete") }
            return events
        }

        private mutating func consume(_ count: Int) {
            guard count > 0 else { return }
            buffer = SecureBytes(buffer[count...])
        }

        /// Parses the next element. Returns nil when more input is needed (or nothing is left to do).
        private mutating func next(atEnd: Bool) throws(Error) -> (Event?, Int)? {
            var reader = Reader(buffer, limits: limits)
            do throws(Error) {
                switch phase {
                case .framing:
                    let framing = try reader.framing()
                    guard framing == .knownLengthResponse || framing == .indeterminateLengthResponse else {
                        throw Error(.invalidFraming, "not a binary HTTP response (framing \(framing.rawValue))")
                    }
                    indeterminate = framing == .indeterminateLengthResponse
                    phase = .status
                    return (nil, reader.cursor.offset)
                case .status:
                    let status = try reader.status()
                    let headers = try reader.fields(indeterminate: indeterminate)
                    if status < 200 {
                        return (
                            .informational(Response.Informational(status: status, headers: headers)),
                            reader.cursor.offset
                        )
                    }
                    phase = .content
                    return (.head(status: status, headers: headers), reader.cursor.offset)
                case .content:
                    if atEnd, reader.isAtEnd {
                        phase = .trailers
                        return (nil, 0)
                    }
                    let length = try reader.varint("content length")
                    if indeterminate && length == 0 {
                        phase = .trailers
                        return (nil, reader.cursor.offset)
                    }
                    let total = contentBytes + Int(clamping: length)
                    guard total <= limits.maximumContentBytes else {
                        throw Error(.tooLarge, "content exceeds \(limits.maximumContentBytes) bytes")
                    }
                    let piece = try reader.contentChunk(length: length)
                    contentBytes = total
                    if !indeterminate { phase = .trailers }
                    return (piece.isEmpty ? nil : .content(piece), reader.cursor.offset)
                case .trailers:
                    if reader.isAtEnd && !atEnd { return nil }
                    let trailers = try reader.fields(indeterminate: indeterminate, optional: true)
                    phase = .padding
                    return (.end(trailers: trailers), reader.cursor.offset)
                case .padding:
                    try reader.padding()
                    return reader.cursor.offset > 0 ? (nil, reader.cursor.offset) : nil
                }
            } catch  where error.code == .truncated && !atEnd {
                return nil  // wait for more input
            }
        }
    }
}
