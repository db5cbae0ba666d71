// The `payrun` command: argument parsing only; the work is in PayrunRuntime.
import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix
import PayrunConcurrency
import PayrunFormats
import PayrunRuntime

@main
struct PayrunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payrun",
        abstract: "Run payment-operations scripts written in Lua.",
        discussion: """
            Exit status: 0 when the script finished, 1 when it raised an error or did not \
            compile, 2 for a usage error (bad options, no script, a file that cannot be read), \
            3 when it ran past its time limit, 4 when a payment's outcome is in doubt (it stopped \
            before one: see `payrun runs resolve`; or it ended with one its script caught), \
            130 when interrupted.
            """,
        version: PayrunVersion.description,
        subcommands: [RunCommand.self, RunsCommand.self, ListenCommand.self, InboxCommand.self, StateCommand.self, ReplCommand.self, SandboxCommand.self, CredentialsCommand.self, ProvidersCommand.self, AnnotationsCommand.self]
    )

    /// A paginated search allocates and frees a page's body and parsed tape (a megabyte or so)
    /// one page after another. Above glibc's mmap threshold each was a fresh mapping, zeroed by
    /// the kernel a page at a time and unmapped when freed: the process's system time paging.
    /// Kept in the heap, they are reused (by hand, 300 pages of 1,000: 0.24 s to 0.22 s wall,
    /// a median of five runs each, system time halved).
    private static func keepLargeAllocationsInTheHeap() {
        #if canImport(Glibc)
        // glibc's `mallopt`, which its module map leaves out (malloc.h), found by name.
        typealias MallocOption = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: MallocOption.self)
        _ = mallopt(-3, 64 << 20)  // M_MMAP_THRESHOLD
        _ = mallopt(-1, 256 << 20)  // M_TRIM_THRESHOLD
        #endif
    }

    /// Parses and runs like `ParsableCommand.main()`, but exits with 2 for usage errors, as the
    /// documented exit statuses say, rather than ArgumentParser's 64.
    static func main() async {
        keepLargeAllocationsInTheHeap()
        if let message = unknownCommandMessage(CommandLine.arguments.dropFirst()) {
            StandardStreams.shared.write(message + "\n", to: .standardError)
            StandardStreams.shared.flush()
            Self.exit(withError: ExitCode(PayrunExitStatus.usage.rawValue))
        }
        // The command that ran, for the usage line of a mistake it found itself.
        var ran: (any ParsableCommand.Type)?
        do {
            var command = try parseAsRoot()
            ran = type(of: command)
            if command is SandboxServeCommand {
                // The simulators' requests are read, answered and written on one event loop,
                // without a hop to Swift's global pool and back, in a release build as in a
                // debug one (by hand, `wrk -t1 -c1`: about 7,950 signed GETs a second before,
                // 8,200 after, medians).
                EventLoopGlobalExecutor.install()
            } else if command is RunCommand || command is ReplCommand || command is ListenCommand {
                // The same, where NIO can find the hook with dlsym: a dynamically linked build
                // (debug, tests). Not forced into a release build: in four alternating runs of
                // the listener benchmark each, `payrun listen` stored a median 6,500 events a
                // second with it and 7,600 without; it is not shown to help there.
                // A script's provider requests do not depend on it: the script's own thread
                // sends them (see `WaitingThreadExecutor`).
                _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            StandardStreams.shared.flush()
        } catch {
            let code = exitCode(for: error)
            let message = usageErrorMessage(error, from: ran) ?? negativeValueMessage(fullMessage(for: error), CommandLine.arguments) ?? fullMessage(for: error)
            if !message.isEmpty {
                StandardStreams.shared.write(message + "\n", to: code == .success ? .standardOutput : .standardError)
            }
            StandardStreams.shared.flush()
            let status = code == .validationFailure ? PayrunExitStatus.usage.rawValue : code.rawValue
            Self.exit(withError: status == 0 ? nil : ExitCode(status))
        }
    }

    /// A usage error a subcommand's `run` found, said with that subcommand's usage: ArgumentParser
    /// gives payrun's own (`Usage: payrun <subcommand>`) for an error thrown after parsing. Nil
    /// for any other error.
    static func usageErrorMessage(_ error: any Error, from ran: (any ParsableCommand.Type)?) -> String? {
        guard error is ValidationError, let ran, ran != Self.self else { return nil }
        let usage = usageString(for: ran)
        // `payrun credentials set <name> ...`: the command's words.
        let words = usage.split(separator: " ").prefix { !"<[-".contains($0.first ?? "-") }
        let name = words.isEmpty ? "payrun" : words.joined(separator: " ")
        return "Error: \(message(for: error))\nUsage: \(usage)\n  See '\(name) --help' for more information."
    }

    /// What to say when the first argument is not a command: ArgumentParser says only "2
    /// unexpected arguments" for `payrun runn x.lua`, and for `payrun x.lua`.
    static func unknownCommandMessage(_ arguments: ArraySlice<String>) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0.configuration.commandName ?? "" } + ["help"]
        guard !names.contains(first) else { return nil }
        if first.hasSuffix(".lua") || first.contains("/") {
            return "payrun: '\(first)' is not a command; to run a script: payrun run \(first)"
        }
        if let near = NearestName.to(first, among: names) {
            return "payrun: unknown command '\(first)' (did you mean '\(near)'?)"
        }
        return "payrun: unknown command '\(first)'; the commands are \(names.dropLast().joined(separator: ", ")) (payrun --help)"
    }

    /// ArgumentParser takes `-1` in `--timeout -1` for an option, and says the value is
    /// missing: said as the value it was.
    static func negativeValueMessage(_ message: String, _ arguments: [String]) -> String? {
        guard message.hasPrefix("Error: Missing value for '--") else { return nil }
        let option = message.dropFirst("Error: Missing value for '".count).prefix { $0 != " " && $0 != "'" }
        guard let at = arguments.firstIndex(of: String(option)), at + 1 < arguments.count,
            let value = Double(arguments[at + 1]), value < 0
        else { return nil }
        return "Error: \(option) \(arguments[at + 1]): the value cannot be negative"
    }
}
