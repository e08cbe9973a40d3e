import Foundation

/// The PostgreSQL server that `scripts/with-postgres` starts for the test run.
///
/// Tests that need PostgreSQL call ``url()``: it returns `VEIL_TEST_POSTGRES_URL`, or `nil` (skip) on a developer
/// machine without it — but under `CI=true` a missing URL is a failure, so PostgreSQL tests are never silently
/// skipped in CI. Each test should create its own database through this URL (the user is a superuser).
public enum TestPostgres {
    /// The environment variable the harness exports.
    public static let environmentKey = "VEIL_TEST_POSTGRES_URL"

    /// A PostgreSQL test server is required but absent.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "\(TestPostgres.environmentKey) is not set under CI=true; run the tests through ./scripts/test "
                + "(or ./scripts/with-postgres swift test)"
        }
    }

    /// The server URL, `nil` when PostgreSQL tests should be skipped; throws under CI when it is missing.
    public static func url() throws -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let url = environment[environmentKey], !url.isEmpty { return url }
        if environment["CI"] == "true" { throw Missing() }
        return nil
    }

    /// The URL with its database replaced.
    public static func url(_ base: String, database: String) -> String {
        guard var components = URLComponents(string: base) else { return base }
        components.path = "/" + database
        return components.string ?? base
    }
}
