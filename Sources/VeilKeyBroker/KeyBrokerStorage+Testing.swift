import GRDB
import PostgresNIO

extension SQLiteKeyBrokerStorage {
    /// Runs raw SQL (tests that tamper with rows to prove the audit chain notices).
    package func executeForTesting(_ sql: String) async throws {
        try await pool.write { db in try db.execute(sql: sql) }
    }
}

extension PostgresKeyBrokerStorage {
    /// Runs raw SQL (tests that tamper with rows to prove the audit chain notices).
    package func executeForTesting(_ sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql), logger: logger)
    }
}
