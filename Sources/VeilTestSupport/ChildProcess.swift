public import Foundation

/// Runs a child process to its end without blocking the cooperative pool (standard output and error together).
public enum ChildProcess {
    public struct Result: Sendable {
        public let exitCode: Int32
        public let output: String
    }

    /// Tests/Scripts.
    public static var scripts: URL {
        SharedFixtures.packageRoot.appendingPathComponent("Tests").appendingPathComponent("Scripts")
    }

    /// Runs a script from Tests/Scripts with python3.
    public static func python(_ script: String, _ arguments: [String]) async throws -> Result {
        try await run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", scripts.appendingPathComponent(script).path] + arguments
        )
    }

    /// Runs the built `veil`.
    public static func veil(_ arguments: [String], input: String? = nil) async throws -> Result {
        try await run(VeilProcess.executable, arguments, input: input)
    }

    public static func run(_ executable: URL, _ arguments: [String], input: String? = nil) async throws -> Result {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-child-\(UUID().uuidString).log"
        )
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
                if let input {
                    stdin.fileHandleForWriting.write(Data(input.utf8))
                    try? stdin.fileHandleForWriting.close()
                }
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        try handle.close()
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: output)
        return Result(exitCode: status, output: text)
    }
}
