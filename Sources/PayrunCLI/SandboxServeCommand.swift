// `payrun sandbox [serve]`: the simulators in the foreground, one log line per request.
import ArgumentParser
import Glibc
import PayrunRuntime
import PayrunSimulators

struct SandboxServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the simulators until Ctrl-C (the default).",
        discussion: """
            Each request is logged as method, path, status and time; headers, which carry \
            credentials, never are. GET /_sandbox/requests lists the requests received, \
            /_sandbox/webhooks the webhooks sent, and PUT /_sandbox/faults changes the faults.
            """
    )

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "The address to listen on; loopback unless you mean otherwise.")
    var host = "127.0.0.1"

    @Option(help: "Seed for the generated data and the faults' chances: the same seed, the same sandbox.")
    var seed: UInt64 = 1

    @Option(help: "How many users (each with a wallet) to generate.")
    var users = 2_000

    @Option(help: "How many transactions to generate (1,000,000 takes about 1 s and 200 MB).")
    var transactions = 10_000

    @Option(help: ArgumentHelp("Start from this JSON file instead of generated data.", valueName: "file"))
    var data: String?

    @Option(help: ArgumentHelp(
        "Misbehave on purpose, e.g. 'GET /particeep/*: status=503 p=0.2; latency=50ms' (see docs/simulators.md).", valueName: "spec"))
    var faults: String?

    @Flag(help: "Do not log each request.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Deliver the simulators' webhooks to a listener at this URL (its /webhooks/<provider>): Particeep's events, Tradevest's notifications and Peex's callbacks, unless one is registered elsewhere.",
        valueName: "url"))
    var webhooksTo: String?

    /// The arguments' own mistakes, said with this command's usage (thrown from `run`, they came
    /// with payrun's).
    func validate() throws {
        guard users >= 0, transactions >= 0 else { throw ValidationError("--users and --transactions cannot be negative") }
        do {
            if let faults { _ = try FaultPlan(parsing: faults) }
        } catch {
            throw ValidationError("--faults: \(error)")
        }
        if let data, access(data, R_OK) != 0 { throw ValidationError("--data: cannot read \(data) (\(String(cString: strerror(errno))))") }
        if let base = webhooksTo, !(base.hasPrefix("http://") || base.hasPrefix("https://")) {
            throw ValidationError("--webhooks-to '\(base)' is not an http:// or https:// URL")
        }
    }

    func run() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.seed = seed
        configuration.particeep.users = users
        configuration.particeep.transactions = transactions
        if let faults { configuration.faults = try FaultPlan(parsing: faults) }
        if let data { configuration.data = try SandboxData(contentsOfFile: data) }
        if var base = webhooksTo {
            while base.hasSuffix("/") { base.removeLast() }
            configuration.particeep.webhooksTo = base
            configuration.tradevest.webhooksTo = base
            configuration.peex.callbackURL = configuration.peex.callbackURL ?? base + "/webhooks/peex"
        }
        if !quiet {
            configuration.requestLog = { line in StandardStreams.shared.write(line + "\n", to: .standardError) }
        }
        let server = try await SimulatorServer.start(configuration)
        var banner = "payrun sandbox serving on \(server.baseURL) (Ctrl-C stops it)\n"
        for provider in server.providers {
            let credentials = provider.credentials.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            banner += "  \(provider.name)  \(provider.baseURL)  \(credentials)\n"
        }
        if !configuration.faults.rules.isEmpty { banner += "  faults: \(configuration.faults)\n" }
        if let webhooksTo { banner += "  webhooks to: \(webhooksTo)/webhooks/<provider>\n" }
        StandardStreams.shared.write(banner, to: .standardOutput)
        StandardStreams.shared.flush()
        try await server.wait()
    }
}
