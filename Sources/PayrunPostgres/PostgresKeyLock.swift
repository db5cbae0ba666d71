// A job's key held with a session advisory lock on one pooled connection kept for the run's life.
// PostgreSQL lets go of the lock when that connection closes, so the keys of a process killed on
// any machine are free at once, and a run never needs to guess from a host name and a pid.
import PayrunJournal
import PostgresNIO

extension PostgresDatabase {
    /// Holds `key` (see ``RunStore/holdKey(_:)``): nil when another session holds it.
    func holdKey(_ key: String) async throws(StoreError) -> RunKeyHold? {
        let lock = Self.lockNumber(key)
        let (answers, answer) = AsyncStream.makeStream(of: Result<PostgresConnection?, any Error>.self)
        let (releases, release) = AsyncStream.makeStream(of: Void.self)
        let client = client
        Task {
            do {
                try await client.withConnection { connection in
                    let got = try await connection.rows("SELECT pg_try_advisory_lock(\(lock)) AS got").first?.bool("got") ?? false
                    answer.yield(.success(got ? connection : nil))
                    answer.finish()
                    guard got else { return }
                    for await _ in releases { break }
                    if !connection.isClosed { _ = try? await connection.rows("SELECT pg_advisory_unlock(\(lock))") }
                }
            } catch {
                answer.yield(.failure(error))
                answer.finish()
            }
        }
        let result = await withTimeLimit(doing: "taking the job's key") { () async -> Result<PostgresConnection?, any Error> in
            for await result in answers { return result }
            return .failure(CancellationError())
        }
        switch result {
        case .success(.some(let connection))?:
            return RunKeyHold(spansMachines: true, isHeld: { !connection.isClosed }, release: {
                release.yield()
                release.finish()
            })
        case .success(nil)?:
            return nil
        case .failure(let error)?:
            throw StoreError(postgres: error, at: location, doing: "taking the job's key")
        case nil:
            release.finish()
            throw StoreError(
                location: location, message: "taking the job's key failed: the database did not answer within \(Self.statementLimit.components.seconds) s",
                remedy: "check that the database runs; nothing was sent")
        }
    }

    /// The advisory lock number of a key: 60 bits of its SHA-256, apart from payrun's own locks.
    static func lockNumber(_ key: String) -> Int {
        Int(ChainDigest.sha256(Array(("run key\u{0}" + key).utf8)).prefix(15), radix: 16)! + (1 << 60)
    }
}
