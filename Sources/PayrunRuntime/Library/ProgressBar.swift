// `payrun.progress(total [, label])`: how far a long loop is. On a terminal, one line on standard
// error — count, rate, time left — redrawn at most ten times a second and cleared when done; off a
// terminal nothing, or with --verbose one line at the end, so logs and pipes stay clean.
import LuaKit

final class ProgressBar: LuaObject {
    static let luaTypeName = "payrun.progress"

    /// nil when the whole is not known (a list paged until it ends): the count and rate only.
    private let total: Double?
    private let label: String
    private let output: any ScriptOutput
    private let verbose: Bool
    private let start = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var count: Double = 0
    private var finished = false

    init(total: Double?, label: String, output: any ScriptOutput, verbose: Bool) {
        self.total = total
        self.label = label
        self.output = output
        self.verbose = verbose
    }

    static var luaMethods: [LuaRegistration] { [
        LuaRegistration("add") { call in
            let bar = try call.object(at: 1, as: ProgressBar.self)
            let step = call.isNoneOrNil(2) ? 1 : try call.number(at: 2)
            // Progress only goes forward, and within what the line can count.
            guard step.isFinite, step >= 0, step <= ProgressBar.largest else {
                throw LuaArgumentError.invalid(at: 2, "a step must be a number from 0 to 10^15")
            }
            bar.add(step)
            call.stack.pushCopy(of: call.index(of: 1))
            return 1
        },
        LuaRegistration("done") { call in
            try call.object(at: 1, as: ProgressBar.self).done()
            return 0
        },
    ] }

    /// `payrun.progress(total [, label])`.
    static func progress(_ call: LuaCall, output: any ScriptOutput, verbose: Bool) throws -> LuaReturn {
        let total = try call.number(at: 1)
        guard total.isFinite, total >= 0, total <= largest else { throw LuaArgumentError.invalid(at: 1, "the total must be a number from 0 to 10^15") }
        let label = try call.optionalString(at: 2) ?? "progress"
        call.stack.push(object: ProgressBar(total: total, label: label, output: output, verbose: verbose))
        return 1
    }

    /// The label asked for by a `progress` option (`{progress = true}` or `{progress = "payouts"}`)
    /// of the options at argument `position`; nil when no progress line was asked for.
    static func label(optionAt position: Int, of call: LuaCall, default defaultLabel: String) throws(LuaArgumentError) -> String? {
        switch try call.fieldType("progress", of: position) {
        case .string: return try call.stringField("progress", of: position)
        case .boolean: return try call.flagField("progress", of: position) ? defaultLabel : nil
        case .nil: return nil
        case let other: throw call.fieldError("progress", at: position, expected: "boolean or string", got: other)
        }
    }

    func add(_ step: Double) {
        guard !finished else { return }
        count += step
        guard output.drawsProgress else { return }
        let now = ContinuousClock.now
        if let lastDrawn, now - lastDrawn < .milliseconds(100), count < total ?? .infinity { return }
        lastDrawn = now
        output.showProgress(line(at: now))
    }

    func done() {
        guard !finished else { return }
        finished = true
        if output.drawsProgress {
            output.showProgress(nil)
        } else if verbose {
            output.write("payrun: \(label): \(Self.number(count)) in \(Self.seconds(ContinuousClock.now - start)) s (\(rate(at: .now)))\n", to: .standardError)
        }
    }

    deinit {
        // A bar the script never finished still leaves the terminal clean.
        if !finished && output.drawsProgress && lastDrawn != nil { output.showProgress(nil) }
    }

    /// `payouts  1,234/10,000  12%  820/s  1m 11s left`
    func line(at now: ContinuousClock.Instant) -> String {
        guard let total else { return "\(label)  \(Self.number(count))  \(rate(at: now))" }
        var parts = ["\(label)  \(Self.number(count))/\(Self.number(total))"]
        if total > 0 { parts.append("\(Int((min(count, total) / total * 100).rounded(.down)))%") }
        parts.append(rate(at: now))
        let elapsed = Self.secondsValue(now - start)
        if count > 0, total > count, elapsed > 0 {
            parts.append(Self.duration((total - count) * elapsed / count) + " left")
        }
        return parts.joined(separator: "  ")
    }

    private func rate(at now: ContinuousClock.Instant) -> String {
        let elapsed = Self.secondsValue(now - start)
        return elapsed > 0 ? "\(Self.number((count / elapsed).rounded()))/s" : "-/s"
    }

    static func secondsValue(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func seconds(_ duration: Duration) -> String {
        let tenths = Int((secondsValue(duration) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `1m 11s`, `2h 5m`, `9s`; over a year, `> 1y`.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds < 365 * 86_400 else { return "> 1y" }
        let whole = Int(seconds.rounded(.up))
        if whole >= 3600 { return "\(whole / 3600)h \(whole % 3600 / 60)m" }
        if whole >= 60 { return "\(whole / 60)m \(whole % 60)s" }
        return "\(whole)s"
    }

    /// The largest total or step: counted in whole numbers and cents, exactly.
    static let largest = 1e15

    /// `12,345`; fractions (a total of amounts) with two places; past what a whole number holds
    /// exactly (many steps added up), as Lua would print it.
    static func number(_ value: Double) -> String {
        guard value.isFinite, abs(value) < 9e15 else { return "\(value)" }
        let whole = Int(value.rounded(.towardZero))
        var digits = String(whole.magnitude)
        var index = digits.count - 3
        while index > 0 {
            digits.insert(",", at: digits.index(digits.startIndex, offsetBy: index))
            index -= 3
        }
        let sign = value < 0 ? "-" : ""
        guard value != value.rounded(.towardZero) else { return sign + digits }
        let cents = Int((abs(value) * 100).rounded()) % 100
        return sign + digits + "." + (cents < 10 ? "0" : "") + String(cents)
    }
}
