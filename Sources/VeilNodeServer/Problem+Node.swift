import Hummingbird
import VeilServerKit
import VeilWire
import _VeilBytes

/// The node's outer (unencrypted) errors, reported as ``VeilWire/Problem``s with a type under
/// `https://veil.dev/problems/node/`. They never carry request content: the node cannot tell anyone more than that
/// the envelope was refused.
extension Problem {
    /// The request names a key id this node does not (or no longer) serve: refetch the attestation bundle.
    static let keyConfigStale = Problem(
        .node,
        .keyConfigStale,
        status: .unprocessableContent,
        title: "The key configuration is stale",
        detail: "The request is encrypted to a key this node does not serve; fetch /.well-known/veil/attestation again."
    )

    /// The encapsulated request does not authenticate.
    static let decryptionFailed = Problem(
        .node,
        .decryptionFailed,
        status: .badRequest,
        title: "The request could not be decrypted",
        detail: "The encapsulated request does not authenticate under this node's key."
    )

    /// The body exceeds the node's limit.
    static func payloadTooLarge(_ limit: Int) -> Problem {
        Problem(
            .node,
            .payloadTooLarge,
            status: .contentTooLarge,
            title: "The request is too large",
            detail: "Encapsulated requests are at most \(limit) bytes."
        )
    }

    /// The outer content type is not an OHTTP request type.
    static let unsupportedMediaType = Problem(
        .node,
        .unsupportedMediaType,
        status: .unsupportedMediaType,
        title: "Unsupported media type",
        detail: "POST /ohttp accepts message/ohttp-req and message/ohttp-chunked-req."
    )

    /// The envelope is malformed.
    static func badRequest(_ detail: String) -> Problem {
        Problem(.node, .badRequest, status: .badRequest, title: "The request is not valid", detail: detail)
    }

    /// Something failed inside the node (never with details that could carry content).
    static let internalError = Problem(
        .node,
        .internalError,
        status: .internalServerError,
        title: "The node could not complete the request",
        detail: nil
    )

    /// The node is not ready yet (no attestation bundle).
    static let unavailable = Problem(
        .node,
        .unavailable,
        status: .serviceUnavailable,
        title: "The node is not ready",
        detail: "The node has not finished attesting; try again shortly."
    )

    /// `?nonce=` is not base64url of 16 to 64 bytes (or appears more than once).
    static let invalidNonce = Problem(
        .node,
        .invalidNonce,
        status: .badRequest,
        title: "The nonce is not valid",
        detail: "?nonce= must be unpadded base64url of 16 to 64 random bytes, given once."
    )

    /// Too many fresh-evidence requests are in progress (each costs the TEE an attestation).
    static let attestationBusy = Problem(
        .node,
        .attestationBusy,
        status: .serviceUnavailable,
        title: "The node is busy attesting",
        detail: "Too many attestations over client nonces are in progress; retry in a second.",
        retryAfter: 1
    )

    /// The node's attestor cannot attest over a client's nonce.
    static let nonceUnsupported = Problem(
        .node,
        .nonceUnsupported,
        status: .notImplemented,
        title: "Fresh evidence is not supported",
        detail: "This node cannot attest over a client's nonce; fetch the bundle without ?nonce=."
    )

    /// The TEE (or the log) failed while producing fresh evidence.
    static let attestationFailed = Problem(
        .node,
        .attestationFailed,
        status: .serviceUnavailable,
        title: "The node could not attest",
        detail: "Producing evidence over the nonce failed; try again shortly."
    )

    /// The node's translation of errors that are not problems, for the ``ProblemMiddleware``: HTTP errors keep their
    /// status, everything else is a content-free 500 (logging only the error's type).
    @Sendable static func node<Context: RequestContext>(_ error: any Error, context: Context) -> Problem {
        .translating(
            error,
            issuer: .node,
            context: context,
            event: "node request failed",
            internalError: .internalError
        )
    }
}
