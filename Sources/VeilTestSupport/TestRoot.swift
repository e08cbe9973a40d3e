import Foundation

/// Fresh private directories for SIMULATED TEE roots and test data.
public enum TestRoot {
    /// A fresh SIMULATED dev root directory.
    public static func make() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("veil-client-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(
            atPath: path,
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        return path
    }
}
