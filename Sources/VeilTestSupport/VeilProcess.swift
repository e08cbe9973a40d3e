public import Foundation

/// Runs the built `veil` executable as a separate process, the way a person or a script would.
public enum VeilProcess {
    /// The result of one run.
    public struct Result: Sendable {
        public let exitCode: Int32
        public let standardOutput: String
        public let standardError: String
    }

    /// The `veil` binary: `VEIL_BINARY` if set, otherwise the one beside the running test bundle.
    public static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["VEIL_BINARY"], !override.isEmpty {
            return URL(fileURLWithPath: override)
        }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // On macOS the test runner sits inside Bundle.xctest/Contents/MacOS.
        while directory.path.contains(".xctest") {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("veil")
    }

    /// Another executable of this package built beside `veil` (`veil-node`, `veil-kbs`, `veil-log`, `veil-relay`).
    public static func sibling(_ name: String) -> URL {
        executable.deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Runs `veil` with `arguments` and waits for it, capturing both output streams.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Read both pipes to the end before waiting, so a large output cannot block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errorData = Data()
        group.enter()
        DispatchQueue.global().async {
            errorData = error.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(
            exitCode: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }
}
