public import _VeilBytes

/// A benchmark that could not run or whose workload failed: what went wrong and what to do about it.
public typealias BenchmarkError = RemedialError
