public import _VeilBytes

/// Why the local stack could not start: what went wrong and what to do.
public typealias LocalStackError = RemedialError
