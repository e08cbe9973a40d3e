import Crypto
public import Foundation
public import _VeilBytes

extension OHTTP {
    /// The gateway side of a chunked response (`message/ohttp-chunked-res`): the first output starts with the
    /// response nonce; each chunk is sealed with `aead_nonce XOR counter`; exactly one chunk is final.
    public struct ChunkedResponseSender: Sendable {
        private let secret: SymmetricKey
        private let encapsulatedKey: [UInt8]
        private let algorithm: SymmetricAlgorithm
        private var keys: ResponseKeys?
        private var counter: UInt64 = 0
        private(set) public var isFinished = false

        init(recipient: HPKE.Recipient, encapsulatedKey: [UInt8], algorithm: SymmetricAlgorithm) throws(OHTTPError) {
            do {
                secret = try recipient.exportSecret(
                    context: OHTTP.chunkedResponseLabel,
                    outputByteCount: ResponseKeys.nonceLength(algorithm.aead)
                )
            } catch {
                throw OHTTPError(.cryptoFailure, "exporting the response secret failed: \(error)")
            }
            self.encapsulatedKey = encapsulatedKey
            self.algorithm = algorithm
        }

        /// Encrypts and frames one chunk (prefixed by the response nonce the first time).
        public mutating func seal(_ chunk: some DataProtocol, isFinal: Bool) throws(OHTTPError) -> [UInt8] {
            try seal(chunk, isFinal: isFinal, responseNonce: nil)
        }

        /// As ``seal(_:isFinal:)`` with a caller-chosen nonce on the first chunk: for known-answer tests only.
        package mutating func seal(
            _ chunk: some DataProtocol,
            isFinal: Bool,
            responseNonce: [UInt8]?
        )
            throws(OHTTPError) -> [UInt8]
        {
            guard !isFinished else { throw OHTTPError(.invalidState, "the final chunk was already sent") }
            var prefix: [UInt8] = []
            if keys == nil {
                let nonce = responseNonce ?? OHTTP.randomBytes(ResponseKeys.nonceLength(algorithm.aead))
                keys = ResponseKeys(
                    secret: secret,
                    encapsulatedKey: encapsulatedKey,
                    responseNonce: nonce,
                    algorithm: algorithm
                )
                prefix = nonce
            }
            guard let keys else { throw OHTTPError(.invalidState, "no response keys") }
            let ciphertext = try keys.seal(chunk, counter: counter, final: isFinal)
            counter += 1
            isFinished = isFinal
            return prefix + ChunkFramer.frame(ciphertext, final: isFinal)
        }
    }

    /// The client side of a chunked response: feed bytes as they arrive, get plaintext chunks back; ``finish()``
    /// at the end of the stream detects truncation.
    public struct ChunkedResponseReceiver: Sendable {
        private let secret: SymmetricKey
        private let encapsulatedKey: [UInt8]
        private let algorithm: SymmetricAlgorithm
        private var pendingNonce: [UInt8] = []
        private var keys: ResponseKeys?
        private var framer: ChunkFramer
        private var counter: UInt64 = 0
        private var failed = false

        /// From an exported secret: used by ``ChunkedRequestSender``.
        init(
            secret: SymmetricKey,
            encapsulatedKey: [UInt8],
            algorithm: SymmetricAlgorithm,
            maximumChunkSize: Int = 1 << 20
        ) {
            self.secret = secret
            self.encapsulatedKey = encapsulatedKey
            self.algorithm = algorithm
            framer = ChunkFramer(maximumChunkSize: maximumChunkSize)
        }

        /// Adds received bytes; returns the plaintext of every non-final chunk now complete.
        public mutating func receive(_ bytes: some Collection<UInt8>) throws(OHTTPError) -> [SecureBytes] {
            guard !failed else { throw OHTTPError(.invalidState, "the response stream already failed") }
            do throws(OHTTPError) {
                var input = Array(bytes)
                if keys == nil {
                    let nonceLength = ResponseKeys.nonceLength(algorithm.aead)
                    let take = min(nonceLength - pendingNonce.count, input.count)
                    pendingNonce += input[0..<take]
                    input.removeFirst(take)
                    guard pendingNonce.count == nonceLength else { return [] }
                    keys = ResponseKeys(
                        secret: secret,
                        encapsulatedKey: encapsulatedKey,
                        responseNonce: pendingNonce,
                        algorithm: algorithm
                    )
                }
                guard let keys else { return [] }
                var plaintexts: [SecureBytes] = []
                for ciphertext in try framer.append(input) {
                    plaintexts.append(try keys.open(ciphertext, counter: counter, final: false))
                    counter += 1
                }
                return plaintexts
            } catch {
                failed = true
                throw error
            }
        }

        /// At the end of the stream: the final chunk's plaintext, or ``OHTTPError/Code/truncated``.
        public mutating func finish() throws(OHTTPError) -> SecureBytes {
            guard !failed else { throw OHTTPError(.invalidState, "the response stream already failed") }
            failed = true  // nothing may follow, whatever the outcome
            guard let keys else { throw OHTTPError(.truncated, "the response ended inside its nonce") }
            let ciphertext = try framer.finish()
            return try keys.open(ciphertext, counter: counter, final: true)
        }
    }
}
