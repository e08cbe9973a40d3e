public import VeilKeyBroker

extension KeyBrokerServer {
    /// Opens the store `configuration` names (``openStorage(_:)``), runs the services it needs, migrates it and
    /// runs `body` with it; the services stop when `body` returns or throws. For offline tools (audit, rekey).
    public static func withStorage<T: Sendable>(
        _ configuration: KeyBrokerServerConfiguration.Storage,
        _ body: @Sendable (any KeyBrokerStorage) async throws -> T
    ) async throws -> T {
        let (storage, services) = try openStorage(configuration)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services { group.addTask { try await service.run() } }
            defer { group.cancelAll() }
            try await storage.migrate()
            return try await body(storage)
        }
    }
}
