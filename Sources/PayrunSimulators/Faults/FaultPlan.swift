// The faults a sandbox is running with, written as text for `--faults`, the admin route and the
// `Payrun-Fault` request header:
//
//   latency=200ms                                     every request 200 ms late
//   GET /particeep/v1/transaction/*: status=503 p=0.3  30% of those reads fail with 503
//   PUT /particeep/v1/transaction: sequence=503,502,ok the next three creates: 503, 502, served
//   *: status=429 retry-after=2 p=0.1; /particeep/*: drop p=0.05
//
// Rules are separated by `;`; a rule is an optional route and `:`, then its parts.

/// Rules that say which requests misbehave and how.
public struct FaultPlan: Sendable, Equatable, CustomStringConvertible {
    public var rules: [FaultRule]

    public init(rules: [FaultRule] = []) {
        self.rules = rules
    }

    /// Reads the `--faults` syntax (docs/simulators.md describes it).
    /// - Throws: `FaultSpecError` naming the part that could not be read and what was expected.
    public init(parsing text: String) throws(FaultSpecError) {
        rules = []
        for ruleText in text.split(separator: ";") {
            let trimmed = ruleText.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            var route = "*"
            var partsText = trimmed
            if let colon = trimmed.firstIndex(of: ":") {
                route = String(trimmed[..<colon]).trimmingSpaces
                partsText = String(trimmed[trimmed.index(after: colon)...])
            }
            let routeWords = route.split(separator: " ").map(String.init)
            var rule = FaultRule(fault: try Self.fault(partsText))
            switch routeWords.count {
            case 1 where routeWords[0].first?.isUppercase == true && !routeWords[0].hasPrefix("/"):
                rule.method = routeWords[0]
            case 1: rule.path = routeWords[0]
            case 2:
                rule.method = routeWords[0].uppercased()
                rule.path = routeWords[1]
            default: throw FaultSpecError(description: "'\(route)' is not a route; write METHOD PATH, PATH or *, e.g. GET /particeep/v1/user/*")
            }
            guard rule.path == "*" || rule.path.hasPrefix("/") else {
                throw FaultSpecError(description: "the path '\(rule.path)' must start with / (or be * for every path)")
            }
            rules.append(rule)
        }
    }

    /// The parts of one fault, e.g. `status=503 p=0.3`: the syntax of the `Payrun-Fault` header.
    public static func fault(_ text: String) throws(FaultSpecError) -> Fault {
        var fault = Fault()
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !parts.isEmpty else { throw FaultSpecError(description: "a rule needs at least one part, e.g. status=503 or latency=100ms") }
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1).map(String.init)
            let name = pieces[0]
            let value = pieces.count > 1 ? pieces[1] : nil
            func required() throws(FaultSpecError) -> String {
                guard let value, !value.isEmpty else { throw FaultSpecError(description: "\(name) needs a value, e.g. \(name)=\(example(name))") }
                return value
            }
            switch name {
            case "latency":
                let bounds = try required().split(separator: "-", maxSplits: 1).map(String.init)
                let low = try duration(bounds[0], in: part)
                let high = try bounds.count > 1 ? duration(bounds[1], in: part) : low
                guard low <= high else { throw FaultSpecError(description: "'\(part)': the range must go from low to high") }
                fault.latency = low...high
            case "status": fault.status = try status(required(), in: part)
            case "retry-after":
                guard let seconds = Int(try required()), seconds >= 0 else {
                    throw FaultSpecError(description: "'\(part)': retry-after is whole seconds, e.g. retry-after=2")
                }
                fault.retryAfter = seconds
            case "drop":
                guard value == nil else { throw FaultSpecError(description: "'\(part)': drop takes no value") }
                fault.drop = true
            case "lose-answer":
                guard value == nil else { throw FaultSpecError(description: "'\(part)': lose-answer takes no value") }
                fault.loseAnswer = true
            case "after":
                guard let count = Int(try required()), count >= 0 else {
                    throw FaultSpecError(description: "'\(part)': after is a count of requests, e.g. after=20")
                }
                fault.after = count
            case "slow": fault.slowBody = try duration(required(), in: part)
            case "p":
                guard let probability = Double(try required()), (0...1).contains(probability) else {
                    throw FaultSpecError(description: "'\(part)': p is a probability from 0 to 1, e.g. p=0.25")
                }
                fault.probability = probability
            case "sequence":
                fault.sequence = try required().split(separator: ",").map { item throws(FaultSpecError) in
                    item == "ok" ? 0 : try status(String(item), in: part)
                }
            default:
                throw FaultSpecError(
                    description: "'\(part)' is not a fault; the parts are latency=, status=, retry-after=, drop, lose-answer, after=, slow=, p= and sequence=")
            }
        }
        if fault.retryAfter != nil, fault.status == nil, fault.sequence == nil {
            throw FaultSpecError(description: "retry-after goes with a status, e.g. status=429 retry-after=2")
        }
        return fault
    }

    public var description: String {
        rules.map { rule in
            let route = [rule.method, rule.path].compactMap { $0 }.joined(separator: " ")
            return "\(route): \(Self.text(rule.fault))"
        }.joined(separator: "; ")
    }

    static func text(_ fault: Fault) -> String {
        var parts: [String] = []
        if let latency = fault.latency {
            parts.append(latency.lowerBound == latency.upperBound
                ? "latency=\(milliseconds(latency.lowerBound))ms"
                : "latency=\(milliseconds(latency.lowerBound))ms-\(milliseconds(latency.upperBound))ms")
        }
        if let status = fault.status { parts.append("status=\(status)") }
        if let seconds = fault.retryAfter { parts.append("retry-after=\(seconds)") }
        if fault.drop { parts.append("drop") }
        if fault.loseAnswer { parts.append("lose-answer") }
        if fault.after > 0 { parts.append("after=\(fault.after)") }
        if let slow = fault.slowBody { parts.append("slow=\(milliseconds(slow))ms") }
        if let sequence = fault.sequence { parts.append("sequence=" + sequence.map { $0 == 0 ? "ok" : String($0) }.joined(separator: ",")) }
        if fault.probability < 1 { parts.append("p=\(fault.probability)") }
        return parts.joined(separator: " ")
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    private static func duration(_ text: String, in part: Substring) throws(FaultSpecError) -> Duration {
        if text.hasSuffix("ms"), let value = Int(text.dropLast(2)), value >= 0 { return .milliseconds(value) }
        if text.hasSuffix("s"), let value = Double(text.dropLast()), value >= 0, value.isFinite { return .milliseconds(Int(value * 1000)) }
        throw FaultSpecError(description: "'\(part)': '\(text)' is not a duration; write 250ms or 1.5s")
    }

    private static func status(_ text: String, in part: Substring) throws(FaultSpecError) -> Int {
        guard let status = Int(text), (400...599).contains(status) else {
            throw FaultSpecError(description: "'\(part)': '\(text)' is not an error status; use 400 to 599 (and ok in a sequence)")
        }
        return status
    }

    private static func example(_ name: String) -> String {
        switch name {
        case "latency": "200ms"
        case "status": "503"
        case "retry-after": "2"
        case "slow": "2s"
        case "p": "0.1"
        default: "503,ok"
        }
    }
}

/// Fault text that could not be read.
public struct FaultSpecError: Error, CustomStringConvertible {
    public let description: String
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
