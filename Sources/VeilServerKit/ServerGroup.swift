public import Foundation
public import Hummingbird
public import Logging
import ServiceLifecycle
import UnixSignals

/// A server a ``ServerGroup`` started, at the address it bound.
public struct RunningServer: Sendable {
    /// The stage's name (`log`, `kbs`, `node`, `relay`).
    public let name: String
    /// The host it listens on.
    public let host: String
    /// The bound port (the one the system chose when asked for port 0).
    public let port: Int

    /// `http://HOST:PORT`.
    public var url: URL {
        guard let url = URL(string: "http://\(host):\(port)") else { preconditionFailure("no URL for \(host)") }
        return url
    }
}

/// Veil's way to run HTTP servers: one `ServiceGroup` for every server of a process, started one after another (each
/// ``start(_:host:_:)`` returns once its server has bound, with the bound port) and shut down gracefully in reverse
/// order — on SIGINT/SIGTERM, on ``shutdown()``, or when one of them fails.
///
/// The stages are named up front: their order is the group's order, so a later stage (a node that attests to the
/// broker) is stopped before an earlier one (the broker). A stage that was never started just ends at shutdown.
public final class ServerGroup: Sendable {
    private let stages: [String: AsyncStream<any Service>.Continuation]
    private let group: ServiceGroup
    private let ports: PortBoard
    private let task: Task<Void, any Error>

    /// A group of the named stages (in start order), running at once; SIGINT and SIGTERM shut it down unless
    /// `trapsSignals` is false (tests).
    public init(
        stages: [String],
        trapsSignals: Bool = true,
        logger: Logger = Logger(label: "veil.servers")
    ) {
        let gracefulShutdownSignals: [UnixSignal] = trapsSignals ? [.sigterm, .sigint] : []
        var continuations: [String: AsyncStream<any Service>.Continuation] = [:]
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        for name in stages {
            let (stream, continuation) = AsyncStream<any Service>.makeStream()
            continuations[name] = continuation
            // A server that stops on its own stops only itself, as a server run alone would; a failure stops all.
            services.append(.init(service: Stage(service: stream), successTerminationBehavior: .ignore))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: gracefulShutdownSignals, logger: logger)
        )
        let ports = PortBoard()
        self.stages = continuations
        self.group = group
        self.ports = ports
        task = Task {
            do {
                try await group.run()
            } catch {
                await ports.failAll(error)
                throw error
            }
            await ports.failAll(CancellationError())
        }
    }

    /// Builds the stage's application with the callback that reports its bound port (pass it as the application's
    /// `onServerRunning`), runs it in the group and returns once it listens. Throws the server's error if it stops
    /// before that (the group then shuts down).
    public func start<App: ApplicationProtocol>(
        _ name: String,
        host: String = "127.0.0.1",
        _ build: (_ onServerRunning: @escaping @Sendable (Int) async -> Void) throws -> App
    ) async throws -> RunningServer {
        guard let stage = stages[name] else { preconditionFailure("ServerGroup has no stage \(name)") }
        let ports = self.ports
        let app: App
        do {
            app = try build { port in await ports.set(name, port) }
        } catch {
            await shutdown()
            throw error
        }
        stage.yield(app)
        stage.finish()
        switch await ports.wait(name) {
        case .success(let port):
            return RunningServer(name: name, host: host, port: port)
        case .failure(let error):
            await shutdown()
            throw error
        }
    }

    /// Shuts the servers down gracefully, the last started first, and waits until they have stopped.
    public func shutdown() async {
        await group.triggerGracefulShutdown()
        _ = await task.result
    }

    /// Waits until the servers stop (a signal, ``shutdown()``, or a failure, which it throws).
    public func wait() async throws {
        try await task.value
    }

    /// Runs one server until SIGINT/SIGTERM (the serve commands): `onRunning` is told its bound address first.
    public static func serve<App: ApplicationProtocol>(
        _ name: String,
        host: String,
        logger: Logger,
        onRunning: (RunningServer) async -> Void = { _ in },
        _ build: (_ onServerRunning: @escaping @Sendable (Int) async -> Void) throws -> App
    ) async throws {
        let group = ServerGroup(stages: [name], logger: logger)
        let server: RunningServer
        do {
            server = try await group.start(name, host: host, build)
        } catch {
            try await group.wait()
            throw error
        }
        await onRunning(server)
        try await group.wait()
    }
}

/// One stage of a ``ServerGroup``: waits for its service, then runs it (or ends at shutdown if it never came).
private struct Stage: Service {
    let service: AsyncStream<any Service>

    func run() async throws {
        let service = self.service
        let next = await cancelWhenGracefulShutdown { () async -> (any Service)? in
            var iterator = service.makeAsyncIterator()
            return await iterator.next()
        }
        guard let next else { return }
        try await next.run()
    }
}

/// Hands bound ports from the servers' `onServerRunning` callbacks to the code that waits for them.
private actor PortBoard {
    private var results: [String: Result<Int, any Error>] = [:]
    private var waiters: [String: [CheckedContinuation<Result<Int, any Error>, Never>]] = [:]

    func set(_ name: String, _ port: Int) { deliver(name, .success(port)) }

    func failAll(_ error: any Error) {
        for name in waiters.keys { deliver(name, .failure(error)) }
        failure = error
    }

    private var failure: (any Error)?

    private func deliver(_ name: String, _ result: Result<Int, any Error>) {
        guard results[name] == nil else { return }
        results[name] = result
        for waiter in waiters.removeValue(forKey: name) ?? [] { waiter.resume(returning: result) }
    }

    func wait(_ name: String) async -> Result<Int, any Error> {
        if let result = results[name] { return result }
        if let failure { return .failure(failure) }
        return await withCheckedContinuation { waiters[name, default: []].append($0) }
    }
}
