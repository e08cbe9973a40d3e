import Crypto
public import Foundation
public import _VeilBytes

extension OHTTP {
    /// The client side of a chunked request (`message/ohttp-chunked-req`). Send ``header`` first, then the
    /// output of ``seal(_:isFinal:)`` for each chunk; exactly one chunk is final.
    public struct ChunkedRequestSender: Sendable {
        /// `hdr ‖ enc`: the first bytes of the stream.
        public let header: [UInt8]
        private var sender: HPKE.Sender
        private let opener: ChunkedResponseReceiver
        private(set) public var isFinished = false

        public init(client: Client) throws(OHTTPError) {
            let hdr = client.keyConfig.header(for: client.algorithm)
            sender = try client.makeSender(info: OHTTP.chunkedRequestLabel + [0] + hdr)
            let encapsulatedKey = Array(sender.encapsulatedKey)
            header = hdr + encapsulatedKey
            opener = ChunkedResponseReceiver(
                secret: try client.exportSecret(sender, label: OHTTP.chunkedResponseLabel),
                encapsulatedKey: encapsulatedKey,
                algorithm: client.algorithm
            )
        }

        /// Encrypts and frames one chunk. The final chunk is authenticated as final, so a stream cut before it
        /// is detected as truncated.
        public mutating func seal(_ chunk: some DataProtocol, isFinal: Bool) throws(OHTTPError) -> [UInt8] {
            guard !isFinished else { throw OHTTPError(.invalidState, "the final chunk was already sent") }
            do {
                let ciphertext = try sender.seal(chunk, authenticating: isFinal ? OHTTP.finalChunkAAD : [])
                isFinished = isFinal
                return ChunkFramer.frame(ciphertext, final: isFinal)
            } catch {
                throw OHTTPError(.cryptoFailure, "sealing a request chunk failed: \(error)")
            }
        }

        /// The receiver for the chunked response to this request.
        public func responseReceiver() -> ChunkedResponseReceiver { opener }
    }

    /// The gateway side of a chunked request: feed bytes as they arrive, get plaintext chunks back.
    public struct ChunkedRequestReceiver: Sendable {
        private enum State: Sendable {
            case awaitingHeader([UInt8])
            case receiving(HPKE.Recipient)
            case finished
            case failed
        }

        private let gateway: Gateway
        private var state: State = .awaitingHeader([])
        private var framer: ChunkFramer
        /// Set once the header has arrived; stays available after the request finishes.
        public private(set) var responseSender: ChunkedResponseSender?

        public init(gateway: Gateway, maximumChunkSize: Int = 1 << 20) {
            self.gateway = gateway
            framer = ChunkFramer(maximumChunkSize: maximumChunkSize)
        }

        /// Adds received bytes; returns the plaintext of every non-final chunk now complete. Any error is final:
        /// the receiver refuses further input.
        public mutating func receive(_ bytes: some Collection<UInt8>) throws(OHTTPError) -> [SecureBytes] {
            do throws(OHTTPError) {
                return try receiveUnchecked(bytes)
            } catch {
                state = .failed
                throw error
            }
        }

        /// Call at the end of the stream: returns the final chunk's plaintext, or throws ``OHTTPError/Code/truncated``.
        public mutating func finish() throws(OHTTPError) -> SecureBytes {
            do throws(OHTTPError) {
                guard case .receiving(var recipient) = state else {
                    throw OHTTPError(
                        isFailedOrFinished ? .invalidState : .truncated,
                        isFailedOrFinished ? "the stream was already closed" : "the stream ended inside its header"
                    )
                }
                let ciphertext = try framer.finish()
                let plaintext = try Self.open(&recipient, ciphertext, final: true)
                state = .finished
                return plaintext
            } catch {
                state = .failed
                throw error
            }
        }

        private var isFailedOrFinished: Bool {
            switch state {
            case .failed, .finished: return true
            default: return false
            }
        }

        private mutating func receiveUnchecked(_ bytes: some Collection<UInt8>) throws(OHTTPError) -> [SecureBytes] {
            var input = Array(bytes)
            if case .awaitingHeader(let pending) = state {
                input = pending + input
                let headerLength = try headerLength(input)
                guard let headerLength, input.count >= headerLength else {
                    guard input.count <= 7 + 2048 else { throw OHTTPError(.malformedMessage, "oversized header") }
                    state = .awaitingHeader(input)
                    return []
                }
                var cursor = ByteCursor(Array(input[0..<headerLength]))
                let (_, opened) = try gateway.openHeader(&cursor, label: OHTTP.chunkedRequestLabel)
                responseSender = try ChunkedResponseSender(
                    recipient: opened.context,
                    encapsulatedKey: opened.encapsulatedKey,
                    algorithm: opened.algorithm
                )
                state = .receiving(opened.context)
                input.removeFirst(headerLength)
            }
            guard case .receiving(var recipient) = state else {
                throw OHTTPError(.invalidState, "the stream was already closed")
            }
            var plaintexts: [SecureBytes] = []
            for ciphertext in try framer.append(input) {
                plaintexts.append(try Self.open(&recipient, ciphertext, final: false))
            }
            state = .receiving(recipient)
            return plaintexts
        }

        /// The header's length once the key id is known (7 + Nenc), or nil if not enough bytes have arrived.
        private func headerLength(_ input: [UInt8]) throws(OHTTPError) -> Int? {
            guard let keyID = input.first else { return nil }
            guard let key = gateway.keys.first(where: { $0.config.keyID == keyID }) else {
                throw OHTTPError(.unknownKeyID, "key id \(keyID) is not served here; refetch the key configuration")
            }
            return 7 + key.config.kem.encapsulatedKeyLength
        }

        private static func open(
            _ recipient: inout HPKE.Recipient,
            _ ciphertext: [UInt8],
            final: Bool
        )
            throws(OHTTPError) -> SecureBytes
        {
            do {
                var plaintext = try recipient.open(ciphertext, authenticating: final ? OHTTP.finalChunkAAD : [])
                return SecureBytes(wiping: &plaintext)
            } catch {
                throw OHTTPError(.decryptionFailed, "a request chunk does not authenticate (altered, reordered or cut)")
            }
        }
    }
}
