public import Hummingbird
public import NIOCore

/// The broker's request context: the client's address (for the rate limit) and a 1 MiB upload ceiling
/// (routes collect less).
public struct KBSRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connected peer.
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    public var maxUploadSize: Int { 1 << 20 }
}
