// `payrun sandbox trigger PROVIDER EVENT --to URL`: sends one webhook, signed as the provider signs
// it with the sandbox credentials, to test a receiver without running a script.
import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import PayrunRuntime
import PayrunSimulators

struct SandboxTriggerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Send one webhook event to a URL, as the provider would.",
        discussion: "Exit status 0 when the receiver answered 2xx, 1 when every attempt failed."
    )

    @Argument(help: "The provider: particeep, tradevest or peex (the simulated providers that send webhooks).")
    var provider: String

    @Argument(help: "The event: for particeep user_deleted, transaction_created, ...; for tradevest CUSTOMER_NOTIFICATION, ...; for peex peex_callback.")
    var event: String

    @Option(help: ArgumentHelp("The receiver's URL.", valueName: "url"))
    var to: String

    @Option(help: ArgumentHelp("Send this file as the body instead of a sample object.", valueName: "file"))
    var body: String?

    @Option(help: "Attempts in all; failures are retried after 1 s, 2 s, 4 s, ...")
    var attempts = 3

    @Option(help: ArgumentHelp("How long one attempt may take, connecting included: seconds, or 500ms, 30s.", valueName: "duration"))
    var timeout = TimeLimit(argument: "10")!

    /// The arguments' own mistakes, said with this command's usage (thrown from `run`, they came
    /// with payrun's).
    func validate() throws {
        guard to.hasPrefix("http://") || to.hasPrefix("https://") else {
            throw ValidationError("--to must be an http:// or https:// URL")
        }
        let senders = SimulatorServer.webhookEvents
        guard let events = senders.first(where: { $0.provider == provider })?.events else {
            let known = senders.map(\.provider).joined(separator: ", ")
            let which = SimulatorServer.providerNames.contains(provider) ? "'\(provider)' sends no webhooks payrun simulates" : "no provider '\(provider)' sends webhooks here"
            throw ValidationError("\(which); these do: \(known)")
        }
        guard events.contains(event) else {
            throw ValidationError("\(provider) has no event '\(event)'; its events are \(events.joined(separator: ", "))")
        }
        guard timeout.seconds > 0, timeout.seconds.isFinite else { throw ValidationError("--timeout must be at least 1ms") }
        guard (1...100).contains(attempts) else { throw ValidationError("--attempts must be from 1 to 100") }
        if let body, !FileManager.default.isReadableFile(atPath: body) { throw ValidationError("--body: cannot read \(body)") }
    }

    func run() async throws {
        var bytes: [UInt8]?
        if let body {
            guard let contents = try? Data(contentsOf: URL(fileURLWithPath: body)) else { throw ValidationError("--body: cannot read \(body)") }
            bytes = Array(contents)
        }
        guard let message = SimulatorServer.webhook(provider: provider, event: event, url: to, body: bytes) else {
            throw CommandFailure("\(provider) has no event '\(event)'")
        }
        var policy = WebhookDispatcher.Policy()
        policy.attempts = attempts
        policy.timeout = .milliseconds(Int(timeout.seconds * 1000))
        let dispatcher = WebhookDispatcher(policy: policy)
        let delivery = await dispatcher.deliver(message)
        await dispatcher.stop()
        let streams = StandardStreams.shared
        for (number, attempt) in delivery.attempts.enumerated() {
            let outcome = attempt.status.map { "answered \($0)" } ?? (attempt.error ?? "no answer")
            streams.write("attempt \(number + 1): \(outcome)\n", to: .standardError)
        }
        streams.write("\(event) to \(to): \(delivery.state.rawValue)\n", to: .standardOutput)
        if delivery.attempts.last?.status == 404, !to.contains("/webhooks/") {
            // `--webhooks-to` takes a listener's base URL; this takes the route itself.
            let base = to.hasSuffix("/") ? String(to.dropLast()) : to
            streams.write("a payrun listener takes \(provider)'s events at \(base)/webhooks/\(provider)\n", to: .standardError)
        }
        // A listener's route of another provider refuses this one's signature.
        if delivery.attempts.last?.status == 401, let range = to.range(of: "/webhooks/"),
           let route = to[range.upperBound...].split(separator: "/").first, route != provider {
            streams.write("\(to) is \(route)'s route: a payrun listener takes \(provider)'s events at \(to[..<range.lowerBound])/webhooks/\(provider)\n", to: .standardError)
        }
        if delivery.state != .delivered { throw ExitCode.failure }
    }
}
