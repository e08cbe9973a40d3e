public import Foundation
import Crypto
import Synchronization
import _VeilBytes

/// Supplies collateral (certificates, CRLs, TCB info, identities) as named byte blobs. Verifiers classify
/// the blobs by content, so file names do not matter. Offline providers read files; an online provider
/// (AMD KDS, Intel PCS) would conform too, but no test touches the network.
public protocol CollateralProvider: Sendable {
    /// Every collateral item available: (name, bytes).
    func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])]
}

/// Collateral held in memory (a stapled bundle).
public struct BundleCollateralProvider: CollateralProvider {
    public let contents: [(name: String, bytes: [UInt8])]

    public init(_ contents: [(name: String, bytes: [UInt8])] = []) { self.contents = contents }

    public func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])] { contents }
}

/// Collateral read from a directory (every regular file in it, not recursive) or from one file.
public struct FileCollateralProvider: CollateralProvider {
    public let url: URL
    /// Files larger than this are refused (collateral is kilobytes).
    public static let maximumFileSize = 16 << 20

    public init(url: URL) { self.url = url }

    public func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw AttestationError(.missingCollateral, "collateral path \(url.path) does not exist")
        }
        var files: [URL] = [url]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            files = names.sorted().map { url.appendingPathComponent($0) }
        }
        var out: [(name: String, bytes: [UInt8])] = []
        for file in files {
            var fileIsDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file.path, isDirectory: &fileIsDirectory),
                !fileIsDirectory.boolValue
            else { continue }
            let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0
            guard size <= Self.maximumFileSize else {
                throw AttestationError(.malformedCollateral, "\(file.lastPathComponent) is larger than 16 MiB")
            }
            guard let data = FileManager.default.contents(atPath: file.path) else { continue }
            out.append((file.lastPathComponent, Array(data)))
        }
        return out
    }
}

/// Caches another provider's items after the first read.
public final class CachingCollateralProvider: CollateralProvider {
    private let base: any CollateralProvider
    private let cache = Mutex<[(name: String, bytes: [UInt8])]?>(nil)

    public init(_ base: any CollateralProvider) { self.base = base }

    public func items() throws(AttestationError) -> [(name: String, bytes: [UInt8])] {
        if let cached = cache.withLock({ $0 }) { return cached }
        let fresh = try base.items()
        cache.withLock { $0 = fresh }
        return fresh
    }
}

/// Remembers certificate and collateral signatures that verified, keyed by a digest of (signed bytes,
/// signature, signer key), so a warm verification skips repeated RSA/ECDSA work. Validity periods and
/// revocation are still checked at every verification's time.
public final class SignatureCache: Sendable {
    /// A signed certificate and the certificate whose key verified it.
    package struct Pair: Hashable, Sendable {
        let signed: RawCertificate
        let signer: RawCertificate
    }
    private let verified = Mutex<Set<Pair>>([])
    private let blobs = Mutex<Set<[UInt8]>>([])
    private let parsed = Mutex<[[UInt8]: any Sendable]>([:])

    public init() {}

    package func contains(_ pair: Pair) -> Bool { verified.withLock { $0.contains(pair) } }
    package func insert(_ pair: Pair) { _ = verified.withLock { $0.insert(pair) } }
    /// For signatures over raw bytes: the key is a digest of (message, signature, signer key).
    package func contains(digest: [UInt8]) -> Bool { blobs.withLock { $0.contains(digest) } }
    package func insert(digest: [UInt8]) { _ = blobs.withLock { $0.insert(digest) } }

    /// Parsed collateral (certificates, CRLs, TCB info) by the SHA-256 of its bytes, so a warm verification
    /// does not parse the same chain again. What is parsed is a pure function of the bytes.
    package func memoized<T: Sendable>(
        _ bytes: [[UInt8]],
        _ make: () throws(AttestationError) -> T
    ) throws(AttestationError) -> T {
        var hasher = SHA256()
        for item in bytes {
            var length = ByteWriter(capacity: 8)
            length.write(UInt64(item.count), .big)
            hasher.update(data: length.bytes)
            hasher.update(data: item)
        }
        let key = Array(hasher.finalize()) + Array("\(T.self)".utf8)
        if let hit = parsed.withLock({ $0[key] }) as? T { return hit }
        let value = try make()
        parsed.withLock { $0[key] = value }
        return value
    }
}
