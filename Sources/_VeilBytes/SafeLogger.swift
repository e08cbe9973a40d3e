public import Crypto
public import Foundation
public import Logging

/// A logger for Veil's servers that cannot carry request or model content.
///
/// Messages are `StaticString`s — literals fixed at compile time, so nothing from a request can be
/// interpolated into them — and metadata values are ``LogValue``s, which can only be built from ids, sizes,
/// counts, durations, booleans and types that declare themselves safe by conforming to ``LogSafe``.
/// `String` does not conform: logging a prompt, a completion, a key or a model path is a compile error, not
/// a code-review finding.
///
/// ```swift
/// let log = SafeLogger(label: "veil.node")
/// log.info("request completed", ["request_id": .id(requestID), "prompt_bytes": .bytes(n), "outcome": .safe(outcome)])
/// ```
public struct SafeLogger: Sendable {
    /// The swift-log logger this writes through (handlers, levels and bootstrap are swift-log's).
    public var underlying: Logger

    public init(label: String) {
        underlying = Logger(label: label)
    }

    public init(wrapping logger: Logger) {
        underlying = logger
    }

    /// The minimum level that is emitted.
    public var logLevel: Logger.Level {
        get { underlying.logLevel }
        set { underlying.logLevel = newValue }
    }

    /// Emits an event. `event` is a literal; `metadata` holds only declared-safe values.
    public func log(
        level: Logger.Level,
        _ event: StaticString,
        _ metadata: KeyValuePairs<StaticString, LogValue> = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        guard underlying.logLevel <= level else { return }
        var rendered: Logger.Metadata = [:]
        for (key, value) in metadata {
            rendered[key.description] = value.metadataValue
        }
        underlying.log(
            level: level,
            Logger.Message(stringLiteral: event.description),
            metadata: rendered,
            file: file,
            function: function,
            line: line
        )
    }

    public func debug(_ event: StaticString, _ metadata: KeyValuePairs<StaticString, LogValue> = [:]) {
        log(level: .debug, event, metadata)
    }

    public func info(_ event: StaticString, _ metadata: KeyValuePairs<StaticString, LogValue> = [:]) {
        log(level: .info, event, metadata)
    }

    public func notice(_ event: StaticString, _ metadata: KeyValuePairs<StaticString, LogValue> = [:]) {
        log(level: .notice, event, metadata)
    }

    public func warning(_ event: StaticString, _ metadata: KeyValuePairs<StaticString, LogValue> = [:]) {
        log(level: .warning, event, metadata)
    }

    public func error(_ event: StaticString, _ metadata: KeyValuePairs<StaticString, LogValue> = [:]) {
        log(level: .error, event, metadata)
    }
}

/// A type whose every value may appear in logs: an outcome enum, an error code, a platform name.
///
/// Conforming is a promise, reviewed like any other security decision, that ``logValue`` never contains
/// content from a request, a model, a key or evidence.
public protocol LogSafe: Sendable {
    /// The text written to the log.
    var logValue: String { get }
}

extension LogSafe where Self: RawRepresentable, RawValue == String {
    public var logValue: String { rawValue }
}

/// A metadata value that is safe to log by construction.
public struct LogValue: Sendable, CustomStringConvertible {
    fileprivate let metadataValue: Logger.MetadataValue

    private init(_ text: String) {
        metadataValue = .string(text)
    }

    /// An opaque identifier (request id, session id).
    public static func id(_ uuid: UUID) -> LogValue { LogValue(uuid.uuidString.lowercased()) }

    /// A size in bytes.
    public static func bytes(_ count: Int) -> LogValue { LogValue(String(count)) }

    /// A count (tokens, chunks, entries).
    public static func count(_ count: Int) -> LogValue { LogValue(String(count)) }

    /// A duration, written in milliseconds with microsecond precision.
    public static func duration(_ duration: Duration) -> LogValue {
        let (seconds, attoseconds) = duration.components
        let micros = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        let millis = Double(micros) / 1000
        return LogValue(String(format: "%.3fms", millis))
    }

    /// A flag.
    public static func flag(_ value: Bool) -> LogValue { LogValue(value ? "true" : "false") }

    /// A value of a type that declares itself safe to log.
    public static func safe(_ value: some LogSafe) -> LogValue { LogValue(value.logValue) }

    /// A compile-time literal (a component name, a route template).
    public static func literal(_ text: StaticString) -> LogValue { LogValue(text.description) }

    /// A hash digest (SHA-256 of evidence or a model manifest), written as hex. Only a swift-crypto `Digest`
    /// is accepted, so raw bytes cannot pass themselves off as one.
    public static func digest(_ digest: some Crypto.Digest) -> LogValue { LogValue(Hex.encode(digest)) }

    public var description: String { metadataValue.description }
}
