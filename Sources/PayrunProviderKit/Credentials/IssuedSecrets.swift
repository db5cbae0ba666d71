// Secrets a provider hands out during a run (access tokens, Capitalist's token): as secret as the
// credentials they were bought with, so an answer that echoes one is redacted as if it echoed a
// credential. Kept by the provider's cache, read by each of its clients' redaction.
import PayrunLocks
import Synchronization

/// The secrets a provider issued in this run, newest last.
public final class IssuedSecrets: Sendable {
    /// A token is renewed a few times in a long run; the oldest are let go past this many.
    static let kept = 16
    private let entries = Locked<[Entry]>([])
    /// Whether any was issued, read without the lock: most providers issue none, and every
    /// answer asks.
    private let issuedAny = Atomic<Bool>(false)

    /// What each is called in its marker: `[redacted tradevest.token]`.
    static let field = "token"

    struct Entry: Sendable {
        let secret: Secret
        /// The forms an answer is searched for (``Redactor/forms(of:)``).
        let forms: [SearchedSecret]
    }

    public init() {}

    /// Keeps `secret`. A secret of several lines (Capitalist's token and its
    /// encrypted password, kept together) is kept line by line, each as it is sent; lines shorter
    /// than ``Redactor/minimumLength`` are not secret enough to look for.
    public func add(_ secret: Secret) {
        let lines = secret.withBytes { bytes in bytes.split(separator: UInt8(ascii: "\n")).map(Array.init) }
        let added = lines.filter { $0.count >= Redactor.minimumLength }.map { line in
            Entry(secret: Secret(String(decoding: line, as: UTF8.self)), forms: Redactor.forms(of: line).map(SearchedSecret.init))
        }
        guard !added.isEmpty else { return }
        entries.withLock { entries in
            entries.removeAll { entry in added.contains { $0.secret == entry.secret } }
            entries += added
            if entries.count > Self.kept { entries.removeFirst(entries.count - Self.kept) }
        }
        issuedAny.store(true, ordering: .releasing)
    }

    var all: [Entry] {
        guard issuedAny.load(ordering: .acquiring) else { return [] }
        return entries.withLock { $0 }
    }
}
