import Crypto
public import Foundation
public import _VeilBytes

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Veil's key files: one JSON Web Key (RFC 7517) per file, UTF-8 JSON.
///
/// - `aes256`: `{"kty":"oct","k":…}` (32 bytes), written with mode 0600.
/// - `ed25519`: `{"kty":"OKP","crv":"Ed25519","x":…,"d":…}` (RFC 8037), mode 0600, and `FILE.pub` without `d`.
/// - `p256`: `{"kty":"EC","crv":"P-256","x":…,"y":…,"d":…}` (RFC 7518), mode 0600, and `FILE.pub`.
///
/// Signing keys carry `kid` = their RFC 7638 thumbprint. Files are written atomically (temporary file, fsync,
/// rename) so a crash never leaves half a key, and private key files that other users can read are refused,
/// as ssh refuses them. The full format is in docs/formats/key-files.md.
public enum KeyFile {
    /// What a key file holds.
    public enum Contents: Sendable {
        case symmetric(SecureBytes)
        case signingPrivate(SigningPrivateKey)
        case signingPublic(SigningPublicKey)
    }

    /// The largest key file read (a JWK is a few hundred bytes).
    static let maximumSize = 64 * 1024

    // MARK: Reading

    /// Reads and classifies a key file.
    public static func read(_ path: String) throws(KeyFileError) -> Contents {
        let jwk = try readJWK(path)
        if jwk.kty == "oct" {
            try checkPrivatePermissions(path)
            var bytes = try withPath(path) { () throws(KeyFileError) in try jwk.member(jwk.k, "k", length: 32) }
            defer { SecureMemory.wipe(&bytes) }
            return .symmetric(SecureBytes(bytes))
        }
        if jwk.isPrivate {
            try checkPrivatePermissions(path)
            return .signingPrivate(try withPath(path) { () throws(KeyFileError) in try SigningPrivateKey(jwk: jwk) })
        }
        return .signingPublic(try withPath(path) { () throws(KeyFileError) in try SigningPublicKey(jwk: jwk) })
    }

    /// Reads a 256-bit symmetric key.
    public static func readSymmetricKey(_ path: String) throws(KeyFileError) -> SecureBytes {
        guard case .symmetric(let key) = try read(path) else {
            throw KeyFileError(.wrongKind, path: path, "expected an aes256 key (veil keygen aes256)")
        }
        return key
    }

    /// Reads a private signing key.
    public static func readSigningKey(_ path: String) throws(KeyFileError) -> SigningPrivateKey {
        switch try read(path) {
        case .signingPrivate(let key): return key
        case .signingPublic:
            throw KeyFileError(.wrongKind, path: path, "this is a public key; give the private key file instead")
        case .symmetric:
            throw KeyFileError(.wrongKind, path: path, "expected an ed25519 or p256 signing key, found an aes256 key")
        }
    }

    /// Reads a public signing key; a private key file is accepted too and its public half returned.
    public static func readPublicKey(_ path: String) throws(KeyFileError) -> SigningPublicKey {
        switch try read(path) {
        case .signingPublic(let key): return key
        case .signingPrivate(let key): return key.publicKey
        case .symmetric:
            throw KeyFileError(.wrongKind, path: path, "expected an ed25519 or p256 public key, found an aes256 key")
        }
    }

    /// Reads the JWK in a file without interpreting it.
    public static func readJWK(_ path: String) throws(KeyFileError) -> JWK {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw KeyFileError(.unreadable, path: path, "cannot open the key file (does it exist?)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maximumSize + 1) ?? Data()
        } catch {
            throw KeyFileError(.unreadable, path: path, "cannot read the key file: \(error)")
        }
        guard data.count <= maximumSize else {
            throw KeyFileError(.malformed, path: path, "the file is larger than \(maximumSize) bytes; not a key file")
        }
        do {
            return try JSONDecoder().decode(JWK.self, from: data)
        } catch {
            throw KeyFileError(.malformed, path: path, "not a JSON Web Key (see docs/formats/key-files.md)")
        }
    }

    // MARK: Writing

    /// The result of ``generate(_:at:overwrite:)``.
    public struct Generated: Sendable {
        public let kind: KeyKind
        public let path: String
        /// `path + ".pub"` for signing keys.
        public let publicPath: String?
        /// The RFC 7638 thumbprint of the public key (signing keys only; never shown for secret keys).
        public let keyID: String?
    }

    /// Generates a key of `kind` and writes it (and its `.pub`) to `path`.
    @discardableResult
    public static func generate(
        _ kind: KeyKind,
        at path: String,
        overwrite: Bool = false
    ) throws(KeyFileError)
        -> Generated
    {
        switch kind {
        case .aes256:
            let key = SecureBytes(randomCount: 32)
            try write(JWK(kty: "oct", k: Base64URL.encode(key)), to: path, mode: 0o600, overwrite: overwrite)
            return Generated(kind: kind, path: path, publicPath: nil, keyID: nil)
        case .ed25519, .p256:
            let key = try SigningPrivateKey.generate(kind)
            let publicPath = path + ".pub"
            if !overwrite, FileManager.default.fileExists(atPath: publicPath) {
                throw KeyFileError(.alreadyExists, path: publicPath, "refusing to overwrite (use --force)")
            }
            try write(key.jwk, to: path, mode: 0o600, overwrite: overwrite)
            try write(key.publicKey.jwk, to: publicPath, mode: 0o644, overwrite: overwrite)
            return Generated(kind: kind, path: path, publicPath: publicPath, keyID: key.publicKey.thumbprint)
        }
    }

    /// Writes a JWK atomically: a temporary file created with `mode` in the same directory, fsync, then rename.
    public static func write(_ jwk: JWK, to path: String, mode: mode_t, overwrite: Bool) throws(KeyFileError) {
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw KeyFileError(.alreadyExists, path: path, "refusing to overwrite an existing key file (use --force)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        var data: Data
        do {
            data = try encoder.encode(jwk)
        } catch {
            throw KeyFileError(.unwritable, path: path, "cannot encode the key: \(error)")
        }
        data.append(UInt8(ascii: "\n"))
        defer { data.resetBytes(in: 0..<data.count) }

        let temporary = path + ".tmp-\(UUID().uuidString)"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard descriptor >= 0 else {
            throw KeyFileError(.unwritable, path: path, "cannot create the file: \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do {
            // The creation mode is filtered by the umask; set it exactly.
            guard fchmod(descriptor, mode) == 0 else { throw KeyFileError(.unwritable, path: path, "chmod failed") }
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw KeyFileError(.unwritable, path: path, "rename failed: \(String(cString: strerror(errno)))")
            }
        } catch {
            try? handle.close()
            unlink(temporary)
            if let error = error as? KeyFileError { throw error }
            throw KeyFileError(.unwritable, path: path, "cannot write the key: \(error)")
        }
    }

    // MARK: Helpers

    private static func checkPrivatePermissions(_ path: String) throws(KeyFileError) {
        var status = stat()
        guard stat(path, &status) == 0 else { return }
        if status.st_mode & 0o077 != 0 {
            throw KeyFileError(
                .insecurePermissions,
                path: path,
                "private key file is accessible by other users (mode \(String(status.st_mode & 0o777, radix: 8))); "
                    + "run chmod 600 on it"
            )
        }
    }

    private static func withPath<T>(_ path: String, _ body: () throws(KeyFileError) -> T) throws(KeyFileError) -> T {
        do {
            return try body()
        } catch {
            throw KeyFileError(error.code, path: path, error.detail)
        }
    }
}
