import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Carries marshalled TPM commands to a TPM and brings back its responses.
public protocol TPM2Transport: Sendable {
    func transmit(_ command: [UInt8]) async throws(TPM2Error) -> [UInt8]
}

/// Where a TPM is: a character device (`/dev/tpmrm0`) or a simulator socket (`tcp://HOST:PORT`).
public enum TPM2Location: Sendable, Hashable, CustomStringConvertible {
    case device(path: String)
    case simulator(host: String, port: Int)

    /// Parses `tcp://HOST:PORT` or a device path.
    public init(parsing text: String) throws(TPM2Error) {
        guard text.hasPrefix("tcp://") else {
            self = .device(path: text)
            return
        }
        let rest = text.dropFirst("tcp://".count)
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
            (1...65535).contains(port), colon > rest.startIndex
        else {
            throw TPM2Error(.transport, "\(text) is not tcp://HOST:PORT")
        }
        self = .simulator(host: String(rest[..<colon]), port: port)
    }

    public var description: String {
        switch self {
        case .device(let path): return path
        case .simulator(let host, let port): return "tcp://\(host):\(port)"
        }
    }

    /// A transport for this location.
    public func transport() throws(TPM2Error) -> any TPM2Transport {
        switch self {
        case .device(let path): return try TPM2DeviceTransport(path: path)
        case .simulator(let host, let port): return TPM2SimulatorTransport(host: host, port: port)
        }
    }
}

/// The TCG TPM simulator protocol (as spoken by swtpm's and the reference simulator's command port): each
/// command is sent as `TPM_SEND_COMMAND (8) ‖ locality ‖ length ‖ command` and answered with
/// `length ‖ response ‖ 0 (u32)`. One connection per command; the TPM keeps its state between them.
public struct TPM2SimulatorTransport: TPM2Transport {
    public let host: String
    public let port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func transmit(_ command: [UInt8]) async throws(TPM2Error) -> [UInt8] {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                var frame = ByteBuffer()
                frame.writeInteger(UInt32(8))  // TPM_SEND_COMMAND
                frame.writeInteger(UInt8(0))  // locality 0
                frame.writeInteger(UInt32(command.count))
                frame.writeBytes(command)
                try await outbound.write(frame)
                var received = ByteBuffer()
                for try await var piece in inbound {
                    received.writeBuffer(&piece)
                    if let response = try Self.complete(&received) { return response }
                }
                throw TPM2Error(.transport, "the simulator closed the connection mid-response")
            }
        } catch let error as TPM2Error {
            throw error
        } catch {
            throw TPM2Error(.transport, "tcp://\(host):\(port): \(error)")
        }
    }

    /// Returns the response once `length ‖ response ‖ ack` has fully arrived.
    private static func complete(_ buffer: inout ByteBuffer) throws(TPM2Error) -> [UInt8]? {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) else { return nil }
        guard length <= TPM2.maximumResponseSize else {
            throw TPM2Error(.malformedResponse, "simulator announced a \(length)-byte response")
        }
        guard buffer.readableBytes >= 8 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        let response = buffer.readBytes(length: Int(length)) ?? []
        let acknowledgement = buffer.readInteger(as: UInt32.self)
        guard acknowledgement == 0 else {
            throw TPM2Error(.transport, "simulator reported failure \(acknowledgement ?? 0)")
        }
        return response
    }
}

/// A TPM character device (`/dev/tpmrm0`, the kernel's resource manager). The device stays open for the
/// transport's lifetime, because transient objects (keys) live only as long as the open file.
public final class TPM2DeviceTransport: TPM2Transport {
    private let handle: Mutex<FileHandle>
    public let path: String

    public init(path: String) throws(TPM2Error) {
        guard let handle = FileHandle(forUpdatingAtPath: path) else {
            throw TPM2Error(.transport, "cannot open \(path) (does it exist, and may this user use it?)")
        }
        self.path = path
        self.handle = Mutex(handle)
    }

    public func transmit(_ command: [UInt8]) async throws(TPM2Error) -> [UInt8] {
        let result: Result<[UInt8], TPM2Error> = handle.withLock { file in
            do {
                try file.write(contentsOf: command)
                // A TPM device returns one whole response per read.
                let data = file.availableData
                guard !data.isEmpty else { return .failure(TPM2Error(.transport, "\(path) returned no response")) }
                return .success(Array(data))
            } catch {
                return .failure(TPM2Error(.transport, "\(path): \(error)"))
            }
        }
        return try result.get()
    }
}
