import NIOCore
import NIOConcurrencyHelpers
import NIOPosix

/// A TCP forwarder that records every byte it carries, in both directions: a wiretap on one hop of the path
/// (client → relay, or relay → node), for tests that prove what an observer on the wire sees.
public final class TCPTap: Sendable {
    /// The port clients connect to (on 127.0.0.1).
    public let port: Int
    private let channel: any Channel
    private let recorded: NIOLockedValueBox<[UInt8]>

    /// Everything carried so far, both directions concatenated in arrival order.
    public var bytes: [UInt8] { recorded.withLockedValue { $0 } }

    private init(port: Int, channel: any Channel, recorded: NIOLockedValueBox<[UInt8]>) {
        self.port = port
        self.channel = channel
        self.recorded = recorded
    }

    /// Starts a tap on 127.0.0.1 (ephemeral port) that forwards each connection to `targetHost:targetPort`.
    public static func start(forwardingTo targetHost: String = "127.0.0.1", port targetPort: Int) async throws -> TCPTap
    {
        let recorded = NIOLockedValueBox<[UInt8]>([])
        let group = MultiThreadedEventLoopGroup.singleton
        let channel = try await ServerBootstrap(group: group)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: targetHost, port: targetPort)
                    .flatMap { outbound in
                        let toTarget = Relay(peer: outbound, recorded: recorded)
                        let toClient = Relay(peer: inbound, recorded: recorded)
                        return inbound.pipeline.addHandler(toTarget).flatMap {
                            outbound.pipeline.addHandler(toClient)
                        }.map {
                            inbound.read()
                            outbound.read()
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = channel.localAddress?.port else {
            throw ChannelError.unknownLocalAddress
        }
        return TCPTap(port: port, channel: channel, recorded: recorded)
    }

    /// Stops accepting connections.
    public func stop() async throws {
        try await channel.close()
    }

    /// Counts the occurrences of `needle` in everything recorded.
    public func occurrences(of needle: [UInt8]) -> Int {
        MemoryScan.occurrences(of: needle, in: bytes).count
    }

    /// Forwards what one side reads to its peer, recording it; closes the peer when this side closes.
    private final class Relay: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let peer: any Channel
        let recorded: NIOLockedValueBox<[UInt8]>

        init(peer: any Channel, recorded: NIOLockedValueBox<[UInt8]>) {
            self.peer = peer
            self.recorded = recorded
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            recorded.withLockedValue { $0.append(contentsOf: buffer.readableBytesView) }
            let channel = context.channel
            peer.writeAndFlush(buffer).whenComplete { _ in channel.read() }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
            peer.close(promise: nil)
        }
    }
}
