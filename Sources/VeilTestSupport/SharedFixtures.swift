public import Foundation

/// Locates the project's shared test data: `../shared` beside the package root (real attestation evidence,
/// reference outputs), or the directory named by `VEIL_SHARED_DIR`.
///
/// Tests read those files in place; they are never copied into the repository.
public enum SharedFixtures {
    /// The environment variable that overrides the location.
    public static let environmentKey = "VEIL_SHARED_DIR"

    /// The package root (the directory holding `Package.swift`).
    public static let packageRoot: URL = {
        // This file is Sources/VeilTestSupport/SharedFixtures.swift.
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    /// The shared directory.
    public static var root: URL {
        if let override = ProcessInfo.processInfo.environment[environmentKey], !override.isEmpty {
            return URL(fileURLWithPath: override, isDirectory: true)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared", isDirectory: true)
    }

    /// A file under the shared directory, e.g. `url("attestation-vectors/sev-snp/milan-v2-vcek-trustee/report.bin")`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// Reads a shared file, failing with a message that says where it was looked for.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        let location = url(relativePath)
        guard let data = FileManager.default.contents(atPath: location.path) else {
            throw FixtureMissing(path: location.path)
        }
        return Array(data)
    }

    /// A shared fixture could not be read.
    public struct FixtureMissing: Error, CustomStringConvertible {
        public let path: String
        public var description: String {
            "shared fixture not found at \(path); set \(SharedFixtures.environmentKey) to the shared directory"
        }
    }
}
