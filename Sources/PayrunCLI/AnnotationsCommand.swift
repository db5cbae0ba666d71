// `payrun annotations`: writes the LuaLS library that editors read to complete payrun scripts.
import ArgumentParser
import PayrunProviders
import PayrunRuntime

import Glibc

struct AnnotationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "annotations",
        abstract: "Write the LuaLS annotations (---@meta) of everything payrun gives a script.",
        discussion: """
            Written from the functions payrun registers, so they match this payrun exactly. \
            scripts/library/payrun.lua is this output; point your editor's Lua language server at \
            its folder (see scripts/.luarc.json). Providers declared in providers/NAME.lua files \
            (in the current folder, each --lib folder and $XDG_CONFIG_HOME/payrun/providers/) are \
            included, with their own methods.
            """
    )

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    @Option(name: .customLong("lib"), help: ArgumentHelp("Also include the providers declared in this folder's providers/ (repeatable).", valueName: "path"))
    var libraryPaths: [String] = []

    @Flag(help: "Only payrun's own libraries and built-in providers (as scripts/library/payrun.lua is).")
    var builtInOnly = false

    func run() throws {
        let text: String
        let providers = builtInOnly ? BuiltInProviders.registry
            : try ScriptOptions.providers(scriptPath: nil, libraryPaths: libraryPaths, variables: ProcessEnvironment.variables())
        do {
            text = try LuaAnnotations.file(providers: providers)
        } catch {
            throw ValidationError("payrun's annotations do not match its functions:\n\(error.description)")
        }
        guard let output else {
            StandardStreams.shared.write(text, to: .standardOutput)
            return
        }
        guard let file = fopen(output, "w") else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
        let written = fputs(text, file) >= 0
        guard fclose(file) == 0, written else { throw ValidationError("cannot write \(output): \(String(cString: strerror(errno)))") }
    }
}
