/// The version `veil --version` prints.
enum VeilVersion {
    static let current = "0.1.0"
}
