public import Foundation

extension VeilProcess {
    /// A `veil` process left running (a server), whose standard output is read line by line.
    public final class Running: @unchecked Sendable {
        public let process: Process
        private let lock = NSLock()
        private var lines: [String] = []
        private var partial = Data()

        private var errorText = Data()

        init(process: Process, output: Pipe, error: Pipe?) {
            self.process = process
            error?.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                self.errorText.append(data)
                self.lock.unlock()
            }
            output.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let data = handle.availableData
                guard let self, !data.isEmpty else { return }
                self.lock.lock()
                self.partial.append(data)
                while let newline = self.partial.firstIndex(of: 0x0A) {
                    self.lines.append(String(decoding: self.partial[..<newline], as: UTF8.self))
                    self.partial.removeSubrange(...newline)
                }
                self.lock.unlock()
            }
        }

        /// Everything the process wrote to standard error so far (when started with `captureStandardError`).
        public var standardError: Data {
            lock.lock()
            defer { lock.unlock() }
            return errorText
        }

        /// Everything the process wrote to standard output so far, including an unfinished last line.
        public var standardOutput: Data {
            lock.lock()
            defer { lock.unlock() }
            return Data(lines.joined(separator: "\n").utf8) + partial
        }

        /// The output lines so far.
        public var output: [String] {
            lock.lock()
            defer { lock.unlock() }
            return lines
        }

        /// Waits until a line starting with `prefix` appears (or the process exits or the time runs out). The default
        /// is generous: a debug binary starting while the whole suite runs in parallel on 2 cores can take tens of
        /// seconds, and a server that never starts still fails the test.
        public func waitForLine(prefix: String, timeout: Duration = .seconds(120)) async throws -> String {
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                if let line = output.first(where: { $0.hasPrefix(prefix) }) { return line }
                if !process.isRunning { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw NoSuchLine(prefix: prefix, output: output)
        }

        /// Sends SIGKILL — the process gets no chance to clean up — and waits for it to end.
        public func kill9() {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }

        /// Sends SIGTERM (graceful shutdown) and waits for it to end.
        public func terminate() {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }

        deinit {
            if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// The awaited line never came.
    public struct NoSuchLine: Error, CustomStringConvertible {
        public let prefix: String
        public let output: [String]
        public var description: String { "no output line starting with \(prefix); output: \(output)" }
    }

    /// Starts `veil` (or `program`, an executable beside it) with `arguments` and returns without waiting; standard
    /// error is inherited unless `captureStandardError` (then ``Running/standardError`` holds it).
    public static func start(
        _ arguments: [String],
        program: String = "veil",
        environment: [String: String] = [:],
        captureStandardError: Bool = false
    ) throws -> Running {
        let process = Process()
        process.executableURL = program == "veil" ? executable : sibling(program)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        let error = captureStandardError ? Pipe() : nil
        if let error { process.standardError = error }
        let running = Running(process: process, output: output, error: error)
        try process.run()
        return running
    }
}
