import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A real software TPM (swtpm, Debian packages `swtpm` and `swtpm-tools`) started on a loopback port, with its
/// state in a temporary directory: for tests and for `veil demo`/`veil up` on machines without a hardware TPM.
/// A software TPM proves nothing about the machine (its endorsement hierarchy lives in a temporary directory);
/// what it does exercise is the real TPM 2.0 protocol, quotes and AK pinning. Without swtpm installed, starting
/// fails with a message saying so (`scripts/bootstrap` installs it).
public final class SoftwareTPM: @unchecked Sendable {
    /// The command port (TCG simulator protocol); the control port is `port + 1`.
    public let port: Int
    private let process: Process
    private let stateDirectory: URL

    /// `tcp://127.0.0.1:PORT`, as `veil attest evidence --tpm` takes it.
    public var location: String { "tcp://127.0.0.1:\(port)" }

    /// Whether swtpm is installed.
    public static var isInstalled: Bool { executable != nil }

    private static var executable: String? {
        ["/usr/bin/swtpm", "/usr/local/bin/swtpm"].first(where: FileManager.default.isExecutableFile)
    }

    /// Starts swtpm on a free pair of loopback ports.
    public init() throws {
        guard let executable = Self.executable else {
            throw SoftwareTPMError(
                message: "swtpm is not installed; run ./scripts/bootstrap (apt-get install swtpm swtpm-tools)"
            )
        }
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "veil-swtpm-\(UUID().uuidString)"
        )
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        var lastError = ""
        for _ in 0..<20 {
            let candidate = Int.random(in: 20_000..<60_000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = [
                "socket", "--tpm2", "--tpmstate", "dir=\(stateDirectory.path)",
                "--server", "type=tcp,port=\(candidate),bindaddr=127.0.0.1",
                "--ctrl", "type=tcp,port=\(candidate + 1),bindaddr=127.0.0.1",
                "--flags", "not-need-init,startup-clear",
            ]
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            // swtpm exits at once when a port is taken; otherwise it is listening within a moment.
            Thread.sleep(forTimeInterval: 0.3)
            if process.isRunning {
                self.process = process
                self.port = candidate
                return
            }
            lastError = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }
        try? FileManager.default.removeItem(at: stateDirectory)
        throw SoftwareTPMError(message: "swtpm did not start: \(lastError)")
    }

    /// Stops swtpm and removes its state. swtpm 0.7 may ignore SIGTERM while it waits for a connection, and
    /// its state is throwaway, so it is killed (SIGKILL) and reaped with a bounded poll.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let deadline = Date().addingTimeInterval(2)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        }
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    deinit { stop() }
}

/// swtpm could not be started.
public struct SoftwareTPMError: Error, CustomStringConvertible {
    public let message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
