// For tests of a mutation whose answer is lost: the fault that delays the answer is lifted as
// soon as the client gives up on that mutation, so what follows (a lookup, a resend) is answered.
import PayrunProviderKit
import PayrunSimulators
import PayrunLocks

/// Clears a server's faults when an attempt at a URL ending in `pathSuffix` gets no answer.
public final class FaultLifter: Sendable {
    private let server = Locked<SimulatorServer?>(nil)
    private let pathSuffix: String

    public init(when pathSuffix: String) {
        self.pathSuffix = pathSuffix
    }

    /// The server whose faults to lift; set once it has started.
    public func watch(_ server: SimulatorServer) {
        self.server.withLock { $0 = server }
    }

    /// The trace to give the client. Only the mutation's own attempt counts: on a busy machine
    /// another request (a token, a lookup) may time out too, and must not lift the fault early.
    public var trace: @Sendable (RequestTrace) -> Void {
        { [self] attempt in
            if attempt.status == nil, attempt.url.hasSuffix(pathSuffix) {
                server.withLock { $0?.faults.replace(with: FaultPlan()) }
            }
        }
    }
}
