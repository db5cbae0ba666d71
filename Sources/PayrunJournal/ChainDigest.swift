// The digest that links each journal record to the one before: SHA-256 over the previous digest
// and every field of the record, so that changing, removing or reordering a record shows.
#if canImport(Glibc)
import Glibc
#endif
import Crypto
import PayrunFormats

public enum ChainDigest {
    /// The digest the chain starts from.
    public static let origin = String(repeating: "0", count: 64)

    /// The digest of `record` following `previous`.
    public static func digest(of record: JournalRecord, after previous: String) -> String {
        digest(after: previous, runID: record.runID, kind: record.kind.rawValue, at: record.at, entry: record.entry, body: record.body.encoded())
    }

    /// The digest of a record's fields as stored (`body` as its JSON text), following `previous`.
    public static func digest(after previous: String, runID: String, kind: String, at: Int, entry: String, body: some Collection<UInt8>) -> String {
        var hash = SHA256()
        for field in [previous, runID, kind, String(at), entry] {
            hash.update(data: Array(field.utf8))
            hash.update(data: [0])
        }
        hash.update(data: Array(body))
        return Hex.string(Array(hash.finalize()))
    }

    /// `records` chained after the record with `digest` and `sequence`: each given the next
    /// sequence, the digest before it, and its own digest over `bodies` (their JSON text, as stored).
    public static func chain(_ records: [JournalRecord], bodies: [String], after digest: String, sequence: Int) -> [JournalRecord] {
        var end = digest
        return zip(records, bodies).enumerated().map { offset, pair in
            var record = pair.0
            record.sequence = sequence + offset + 1
            record.previousDigest = end
            record.digest = Self.digest(
                after: end, runID: record.runID, kind: record.kind.rawValue, at: record.at, entry: record.entry, body: Array(pair.1.utf8))
            end = record.digest
            return record
        }
    }

    /// The SHA-256 of `bytes` in hexadecimal: scripts, input files, request bodies.
    public static func sha256(_ bytes: some Collection<UInt8>) -> String {
        Hex.string(Array(SHA256.hash(data: Array(bytes))))
    }

    /// The SHA-256 of the file at `path`, read a megabyte at a time (a 100 MB input must not be
    /// held whole just to name its run); nil when it cannot be read or is larger than `limit`.
    public static func sha256(ofFileAt path: String, limit: Int) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var hasher = SHA256()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var total = 0
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { return nil }
            if count == 0 { break }
            total += count
            guard total <= limit else { return nil }
            chunk.withUnsafeBytes { hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
        }
        return Hex.string(Array(hasher.finalize()))
    }
}

extension ChainDigest {
    /// Checks `records`, in chain order, starting from `anchor` (the digest before the first:
    /// ``origin``, or the last pruned record's).
    public static func verify(_ records: [JournalRecord], from anchor: String) -> ChainVerdict {
        var previous = anchor
        for record in records {
            if record.previousDigest != previous {
                return .broken(
                    sequence: record.sequence, runID: record.runID,
                    problem: "it does not follow the record before it (a record was removed, added or reordered)")
            }
            if digest(of: record, after: previous) != record.digest {
                return .broken(sequence: record.sequence, runID: record.runID, problem: "its contents were changed after it was written")
            }
            previous = record.digest
        }
        return .intact(records: records.count)
    }

    /// How many records, from the start of a chain whose records belong to `runIDs` (in chain
    /// order), can go when the runs in `prunable` may: the longest prefix holding whole runs,
    /// all prunable, so that what stays still verifies and no run is left cut in two.
    public static func prunablePrefix(of runIDs: [String], prunable: Set<String>) -> Int {
        var last: [String: Int] = [:]
        for (index, run) in runIDs.enumerated() { last[run] = index }
        var prefix = 0
        var reach = -1
        for (index, run) in runIDs.enumerated() {
            guard prunable.contains(run) else { break }
            reach = max(reach, last[run]!)
            if index == reach { prefix = index + 1 }
        }
        return prefix
    }
}
