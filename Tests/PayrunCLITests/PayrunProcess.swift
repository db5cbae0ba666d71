// Runs the built `payrun` executable as a user would, capturing what it prints.
import Foundation
import PayrunTestSupport

struct PayrunProcess {
    struct Result: Sendable {
        let status: Int32
        let standardOutput: String
        let standardError: String
        /// Both streams through one pipe, as a terminal or a log file sees them.
        let combined: String
    }

    /// The `payrun` built beside this test bundle.
    static let executable: URL = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundle.appendingPathComponent("payrun")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        // Fall back to the package's debug build.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/payrun")
    }()

    /// The package's root, where `scripts/` lives.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `payrun arguments...` with `input` on standard input, twice: once with the streams
    /// apart and once with both in one pipe.
    static func run(_ arguments: [String], input: String = "", environment: [String: String] = [:]) async throws -> Result {
        try await offThePool {
            let apart = try launch(arguments, input: input, environment: environment, merged: false)
            let merged = try launch(arguments, input: input, environment: environment, merged: true)
            return Result(status: apart.status, standardOutput: apart.output, standardError: apart.error, combined: merged.output)
        }
    }

    /// Runs `payrun arguments...` once, the streams apart: for runs whose effects must not happen twice.
    static func runOnce(_ arguments: [String], environment: [String: String] = [:], input: String = "") async throws -> Result {
        try await offThePool {
            let apart = try launch(arguments, input: input, environment: environment, merged: false)
            return Result(status: apart.status, standardOutput: apart.output, standardError: apart.error, combined: "")
        }
    }

    /// `payrun` started and left running, its output thrown away (its standard error into
    /// `errors` when given): for a test that kills it at a moment of its choosing.
    static func start(_ arguments: [String], environment: [String: String], errors: Pipe? = nil) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        if let errors { process.standardError = errors }
        try process.run()
        return process
    }

    private static func launch(
        _ arguments: [String], input: String, environment: [String: String], merged: Bool
    ) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Each launch keeps its runs in a store of its own, unless the test says which to share;
        // its own is removed once it exits.
        let ownState = environment["PAYRUN_STATE"] == nil ? TestFiles.path("payrun-test-state") : nil
        if let ownState { process.environment?["PAYRUN_STATE"] = ownState + "/state.db" }
        defer { if let ownState { try? FileManager.default.removeItem(atPath: ownState) } }
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let output = Pipe()
        let error = Pipe()
        let standardInput = Pipe()
        process.standardOutput = output
        process.standardError = merged ? output : error
        process.standardInput = standardInput
        try process.run()
        // A child that ends without reading all its input (a usage error, a script that never
        // reads) closes the pipe: that is not the test's failure, and `write(_:)` would trap on it.
        if !input.isEmpty { try? standardInput.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
        try standardInput.fileHandleForWriting.close()
        // Read before waiting, so a full pipe cannot stall the child.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = merged ? Data() : error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }
}
