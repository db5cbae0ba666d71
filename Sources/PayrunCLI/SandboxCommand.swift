// `payrun sandbox`: serves the provider simulators in the foreground until Ctrl-C.
import ArgumentParser
import PayrunRuntime
import PayrunSimulators

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Serve local, stateful simulators of the payment providers.",
        discussion: "Each request is logged as method, path, status and time; headers, which carry credentials, never are."
    )

    @Option(help: "The port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "The address to listen on; loopback unless you mean otherwise.")
    var host = "127.0.0.1"

    @Option(help: "Seed for the generated users and transactions: the same seed gives the same data.")
    var seed: UInt64 = 1

    func run() async throws {
        var configuration = SimulatorServer.Configuration()
        configuration.host = host
        configuration.port = port
        configuration.particeep.seed = seed
        configuration.requestLog = { line in StandardStreams().write(line + "\n", to: .standardError) }
        let server = try await SimulatorServer.start(configuration)
        let particeep = server.baseURL + ParticeepSimulator.pathPrefix
        StandardStreams().write("""
            payrun sandbox serving on \(server.baseURL) (Ctrl-C stops it)
              particeep  \(particeep)  api_key=\(ParticeepSimulator.sandboxAPIKey) api_secret=\(ParticeepSimulator.sandboxAPISecret)

            """, to: .standardOutput)
        try await server.wait()
    }
}
