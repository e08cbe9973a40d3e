public import Foundation

/// RFC 3339 date-times (`2025-07-01T00:00:00Z`), as attestation bundles, Intel collateral and the CLI's `--at` carry
/// them.
public enum RFC3339 {
    /// The date `text` names, with or without fractional seconds; nil when it is not an RFC 3339 date-time.
    public static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// `date` in UTC to the second, e.g. `2025-07-01T00:00:00Z`.
    public static func string(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
