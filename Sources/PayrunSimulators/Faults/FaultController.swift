// Decides, request by request, which faults apply: the in-process API for changing the plan of a
// running sandbox, and the one place its random numbers come from, so a seed replays the same
// faults for the same order of requests.
import PayrunLocks
import Synchronization

/// The running fault plan of a sandbox. Change it at any time; the next request sees the change.
public final class FaultController: Sendable {
    private struct State {
        var plan: FaultPlan
        var random: SeededRandom
        /// Per rule index: how many requests its sequence has answered.
        var sequencePositions: [Int: Int] = [:]
        /// Per rule index with `after`: how many requests it has matched.
        var matches: [Int: Int] = [:]
    }

    private let state: Locked<State>
    /// Whether the plan has rules, read without the lock: most sandboxes run with none.
    private let hasRules: Atomic<Bool>

    init(plan: FaultPlan, seed: UInt64) {
        hasRules = Atomic(!plan.rules.isEmpty)
        // A stream of its own, so faults do not shift the generated data.
        state = Locked(State(plan: plan, random: SeededRandom(seed: seed ^ 0xFA17_FA17_FA17_FA17)))
    }

    /// The plan in force.
    public var plan: FaultPlan {
        state.withLock { $0.plan }
    }

    /// Replaces the plan; sequences start again from their first status.
    public func replace(with plan: FaultPlan) {
        state.withLock { state in
            state.plan = plan
            state.sequencePositions = [:]
            state.matches = [:]
            hasRules.store(!plan.rules.isEmpty, ordering: .releasing)
        }
    }

    /// What happens to this request: the plan's matching rules in order, then `requested` (from
    /// the request's own `Payrun-Fault` header). Latencies add up; the first error or drop wins.
    func decide(method: String, path: String, requested: Fault?) -> FaultDecision {
        if requested == nil, !hasRules.load(ordering: .acquiring) { return FaultDecision() }
        return state.withLock { state in
            var decision = FaultDecision()
            for (index, rule) in state.plan.rules.enumerated() where rule.matches(method: method, path: path) {
                apply(rule.fault, sequenceIndex: index, to: &decision, state: &state)
            }
            if let requested { apply(requested, sequenceIndex: nil, to: &decision, state: &state) }
            return decision
        }
    }

    private func apply(_ fault: Fault, sequenceIndex: Int?, to decision: inout FaultDecision, state: inout State) {
        if fault.after > 0, let index = sequenceIndex {
            let seen = state.matches[index, default: 0]
            state.matches[index] = seen + 1
            if seen < fault.after { return }
        }
        guard fault.probability >= 1 || state.random.fraction() < fault.probability else { return }
        if let latency = fault.latency {
            let span = (latency.upperBound - latency.lowerBound) / 1_000_000
            decision.latency += latency.lowerBound + span * Int(state.random.next(1_000_001))
        }
        if decision.status == nil, !decision.drop {
            if let sequence = fault.sequence, let index = sequenceIndex {
                let position = state.sequencePositions[index, default: 0]
                if position < sequence.count {
                    state.sequencePositions[index] = position + 1
                    if sequence[position] != 0 { decision.status = sequence[position] }
                }
            } else if let sequence = fault.sequence, let first = sequence.first, first != 0 {
                decision.status = first
            }
            if let status = fault.status { decision.status = status }
            if decision.status != nil { decision.retryAfter = fault.retryAfter }
            decision.drop = fault.drop
            decision.loseAnswer = fault.loseAnswer
        }
        if let slow = fault.slowBody { decision.slowBody = slow }
    }
}

/// The faults chosen for one request.
struct FaultDecision {
    var latency: Duration = .zero
    var status: Int?
    var retryAfter: Int?
    var drop = false
    var loseAnswer = false
    var slowBody: Duration?

    var isNone: Bool { latency == .zero && status == nil && !drop && !loseAnswer && slowBody == nil }
}
