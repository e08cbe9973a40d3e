import Crypto
public import VeilAttestation
import _VeilBytes

extension TPM {
    /// A measured-boot event log in the crypto-agile format of the TCG PC Client Platform Firmware Profile (§10):
    /// a TCG_PCR_EVENT whose event is the `Spec ID Event03` (listing the digest sizes), then TCG_PCR_EVENT2 entries
    /// (PCR index, event type, one digest per bank, event data), all little-endian. This is what Linux exposes as
    /// `/sys/kernel/security/tpm0/binary_bios_measurements`.
    public struct EventLog: Sendable, Hashable {
        /// One measurement.
        public struct Event: Sendable, Hashable {
            /// The PCR extended.
            public let pcrIndex: Int
            /// The event type (EV_*).
            public let eventType: UInt32
            /// Digests by TPM_ALG_ID.
            public let digests: [UInt16: [UInt8]]
            /// The event data (unsigned, for people and policies).
            public let data: [UInt8]
        }

        /// EV_NO_ACTION: informational, never extended.
        public static let noAction: UInt32 = 0x3
        static let specIDSignature = Array("Spec ID Event03".utf8) + [0]
        static let startupLocalitySignature = Array("StartupLocality".utf8) + [0]
        static let maximumEvents = 65_536
        static let maximumEventSize = 1 << 20

        /// The events after the Spec ID header, in log order.
        public let events: [Event]

        /// Whether bytes start like a crypto-agile event log (a Spec ID event in the first TCG_PCR_EVENT).
        public static func looksLikeEventLog(_ bytes: [UInt8]) -> Bool {
            bytes.count > 48 && bytes[4] == 3 && bytes[5...7].allSatisfy { $0 == 0 }
                && Array(bytes[32..<48]) == specIDSignature
        }

        /// Parses a log; any malformed or truncated entry is a typed error.
        public init(_ bytes: [UInt8]) throws(AttestationError) {
            var cursor = ByteCursor(bytes)
            do {
                // TCG_PCR_EVENT (SHA-1 format) carrying the Spec ID event.
                _ = try cursor.read(UInt32.self, .little, "pcrIndex")
                guard try cursor.read(UInt32.self, .little, "eventType") == Self.noAction else {
                    throw AttestationError(.malformedCollateral, "the event log does not start with EV_NO_ACTION")
                }
                try cursor.skip(20, "SHA-1 digest")
                let headerSize = Int(try cursor.read(UInt32.self, .little, "eventSize"))
                guard headerSize <= 4096 else {
                    throw AttestationError(.malformedCollateral, "the Spec ID event is \(headerSize) bytes")
                }
                var header = ByteCursor(try cursor.readBytes(count: headerSize, "Spec ID event"))
                guard Array(try header.readBytes(count: 16, "signature")) == Self.specIDSignature else {
                    throw AttestationError(
                        .malformedCollateral,
                        "the event log is not crypto-agile (no Spec ID Event03)"
                    )
                }
                try header.skip(8, "platformClass, versions, uintnSize")
                let algorithmCount = Int(try header.read(UInt32.self, .little, "numberOfAlgorithms"))
                guard (1...16).contains(algorithmCount) else {
                    throw AttestationError(.malformedCollateral, "the Spec ID event lists \(algorithmCount) algorithms")
                }
                var sizes: [UInt16: Int] = [:]
                for _ in 0..<algorithmCount {
                    let algorithm = try header.read(UInt16.self, .little, "algorithmId")
                    sizes[algorithm] = Int(try header.read(UInt16.self, .little, "digestSize"))
                }
                var events: [Event] = []
                while !cursor.isAtEnd {
                    guard events.count < Self.maximumEvents else {
                        throw AttestationError(.malformedCollateral, "the event log has more than 65536 events")
                    }
                    let pcr = Int(try cursor.read(UInt32.self, .little, "pcrIndex"))
                    let type = try cursor.read(UInt32.self, .little, "eventType")
                    let count = Int(try cursor.read(UInt32.self, .little, "digest count"))
                    guard pcr < 24, count <= algorithmCount else {
                        throw AttestationError(
                            .malformedCollateral,
                            "event \(events.count): PCR \(pcr), \(count) digests"
                        )
                    }
                    var digests: [UInt16: [UInt8]] = [:]
                    for _ in 0..<count {
                        let algorithm = try cursor.read(UInt16.self, .little, "hashAlg")
                        guard let size = sizes[algorithm] else {
                            throw AttestationError(
                                .malformedCollateral,
                                "event \(events.count) uses algorithm 0x\(String(algorithm, radix: 16)) not in the Spec ID"
                            )
                        }
                        digests[algorithm] = Array(try cursor.readBytes(count: size, "digest"))
                    }
                    let size = Int(try cursor.read(UInt32.self, .little, "eventSize"))
                    guard size <= Self.maximumEventSize else {
                        throw AttestationError(.malformedCollateral, "event \(events.count) is \(size) bytes")
                    }
                    let data = Array(try cursor.readBytes(count: size, "event"))
                    events.append(Event(pcrIndex: pcr, eventType: type, digests: digests, data: data))
                }
                self.events = events
            } catch let error as AttestationError {
                throw error
            } catch {
                throw AttestationError(.malformedCollateral, "TPM event log: \(error)")
            }
        }

        /// The PCR values the log produces in a SHA-256 or SHA-384 bank: every PCR it extends starts at zero
        /// (PCR 0 at the StartupLocality event's locality) and is extended by each event's digest in order.
        public func replay(bank: UInt16 = TPM.algSHA256) -> [Int: [UInt8]] {
            let size = bank == TPM.algSHA384 ? 48 : 32
            var pcrs: [Int: [UInt8]] = [:]
            for event in events {
                if event.eventType == Self.noAction {
                    if event.pcrIndex == 0, event.data.starts(with: Self.startupLocalitySignature),
                        event.data.count > Self.startupLocalitySignature.count
                    {
                        pcrs[0] =
                            [UInt8](repeating: 0, count: size - 1) + [event.data[Self.startupLocalitySignature.count]]
                    }
                    continue
                }
                guard let digest = event.digests[bank] else { continue }
                let current = pcrs[event.pcrIndex] ?? [UInt8](repeating: 0, count: size)
                pcrs[event.pcrIndex] =
                    bank == TPM.algSHA384
                    ? Array(SHA384.hash(data: current + digest)) : Array(SHA256.hash(data: current + digest))
            }
            return pcrs
        }
    }
}
