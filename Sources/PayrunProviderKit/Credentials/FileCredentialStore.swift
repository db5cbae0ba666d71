// The credentials file on disk, refused unless only its owner can read it.
import Glibc

/// Credentials kept in `credentials.toml` (see ``CredentialFile``), in the XDG config directory
/// by default. Loading refuses a file that anyone but its owner can read or write.
public struct FileCredentialStore: CredentialStore {
    public let path: String
    public private(set) var memory: MemoryCredentialStore

    /// Why the file cannot be used, and what to do about it.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// `$XDG_CONFIG_HOME/payrun/credentials.toml`, else `~/.config/payrun/credentials.toml`.
    public static func defaultPath(environment: [String: String]) -> String {
        UserDirectory.config.path(of: "credentials.toml", environment: environment) ?? "/.config/payrun/credentials.toml"
    }

    /// Loads `path`; a missing file is an empty store.
    public init(path: String) throws(Failure) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            guard errno == ENOENT else { throw Failure(description: "cannot read \(path): \(String(cString: strerror(errno)))") }
            memory = MemoryCredentialStore()
            return
        }
        guard info.st_uid == geteuid() else {
            throw Failure(description: "\(path) belongs to another user; payrun only reads a credentials file you own")
        }
        guard info.st_mode & 0o077 == 0 else {
            let mode = String(info.st_mode & 0o777, radix: 8)
            throw Failure(description: "\(path) can be read by others (mode \(mode)); make it yours alone: chmod 600 \(path)")
        }
        let text: String
        do throws(FileContents.Failure) {
            text = String(decoding: try FileContents.read(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            switch error {
            case .tooLarge: throw Failure(description: "\(path) is larger than 1 MiB; it should hold a few credentials")
            case .unreadable(let reason): throw Failure(description: "cannot read \(path): \(reason)")
            }
        }
        do {
            memory = MemoryCredentialStore(try CredentialFile.parse(text))
        } catch {
            throw Failure(description: "\(path): \(error)")
        }
    }

    public func secret(for name: CredentialName, in environment: PayrunEnvironment) -> Secret? {
        memory.secret(for: name, in: environment)
    }

    public func names(in environment: PayrunEnvironment) -> [CredentialName] {
        memory.names(in: environment)
    }

    public mutating func set(_ secret: Secret, for name: CredentialName, in environment: PayrunEnvironment) {
        memory.set(secret, for: name, in: environment)
    }

    @discardableResult
    public mutating func remove(_ name: CredentialName, in environment: PayrunEnvironment) -> Bool {
        memory.remove(name, in: environment)
    }

    /// Changes the file at `path` under a lock, as `payrun credentials set` and `remove` do: the
    /// file is read afresh once the lock is held, `change` applied, and the result saved, so two
    /// changes at once both land. `change` returns false to leave the file as it is.
    public static func update(at path: String, _ change: (inout FileCredentialStore) throws(Failure) -> Bool) throws(Failure) {
        let folder = Self.folder(of: path)
        if !folder.isEmpty { try Self.makeFolders(folder) }
        // A lock file beside it: the credentials file itself is replaced by each save.
        let lockPath = path + ".lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw Failure(description: "cannot lock \(path) (\(lockPath): \(String(cString: strerror(errno))))") }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "cannot lock \(path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(lock, LOCK_UN) }
        var store = try FileCredentialStore(path: path)
        if try change(&store) { try store.save() }
    }

    /// Writes the file: created 0600 in a 0700 folder, written to a temporary file that is synced,
    /// then renamed over the old one and the folder synced, so a crash at any moment leaves either
    /// the old file whole or the new one. Concurrent writers use ``update(at:_:)``.
    public func save() throws(Failure) {
        let folder = Self.folder(of: path)
        if !folder.isEmpty { try Self.makeFolders(folder) }
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure(description: "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        fchmod(descriptor, 0o600)
        var text = CredentialFile.render(memory.entries)
        let written = text.withUTF8 { SystemCall.write(descriptor, $0.baseAddress, $0.count) }
        let complete = written == text.utf8.count && fsync(descriptor) == 0
        close(descriptor)
        // The durability tests kill the writer here: the new file is whole, the old one in place.
        if getenv("PAYRUN_TEST_CRASH").map({ String(cString: $0) }) == "credentials-before-rename" { kill(getpid(), SIGKILL) }
        guard complete, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw Failure(description: "cannot write \(path): \(reason)")
        }
        // The rename itself is on disk once the folder is.
        let directory = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    private static func folder(of path: String) -> String {
        String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    }

    private static func makeFolders(_ folder: String) throws(Failure) {
        var built = folder.hasPrefix("/") ? "" : "."
        for part in folder.split(separator: "/") {
            built += "/" + part
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create \(built): \(String(cString: strerror(errno)))")
            }
        }
    }
}
