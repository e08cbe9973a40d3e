public import GRDB

/// The SQLite setup the broker and the log share: a GRDB pool in WAL mode with `synchronous=FULL`, so a committed
/// write survives a crash of the process or the machine, waiting up to 30 s for a busy database.
public enum DurableSQLite {
    /// Opens (creating if needed) the database at `path`.
    public static func open(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(30)
        return try DatabasePool(path: path, configuration: configuration)
    }
}
