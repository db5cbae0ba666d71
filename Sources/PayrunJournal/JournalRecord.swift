// One record of the journal: what a run did, in order, each record holding the digest of the one
// before so that a changed or missing record shows.
import PayrunFormats

/// A record of the journal, as appended and as read back.
public struct JournalRecord: Sendable, Equatable {
    /// Its place in the store's chain, from 1; set by the store.
    public var sequence: Int
    public var runID: String
    public var kind: Kind
    /// Seconds since 1970 (UTC).
    public var at: Int
    /// What the record is about within its run: a mutation's key, a step's name; empty for the
    /// run's own records.
    public var entry: String
    /// The details, redacted: no credential value is ever in them.
    public var body: JSONValue
    /// The digest of the record before it in the chain, and its own; set by the store.
    public var previousDigest: String
    public var digest: String

    public init(
        runID: String, kind: Kind, entry: String = "", body: JSONValue = .object([:]), at: Int = UTCTime.now(), sequence: Int = 0,
        previousDigest: String = "", digest: String = ""
    ) {
        self.sequence = sequence
        self.runID = runID
        self.kind = kind
        self.at = at
        self.entry = entry
        self.body = body
        self.previousDigest = previousDigest
        self.digest = digest
    }

    /// What a record says.
    public enum Kind: String, Sendable, CaseIterable {
        /// An attempt of the run began (the first, or a resume), with the digests of the files
        /// its arguments name.
        case runStarted = "run.started"
        /// A mutation is about to be sent: durable before it goes.
        case intent = "mutation.intent"
        /// A mutation's answer (a result or the provider's error), or that it was not sent.
        case outcome = "mutation.outcome"
        /// A mutation in doubt was settled: found by a lookup, not found, or decided by an operator.
        case resolution = "mutation.resolved"
        /// `payrun.step` began a step, and finished it with its result.
        case stepStarted = "step.started"
        case stepFinished = "step.finished"
        /// An attempt of the run ended, with its status.
        case runEnded = "run.ended"
    }
}
