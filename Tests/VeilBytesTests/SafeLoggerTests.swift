import Crypto
import Foundation
import Logging
import Synchronization
import Testing
import _VeilBytes

/// Collects what a logger emits, so tests can read it back.
private final class Capture: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let message: String
        let metadata: [String: String]
    }

    let entries = Mutex<[Entry]>([])

    struct Handler: LogHandler {
        let capture: Capture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let entry = Entry(
                level: event.level,
                message: event.message.description,
                metadata: (event.metadata ?? [:]).mapValues(\.description)
            )
            capture.entries.withLock { $0.append(entry) }
        }
    }

    func logger(level: Logger.Level = .trace) -> SafeLogger {
        var logger = Logger(label: "test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return SafeLogger(wrapping: logger)
    }
}

private enum Outcome: String, LogSafe {
    case released
    case denied
}

@Suite("SafeLogger")
struct SafeLoggerTests {
    @Test("events carry only typed, declared-safe metadata")
    func rendersMetadata() throws {
        let capture = Capture()
        let log = capture.logger()
        let id = try #require(UUID(uuidString: "9F3C6B1E-2A41-4C0D-8E55-7A0B5D9C1F20"))
        log.info(
            "request completed",
            [
                "request_id": .id(id),
                "prompt_bytes": .bytes(512),
                "tokens": .count(17),
                "elapsed": .duration(.microseconds(1500)),
                "streamed": .flag(true),
                "outcome": .safe(Outcome.released),
                "route": .literal("/v1/chat/completions"),
                "evidence": .digest(SHA256.hash(data: Array("evidence".utf8))),
            ]
        )
        let entries = capture.entries.withLock { $0 }
        #expect(entries.count == 1)
        let entry = try #require(entries.first)
        #expect(entry.level == .info)
        #expect(entry.message == "request completed")
        #expect(entry.metadata["request_id"] == "9f3c6b1e-2a41-4c0d-8e55-7a0b5d9c1f20")
        #expect(entry.metadata["prompt_bytes"] == "512")
        #expect(entry.metadata["tokens"] == "17")
        #expect(entry.metadata["elapsed"] == "1.500ms")
        #expect(entry.metadata["streamed"] == "true")
        #expect(entry.metadata["outcome"] == "released")
        #expect(entry.metadata["route"] == "/v1/chat/completions")
        #expect(entry.metadata["evidence"] == Hex.encode(SHA256.hash(data: Array("evidence".utf8))))
    }

    @Test("events below the level are dropped")
    func levels() {
        let capture = Capture()
        let log = capture.logger(level: .warning)
        log.debug("noise")
        log.info("noise")
        log.warning("key rotation overdue", ["outcome": .safe(Outcome.denied)])
        log.error("attestation failed")
        let levels = capture.entries.withLock { $0.map(\.level) }
        #expect(levels == [.warning, .error])
    }
}
