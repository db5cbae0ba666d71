// `payrun sandbox`: serves the provider simulators in the foreground until Ctrl-C, or sends one
// webhook on demand.
import ArgumentParser

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Local, stateful simulators of the payment providers.",
        subcommands: [SandboxServeCommand.self, SandboxTriggerCommand.self],
        defaultSubcommand: SandboxServeCommand.self
    )
}
