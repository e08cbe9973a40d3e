import _VeilBytes

/// An error the CLI reports to a person: one sentence saying what went wrong, one saying what to do.
///
/// ArgumentParser prints `Error: <description>` and exits with status 1 for it; usage mistakes it detects
/// itself exit with 64 (EX_USAGE).
typealias CLIError = RemedialError
